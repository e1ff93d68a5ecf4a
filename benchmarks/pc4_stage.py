"""Wall and CPU time of the whole PC4 stage (rules/pc4.smk) as the default run executes it, on 2 cores.

Run from the repository root after the municipal boundaries exist (any default run, or
``.venv/bin/snakemake boundaries --profile workflow/profiles/default``):

    .venv/bin/python benchmarks/pc4_stage.py        # writes benchmarks/results/pc4_stage.json

The four PC4 jobs (pc4_areas, pc4_weights, pc4_analysis, pc4_maps) are forced to run again with ``--cores 2``;
wall time is that of the whole Snakemake call (DAG building included), CPU the user + system time of it and its
children. The load average before the call is stored with it (the machine is shared: under load, wall time
grows while CPU time stays), and so is every job's own Snakemake benchmark file.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

JOBS = ("pc4_areas", "pc4_weights", "pc4_analysis", "pc4_maps")


def run_stage() -> dict:
    command = [str(Path(sys.executable).with_name("snakemake")), "pc4_maps", "--profile", "workflow/profiles/default",
               "--cores", "2", "--forcerun", *JOBS]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    folder = re.search(r"results folder: (results/\S+)", completed.stderr).group(1)
    logs = Path(folder.replace("results/", "logs/", 1)) / "benchmarks"
    jobs = {job: pd.read_csv(logs / f"{job}.tsv", sep="\t").iloc[0][["s", "cpu_time", "max_rss"]].to_dict()
            for job in JOBS}
    return {
        "command": " ".join(command), "results_folder": folder, "loadavg_before": load,
        "wall_s": round(wall, 2),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
        "jobs": {job: {key: round(float(value), 2) for key, value in row.items()} for job, row in jobs.items()},
        "nproc": os.cpu_count(),
    }


if __name__ == "__main__":
    result = run_stage()
    target = Path("benchmarks/results/pc4_stage.json")
    runs = json.loads(target.read_text(encoding="utf-8")) if target.exists() else []
    runs.append(result | {"measured_at_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    target.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
