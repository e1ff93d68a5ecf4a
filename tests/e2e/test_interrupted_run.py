"""A run killed part-way (SIGKILL to Snakemake's whole process group) recovers on the next run.

What a researcher does after a crash, a power cut or ``kill -9``: ``snakemake --unlock`` (a killed Snakemake
cannot remove its lock) and then the same command again. The default profile sets ``rerun-incomplete: true``, so
jobs that were running when the process died are redone. The test checks that the recovered run completes, that
its ``results/<version>/manifest.tsv`` (path, size and SHA-256 of every output) is byte-identical to the one of an
uninterrupted run of the same files (the shared run of the test scenario, whose files this run copies), and that neither run leaves a ``*.part`` temporary (written
by ``afgehaakt.outputs.atomic_path`` and the downloader) in ``results/``. A temporary left by a job killed while
writing must be gone after the recovered run; one is planted after the kill to make that case deterministic.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

KILL_WHEN = "results/*/weights/queen_edges.parquet"
"""The run is killed as soon as this output exists (in the run's version folder): it is made early, after the
boundaries, while many jobs are still to run (and one or two are usually running)."""
TIMEOUT = 900
PLANTED_PART = "weights/.queen_summary.json.killed0.part"
"""What ``atomic_path`` leaves when a job is killed while writing (its ``finally`` never runs), relative to the
version folder. A kill rarely lands inside a write, so one such file is planted after the kill to make that case
deterministic."""


def _results(directory: Path) -> Path:
    """The run's version folder (there is one: both runs use the same code, config and data)."""
    [folder] = (directory / "results").glob("*/")
    return folder


def _part_files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in (directory / "results").rglob("*.part"))


@pytest.fixture(scope="module")
def uninterrupted(test_scenario) -> Path:
    return test_scenario.directory


@pytest.fixture(scope="module")
def interrupted(test_scenario, tmp_path_factory) -> dict:
    """Start a run, SIGKILL its process group once the weights exist, then unlock and run again."""
    workflow = test_scenario.fresh_copy(tmp_path_factory.mktemp("interrupted") / "afgehaakt")
    directory = workflow.directory
    log = (directory.parent / "killed_run.log").open("w", encoding="utf-8")
    process = subprocess.Popen(workflow.command(), cwd=directory, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True, env=workflow.environment)
    deadline = time.monotonic() + TIMEOUT
    try:
        while not list(directory.glob(KILL_WHEN)):
            if process.poll() is not None:
                pytest.fail(f"the run ended (code {process.returncode}) before {KILL_WHEN} appeared")
            if time.monotonic() > deadline:
                pytest.fail(f"{KILL_WHEN} did not appear within {TIMEOUT} s")
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # Snakemake and every job it started, without any clean-up
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
        log.close()
    state = {
        "directory": directory,
        "returncode": process.returncode,
        "manifest_at_kill": (_results(directory) / "manifest.tsv").exists(),
        "part_files_at_kill": _part_files(directory),
        "incomplete_markers_at_kill": sorted(
            p.name for p in (directory / ".snakemake/incomplete").glob("*") if p.is_file()
        ) if (directory / ".snakemake/incomplete").is_dir() else [],
    }
    planted = _results(directory) / PLANTED_PART
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(b"half a file")
    state["planted"] = planted.relative_to(directory).as_posix()
    state["unlock"] = workflow.snakemake("--unlock", timeout=TIMEOUT)
    state["rerun"] = workflow.snakemake(timeout=TIMEOUT)
    state["after_recovery"] = workflow.snakemake("--dry-run", timeout=TIMEOUT)
    return state


def test_the_run_was_really_killed_midway(interrupted):
    assert interrupted["returncode"] == -signal.SIGKILL
    assert not interrupted["manifest_at_kill"], "the run had finished before it was killed"


def test_unlock_after_the_kill_succeeds(interrupted):
    assert interrupted["unlock"].returncode == 0, interrupted["unlock"].stderr[-4000:]


def test_the_rerun_completes_and_had_work_to_do(interrupted):
    rerun = interrupted["rerun"]
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    assert "Nothing to be done" not in rerun.stdout + rerun.stderr
    assert (_results(interrupted["directory"]) / "manifest.tsv").exists()


def test_the_recovered_outputs_equal_those_of_an_uninterrupted_run(interrupted, uninterrupted):
    assert _results(interrupted["directory"]).name == _results(uninterrupted).name
    recovered = (_results(interrupted["directory"]) / "manifest.tsv").read_text(encoding="utf-8")
    reference = (_results(uninterrupted) / "manifest.tsv").read_text(encoding="utf-8")
    assert recovered == reference


def test_the_runs_themselves_leave_no_part_files(interrupted, uninterrupted):
    """Neither the uninterrupted run nor the recovery run leaves a temporary; only what the kill left (and the
    planted one) may still be there (next test)."""
    left_by_the_kill = {*interrupted["part_files_at_kill"], interrupted["planted"]}
    assert set(_part_files(interrupted["directory"])) <= left_by_the_kill
    assert _part_files(uninterrupted) == []


def test_no_part_file_left_by_the_kill_survives_the_rerun(interrupted):
    """The workflow's onstart handler (afgehaakt.outputs.remove_stale_temporaries) deletes what killed jobs left,
    the planted temporary included (seen without planting: results/interim/elections/.tk2021_totals.parquet.*.part
    survived the recovered run before that handler existed)."""
    assert _part_files(interrupted["directory"]) == []


def test_after_recovery_nothing_is_left_to_do(interrupted):
    completed = interrupted["after_recovery"]
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "Nothing to be done" in completed.stdout + completed.stderr
