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

Formats: CSV (any of ``;`` ``,``), parquet, SPSS ``.sav`` and Stata ``.dta`` (read with pyreadstat). In ``.sav``
files the user-missing values a variable declares (discrete codes and ranges) are missing whatever the map says;
in ``.dta`` files the extended missing values (``.a`` ... ``.z``) are. Value labels name the reason of each such
exclusion (``missing value: Refusal``). Missing codes in the map may be a list, or a mapping from reason to codes
(``{refusal: [77], dont_know: [88], no_answer: [99]}``, the ESS convention), which then names the reason.

A variable may combine several items: ``source: [trstprl, trstplt, trstprt, trstlgl]`` is the mean of the items,
each read with the variable's recode, missing codes and range; a respondent missing any item is excluded (the
first missing item is named). A file without municipality codes maps a ``region`` column instead
(``region: {source: region, level: province, coding: nuts}``): NUTS-2 codes (NUTS 2016/2021; a NUTS-3 code is
read by its NUTS-2 prefix) become the province names of the municipal tables; ``coding: name`` takes province
names as they are.
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
_REGION_KEYS = {"source", "level", "coding", "missing"}
NUTS2_PROVINCES = {
    "NL11": "Groningen", "NL12": "Fryslân", "NL13": "Drenthe", "NL21": "Overijssel", "NL22": "Gelderland",
    "NL23": "Flevoland", "NL31": "Utrecht", "NL32": "Noord-Holland", "NL33": "Zuid-Holland", "NL34": "Zeeland",
    "NL41": "Noord-Brabant", "NL42": "Limburg",
}
"""NUTS-2 regions of the Netherlands (NUTS 2016 and 2021) are the twelve provinces, named as in the municipal
tables (CBS spelling, Fryslân)."""


@dataclass(frozen=True)
class VariableMap:
    """How one source column becomes one standard variable."""

    target: str
    source: str
    recode: tuple[tuple[str, object], ...] = ()
    missing: tuple[str, ...] = ()
    valid_range: tuple[float, float] | None = None
    required: bool = True
    items: tuple[str, ...] = ()
    """Several source columns averaged into one variable (``source`` is then the first)."""
    missing_reasons: tuple[tuple[str, str], ...] = ()
    """Missing code -> reason (refusal, dont_know, no_answer, ...) where the map names them."""

    @property
    def sources(self) -> tuple[str, ...]:
        return self.items or (self.source,)


@dataclass(frozen=True)
class RegionMap:
    """A region column for files without municipality codes."""

    source: str
    level: str
    coding: str = "nuts"
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnMap:
    """The whole mapping of a microdata file onto the standard variables."""

    municipality: str | None
    variables: tuple[VariableMap, ...]
    weight: str | None = None
    municipality_missing: tuple[str, ...] = ()
    region: RegionMap | None = None


def column_map_from_config(config: dict, *, key: str = "microdata") -> ColumnMap:
    """Build a :class:`ColumnMap` from its config dict; a misspelled or unknown key is a :class:`ConfigError`."""
    unknown = set(config) - {"municipality", "weight", "variables", "region"}
    if unknown:
        raise ConfigError(f"{key}.{sorted(unknown)[0]}", "unknown key; use municipality, region, weight, variables")
    if "municipality" in config and "source" not in (config["municipality"] or {}):
        raise ConfigError(f"{key}.municipality", "needs a 'source' column")
    if "municipality" not in config and "region" not in config:
        raise ConfigError(f"{key}.municipality", "needs a 'source' column (or map a 'region' column instead)")
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
        sources = spec["source"] if isinstance(spec["source"], list) else [spec["source"]]
        if not sources or (len(sources) > 1 and STANDARD_VARIABLES[target] != "numeric"):
            raise ConfigError(f"{where}.source", "several items can be averaged only into a numeric variable")
        missing, reasons = _missing_codes(spec.get("missing"), f"{where}.missing")
        variables.append(
            VariableMap(
                target=target,
                source=str(sources[0]),
                recode=recode,
                missing=missing,
                valid_range=None if valid_range is None else (float(valid_range[0]), float(valid_range[1])),
                required=bool(spec.get("required", True)),
                items=tuple(str(item) for item in sources) if len(sources) > 1 else (),
                missing_reasons=reasons,
            )
        )
    weight = config.get("weight")
    municipality = config.get("municipality")
    return ColumnMap(
        municipality=None if municipality is None else str(municipality["source"]),
        municipality_missing=() if municipality is None else _missing_codes(
            municipality.get("missing"), f"{key}.municipality.missing")[0],
        variables=tuple(variables),
        weight=None if weight is None else str(weight["source"]),
        region=None if "region" not in config else _region_map(config["region"], f"{key}.region"),
    )


def _missing_codes(spec, where: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Missing codes as text, from a list or a mapping reason -> codes (the reasons kept per code)."""
    if spec is None:
        return (), ()
    if isinstance(spec, dict):
        reasons = tuple((_as_text(code), str(reason)) for reason, codes in spec.items() for code in codes)
        return tuple(code for code, _ in reasons), reasons
    if isinstance(spec, list):
        return tuple(_as_text(code) for code in spec), ()
    raise ConfigError(where, "expected a list of codes or a mapping from reason to codes")


def _region_map(spec: dict, where: str) -> RegionMap:
    extra = set(spec) - _REGION_KEYS
    if extra:
        raise ConfigError(f"{where}.{sorted(extra)[0]}", f"unknown key; use {sorted(_REGION_KEYS)}")
    if "source" not in spec:
        raise ConfigError(where, "needs a 'source' column")
    level = spec.get("level", "province")
    coding = spec.get("coding", "nuts")
    if level != "province":
        raise ConfigError(f"{where}.level", "a region column gives provinces (map municipality codes and a COROP "
                                            "membership table for COROP regions)")
    if coding not in ("nuts", "name"):
        raise ConfigError(f"{where}.coding", "use nuts (NUTS-2 codes such as NL33) or name (province names)")
    return RegionMap(str(spec["source"]), level, coding, _missing_codes(spec.get("missing"), f"{where}.missing")[0])


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
    level: str | None = None,
    membership: pd.DataFrame | None = None,
) -> Microdata:
    """Read, validate and harmonise a CSV, parquet, SPSS or Stata file of respondents (see the module docstring).

    ``level`` is the grouping unit; by default the municipality if the map has municipality codes, else the
    level of its region column. ``membership`` has columns ``municipality`` (any code spelling) and ``region``;
    it is required for a region level reached through municipality codes.
    """
    level = level or ("municipality" if column_map.municipality else column_map.region.level)
    if level not in LEVELS:
        raise ConfigError("microdata.level", f"unknown level {level!r}; use one of {LEVELS}")
    path = Path(path)
    raw, declared = _read_as_text(path)
    needed = [column_map.municipality] if column_map.municipality else []
    needed += [source for v in column_map.variables for source in v.sources]
    needed += [column_map.weight] if column_map.weight else []
    needed += [column_map.region.source] if column_map.region else []
    missing_columns = [c for c in needed if c not in raw.columns]
    if missing_columns:
        raise InputDataError(path, f"missing column(s) {missing_columns}; the file has {list(raw.columns)[:15]}",
                             field=missing_columns[0], row=1 if path.suffix == ".csv" else None)
    excluded: dict[object, tuple[str, str, str]] = {}

    def exclude(rows, reason, field_name):
        for row in rows:
            reason_of_row = reason if isinstance(reason, str) else reason[row]
            excluded.setdefault(row, (reason_of_row, field_name, str(raw.at[row, field_name])))

    codes = pd.Series(pd.NA, index=raw.index, dtype="string")
    if column_map.municipality:
        municipality_text = raw[column_map.municipality]
        absent = _is_missing(municipality_text, column_map.municipality_missing)
        exclude(raw.index[absent], "missing municipality", column_map.municipality)
        for row in raw.index[~absent]:
            value = municipality_text.at[row]
            try:
                codes.at[row] = normalise_code(value)
            except ValueError:
                raise InputDataError(path, f"unreadable municipality code {value!r}", field=column_map.municipality,
                                     row=row, expected="GM0014, G0014, 0014 or 14") from None
    out = pd.DataFrame({"municipality": codes}, index=raw.index)
    if column_map.region:
        out["region"] = _provinces(raw, column_map.region, path, exclude)

    for variable in column_map.variables:
        item_values = []
        for source in variable.sources:
            values, absent = _standardise(raw[source], variable, path, declared.get(source, {}))
            if variable.required:
                exclude(raw.index[absent], _missing_reasons(raw[source], variable, declared.get(source, {})), source)
            item_values.append(values)
        out[variable.target] = item_values[0] if len(item_values) == 1 else pd.concat(item_values, axis=1).mean(
            axis=1, skipna=False)

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
        if not column_map.municipality:
            raise ConfigError("microdata.level", "the municipality level needs municipality codes in the file")
        out["group"] = out["municipality"]
    elif column_map.region is not None and level == column_map.region.level:
        out["group"] = out["region"]
    else:
        if membership is None or not column_map.municipality:
            raise ConfigError("microdata.level", f"level {level!r} needs a membership table (and municipality codes)")
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


def _read_as_text(path: Path) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Every cell as text (rows counted from 1, as a researcher counts records or lines), and per column the
    missing codes the file itself declares, each with its value label."""
    if not path.exists():
        raise InputDataError(path, "the file does not exist")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".sav", ".zsav", ".dta"):
        declared: dict[str, dict[str, str]] = {}
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            import pyreadstat

            reader = pyreadstat.read_dta if suffix == ".dta" else pyreadstat.read_sav
            try:
                frame, meta = reader(str(path), user_missing=True)
            except Exception as error:  # pyreadstat raises its own ReadstatError and others
                raise InputDataError(path, f"not a readable {suffix} file ({error})") from None
            declared = _declared_missing(frame, meta)
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="record")
        return frame.apply(lambda column: column.map(_as_text, na_action="ignore")).astype(object), declared
    return read_delimited(path), {}


def _declared_missing(frame: pd.DataFrame, meta) -> dict[str, dict[str, str]]:
    """Codes of each column that the SPSS file declares user-missing (discrete values and ranges) or that are
    Stata extended missing values, each with its value label (or a description where there is none)."""
    declared: dict[str, dict[str, str]] = {}
    labels = getattr(meta, "variable_value_labels", {}) or {}
    for column, ranges in (getattr(meta, "missing_ranges", {}) or {}).items():
        values = pd.to_numeric(frame[column], errors="coerce").dropna().unique()
        for value in values:
            if any(r["lo"] <= value <= r["hi"] for r in ranges):
                declared.setdefault(column, {})[_as_text(value)] = str(
                    labels.get(column, {}).get(value, "user-missing in the file"))
    for column, codes in (getattr(meta, "missing_user_values", {}) or {}).items():
        for code in codes:
            declared.setdefault(column, {})[_as_text(code)] = str(
                labels.get(column, {}).get(code, f"extended missing .{code}"))
    return declared


def _provinces(raw: pd.DataFrame, region: RegionMap, path: Path, exclude) -> pd.Series:
    """The province of every row from the region column (NUTS-2/3 codes or names); missing rows excluded."""
    text = raw[region.source]
    absent = _is_missing(text, region.missing)
    exclude(raw.index[absent], "missing region", region.source)
    provinces = pd.Series(pd.NA, index=raw.index, dtype="string")
    names = set(NUTS2_PROVINCES.values())
    for row in raw.index[~absent]:
        value = str(text.at[row]).strip()
        province = NUTS2_PROVINCES.get(value.upper()[:4]) if region.coding == "nuts" else (
            value if value in names else None)
        if province is None or (region.coding == "nuts" and len(value) not in (4, 5)):
            expected = "a NUTS-2 or NUTS-3 code of the Netherlands (NL11 ... NL42)" if region.coding == "nuts" \
                else f"one of {sorted(names)}"
            raise InputDataError(path, f"unknown region {value!r}", field=region.source, row=row, expected=expected)
        provinces.at[row] = province
    return provinces


def _missing_reasons(text: pd.Series, variable: VariableMap, declared: dict[str, str]) -> pd.Series:
    """Why each missing cell is missing: the reason the map gives its code, the file's label, or nothing more."""
    reasons = dict(variable.missing_reasons)
    as_text = text.map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v)) else _as_text(v))

    def reason(code: str) -> str:
        if code in reasons:
            return f"missing value: {reasons[code]}"
        if code in declared:
            return f"missing value: {declared[code]}"
        return "missing value"

    return as_text.map(reason)


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


def _standardise(text: pd.Series, variable: VariableMap, path: Path,
                 declared: dict[str, str] | None = None) -> tuple[pd.Series, np.ndarray]:
    absent = _is_missing(text, variable.missing + tuple(declared or ()))
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
