"""Each results folder says how it was made, and results/INDEX.tsv lists every folder with its label and its
difference from the default config."""

import datetime as dt

import pandas as pd
import pytest
import yaml

from afgehaakt.configuration import default_config
from afgehaakt.runs import config_difference, describe_commit, record_invocation, scenario_label, write_index


@pytest.fixture(scope="module")
def default(repo):
    return default_config(repo)


def _record(root, name, config, *, configfiles=(), overrides=None, day=1):
    record_invocation(root / name, config=config, overrides=overrides or {}, configfiles=list(configfiles),
                      command=["snakemake", "--config", "outputs={language: nl}"], commit="abc123",
                      now=dt.datetime(2026, 12, day, tzinfo=dt.timezone.utc))


def test_the_folder_holds_the_config_and_every_invocation(tmp_path, default):
    config = {**default, "outputs": {**default["outputs"], "language": "nl"}}
    _record(tmp_path, "v1", config, overrides={"outputs": {"language": "nl"}})
    _record(tmp_path, "v1", config, day=2)
    assert yaml.safe_load((tmp_path / "v1/config.yaml").read_text()) == config
    invocations = yaml.safe_load((tmp_path / "v1/invocations.yaml").read_text())
    assert [entry["date"] for entry in invocations] == ["2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"]
    assert invocations[0]["command"] == "snakemake --config 'outputs={language: nl}'"
    assert invocations[0]["overrides"] == {"outputs": {"language": "nl"}}


def test_the_index_lists_every_folder_with_label_and_difference(tmp_path, default):
    _record(tmp_path, "a_default", default)
    _record(tmp_path, "b_dutch", {**default, "outputs": {**default["outputs"], "language": "nl"}}, day=2)
    _record(tmp_path, "c_scenario", {**default, "moran": {**default["moran"], "permutations": 99}},
            configfiles=["config/scenarios/quick.yaml"], day=3)
    _record(tmp_path, "d_named", {**default, "label": "my run", "elections": ["tk2021"]}, day=4)
    (tmp_path / "LATEST").write_text("a_default\n")
    index = pd.read_csv(write_index(tmp_path, default), sep="\t", keep_default_na=False)
    assert index["folder"].tolist() == ["a_default", "b_dutch", "c_scenario", "d_named"]
    assert index["label"].tolist() == ["default", "", "quick", "my run"]
    assert index["difference_from_default"].tolist() == [
        "none", "outputs.language=nl", "moran.permutations=99", "elections=[tk2021]"]
    assert index["commit"].unique().tolist() == ["abc123"]


def test_differences_name_removed_and_added_keys():
    assert config_difference({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "d": 3}}) == [
        "a.c=2 (not in default)", "a.d removed"]


def test_the_label_comes_from_the_last_scenario_file_not_the_default_config():
    assert scenario_label(["config/config.yaml"]) == ""
    assert scenario_label(["config/scenarios/small.yaml", "/tmp/dutch.yaml"]) == "dutch"


def test_a_dirty_tree_is_marked():
    assert describe_commit({"commit": "abc", "dirty": True}) == "abc +uncommitted changes"
    assert describe_commit({"commit": "unknown", "dirty": None}) == "unknown"
