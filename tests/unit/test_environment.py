"""The one conda environment of the rules (envs/afgehaakt.yaml) is the lock file's, and every rule uses it.

Conda cannot be reached from the machines that test this project, so the file is checked, not solved: it must
be exactly what afgehaakt.environment generates from requirements.lock (regenerate with `make envs`).
"""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from afgehaakt.environment import PACKAGE_FROM_CONDA_PREFIX, conda_environment, locked_pins

ENVIRONMENT = "envs/afgehaakt.yaml"


def test_the_environment_file_is_generated_from_the_lock(repo):
    expected = conda_environment((repo / "requirements.lock").read_text(encoding="utf-8"))
    assert (repo / ENVIRONMENT).read_text(encoding="utf-8") == expected, "run `make envs` and commit envs/"


def test_envs_holds_only_the_one_environment(repo):
    assert sorted(p.name for p in (repo / "envs").iterdir()) == ["afgehaakt.yaml"]


def test_every_rule_that_declares_an_environment_declares_the_one_environment(repo):
    declared = {}
    for rule_file in sorted((repo / "rules").glob("*.smk")):
        for match in re.finditer(r"^\s+conda:\s*\n\s+(\S+)", rule_file.read_text(encoding="utf-8"), re.MULTILINE):
            declared.setdefault(match[1], []).append(rule_file.name)
    assert set(declared) == {f'"../{ENVIRONMENT}"'}, declared


def test_the_environment_installs_the_package_and_every_declared_dependency_at_the_locked_version(repo):
    environment = yaml.safe_load((repo / ENVIRONMENT).read_text(encoding="utf-8"))
    [pip] = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    assert f"--editable {PACKAGE_FROM_CONDA_PREFIX}" in pip
    pinned = {line.split("==")[0].lower(): line for line in pip if "==" in line}
    project = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement)[0].lower()
        assert name in pinned, f"{name} (pyproject.toml) is not in {ENVIRONMENT}"
    assert "python=3.11" in environment["dependencies"]


def test_a_lock_without_pins_is_refused():
    with pytest.raises(ValueError, match="requirements.lock: no 'name==version' lines"):
        locked_pins("# nothing here\n")


def test_pins_keep_the_lock_order_and_drop_hashes_and_comments():
    lock = "b-pkg==2.0 \\\n    --hash=sha256:00\n    # via a\na_pkg==1.0.post1 ; python_version >= '3'\n"
    assert locked_pins(lock) == ["b-pkg==2.0", "a_pkg==1.0.post1"]
