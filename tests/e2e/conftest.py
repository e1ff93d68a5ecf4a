"""What every end-to-end test shares: copies of the workflow, Snakemake run in them, and the one run of the test
scenario (config/scenarios/test.yaml) that the tests of `make test` read.

The test scenario is the default DAG with fewer permutations and a tiny power grid, so one run of it exercises
every rule in a few minutes. Tests marked ``slow`` (the reproduction step, `make reproduce`) make runs of their
own: the default config twice, an interrupted run, scatter counts, the online acquisition route.
Helpers are fixtures here, never imported from another test module.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# The package is copied too and put first on PYTHONPATH, so that a run sees the code as it was when the test
# started, whatever happens to the working tree meanwhile.
WORKFLOW_PARTS = ["Snakefile", "rules", "scripts", "workflow", "config", "envs", "data", "afgehaakt"]
TEST_SCENARIO = ("config/scenarios/test.yaml",)
"""Config files layered on config/config.yaml for the shared run (paths relative to the copy)."""
TIMEOUT = 1800


class Workflow:
    """A copy of the workflow in its own directory, and Snakemake run there with its config files."""

    def __init__(self, directory: Path, configfiles: tuple[str, ...] = ()):
        self.directory = directory
        self.configfiles = configfiles

    def command(self, *arguments: str, configfiles: tuple[str, ...] | None = None) -> list[str]:
        """Targets and options first: --configfile takes every argument after it."""
        configfiles = self.configfiles if configfiles is None else configfiles
        return [sys.executable, "-m", "snakemake", "--cores", "2", "--profile", "workflow/profiles/default",
                *arguments, *(("--configfile", *configfiles) if configfiles else ())]

    @property
    def environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.directory)}

    def snakemake(self, *arguments: str, configfiles: tuple[str, ...] | None = None,
                  timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
        """Snakemake with these arguments and (unless given) the workflow's config files."""
        return subprocess.run(self.command(*arguments, configfiles=configfiles), cwd=self.directory,
                              capture_output=True, text=True, timeout=timeout, env=self.environment)

    def run(self, *arguments: str, configfiles: tuple[str, ...] | None = None) -> None:
        """A run that must succeed; its error output is the failure message otherwise."""
        completed = self.snakemake(*arguments, configfiles=configfiles)
        assert completed.returncode == 0, completed.stderr[-4000:]

    def results_folder(self, configfiles: tuple[str, ...] | None = None) -> Path:
        """The results folder a run with these config files writes to, as the workflow names it on a dry run."""
        completed = self.snakemake("--dry-run", "--quiet", configfiles=configfiles)
        assert completed.returncode == 0, completed.stderr[-4000:]
        announced = [line for line in completed.stderr.splitlines() if line.startswith("results folder: ")]
        return self.directory / announced[-1].removeprefix("results folder: ")

    def fresh_copy(self, target: Path) -> Workflow:
        """A copy of this workflow's files (not its results, logs or Snakemake state) with the same config files:
        a second run of exactly the code of the first, even if the checkout changes meanwhile."""
        return copy_workflow(target, self.configfiles, source=self.directory)

    def latest(self) -> Path:
        """The folder of the last complete run, as that run named it in results/LATEST."""
        return self.directory / "results" / (self.directory / "results/LATEST").read_text(encoding="utf-8").strip()


def copy_workflow(target: Path, configfiles: tuple[str, ...] = TEST_SCENARIO, source: Path = REPO) -> Workflow:
    target.mkdir(parents=True)
    for part in WORKFLOW_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source / part, target / part)
    return Workflow(target, configfiles)


@pytest.fixture(scope="session")
def new_workflow() -> Callable[..., Workflow]:
    """``new_workflow(target, configfiles=TEST_SCENARIO)``: a fresh copy of the repository's workflow at ``target``
    whose runs use ``configfiles`` (the test scenario unless given; ``()`` for the default config alone)."""
    return copy_workflow


@pytest.fixture(scope="session")
def test_scenario(tmp_path_factory) -> Workflow:
    """The one complete run of the test scenario that the end-to-end tests of `make test` share."""
    workflow = copy_workflow(tmp_path_factory.mktemp("test_scenario") / "afgehaakt")
    workflow.run()
    return workflow


@pytest.fixture(scope="session")
def test_config(test_scenario) -> dict:
    """What the test scenario sets on top of the default config (the values that tests of the shared run check)."""
    return yaml.safe_load((test_scenario.directory / TEST_SCENARIO[0]).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def results(test_scenario) -> Path:
    """The results folder of the shared run."""
    return test_scenario.latest()


@pytest.fixture(scope="session")
def manifest(results) -> dict:
    return json.loads((results / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sha256() -> Callable[[Path], str]:
    return lambda path: hashlib.sha256(path.read_bytes()).hexdigest()
