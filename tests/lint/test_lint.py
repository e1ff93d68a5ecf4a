"""Snakemake's own linter and snakefmt keep the workflow in the shape of the snakemake-workflows template.

Its own level of the pyramid (`pytest -m lint`, part of `make test`): it reads the workflow, runs no job."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*command):
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)


def test_snakemake_lint_is_clean():
    completed = _run(sys.executable, "-m", "snakemake", "--lint")
    assert completed.returncode == 0 and "Congratulations" in completed.stdout + completed.stderr, completed.stdout


def test_snakefmt_check_is_clean():
    completed = _run(str(BIN / "snakefmt"), "--check", "Snakefile", "rules")
    assert completed.returncode == 0, completed.stderr
