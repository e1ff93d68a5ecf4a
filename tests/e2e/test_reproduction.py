"""The reproduction step (`make reproduce`, CI's step after `make test`): two independent runs of the default
config give byte-identical outputs, and every output agrees with the committed expected manifest
(tests/reference/expected_manifest.json) through afgehaakt.verify, as `make verify` checks it.

Regenerate the expected manifest with `make expected-manifest` when a change is meant to change results.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from afgehaakt.verify import verify_manifest

pytestmark = pytest.mark.slow

EXPECTED_MANIFEST = Path(__file__).resolve().parents[2] / "tests/reference/expected_manifest.json"
DEFAULT_CONFIG = ()
"""No config file layered on config/config.yaml."""


@pytest.fixture(scope="module")
def default_runs(new_workflow, tmp_path_factory):
    """Two independent runs of the default config, both copied before either runs."""
    workflows = [new_workflow(tmp_path_factory.mktemp(name) / "afgehaakt", DEFAULT_CONFIG)
                 for name in ("first", "second")]
    for workflow in workflows:
        workflow.run()
    return workflows


def test_two_runs_give_byte_identical_outputs(default_runs):
    first, second = (workflow.latest() for workflow in default_runs)
    assert first.name == second.name
    for name in ("manifest.tsv", "manifest.json"):
        assert (first / name).read_text(encoding="utf-8") == (second / name).read_text(encoding="utf-8")


def test_every_output_agrees_with_the_expected_manifest(default_runs):
    manifest = json.loads((default_runs[0].latest() / "manifest.json").read_text(encoding="utf-8"))
    expected = json.loads(EXPECTED_MANIFEST.read_text(encoding="utf-8"))
    assert verify_manifest(manifest, expected) == []


def test_the_default_run_uses_the_default_inference(default_runs):
    """The published numbers come from 9,999 permutations with the config's seed (the test scenario uses 99)."""
    moran = pd.read_csv(default_runs[0].latest() / "tables/spatial/tk2021_global_moran.csv")
    assert set(moran["permutations"]) == {9999} and set(moran["seed"]) == {20210317}
    assert set(moran["alternative"]) == {"greater"}


def test_a_rerun_of_the_default_config_has_nothing_to_do(default_runs):
    completed = default_runs[0].snakemake("--dry-run")
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert "Nothing to be done" in completed.stdout + completed.stderr
