"""Do a run's outputs equal the expected ones? Compare two manifests output by output and name what changed.

Each output is compared by its kind (:func:`output_kind`):

``figure`` (``.png``, ``.pdf``)
    equal if the SHA-256 is equal or the *content* hash is (:func:`afgehaakt.provenance.content_sha256`: PNG
    pixels, PDF without its information dictionary), so that provenance metadata (the commit, input hashes) may
    differ but a changed pixel or drawn object may not.
``table`` (``.csv``, ``.tsv``, ``.parquet``) and ``json``
    equal if the SHA-256 is equal, or if the fingerprints (:func:`fingerprint`) agree: the same columns, rows and
    text, and numbers within the tolerance. The tolerance is the one its estimator declares
    (:mod:`afgehaakt.tolerances`: closed form, iterative with its convergence criterion, printed; log-likelihoods
    always to 1e-6 absolute), per column, as recorded in the expected manifest. It applies per cell,
    ``|actual - expected| <= atol + rtol * |expected|``, and is carried to the column statistics of the
    fingerprint (count, sum, weighted sum, minimum, maximum) by the triangle inequality, so a change within it
    never fails. A change beyond it fails when it exceeds the summed tolerance of its column; a JSON document
    with at most :data:`JSON_VALUES_KEPT` numbers keeps each one and names the value that differs.
``bytes`` (everything else: Markdown, LaTeX)
    equal if the SHA-256 is equal.

An output missing from the run, or made by the run but not expected, is a difference too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.tolerances import NumericalTolerance, TableTolerance, tolerance_for


def _allows(tolerance: NumericalTolerance, actual: float, expected: float, *, scale: float,
            cells: float = 1.0) -> bool:
    """``|actual - expected| <= atol * cells + rtol * scale``; equal values (infinities too) always pass."""
    if actual == expected or (math.isnan(actual) and math.isnan(expected)):
        return True
    return abs(actual - expected) <= tolerance.atol * cells + tolerance.rtol * scale


JSON_VALUES_KEPT = 200
_FIGURES = {".png", ".pdf"}
_TABLES = {".csv", ".tsv", ".parquet"}
_WEIGHT_PERIOD = 97
"""Row weights 1..97 in the weighted sum, so that rows that swap values change the fingerprint."""
_TEXT_NA = "\0NA"


def output_kind(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _FIGURES:
        return "figure"
    if suffix in _TABLES:
        return "table"
    return "json" if suffix == ".json" else "bytes"


# ----------------------------------------------------------------------------------------------------------------
# Fingerprints


def fingerprint(path: str | Path) -> dict | None:
    """The values of a table or JSON document in a compact, comparable form; None for other kinds."""
    kind = output_kind(path)
    if kind == "table":
        return _table_fingerprint(_read_table(path))
    if kind == "json":
        return _json_fingerprint(json.loads(Path(path).read_text(encoding="utf-8")))
    return None


def _read_table(path: str | Path) -> pd.DataFrame:
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", low_memory=False)


def _is_number_column(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _number_statistics(values: np.ndarray) -> dict[str, float]:
    present = values[~np.isnan(values)]
    weights = (np.flatnonzero(~np.isnan(values)) % _WEIGHT_PERIOD + 1).astype(float)
    finite = np.isfinite(present)
    return {
        "count": int(present.size),
        "sum": float(present.sum()),
        "weighted_sum": float(weights @ present) if present.size else 0.0,
        "abs_sum": float(np.abs(present[finite]).sum()),
        "weighted_abs_sum": float(weights[finite] @ np.abs(present[finite])) if present.size else 0.0,
        "weight_sum": float(weights.sum()),
        "min": float(present.min()) if present.size else math.nan,
        "max": float(present.max()) if present.size else math.nan,
    }


def _text_sha256(values) -> str:
    text = "\x1f".join(_TEXT_NA if _missing(v) else _as_text(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays and other containers are never "missing"
        return False


def _as_text(value) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


def _table_fingerprint(table: pd.DataFrame) -> dict:
    numbers, text = {}, {}
    for name in table.columns:
        column = table[name]
        if _is_number_column(column):
            numbers[str(name)] = _number_statistics(column.to_numpy(dtype=float, na_value=np.nan))
        else:
            text[str(name)] = _text_sha256(column.tolist())
    return {"rows": len(table), "columns": [str(c) for c in table.columns], "numbers": numbers, "text": text}


def _leaves(document, pointer: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(document, Mapping):
        for key in sorted(document):
            yield from _leaves(document[key], f"{pointer}/{key}")
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield from _leaves(item, f"{pointer}/{index}")
    else:
        yield pointer or "/", document


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_fingerprint(document) -> dict:
    leaves = list(_leaves(document))
    numbers = {pointer: float(value) for pointer, value in leaves if _is_number(value)}
    text = [f"{pointer}={json.dumps(value)}" for pointer, value in leaves if not _is_number(value)]
    fingerprint = {"text": _text_sha256(text), "pointers": _text_sha256(numbers)}
    if len(numbers) <= JSON_VALUES_KEPT:
        fingerprint["values"] = numbers
    else:
        fingerprint["numbers"] = _number_statistics(np.array(list(numbers.values()), dtype=float))
    return fingerprint


# ----------------------------------------------------------------------------------------------------------------
# Comparison


def _statistics_differ(name: str, actual: dict, expected: dict, tolerance: NumericalTolerance) -> str | None:
    """The first statistic of a number column outside the tolerance carried from the cells, or None."""
    if actual["count"] != expected["count"]:
        return f"{name}: {actual['count']} values, expected {expected['count']}"
    abs_scale = max(actual["abs_sum"], expected["abs_sum"])
    weighted_scale = max(actual["weighted_abs_sum"], expected["weighted_abs_sum"])
    bounds = {
        "sum": dict(scale=abs_scale, cells=expected["count"]),
        "weighted_sum": dict(scale=weighted_scale, cells=expected["weight_sum"]),
        "min": dict(scale=abs(expected["min"])),
        "max": dict(scale=abs(expected["max"])),
    }
    for statistic, bound in bounds.items():
        if not _allows(tolerance, actual[statistic], expected[statistic], **bound):
            return (f"{name}: {statistic} {actual[statistic]!r}, expected {expected[statistic]!r} "
                    f"(tolerance rtol {tolerance.rtol:g}, atol {tolerance.atol:g}: {tolerance.basis})")
    return None


def _table_difference(actual: dict, expected: dict, tolerance: TableTolerance) -> str | None:
    if actual["columns"] != expected["columns"]:
        missing = [c for c in expected["columns"] if c not in actual["columns"]]
        extra = [c for c in actual["columns"] if c not in expected["columns"]]
        return f"columns differ (missing {missing}, unexpected {extra}, or another order)"
    if actual["rows"] != expected["rows"]:
        return f"{actual['rows']} rows, expected {expected['rows']}"
    for name in expected["columns"]:
        if name in expected["text"]:
            if actual["text"].get(name) != expected["text"][name]:
                return f"column {name!r}: text or type differs"
        elif name not in actual["numbers"]:
            return f"column {name!r}: no longer numeric"
        elif found := _statistics_differ(f"column {name!r}", actual["numbers"][name], expected["numbers"][name],
                                         tolerance.for_column(name)):
            return found
    return None


def _json_difference(actual: dict, expected: dict, tolerance: TableTolerance) -> str | None:
    if actual["pointers"] != expected["pointers"]:
        return "the numbers sit at other places (keys or list lengths differ)"
    if actual["text"] != expected["text"]:
        return "a text, boolean or null value differs"
    if "values" in expected:
        for pointer, value in expected["values"].items():
            if not _allows(tolerance.for_column(pointer), actual["values"][pointer], value, scale=abs(value)):
                return f"value at {pointer}: {actual['values'][pointer]!r}, expected {value!r}"
        return None
    return _statistics_differ("numbers", actual["numbers"], expected["numbers"], tolerance.default)


def expected_tolerance(path: str, expected: dict) -> TableTolerance:
    """The tolerance recorded for ``path`` in the expected manifest, or (for a manifest from before tolerances were
    recorded) the one its estimator declares now."""
    record = expected.get("tolerance")
    return TableTolerance.from_record(record) if record else tolerance_for(path)


def output_difference(path: str, actual: dict, expected: dict) -> str | None:
    """What differs between two manifest entries of the output at ``path`` (see the module docstring), or None."""
    if actual["sha256"] == expected["sha256"]:
        return None
    kind = expected["kind"]
    if kind == "figure":
        return None if actual["content_sha256"] == expected["content_sha256"] else "the figure's content differs"
    if kind == "table":
        return _table_difference(actual["fingerprint"], expected["fingerprint"], expected_tolerance(path, expected))
    if kind == "json":
        return _json_difference(actual["fingerprint"], expected["fingerprint"], expected_tolerance(path, expected))
    return "the bytes differ"


def compare_outputs(actual: Mapping[str, dict], expected: Mapping[str, dict], *,
                    only_expected: str = "missing (expected, but the run did not make it)",
                    only_actual: str = "unexpected (made by the run, not in the expected manifest)") -> list[str]:
    """One line per differing output (``path: what``), sorted by path; empty when the outputs agree. An output on
    one side only is named with ``only_expected`` or ``only_actual``."""
    differences = []
    for path in sorted(set(actual) | set(expected)):
        if path not in actual:
            differences.append(f"{path}: {only_expected}")
        elif path not in expected:
            differences.append(f"{path}: {only_actual}")
        elif found := output_difference(path, actual[path], expected[path]):
            differences.append(f"{path}: {found}")
    return differences


# ----------------------------------------------------------------------------------------------------------------
# The expected manifest

EXPECTED_FIELDS = ("kind", "sha256", "content_sha256", "fingerprint")
"""What the expected manifest keeps of each output: no paths of inputs, commits or versions, which change with
every commit without changing a result."""


def expected_manifest(manifest: Mapping) -> dict:
    """The expected manifest for ``manifest.json`` of a run: per output only what verification compares, and for
    tables and JSON documents the tolerance declared for them (:func:`afgehaakt.tolerances.tolerance_for`)."""
    return {
        "config_sha256": manifest["config_sha256"],
        "data_sha256": manifest["data_sha256"],
        "outputs": {path: _expected_entry(path, entry) for path, entry in sorted(manifest["outputs"].items())},
    }


def _expected_entry(path: str, entry: Mapping) -> dict:
    kept = {field: entry[field] for field in EXPECTED_FIELDS}
    if entry["kind"] in ("table", "json"):
        kept["tolerance"] = tolerance_for(path).record()
    return kept


def verify_manifest(manifest: Mapping, expected: Mapping) -> list[str]:
    """Differences between a run's manifest and the expected manifest; a different config is one too."""
    differences = []
    if manifest["config_sha256"] != expected["config_sha256"]:
        differences.append(f"config: hash {manifest['config_sha256'][:12]} is not the expected "
                           f"{expected['config_sha256'][:12]} (the expected manifest is for the default config)")
    return differences + compare_outputs(manifest["outputs"], expected["outputs"])


def _load(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m afgehaakt.verify", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser("compare", help="compare a run's manifest.json with the expected manifest")
    compare.add_argument("manifest")
    compare.add_argument("expected")
    write = commands.add_parser("expected", help="write the expected manifest from a run's manifest.json")
    write.add_argument("manifest")
    write.add_argument("output")
    options = parser.parse_args(arguments)
    if options.command == "expected":
        document = expected_manifest(_load(options.manifest))
        Path(options.output).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {options.output}: {len(document['outputs'])} outputs from {options.manifest}")
        return 0
    differences = verify_manifest(_load(options.manifest), _load(options.expected))
    for line in differences:
        print(line, file=sys.stderr)
    if differences:
        print(f"verify: {len(differences)} output(s) differ from {options.expected}", file=sys.stderr)
        return 1
    print(f"verify: every output of {options.manifest} agrees with {options.expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
