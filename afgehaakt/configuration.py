"""The config as the workflow sees it: command-line values typed by the schema, errors that name the key path.

Snakemake reads a nested ``--config`` value such as ``moran='{permutations: 999}'`` with YAML's base loader, which
keeps every scalar as a string, so ``999`` would fail the schema as ``'999' is not of type 'integer'``.
:func:`type_by_schema` converts such strings where the schema asks for a number or a boolean (and only where the
string reads as one), before :func:`config_problems` checks the config. Each problem is one line that names the key
by its dotted path (``outputs.language``), says what the schema expects without repeating the config, and for a
misspelled key names the nearest declared one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml

from afgehaakt.errors import InvalidConfigError

_SHORT = 120
_SCALAR_TYPES = {"integer": int, "number": (int, float), "boolean": bool}


def load_schema(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _resolve(node: Mapping, root: Mapping) -> Mapping:
    """``node`` with a local ``$ref`` (``#/$defs/name``) replaced by what it points to."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Mapping = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _types(node: Mapping) -> list[str]:
    declared = node.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _typed_scalar(value: str, types: list[str]) -> object:
    """``value`` read as YAML when that gives one of the scalar ``types`` the schema wants; else unchanged."""
    if "string" in types or not any(name in _SCALAR_TYPES for name in types):
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    for name in types:
        wanted = _SCALAR_TYPES.get(name)
        # bool is an int in Python; a number field must not accept "true" as 1.
        if wanted and isinstance(parsed, wanted) and (name == "boolean") == isinstance(parsed, bool):
            return parsed
    return value


def type_by_schema(value: object, node: Mapping, root: Mapping | None = None) -> object:
    """``value`` with every string that the schema declares as a number or boolean converted (a new object).

    Objects follow ``properties`` (and ``additionalProperties`` when it is a schema), arrays follow ``items``;
    anything the schema does not describe is left as it is, for validation to report.
    """
    root = node if root is None else root
    node = _resolve(node, root)
    if not isinstance(node, Mapping):
        return value
    if isinstance(value, str):
        return _typed_scalar(value, _types(node))
    if isinstance(value, Mapping):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        typed = {}
        for key, item in value.items():
            child = properties.get(key, extra if isinstance(extra, Mapping) else None)
            typed[key] = item if child is None else type_by_schema(item, child, root)
        return typed
    if isinstance(value, list) and isinstance(node.get("items"), Mapping):
        return [type_by_schema(item, node["items"], root) for item in value]
    return value


def key_path(parts) -> str:
    """``['moran', 'permutations']`` -> ``moran.permutations``; list positions as ``[0]``."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def _describe(error: jsonschema.ValidationError) -> list[str]:
    """One line per problem in ``error``: the key path first, then what was found and what is expected."""
    path = key_path(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        declared = list(error.schema.get("properties", {}))
        lines = []
        for key in sorted(set(error.instance) - set(declared)):
            where = key_path([*error.absolute_path, key])
            close = difflib.get_close_matches(str(key), declared, n=1, cutoff=0.6)
            hint = f"did you mean {key_path([*error.absolute_path, close[0]])!r}?" if close else (
                f"valid keys here: {', '.join(declared)}")
            lines.append(f"{where}: unknown key; {hint}")
        if lines:
            return lines
    if error.validator == "required":
        missing = re.match(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return [f"{key_path([*error.absolute_path, name])}: required key is missing"]
    if error.validator == "type":
        return [f"{path}: {_short(error.instance)} is not of type {error.validator_value!r}"]
    if error.validator == "enum":
        return [f"{path}: {_short(error.instance)} is not one of {error.validator_value}"]
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [f"{path}: {_short(error.instance)} is {error.message.split(' is ', 1)[-1]}"]
    message = error.message if len(error.message) <= 2 * _SHORT else f"{_short(error.instance)} fails '{error.validator}'"
    return [f"{path}: {message}"]


def config_problems(config: Mapping, schema: Mapping) -> list[str]:
    """Every way ``config`` breaks ``schema``, one line each, sorted by key path."""
    validator = jsonschema.Draft202012Validator(schema)
    lines = [line for error in validator.iter_errors(config) for line in _describe(error)]
    return sorted(set(lines))


def checked_config(config: Mapping, schema_path: str | Path, *, source: str = "config") -> dict:
    """``config`` typed by the schema (:func:`type_by_schema`); :class:`InvalidConfigError` listing every problem if it
    does not validate. Defaults are not filled in here (Snakemake's ``validate`` does that afterwards)."""
    schema = load_schema(schema_path)
    typed = type_by_schema(dict(config), schema)
    problems = config_problems(typed, schema)
    if problems:
        raise InvalidConfigError(f"{source}, checked against {Path(schema_path).as_posix()}", problems)
    return typed


def with_defaults(config: Mapping, node: Mapping, root: Mapping | None = None) -> dict:
    """``config`` with the schema's ``default`` filled in for every absent key of every object present, as
    Snakemake's ``validate`` does (a new object)."""
    root = node if root is None else root
    node = _resolve(node, root)
    filled = dict(config)
    for key, child in node.get("properties", {}).items():
        child = _resolve(child, root)
        if key not in filled and "default" in child:
            filled[key] = child["default"]
        if isinstance(filled.get(key), Mapping):
            filled[key] = with_defaults(filled[key], child, root)
    return filled


def default_config(workflow_dir: str | Path, *, config_file: str = "config/config.yaml",
                   schema_file: str = "workflow/schemas/config.schema.yaml") -> dict:
    """The checkout's default config as a run without overrides sees it: checked, with the defaults filled in."""
    base = Path(workflow_dir)
    config = yaml.safe_load((base / config_file).read_text(encoding="utf-8"))
    return with_defaults(checked_config(config, base / schema_file, source=config_file), load_schema(base / schema_file))
