"""Command-line overrides: nested --config values typed by the schema, a --configfile overlay, and schema errors
that name the key path (with the nearest valid key) in a few lines instead of a dump of the config."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from afgehaakt.configuration import checked_config, config_problems, key_path, load_schema, type_by_schema
from afgehaakt.errors import InvalidConfigError
from afgehaakt.provenance import config_hash

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


@pytest.fixture(scope="module")
def schema():
    return load_schema(SCHEMA)


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))


def test_strings_become_the_numbers_and_booleans_the_schema_declares(schema, config):
    # What Snakemake's YAML base loader makes of --config moran='{permutations: 999, seed: 1, ...}'.
    config["moran"].update(permutations="999", seed="1", alternative="two-sided")
    typed = type_by_schema(config, schema)
    assert typed["moran"]["permutations"] == 999 and isinstance(typed["moran"]["permutations"], int)
    assert typed["moran"]["seed"] == 1
    assert typed["moran"]["alternative"] == "two-sided"
    assert config_problems(typed, schema) == []


def test_a_string_field_stays_a_string_and_a_non_number_stays_for_validation_to_report(schema, config):
    config["outputs"]["language"] = "nl"
    config["moran"]["permutations"] = "many"
    typed = type_by_schema(config, schema)
    assert typed["outputs"]["language"] == "nl"
    assert config_problems(typed, schema) == ["moran.permutations: 'many' is not of type 'integer'"]


def test_true_is_not_accepted_as_the_number_one(schema, config):
    config["moran"]["permutations"] = "true"
    assert type_by_schema(config, schema)["moran"]["permutations"] == "true"


def test_a_negative_permutation_count_gives_the_schemas_minimum(schema, config):
    config["moran"]["permutations"] = "-5"
    with pytest.raises(InvalidConfigError) as raised:
        checked_config(config, SCHEMA)
    assert raised.value.problems == ["moran.permutations: -5 is less than the minimum of 0"]


def test_a_misspelled_key_names_its_path_and_the_nearest_valid_key(schema, config):
    config["outputs"]["langauge"] = "nl"
    config["moranx"] = {}
    problems = config_problems(config, schema)
    assert problems == ["moranx: unknown key; did you mean 'moran'?",
                        "outputs.langauge: unknown key; did you mean 'outputs.language'?"]


def test_a_message_never_repeats_the_config(schema, config):
    config["survey"] = "oops"
    config["maps"] = list(range(500))
    message = str(pytest.raises(InvalidConfigError, checked_config, config, SCHEMA).value)
    assert len(message.splitlines()) <= 4 and len(message) < 600, message


def test_key_paths_show_list_positions():
    assert key_path(["elections", 2]) == "elections[2]"
    assert key_path([]) == "(top level)"


def test_a_label_names_a_run_without_changing_its_config_hash(config):
    assert config_hash({**config, "label": "dutch labels"}) == config_hash(config)


def _dry_run(*arguments):
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    snakemake = Path(sys.executable).with_name("snakemake")
    return subprocess.run([str(snakemake), "-n", "--cores", "1", "--quiet", "all", *arguments], cwd=REPO,
                          env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)


def test_the_readme_override_with_nested_numbers_plans_a_run():
    done = _dry_run("--config", "moran={permutations: 999, seed: 1, alternative: two-sided}")
    assert done.returncode == 0, done.stdout[-2000:]


def test_a_configfile_overlay_plans_a_run_and_a_bad_value_in_it_is_named(tmp_path):
    overlay = tmp_path / "dutch.yaml"
    overlay.write_text("outputs:\n  language: nl\nmoran:\n  permutations: 999\n", encoding="utf-8")
    assert _dry_run("--configfile", str(overlay)).returncode == 0
    overlay.write_text("moran:\n  permutations: -1\n", encoding="utf-8")
    failed = _dry_run("--configfile", str(overlay))
    assert failed.returncode != 0
    assert "moran.permutations: -1 is less than the minimum of 0" in failed.stdout
    assert len(failed.stdout.splitlines()) < 15, failed.stdout


def test_a_negative_count_on_the_command_line_fails_in_a_few_lines():
    failed = _dry_run("--config", "moran={permutations: -5}")
    assert failed.returncode != 0
    assert "moran.permutations: -5 is less than the minimum of 0" in failed.stdout
    assert len(failed.stdout.splitlines()) < 15, failed.stdout
