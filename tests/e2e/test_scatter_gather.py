"""Scatter-gather at workflow level: LISA and the power simulation gathered from 3 parts equal 1 part, byte for byte."""

from __future__ import annotations

import hashlib

import pytest
from test_workflow import _copy_workflow, _results_folder, _snakemake

pytestmark = pytest.mark.e2e

# Relative to the results folder, which differs between the two runs: scatter counts are part of the config.
GATHERED = ["tables/spatial/lisa.csv", "tables/power/power_preview.csv"]
# A tiny power grid: the check is about splitting, not about power.
OVERLAY = """power: {preview: {replicates: 3, municipalities: [20, 40], icc: [0.05], respondents_per_municipality: [5, 10],
  effects: [0.0, 0.1]}}
scatter: {lisa: PARTS, power: PARTS}
"""


def _run(directory, parts):
    overlay = directory / f"scatter_{parts}.yaml"
    overlay.write_text(OVERLAY.replace("PARTS", str(parts)), encoding="utf-8")
    results = _results_folder(directory, "--configfile", overlay.name)
    targets = [str((results / path).relative_to(directory)) for path in GATHERED]
    completed = _snakemake(directory, *targets, "--forcerun", "lisa", "power_analysis", "--configfile", overlay.name)
    assert completed.returncode == 0, completed.stderr[-4000:]
    digests = {path: hashlib.sha256((results / path).read_bytes()).hexdigest() for path in GATHERED}
    logs = {p.name for p in (directory / "logs" / results.name).rglob("*.log")
            if p.parent.name in ("lisa_part", "power_simulation")}
    return digests, logs, results


def test_three_parts_gather_to_the_bytes_of_one_part(tmp_path):
    directory = _copy_workflow(tmp_path / "afgehaakt")
    one, logs_one, _ = _run(directory, 1)
    three, logs_three, results = _run(directory, 3)
    assert logs_one == {"1-of-1.log"} and logs_three == {"1-of-3.log", "2-of-3.log", "3-of-3.log"}
    assert three == one
    # The parts are temporary: nothing of them is left in results/.
    assert not list((results / "interim").glob("lisa/*")) + list((results / "interim").glob("power/*"))
