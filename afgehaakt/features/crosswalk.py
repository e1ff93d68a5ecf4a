"""Moving municipal data between boundary years through the address-based merger crosswalk.

A crosswalk matrix (after Weda's *grenswijzigen*, CC BY-NC-SA 4.0) counts, for every municipality affected by a
boundary change, the addresses of each old municipality that lie in each new one. Rows are the later year's codes,
columns the earlier year's. Municipalities absent from the matrix map one to one.

Translation "naar rato" uses address shares: a source municipality's counts are split over target municipalities
in proportion to its addresses there. Counts (eligible voters, votes, inhabitants) are moved and summed, so totals
are conserved exactly; shares and rates are then recomputed from moved numerators and denominators, or, where only
a percentage is published, averaged with population weights (see :func:`move_rates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import parse_numbers, read_delimited


@dataclass(frozen=True)
class AddressMatrix:
    """Addresses of each earlier-year municipality (columns) that lie in each later-year municipality (rows)."""

    earlier_year: int
    later_year: int
    counts: pd.DataFrame
    path: str


def read_address_matrix(path: str | Path, *, earlier_year: int, later_year: int) -> AddressMatrix:
    """Read a ``grenswijziging_gemeente_van_<earlier>_naar_<later>_matrix.csv`` (first column ``to_code``)."""
    raw = read_delimited(path, separators=",;")
    if raw.columns[0] != "to_code":
        raise InputDataError(path, f"first column is {raw.columns[0]!r}", field=raw.columns[0], row=1,
                             expected="'to_code' followed by one column per earlier-year code")
    rows = normalise_codes(raw["to_code"], path=path, field="to_code")
    header = pd.Series(list(raw.columns[1:]), index=list(raw.columns[1:]))
    columns = normalise_codes(header, path=path, field="header")
    parsed = {}
    for name, code in zip(raw.columns[1:], columns, strict=True):
        values = parse_numbers(raw[name], path=path, field=name, integer=True, allow_missing=False)
        negative = values[values < 0]
        if not negative.empty:
            raise InputDataError(path, f"negative address count {negative.iloc[0]}", field=name,
                                 row=int(negative.index[0]), expected="counts >= 0")
        parsed[code] = values.astype("int64")
    counts = pd.DataFrame(parsed)
    counts.index = pd.Index(rows.to_numpy(), name="later")
    counts.columns.name = "earlier"
    return AddressMatrix(earlier_year=earlier_year, later_year=later_year, counts=counts, path=str(path))


def conversion_table(
    matrix: AddressMatrix, *, source_year: int, source_codes: list[str], target_codes: list[str]
) -> pd.DataFrame:
    """Weights (source, target, weight, addresses, kind) that take ``source_year`` codes to the other year.

    The matrix is used forwards (earlier to later) or backwards (later to earlier, e.g. TK2023 back to 2021);
    either way the weights of one source code are its address shares over the target codes and sum to one.
    Codes outside the matrix map to themselves and must exist in the target year.
    """
    if source_year == matrix.earlier_year:
        links = matrix.counts.stack().rename("addresses").reset_index().rename(
            columns={"earlier": "source", "later": "target"})
    elif source_year == matrix.later_year:
        links = matrix.counts.stack().rename("addresses").reset_index().rename(
            columns={"later": "source", "earlier": "target"})
    else:
        raise ValueError(f"{matrix.path} converts {matrix.earlier_year}<->{matrix.later_year}, not {source_year}")
    links = links[links["addresses"] > 0]
    in_matrix = set(links["source"])
    identity = sorted(set(source_codes) - in_matrix)
    missing_targets = sorted(set(identity) - set(target_codes))
    if missing_targets:
        raise InputDataError(
            matrix.path,
            f"codes {missing_targets[:5]} of {source_year} are neither in the crosswalk nor in the target year",
            expected="every changed municipality to appear in the matrix",
        )
    links = links.assign(weight=links["addresses"] / links.groupby("source")["addresses"].transform("sum"))
    table = pd.concat(
        [
            pd.DataFrame({"source": identity, "target": identity, "addresses": np.nan, "weight": 1.0}),
            links[["source", "target", "addresses", "weight"]],
        ],
        ignore_index=True,
    )
    table = table[table["source"].isin(source_codes)]
    not_reached = sorted(set(target_codes) - set(table["target"]))
    if not_reached:
        raise InputDataError(matrix.path, f"target municipalities {not_reached[:5]} receive no source municipality")
    table["kind"] = conversion_kinds(table)
    return table.sort_values(["target", "source"], kind="stable").reset_index(drop=True)


def identity_table(codes: list[str]) -> pd.DataFrame:
    """The conversion of data that are already on the target year."""
    return pd.DataFrame({"source": codes, "target": codes, "addresses": np.nan, "weight": 1.0, "kind": "identity"})


def move_counts(frame: pd.DataFrame, conversion: pd.DataFrame, columns: list[str], *, key: str = "code") -> pd.DataFrame:
    """Split each source row's counts over its targets by weight and sum per target; totals are conserved.

    Extra key columns (for long tables such as party votes) can be kept by passing ``key`` as the code column
    and grouping columns via ``frame``'s other non-count columns: all non-count columns except ``key`` are used
    as additional grouping keys.
    """
    _require_covered(frame[key], conversion)
    other_keys = [c for c in frame.columns if c not in columns and c != key]
    merged = frame.merge(conversion[["source", "target", "weight"]], left_on=key, right_on="source", how="inner")
    moved = merged[columns].astype(float).mul(merged["weight"], axis=0)
    moved[["target", *other_keys]] = merged[["target", *other_keys]]
    result = moved.groupby(["target", *other_keys], sort=True, dropna=False)[columns].sum(min_count=1)
    return result.reset_index().rename(columns={"target": key})


def move_rates(
    frame: pd.DataFrame, conversion: pd.DataFrame, rates: list[str], *, weight: str, key: str = "code"
) -> pd.DataFrame:
    """Population-weighted means of published rates over the parts that make up each target municipality.

    Used where only a percentage is published (e.g. the RIVM health monitor). A target municipality that is one
    whole source municipality keeps its rate exactly. Missing rates stay missing: their weight is not counted.
    """
    _require_covered(frame[key], conversion)
    merged = frame.merge(conversion[["source", "target", "weight"]], left_on=key, right_on="source", how="inner")
    mass = merged[weight].astype(float) * merged["weight"]
    out = {}
    for rate in rates:
        values = merged[rate].astype(float)
        present = values.notna()
        numerator = (values.fillna(0.0) * mass).groupby(merged["target"]).sum()
        denominator = mass.where(present, 0.0).groupby(merged["target"]).sum()
        out[rate] = numerator / denominator.replace(0.0, np.nan)
    result = pd.DataFrame(out)
    result.index.name = key
    return result.reset_index()


def _require_covered(codes: pd.Series, conversion: pd.DataFrame) -> None:
    uncovered = sorted(set(codes) - set(conversion["source"]))
    if uncovered:
        raise ValueError(f"no conversion for codes {uncovered[:5]}")


def conversion_kinds(table: pd.DataFrame) -> pd.Series:
    """Each link's kind: split (source to several targets), merge, recode (new code only) or identity."""
    sources_per_target = table.groupby("target")["source"].transform("nunique")
    targets_per_source = table.groupby("source")["target"].transform("nunique")
    kind = np.where(targets_per_source > 1, "split", np.where(sources_per_target > 1, "merge", "identity"))
    renamed = (kind == "identity") & (table["source"] != table["target"]).to_numpy()
    return pd.Series(np.where(renamed, "recode", kind), index=table.index)
