"""Real survey microdata in a standard shape: column map, validation, code harmonisation, counted exclusions.

A column map comes from config as a plain dict, for example::

    {
      "municipality": {"source": "gemcode"},
      "weight": {"source": "weegfactor"},
      "variables": {
        "trust": {"source": "vertrouwen", "missing": [99, -1], "range": [0, 10]},
        "education": {"source": "opleiding", "recode": {"1": "low", "2": "low", "3": "middle", "4": "high"},
                      "missing": [9]},
        "female": {"source": "geslacht", "recode": {"1": 0, "2": 1}},
        "age": {"source": "leeftijd", "range": [18, 110]},
      },
    }

Rules:

* Every cell is compared as text (``3``, ``3.0`` and ``"3"`` are the same code), so codes from YAML match whatever
  the file holds.
* An empty cell or a declared missing-value code is *missing*. Rows missing any mapped variable, the municipality
  or (if mapped) the weight are excluded and counted by reason; nothing is dropped silently. Set
  ``"required": false`` on a variable to keep its missing values as NA instead.
* Anything else that does not fit is an error (:class:`InputDataError` naming file, field and row): a value that is
  neither a recode key nor a missing code, a non-number, a value outside ``range``, an unreadable municipality
  code, a municipality absent from the membership table, a non-positive weight.
* Municipality codes are harmonised with :func:`afgehaakt.codes.normalise_code` (GM0014, G0014, 0014, 14).
* ``level`` chooses the grouping unit: ``municipality`` or a region (``corop``, ``province``) looked up in a
  membership table (municipality code -> region). The unit is in column ``group``.
* Design weights are carried through in ``design_weight`` (1.0 and ``weights_supplied=False`` if none mapped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.codes import normalise_code
from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.io.text import read_delimited

STANDARD_VARIABLES = {
    "trust": "numeric",
    "turnout": "binary",
    "education": "education",
    "low_income": "binary",
    "poor_health": "binary",
    "age": "numeric",
    "female": "binary",
}
"""The standard variables a column map may produce, and their type."""
EDUCATION_LEVELS = ("low", "middle", "high")
LEVELS = ("municipality", "corop", "province")
_VARIABLE_KEYS = {"source", "recode", "missing", "range", "required"}


@dataclass(frozen=True)
class VariableMap:
    """How one source column becomes one standard variable."""

    target: str
    source: str
    recode: tuple[tuple[str, object], ...] = ()
    missing: tuple[str, ...] = ()
    valid_range: tuple[float, float] | None = None
    required: bool = True


@dataclass(frozen=True)
class ColumnMap:
    """The whole mapping of a microdata file onto the standard variables."""

    municipality: str
    variables: tuple[VariableMap, ...]
    weight: str | None = None
    municipality_missing: tuple[str, ...] = ()


def column_map_from_config(config: dict, *, key: str = "microdata") -> ColumnMap:
    """Build a :class:`ColumnMap` from its config dict; a misspelled or unknown key is a :class:`ConfigError`."""
    unknown = set(config) - {"municipality", "weight", "variables"}
    if unknown:
        raise ConfigError(f"{key}.{sorted(unknown)[0]}", "unknown key; use municipality, weight, variables")
    if "municipality" not in config or "source" not in config["municipality"]:
        raise ConfigError(f"{key}.municipality", "needs a 'source' column")
    variables = []
    for target, spec in (config.get("variables") or {}).items():
        where = f"{key}.variables.{target}"
        if target not in STANDARD_VARIABLES:
            raise ConfigError(where, f"unknown standard variable; use one of {sorted(STANDARD_VARIABLES)}")
        extra = set(spec) - _VARIABLE_KEYS
        if extra:
            raise ConfigError(f"{where}.{sorted(extra)[0]}", f"unknown key; use {sorted(_VARIABLE_KEYS)}")
        if "source" not in spec:
            raise ConfigError(where, "needs a 'source' column")
        valid_range = spec.get("range")
        if valid_range is not None and (len(valid_range) != 2 or valid_range[0] > valid_range[1]):
            raise ConfigError(f"{where}.range", "needs [low, high] with low <= high")
        recode = tuple((_as_text(k), v) for k, v in (spec.get("recode") or {}).items())
        if STANDARD_VARIABLES[target] == "education":
            bad = [v for _, v in recode if v not in EDUCATION_LEVELS]
            if not recode or bad:
                raise ConfigError(f"{where}.recode", f"must map every code to one of {EDUCATION_LEVELS}")
        variables.append(
            VariableMap(
                target=target,
                source=str(spec["source"]),
                recode=recode,
                missing=tuple(_as_text(m) for m in spec.get("missing") or ()),
                valid_range=None if valid_range is None else (float(valid_range[0]), float(valid_range[1])),
                required=bool(spec.get("required", True)),
            )
        )
    weight = config.get("weight")
    return ColumnMap(
        municipality=str(config["municipality"]["source"]),
        municipality_missing=tuple(_as_text(m) for m in config["municipality"].get("missing") or ()),
        variables=tuple(variables),
        weight=None if weight is None else str(weight["source"]),
    )


@dataclass(frozen=True)
class Microdata:
    """The harmonised respondents and an account of every row left out."""

    table: pd.DataFrame
    exclusions: pd.DataFrame = field(repr=False)
    """One row per excluded source row: row, reason, field, value (the first reason found for that row)."""
    n_read: int
    level: str
    weights_supplied: bool
    source: str

    @property
    def n_kept(self) -> int:
        return len(self.table)

    def exclusion_counts(self) -> pd.DataFrame:
        """Counts by reason and field, with totals that add up to ``n_read - n_kept``."""
        if self.exclusions.empty:
            return pd.DataFrame({"reason": [], "field": [], "count": []})
        counts = self.exclusions.groupby(["reason", "field"], sort=True).size().rename("count").reset_index()
        return counts


def read_microdata(
    path: str | Path,
    column_map: ColumnMap,
    *,
    level: str = "municipality",
    membership: pd.DataFrame | None = None,
) -> Microdata:
    """Read, validate and harmonise a CSV or parquet file of respondents (see the module docstring).

    ``membership`` has columns ``municipality`` (any code spelling) and ``region``; it is required unless
    ``level`` is ``municipality``.
    """
    if level not in LEVELS:
        raise ConfigError("microdata.level", f"unknown level {level!r}; use one of {LEVELS}")
    path = Path(path)
    raw = _read_as_text(path)
    needed = [column_map.municipality] + [v.source for v in column_map.variables]
    needed += [column_map.weight] if column_map.weight else []
    missing_columns = [c for c in needed if c not in raw.columns]
    if missing_columns:
        raise InputDataError(path, f"missing column(s) {missing_columns}; the file has {list(raw.columns)[:15]}",
                             field=missing_columns[0], row=1 if path.suffix != ".parquet" else None)
    excluded: dict[object, tuple[str, str, str]] = {}

    def exclude(rows, reason, field_name):
        for row in rows:
            excluded.setdefault(row, (reason, field_name, str(raw.at[row, field_name])))

    municipality_text = raw[column_map.municipality]
    absent = _is_missing(municipality_text, column_map.municipality_missing)
    exclude(raw.index[absent], "missing municipality", column_map.municipality)
    codes = pd.Series(pd.NA, index=raw.index, dtype="string")
    for row in raw.index[~absent]:
        value = municipality_text.at[row]
        try:
            codes.at[row] = normalise_code(value)
        except ValueError:
            raise InputDataError(path, f"unreadable municipality code {value!r}", field=column_map.municipality,
                                 row=row, expected="GM0014, G0014, 0014 or 14") from None
    out = pd.DataFrame({"municipality": codes}, index=raw.index)

    for variable in column_map.variables:
        values, absent = _standardise(raw[variable.source], variable, path)
        if variable.required:
            exclude(raw.index[absent], "missing value", variable.source)
        out[variable.target] = values

    if column_map.weight:
        text = raw[column_map.weight]
        absent = _is_missing(text, ())
        exclude(raw.index[absent], "missing design weight", column_map.weight)
        weights = _to_numbers(text.where(~absent), column_map.weight, path)
        bad = weights.index[(weights <= 0) & ~absent]
        if len(bad):
            raise InputDataError(path, f"design weight {text.at[bad[0]]!r} is not positive", field=column_map.weight,
                                 row=bad[0], expected="a positive number")
        out["design_weight"] = weights
    else:
        out["design_weight"] = 1.0

    if level == "municipality":
        out["group"] = out["municipality"]
    else:
        if membership is None:
            raise ConfigError("microdata.level", f"level {level!r} needs a membership table")
        lookup = _membership_lookup(membership)
        for row in out.index[out["municipality"].notna()]:
            code = out.at[row, "municipality"]
            if code not in lookup:
                raise InputDataError(path, f"municipality {code} is not in the {level} membership table",
                                     field=column_map.municipality, row=row,
                                     expected="a 2021 municipality listed in the membership table")
        out["group"] = out["municipality"].map(lookup).astype("string")
    out["level"] = level

    keep = ~out.index.isin(list(excluded))
    table = _derive_model_variables(out.loc[keep].copy())
    exclusions = pd.DataFrame(
        [(row, *details) for row, details in excluded.items()], columns=["row", "reason", "field", "value"]
    ).sort_values("row", kind="stable", ignore_index=True)
    return Microdata(
        table=table,
        exclusions=exclusions,
        n_read=len(raw),
        level=level,
        weights_supplied=column_map.weight is not None,
        source=str(path),
    )


def _read_as_text(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputDataError(path, "the file does not exist")
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        # Rows are counted from 1, as a researcher would count records in the file.
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="record")
        return frame.apply(lambda column: column.map(_as_text, na_action="ignore")).astype(object)
    return read_delimited(path)


def _as_text(value: object) -> str:
    """One text form for a code: integral numbers without a decimal part, everything stripped."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and "e" not in text.lower() else text


def _is_missing(text: pd.Series, missing_codes: tuple[str, ...]) -> np.ndarray:
    as_text = text.map(lambda v: _as_text(v) if isinstance(v, str) or not pd.isna(v) else "", na_action=None)
    return (as_text.eq("") | as_text.isin(missing_codes)).to_numpy()


def _to_numbers(text: pd.Series, field_name: str, path: Path) -> pd.Series:
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.index[numbers.isna() & text.notna() & text.astype("string").str.len().gt(0).fillna(False)]
    if len(bad):
        raise InputDataError(path, f"value {text.at[bad[0]]!r} is not a number", field=field_name, row=bad[0],
                             expected="a number or a declared missing-value code")
    return numbers.astype(float)


def _standardise(text: pd.Series, variable: VariableMap, path: Path) -> tuple[pd.Series, np.ndarray]:
    absent = _is_missing(text, variable.missing)
    kind = STANDARD_VARIABLES[variable.target]
    present = text.where(~absent)
    if variable.recode:
        mapping = dict(variable.recode)
        codes = present.map(lambda v: _as_text(v), na_action="ignore")
        unknown = codes.index[codes.notna() & ~codes.isin(list(mapping))]
        if len(unknown):
            raise InputDataError(path, f"code {text.at[unknown[0]]!r} is neither recoded nor a missing-value code",
                                 field=variable.source, row=unknown[0],
                                 expected=f"one of {sorted(mapping)} or missing {list(variable.missing)}")
        values = codes.map(mapping, na_action="ignore")
    else:
        values = present
    if kind == "education":
        return values.astype("string"), absent
    numbers = _to_numbers(values, variable.source, path)
    if kind == "binary":
        bad = numbers.index[numbers.notna() & ~numbers.isin([0.0, 1.0])]
        if len(bad):
            raise InputDataError(path, f"value {text.at[bad[0]]!r} does not give 0 or 1", field=variable.source,
                                 row=bad[0], expected="0/1 after recoding")
    if variable.valid_range is not None:
        low, high = variable.valid_range
        bad = numbers.index[numbers.notna() & ((numbers < low) | (numbers > high))]
        if len(bad):
            raise InputDataError(path, f"value {text.at[bad[0]]!r} outside the valid range", field=variable.source,
                                 row=bad[0], expected=f"a value in [{low:g}, {high:g}] or a missing-value code")
    return numbers, absent


def _membership_lookup(membership: pd.DataFrame) -> dict[str, str]:
    for column in ("municipality", "region"):
        if column not in membership.columns:
            raise InputDataError("membership table", f"missing column {column!r}", field=column)
    lookup: dict[str, str] = {}
    for row, (code, region) in membership[["municipality", "region"]].iterrows():
        try:
            key = normalise_code(code)
        except ValueError:
            raise InputDataError("membership table", f"unreadable municipality code {code!r}",
                                 field="municipality", row=row) from None
        if key in lookup and lookup[key] != str(region):
            raise InputDataError("membership table", f"municipality {key} is in two regions", field="region", row=row)
        lookup[key] = str(region)
    return lookup


def _derive_model_variables(table: pd.DataFrame) -> pd.DataFrame:
    """Model columns: education dummies (high is the reference) and age in decades from 50."""
    if "education" in table.columns:
        table["edu_low"] = (table["education"] == "low").astype("Int64")
        table["edu_middle"] = (table["education"] == "middle").astype("Int64")
    if "age" in table.columns:
        table["age10"] = (table["age"] - 50.0) / 10.0
    for name, kind in STANDARD_VARIABLES.items():
        if kind == "binary" and name in table.columns:
            table[name] = table[name].astype("Int64")
    return table
