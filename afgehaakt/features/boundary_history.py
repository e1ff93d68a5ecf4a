"""One harmonisation for any year: per-municipality tables moved from their boundary year to a target year.

The route is the merger history (:mod:`afgehaakt.io.merger_history`): counts (eligible voters, votes,
inhabitants, respondents) are moved and summed, so national totals are conserved exactly; shares are then
recomputed from the moved numerators and denominators (never averaged). Splits are weighted by addresses where
the history gives them (2016-2024); splits before 2016 go whole to the successor the history names (a
documented limitation). Mapping a later year back onto an earlier one (TK2023 and TK2025 onto 2021) splits
merged municipalities by the addresses of their parts (the yearly address cells of 2016-2024).

The address crosswalks of :mod:`afgehaakt.features.crosswalk` are the independent check: :func:`route_differences`
compares both routes' tables municipality by municipality (the test suite does so for every 2016-2024 election).

Usage by other analyses (e.g. religion 2010-2015 onto 2021, or a panel)::

    history = read_merger_history(events, lists)
    moved = harmonise_counts(frame, source_year=2014, target_year=2021, history=history, columns=["n", "rk"])
    rates = harmonise_rates(frame, source_year=2014, target_year=2021, history=history,
                            rates=["church_pct"], weight="population")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from afgehaakt.features.crosswalk import move_counts, move_rates
from afgehaakt.io.merger_history import MergerHistory

CONSERVATION_TOLERANCE = 1e-9
"""Relative difference allowed between a column's national total before and after moving (float rounding)."""


def history_conversion(
    history: MergerHistory, *, source_year: int, target_year: int, addresses: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The conversion table (source, target, weight, addresses, kind) from ``source_year`` to ``target_year``."""
    return history.conversion(source_year, target_year, addresses=addresses)


def harmonise_counts(
    frame: pd.DataFrame,
    *,
    source_year: int,
    target_year: int,
    history: MergerHistory,
    columns: list[str],
    addresses: pd.DataFrame | None = None,
    key: str = "code",
    conversion: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts of a table on ``source_year`` municipalities, moved and summed onto ``target_year``'s.

    ``frame`` holds one row per municipality of ``source_year`` (four-digit codes in ``key``), or several rows
    per municipality told apart by its other non-count columns (e.g. a party column); all of them must be
    municipalities of that year. The national total of every count column is conserved (checked).
    """
    require_codes_of_year(frame[key], history, source_year)
    if conversion is None:
        conversion = history_conversion(history, source_year=source_year, target_year=target_year,
                                        addresses=addresses)
    moved = move_counts(frame, conversion, columns, key=key)
    require_conserved(frame, moved, columns)
    return moved


def harmonise_rates(
    frame: pd.DataFrame,
    *,
    source_year: int,
    target_year: int,
    history: MergerHistory,
    rates: list[str],
    weight: str,
    addresses: pd.DataFrame | None = None,
    key: str = "code",
) -> pd.DataFrame:
    """Published percentages averaged over each target municipality's parts, weighted by ``weight`` (e.g.
    inhabitants): for sources that publish only rates (religion 2010-2014, health monitor). Missing rates stay
    missing and carry no weight."""
    require_codes_of_year(frame[key], history, source_year)
    conversion = history_conversion(history, source_year=source_year, target_year=target_year, addresses=addresses)
    return move_rates(frame, conversion, rates, weight=weight, key=key)


def require_codes_of_year(codes: pd.Series, history: MergerHistory, year: int) -> None:
    """Every code must be a municipality of ``year``; an unknown code is named (a table on the wrong year)."""
    unknown = sorted(set(codes) - set(history.codes(year)))
    if unknown:
        raise ValueError(f"codes {unknown[:5]} are not municipalities of 1 January {year} "
                         f"({len(unknown)} unknown): is the table on another boundary year?")


def require_conserved(before: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        total_before, total_after = before[column].astype(float).sum(), after[column].astype(float).sum()
        if not np.isclose(total_before, total_after, rtol=CONSERVATION_TOLERANCE, atol=0.0):
            raise ValueError(f"{column}: national total {total_before} became {total_after} after moving")


def route_differences(first: pd.DataFrame, second: pd.DataFrame, columns: list[str], *, key: str = "code",
                      denominator: str) -> pd.DataFrame:
    """Per municipality: each column under both routes and the difference of its share of ``denominator``.

    Columns ``<c>_history``, ``<c>_crosswalk`` and ``<c>_share_difference`` (percentage points).
    """
    merged = first.merge(second, on=key, how="outer", suffixes=("_history", "_crosswalk"), validate="1:1")
    for column in columns:
        share_first = merged[f"{column}_history"] / merged[f"{denominator}_history"]
        share_second = merged[f"{column}_crosswalk"] / merged[f"{denominator}_crosswalk"]
        merged[f"{column}_share_difference"] = 100 * (share_first - share_second)
    return merged
