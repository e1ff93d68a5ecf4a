"""Measured resources per rule, from the benchmark files every rule writes (logs/benchmarks/).

Run after a workflow run, from the repository root:

    .venv/bin/python benchmarks/rule_resources.py            # Markdown table on stdout

Per rule: jobs, the largest wall time (s), CPU time (s) and peak resident memory (max_rss, MB) of any of its
jobs. Declared ``mem_mb`` and ``runtime`` (minutes) in rules/*.smk should stay above these with a margin.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def measured(directory: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(directory.rglob("*.tsv")):
        rule = path.relative_to(directory).parts[0].removesuffix(".tsv")
        rows.append(pd.read_csv(path, sep="\t").assign(rule=rule))
    table = pd.concat(rows, ignore_index=True)
    return table.groupby("rule").agg(jobs=("s", "size"), max_wall_s=("s", "max"), max_cpu_s=("cpu_time", "max"),
                                     max_rss_mb=("max_rss", "max")).round(1)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("logs/benchmarks")
    print(measured(root).to_markdown())
