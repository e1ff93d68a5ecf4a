"""Compare two results folders file by file: the check that a run elsewhere (a SLURM cluster, another machine)
reproduces the local run.

One comparison engine with ``make verify`` (:func:`afgehaakt.verify.output_difference`): files with equal SHA-256
are identical; otherwise figures compare by content, tables and JSON by value within the tolerance each output
declares (:mod:`afgehaakt.tolerances`), so that a difference in the last digits from another CPU is reported as
such and not as a different result; other files by their bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from afgehaakt.provenance import content_sha256, sha256_file
from afgehaakt.verify import fingerprint, output_difference, output_kind

# Folders that describe a run rather than its results: timings and logs differ between any two runs.
RUN_RECORDS = ("benchmarks", "logs")


@dataclass(frozen=True)
class FileComparison:
    path: str
    verdict: str  # identical | equal within tolerance | different | missing on one side
    detail: str = ""

    @property
    def agrees(self) -> bool:
        return self.verdict in ("identical", "equal within tolerance")


def result_files(root: str | Path) -> set[str]:
    """Relative paths of every result file under root, without run records and hidden files."""
    root = Path(root)
    files = set()
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and relative.parts[0] not in RUN_RECORDS and not relative.name.startswith("."):
            files.add(relative.as_posix())
    return files


def file_entry(path: Path) -> dict:
    """What the comparison needs of one file, as the manifest records it."""
    return {"kind": output_kind(path), "sha256": sha256_file(path), "content_sha256": content_sha256(path),
            "fingerprint": fingerprint(path)}


def compare_file(first_root: Path, second_root: Path, relative: str) -> FileComparison:
    first, second = first_root / relative, second_root / relative
    if not first.is_file() or not second.is_file():
        side = first_root if not first.is_file() else second_root
        return FileComparison(relative, "missing on one side", f"absent under {side}")
    if sha256_file(first) == sha256_file(second):
        return FileComparison(relative, "identical")
    difference = output_difference(relative, file_entry(second), file_entry(first))
    if difference is None:
        return FileComparison(relative, "equal within tolerance", "within the tolerance its estimator declares")
    return FileComparison(relative, "different", difference)


def compare_results(first_root: str | Path, second_root: str | Path) -> list[FileComparison]:
    """One comparison per result file found under either root, sorted by path (paths relative to the roots, which
    are results folders, so each output takes its declared tolerance)."""
    first_root, second_root = Path(first_root), Path(second_root)
    files = sorted(result_files(first_root) | result_files(second_root))
    return [compare_file(first_root, second_root, relative) for relative in files]
