"""The config schema: complete, strict at every level, and in step with the data catalogue."""

import copy

import jsonschema
import pytest
import yaml

from afgehaakt import catalogue


@pytest.fixture(scope="module")
def schema(repo):
    return yaml.safe_load((repo / "workflow/schemas/config.schema.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config(repo):
    return yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))


def _errors(schema, config):
    return list(jsonschema.Draft202012Validator(schema).iter_errors(config))


def _objects(node, path="config"):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for key, child in node.get("properties", {}).items():
            yield from _objects(child, f"{path}.{key}")
        if "items" in node:
            yield from _objects(node["items"], f"{path}[]")


def test_default_config_is_valid(schema, config):
    assert _errors(schema, config) == []


def test_every_object_forbids_undeclared_keys(schema):
    objects = list(_objects(schema))
    assert len(objects) >= 7
    for path, node in objects:
        assert node.get("additionalProperties") is False, path


def test_every_config_key_is_declared(schema, config):
    def keys(node, prefix=""):
        for key, value in node.items():
            yield f"{prefix}{key}"
            if isinstance(value, dict):
                yield from keys(value, f"{prefix}{key}.")

    declared = set()
    for path, node in _objects(schema):
        stem = path.removeprefix("config").lstrip(".")
        declared |= {f"{stem}.{k}".lstrip(".") for k in node.get("properties", {})}
    assert set(keys(config)) <= declared


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c["moran"].update(permutatons=99), "permutatons"),
        (lambda c: c.update(elektions=["tk2021"]), "elektions"),
        (lambda c: c["moran"].update(permutations="many"), "many"),
        (lambda c: c.update(elections=["tk2022"]), "tk2022"),
        (lambda c: c["weights"]["island_policy"].update(method="bridges"), "bridges"),
        (lambda c: c["moran"].update(alternative="bigger"), "bigger"),
    ],
)
def test_a_bad_key_or_value_is_refused_and_named(schema, config, edit, named):
    broken = copy.deepcopy(config)
    edit(broken)
    errors = _errors(schema, broken)
    assert errors and any(named in error.message for error in errors)


def test_schema_elections_equal_the_catalogue(schema):
    assert set(schema["properties"]["elections"]["items"]["enum"]) == set(catalogue.ELECTIONS)
    assert set(schema["properties"]["boundary_year"]["enum"]) == set(catalogue.BOUNDARIES)
