"""Compare two results folders (see afgehaakt.compare); print one line per file; exit 1 on any difference.

usage: compare_results.py FIRST_RESULTS SECOND_RESULTS
"""

import sys

from afgehaakt.compare import compare_results


def main(first: str, second: str) -> int:
    comparisons = compare_results(first, second)
    for comparison in comparisons:
        print(f"{comparison.verdict:24s} {comparison.path}" + (f"  ({comparison.detail})" if comparison.detail else ""))
    disagreeing = [c for c in comparisons if not c.agrees]
    print(f"{len(comparisons)} files compared, {len(comparisons) - len(disagreeing)} agree, {len(disagreeing)} differ")
    return 1 if disagreeing or not comparisons else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
