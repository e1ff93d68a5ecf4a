"""Checks that tables describe exactly the municipalities of their boundary year, naming what differs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from afgehaakt.errors import InputDataError
from afgehaakt.schemas import SchemaError

SHOWN = 10
"""How many municipalities a coverage message names before it says how many more there are."""


def _listed(codes: list[str], names: dict[str, str]) -> str:
    shown = [f"{code} {names[code]}" if isinstance(names.get(code), str) else code for code in codes[:SHOWN]]
    more = f" and {len(codes) - SHOWN} more" if len(codes) > SHOWN else ""
    return ", ".join(shown) + more


def coverage_problems(codes: Iterable[str], expected: pd.DataFrame, *, year: int | str) -> list[str]:
    """What keeps ``codes`` from being exactly the municipalities in ``expected`` (columns code and, if known,
    name): how many of them are missing and which, and which codes are none of them. Empty when they match."""
    found = set(codes)
    names = dict(zip(expected["code"], expected["name"])) if "name" in expected else {}
    wanted = set(expected["code"])
    missing, unknown = sorted(wanted - found), sorted(found - wanted)
    problems = []
    if missing:
        problems.append(f"{len(missing)} of the {len(wanted)} municipalities of {year} missing: {_listed(missing, names)}")
    if unknown:
        problems.append(f"{len(unknown)} code(s) that are no municipality of {year}: {_listed(unknown, {})}")
    return problems


def require_coverage(codes: Iterable[str], expected: pd.DataFrame, *, path: str | Path, year: int | str,
                     field: str, reference: str) -> None:
    """Raise :class:`InputDataError` naming ``path``, the number of municipalities of ``year`` it lacks and their
    names, unless ``codes`` (read from ``field``) are exactly those of ``expected`` (read from ``reference``)."""
    problems = coverage_problems(codes, expected, year=year)
    if problems:
        raise InputDataError(path, "; ".join(problems), field=field,
                             expected=f"one row per municipality of {year}, as in {reference}")


def require_same_municipalities(table: pd.DataFrame, reference: pd.DataFrame, *, left: str, right: str) -> None:
    """Raise :class:`SchemaError` naming the codes that one table has and the other lacks, with their count."""
    problems = coverage_problems(table["code"], reference, year=right)
    if problems:
        raise SchemaError(left, "; ".join(problems), column="code")


def municipalities_of_year(boundary_year_list: pd.DataFrame, *, changed_here: Iterable[str],
                           codes_of_year: Iterable[str]) -> pd.DataFrame:
    """The municipalities of another year, from those of the boundary year and a crosswalk between the two.

    A crosswalk lists only the municipalities a reorganisation touched: ``changed_here`` on the boundary year's
    side, ``codes_of_year`` on the other. Every untouched municipality is the same on both sides. Names are those
    of the boundary year's list (none for a code that only the other year has).
    """
    changed = set(changed_here)
    kept = boundary_year_list.loc[~boundary_year_list["code"].isin(changed), ["code", "name"]]
    added = pd.DataFrame({"code": sorted(set(codes_of_year) - set(kept["code"])), "name": pd.NA})
    return pd.concat([kept, added], ignore_index=True).sort_values("code", kind="stable").reset_index(drop=True)


def municipalities_in_year(boundary_list: pd.DataFrame, *, year: int, boundary_year: int,
                           matrix_path: str | Path | None) -> pd.DataFrame:
    """The municipalities of ``year``: the boundary year's list itself, or that list changed by the crosswalk
    between the two years (``matrix_path``, an address matrix; :func:`municipalities_of_year`)."""
    if year == boundary_year:
        return boundary_list
    if matrix_path is None:
        raise ValueError(f"the municipalities of {year} need the crosswalk between {year} and {boundary_year}")
    from afgehaakt.features.crosswalk import read_address_matrix  # the crosswalk reader imports this module's kin

    earlier, later = sorted((year, boundary_year))
    matrix = read_address_matrix(matrix_path, earlier_year=earlier, later_year=later)
    rows, columns = list(matrix.counts.index), list(matrix.counts.columns)
    here, there = (rows, columns) if year == earlier else (columns, rows)
    return municipalities_of_year(boundary_list, changed_here=here, codes_of_year=there)


def require_year_coverage(codes: Iterable[str], *, path: str | Path, field: str, year: int, boundary_year: int,
                          boundary_list: pd.DataFrame, reference: str, matrix_path: str | Path | None) -> None:
    """:func:`require_coverage` against the municipalities of ``year`` (:func:`municipalities_in_year`): what a
    reader calls on the file it has just read."""
    expected = municipalities_in_year(boundary_list, year=year, boundary_year=boundary_year, matrix_path=matrix_path)
    if matrix_path is not None:
        reference = f"{reference} changed by {matrix_path}"
    require_coverage(codes, expected, path=path, year=year, field=field, reference=reference)
