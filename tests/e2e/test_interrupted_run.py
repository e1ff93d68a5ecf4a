"""A run killed part-way (SIGKILL to Snakemake's whole process group) recovers on the next run.

What a researcher does after a crash, a power cut or ``kill -9``: ``snakemake --unlock`` (a killed Snakemake
cannot remove its lock) and then the same command again. The default profile sets ``rerun-incomplete: true``, so
jobs that were running when the process died are redone. The test checks that the recovered run completes, that
its ``results/<version>/manifest.tsv`` (path, size and SHA-256 of every output) is byte-identical to the one of an
uninterrupted run in another copy of the same files, and that neither run leaves a ``*.part`` temporary (written
by ``afgehaakt.outputs.atomic_path`` and the downloader) in ``results/``. A temporary left by a job killed while
writing must be gone after the recovered run; one is planted after the kill to make that case deterministic.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_PARTS = ["Snakefile", "rules", "scripts", "workflow", "config", "envs", "data"]
KILL_WHEN = "results/*/weights/queen_edges.parquet"
"""The run is killed as soon as this output exists (in the run's version folder): it is made early, after the
boundaries, while many jobs are still to run (and one or two are usually running)."""
TIMEOUT = 900
PLANTED_PART = "weights/.queen_summary.json.killed0.part"
"""What ``atomic_path`` leaves when a job is killed while writing (its ``finally`` never runs), relative to the
version folder. A kill rarely lands inside a write, so one such file is planted after the kill to make that case
deterministic."""


def _copy_workflow(target: Path) -> Path:
    target.mkdir(parents=True)
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)
    return target


def _command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--cores", "2", "--profile", "workflow/profiles/default", *arguments]


def _snakemake(directory: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*arguments), cwd=directory, capture_output=True, text=True, timeout=TIMEOUT)


def _results(directory: Path) -> Path:
    """The run's version folder (there is one: both runs use the same code, config and data)."""
    [folder] = (directory / "results").glob("*/")
    return folder


def _part_files(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in (directory / "results").rglob("*.part"))


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """One copy of the workflow, taken once, from which both runs start (so they run the same files even while
    the checkout is being edited)."""
    return _copy_workflow(tmp_path_factory.mktemp("source") / "afgehaakt")


def _copy_of(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="module")
def uninterrupted(source, tmp_path_factory) -> Path:
    directory = _copy_of(source, tmp_path_factory.mktemp("uninterrupted") / "afgehaakt")
    completed = _snakemake(directory)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return directory


@pytest.fixture(scope="module")
def interrupted(source, tmp_path_factory) -> dict:
    """Start a run, SIGKILL its process group once the weights exist, then unlock and run again."""
    directory = _copy_of(source, tmp_path_factory.mktemp("interrupted") / "afgehaakt")
    log = (directory.parent / "killed_run.log").open("w", encoding="utf-8")
    process = subprocess.Popen(_command(), cwd=directory, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
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
    state["unlock"] = _snakemake(directory, "--unlock")
    state["rerun"] = _snakemake(directory)
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
    completed = _snakemake(interrupted["directory"], "--dry-run")
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "Nothing to be done" in completed.stdout + completed.stderr
