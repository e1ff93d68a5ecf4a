"""The README's paths exist and its commands work: every shell block is marked as run here or skipped with a
reason, and each block marked `run` (offline, seconds) is run in a copy of the repository."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"(?P<marker><!-- readme-test: (?P<verdict>run|skip \([^)]+\)) -->\n)?```sh\n(?P<body>.*?)```",
                   re.S)
REPOSITORY_PATHS = ("afgehaakt/", "rules/", "scripts/", "tests/", "workflow/", "config/", "data/", "docs/",
                    "benchmarks/", "envs/", "Snakefile", "Makefile", "pyproject.toml", "requirements.")
SECONDS_PER_COMMAND = 30
BIN = Path(sys.executable).parent


def _blocks():
    return [(match["verdict"], match["body"]) for match in BLOCK.finditer(README)]


def _commands(body: str) -> list[str]:
    """The block's commands without their trailing comments (``  # ...``), continuation lines joined."""
    joined = body.replace("\\\n", " ")
    return [re.split(r"\s{2,}# ", line)[0].strip() for line in joined.splitlines() if line.strip()]


def test_every_shell_block_says_whether_it_runs_here():
    blocks = _blocks()
    assert len(blocks) == README.count("```sh") and len(blocks) >= 6
    unmarked = [body.splitlines()[0] for verdict, body in blocks if verdict is None]
    assert unmarked == [], "add <!-- readme-test: run --> or <!-- readme-test: skip (reason) --> before these"
    assert sum(verdict == "run" for verdict, _ in blocks) >= 3


def test_every_repository_path_in_the_readme_exists():
    named = set(re.findall(r"`([^`\s]+)`", README)) | set(re.findall(r"\]\(([^)#\s]+)\)", README))
    paths = {name.split(":")[0].rstrip("/,.") for name in named
             if name.startswith(REPOSITORY_PATHS) and not any(c in name for c in "<*{")}
    assert len(paths) > 30
    assert sorted(path for path in paths if not (REPO / path).exists()) == []


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """A copy of the repository without results, logs or Snakemake's state, so commands cannot touch them."""
    copy = tmp_path_factory.mktemp("readme") / "afgehaakt"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", "results", "logs", ".snakemake", ".venv",
                                                              "private", "resources", "__pycache__"))
    (copy / "results").mkdir()
    return copy


def _local(command: str) -> str:
    """The command with `.venv/bin/` pointing at this interpreter's environment; the `afgehaakt` entry point
    (installed by `make install`) through the module it runs."""
    command = command.replace(".venv/bin/afgehaakt", "\0cli").replace(".venv/bin/", f"{BIN}/")
    return command.replace("\0cli", f"{shlex.quote(sys.executable)} -m afgehaakt.cli")


@pytest.mark.parametrize("command", [command for verdict, body in _blocks() if verdict == "run"
                                     for command in _commands(body)])
def test_a_runnable_readme_command_works_offline_in_seconds(command, checkout):
    started = time.monotonic()
    done = subprocess.run(["bash", "-c", _local(command)], cwd=checkout, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(checkout)})
    elapsed = time.monotonic() - started
    assert done.returncode == 0, f"{command}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    assert elapsed < SECONDS_PER_COMMAND, f"{command} took {elapsed:.0f} s"
