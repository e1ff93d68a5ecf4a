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


def _objects(node, path="config", definitions=None):
    definitions = node.get("$defs", {}) if definitions is None else definitions
    if isinstance(node, dict) and "$ref" in node:
        node = definitions[node["$ref"].rsplit("/", 1)[-1]]
    if isinstance(node, dict):
        if node.get("type") == "object" or "object" in node.get("type", []):
            yield path, node
        for key, child in node.get("properties", {}).items():
            yield from _objects(child, f"{path}.{key}", definitions)
        if "items" in node:
            yield from _objects(node["items"], f"{path}[]", definitions)


def test_default_config_is_valid(schema, config):
    assert _errors(schema, config) == []


def test_every_object_forbids_undeclared_keys(schema):
    objects = list(_objects(schema))
    assert len(objects) >= 20
    for path, node in objects:
        # A recode table maps arbitrary codes; its values are typed instead.
        if path.endswith(".recode"):
            assert node["additionalProperties"] == {"type": ["string", "number", "boolean"]}
            continue
        assert node.get("additionalProperties") is False, path


def test_schema_indicator_names_equal_the_codebook(schema):
    from afgehaakt.features.codebook import MUNICIPAL_INDICATORS

    assert schema["$defs"]["municipal_indicator"]["enum"] == [d.name for d in MUNICIPAL_INDICATORS]


def test_microdata_column_map_is_declared_key_by_key(schema, config):
    broken = copy.deepcopy(config)
    broken["survey"]["microdata"]["columns"] = {
        "municipality": {"source": "gemcode"}, "variables": {"trust": {"source": "v1", "rnage": [0, 10]}}}
    assert any("rnage" in error.message for error in _errors(schema, broken))


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
        (lambda c: c["multilevel"].update(failed_fit="ignore"), "ignore"),
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


def test_schema_count_files_equal_the_catalogue(schema, config):
    names = set(catalogue.election("tk2023").published_names)
    declared = schema["properties"]["acquisition"]["properties"]["kiesraad"]["properties"]["count_files"]
    assert set(declared["properties"]["tk2023"]["properties"]) == names
    assert set(config["acquisition"]["kiesraad"]["count_files"]["tk2023"]) == names


def test_every_config_key_used_by_the_workflow_is_declared(schema, repo):
    """Scan the Snakefile and rule files for config["a"]["b"]... and check each path against the schema."""
    import re

    access = re.compile(r'config((?:\[\s*"[A-Za-z_]+"\s*\])+)')
    used = set()
    for path in [repo / "Snakefile", *sorted((repo / "rules").glob("*.smk"))]:
        for match in access.finditer(path.read_text(encoding="utf-8")):
            used.add(tuple(re.findall(r'"([A-Za-z_]+)"', match.group(1))))
    assert len(used) > 20

    def declared(node, keys):
        for key in keys:
            if "$ref" in node:
                node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
            if key not in node.get("properties", {}):
                return False
            node = node["properties"][key]
        return True

    undeclared = sorted(".".join(keys) for keys in used if not declared(schema, keys))
    assert undeclared == []


def test_failed_fit_policies_are_those_of_the_package(schema):
    from afgehaakt.models.diagnostics import POLICIES

    assert tuple(schema["properties"]["multilevel"]["properties"]["failed_fit"]["enum"]) == POLICIES
