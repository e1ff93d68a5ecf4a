"""Scatter-gather at workflow level: LISA and the power simulation gathered from 3 parts equal 1 part, byte for byte."""

from __future__ import annotations

import hashlib

import pytest

pytestmark = pytest.mark.slow

# Relative to the results folder, which differs between the two runs: scatter counts are part of the config.
GATHERED = ["tables/spatial/lisa.csv", "tables/power/power_preview.csv"]
# A tiny power grid: the check is about splitting, not about power.
OVERLAY = """power: {preview: {replicates: 3, municipalities: [20, 40], icc: [0.05], respondents_per_municipality: [5, 10],
  effects: [0.0, 0.1]}}
scatter: {lisa: PARTS, power: PARTS}
"""


def _run(workflow, parts):
    """The gathered tables made from ``parts`` parts, on the test scenario with this overlay."""
    directory = workflow.directory
    overlay = directory / f"scatter_{parts}.yaml"
    overlay.write_text(OVERLAY.replace("PARTS", str(parts)), encoding="utf-8")
    configfiles = (*workflow.configfiles, overlay.name)
    results = workflow.results_folder(configfiles)
    targets = [str((results / path).relative_to(directory)) for path in GATHERED]
    workflow.run(*targets, "--forcerun", "lisa", "power_analysis", configfiles=configfiles)
    digests = {path: hashlib.sha256((results / path).read_bytes()).hexdigest() for path in GATHERED}
    logs = {p.name for p in (directory / "logs" / results.name).rglob("*.log")
            if p.parent.name in ("lisa_part", "power_simulation")}
    return digests, logs, results


def test_three_parts_gather_to_the_bytes_of_one_part(new_workflow, tmp_path):
    workflow = new_workflow(tmp_path / "afgehaakt")
    one, logs_one, _ = _run(workflow, 1)
    three, logs_three, results = _run(workflow, 3)
    assert logs_one == {"1-of-1.log"} and logs_three == {"1-of-3.log", "2-of-3.log", "3-of-3.log"}
    assert three == one
    # The parts are temporary: nothing of them is left in results/.
    assert not list((results / "interim").glob("lisa/*")) + list((results / "interim").glob("power/*"))
