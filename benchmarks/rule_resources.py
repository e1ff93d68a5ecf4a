"""Measured resources per rule, from the benchmark files every rule writes (logs/<version>/benchmarks/).

Run after a workflow run, from the repository root:

    .venv/bin/python benchmarks/rule_resources.py                       # the run that results/LATEST names
    .venv/bin/python benchmarks/rule_resources.py logs/<version>/benchmarks  # another run

Per rule: jobs, the largest wall time (s), CPU time (s) and peak resident memory (max_rss, MB) of any of its
jobs. Declared ``mem_mb`` and ``runtime`` (minutes) in rules/*.smk should stay above these with a margin.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def latest_benchmarks(results_root: Path = Path("results")) -> Path:
    """logs/<version>/benchmarks of the last complete run (the version that results/LATEST names)."""
    latest = results_root / "LATEST"
    if not latest.is_file():
        sys.exit(f"no {latest}: run the workflow first (make run), or name a benchmarks folder")
    return Path("logs") / latest.read_text(encoding="utf-8").strip() / "benchmarks"


def measured(directory: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(directory.rglob("*.tsv")):
        rule = path.relative_to(directory).parts[0].removesuffix(".tsv")
        rows.append(pd.read_csv(path, sep="\t").assign(rule=rule))
    if not rows:
        sys.exit(f"no benchmark files (*.tsv) under {directory}")
    table = pd.concat(rows, ignore_index=True)
    return table.groupby("rule").agg(jobs=("s", "size"), max_wall_s=("s", "max"), max_cpu_s=("cpu_time", "max"),
                                     max_rss_mb=("max_rss", "max")).round(1)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else latest_benchmarks()
    print(measured(root).to_markdown())
