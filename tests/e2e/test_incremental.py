"""Incremental rebuilds: after a completed run, a change in one package module reruns exactly the jobs whose
scripts import it (and the jobs that consume their outputs), and a docstring or comment reruns nothing.

The "completed run" is made cheaply and without computing anything: in a temporary copy of the workflow (with
its own copy of the package, first on PYTHONPATH, so that the rules' code digests are taken over the copy), the
outputs of a few targets and everything upstream of them are created empty and then recorded by
``snakemake --touch --forceall``, which stores each job's metadata (its parameters, among them the rule's
``code`` digest) exactly as a real run does. Each case then edits one module of the copy, asks Snakemake for a
dry run of the same targets, and restores the module. The targets are one map (choropleth), one Moran
scatterplot and one global Moran table, with their upstream: boundaries, municipalities, the election's results,
harmonisation and indicators, and the contiguity weights.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_PARTS = ["Snakefile", "rules", "scripts", "workflow", "config", "envs", "data", "afgehaakt"]
TIMEOUT = 600
TARGETS = ["figures/maps/tk2023_turnout.png", "figures/moran/tk2023_turnout_scatter.png",
           "tables/spatial/tk2023_global_moran.csv"]
UPSTREAM = {"boundaries", "municipalities", "election_results", "harmonise_election", "election_indicators",
            "contiguity_weights"}
ROW = re.compile(r"^(?P<rule>[A-Za-z_]\w*)\s+(?P<count>\d+)$")


def _snakemake(directory: Path, *arguments: str) -> subprocess.CompletedProcess:
    completed = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", *arguments], cwd=directory,
                               capture_output=True, text=True, timeout=TIMEOUT,
                               env={**os.environ, "PYTHONPATH": str(directory)})
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed


def _results_folder(directory: Path) -> str:
    completed = _snakemake(directory, "--dry-run", "--quiet", "all")
    [folder] = re.findall(r"results folder: (results/\S+)", completed.stderr)
    return folder


@pytest.fixture(scope="module")
def completed(tmp_path_factory) -> tuple[Path, list[str]]:
    """A copy of the workflow in which the targets and their upstream are up to date, with metadata."""
    directory = tmp_path_factory.mktemp("incremental") / "afgehaakt"
    directory.mkdir()
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, directory / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, directory / part)
    folder = _results_folder(directory)
    targets = [f"{folder}/{target}" for target in TARGETS]
    summary = _snakemake(directory, "--summary", *targets).stdout.splitlines()
    for line in summary[1:]:
        path = directory / line.split("\t")[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    _snakemake(directory, "--touch", "--forceall", *targets)
    return directory, targets


def scheduled(directory: Path, targets: list[str]) -> dict[str, int]:
    """The jobs per rule that a dry run of ``targets`` schedules (empty when nothing is to be done)."""
    output = _snakemake(directory, *targets, "--dry-run", "--quiet", "rules").stdout
    jobs = {match["rule"]: int(match["count"]) for line in output.splitlines() if (match := ROW.match(line.strip()))}
    jobs.pop("total", None)
    return jobs


def scheduled_after(completed, module: str, edit) -> dict[str, int]:
    """What a dry run schedules after ``edit`` (text -> text) of ``module`` in the copy; the module is restored."""
    directory, targets = completed
    path = directory / module
    original = path.read_text(encoding="utf-8")
    edited = edit(original)
    assert edited != original, f"the edit of {module} changed nothing"
    path.write_text(edited, encoding="utf-8")
    try:
        return scheduled(directory, targets)
    finally:
        path.write_text(original, encoding="utf-8")


def add_statement(text: str) -> str:
    return text + "\n_INCREMENTAL_PROBE = 1\n"


def reword_docstring_and_comment(text: str) -> str:
    """The module docstring gets a word more and the module a comment: no statement changes."""
    assert text.startswith('"""')
    return '"""Reworded: ' + text[3:] + "\n# A comment added by the incremental-rebuild test.\n"


def test_a_completed_run_schedules_nothing(completed):
    assert scheduled(*completed) == {}


def test_a_plotting_module_reruns_only_the_figures_that_import_it(completed):
    # afgehaakt/plotting/scatter.py draws the Moran scatterplot; the map does not import it.
    assert scheduled_after(completed, "afgehaakt/plotting/scatter.py", add_statement) == {"moran_scatterplot": 1}


def test_the_shared_figure_style_reruns_every_figure_and_nothing_else(completed):
    jobs = scheduled_after(completed, "afgehaakt/plotting/style.py", add_statement)
    assert jobs == {"choropleth": 1, "moran_scatterplot": 1}


def test_moran_reruns_the_moran_jobs_and_what_depends_on_them(completed):
    # global_moran imports afgehaakt.spatial.moran; the scatterplot reads its table; the map and the upstream
    # jobs do not depend on it.
    jobs = scheduled_after(completed, "afgehaakt/spatial/moran.py", add_statement)
    assert jobs == {"global_moran": 1, "moran_scatterplot": 1}
    assert not set(jobs) & UPSTREAM


@pytest.mark.parametrize("module", ["afgehaakt/cli.py", "afgehaakt/spatial/moran.py",
                                    "afgehaakt/plotting/scatter.py"])
def test_a_docstring_or_comment_reruns_nothing(completed, module):
    # cli.py is imported by no rule; moran.py and scatter.py are, and still nothing reruns.
    assert scheduled_after(completed, module, reword_docstring_and_comment) == {}
