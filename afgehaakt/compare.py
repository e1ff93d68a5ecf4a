"""Compare two results folders file by file: the check that a run elsewhere (a SLURM cluster, another machine)
reproduces the local run.

Outputs are deterministic, so equal SHA-256 is the expectation. A CSV table whose bytes differ is compared
again by value (same columns and rows, numbers within a relative tolerance), so that a difference in the last
printed digit from another CPU is reported as such and not as a different result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.provenance import sha256_file
from afgehaakt.verify import TOLERANCE, Tolerance

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


def compare_tables(first: str | Path, second: str | Path, *, tolerance: Tolerance) -> str:
    """Empty when two CSV tables hold the same cells (numbers within tolerance per cell), else what differs first."""
    a, b = pd.read_csv(first, dtype=str, keep_default_na=False), pd.read_csv(second, dtype=str, keep_default_na=False)
    if list(a.columns) != list(b.columns):
        return f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    if len(a) != len(b):
        return f"row counts differ: {len(a)} vs {len(b)}"
    for column in a.columns:
        left, right = pd.to_numeric(a[column], errors="coerce"), pd.to_numeric(b[column], errors="coerce")
        numeric = left.notna() & right.notna()
        text_differs = (a[column] != b[column]) & ~numeric
        if text_differs.any():
            row = int(np.flatnonzero(text_differs.to_numpy())[0])
            return f"column {column!r}, row {row + 1}: {a[column].iloc[row]!r} vs {b[column].iloc[row]!r}"
        close = np.isclose(left[numeric], right[numeric], rtol=tolerance.rtol, atol=tolerance.atol, equal_nan=True)
        if not close.all():
            row = int(np.flatnonzero(numeric.to_numpy())[np.flatnonzero(~close)[0]])
            return f"column {column!r}, row {row + 1}: {left.iloc[row]!r} vs {right.iloc[row]!r}"
    return ""


def compare_file(first_root: Path, second_root: Path, relative: str, *, tolerance: Tolerance) -> FileComparison:
    first, second = first_root / relative, second_root / relative
    if not first.is_file() or not second.is_file():
        side = first_root if not first.is_file() else second_root
        return FileComparison(relative, "missing on one side", f"absent under {side}")
    if sha256_file(first) == sha256_file(second):
        return FileComparison(relative, "identical")
    if first.suffix == ".csv":
        difference = compare_tables(first, second, tolerance=tolerance)
        if not difference:
            return FileComparison(relative, "equal within tolerance", f"rtol {tolerance.rtol}, atol {tolerance.atol}")
        return FileComparison(relative, "different", difference)
    return FileComparison(relative, "different", "SHA-256 differs")


def compare_results(first_root: str | Path, second_root: str | Path, *,
                    tolerance: Tolerance = TOLERANCE) -> list[FileComparison]:
    """One comparison per result file found under either root, sorted by path; numbers agree within the same
    per-cell tolerance as `make verify` (afgehaakt.verify.TOLERANCE)."""
    first_root, second_root = Path(first_root), Path(second_root)
    files = sorted(result_files(first_root) | result_files(second_root))
    return [compare_file(first_root, second_root, relative, tolerance=tolerance) for relative in files]
