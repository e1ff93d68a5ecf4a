"""The long series of Tweede Kamer elections 1998-2025 on one boundary year: turnout and outsider share.

Every election is first moved to the boundary year through the merger history (counts moved and summed, shares
recomputed; see :mod:`afgehaakt.features.boundary_history`), so a municipality of 2021 has one value per
election. Before 2016 a split municipality went whole to one successor (documented limitation of the history).
"""

from __future__ import annotations

import pandas as pd

from afgehaakt import catalogue

SERIES_COLUMNS = ("turnout", "outsider_share", "outsider_atlas_share", "outsider_extended_share", "turnout_above_one")
MORAN_VARIABLES = ("turnout", "outsider_share")


def election_series(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per municipality and election (code, name, election, date, eligible, votes_cast, valid, and the
    series columns), in date order; every election must cover the same municipalities."""
    frames = []
    codes = None
    for election, table in sorted(tables.items(), key=lambda item: catalogue.election(item[0]).date):
        if codes is None:
            codes = set(table["code"])
        elif set(table["code"]) != codes:
            raise ValueError(f"{election} covers other municipalities than the first election of the series: "
                             f"{sorted(set(table['code']) ^ codes)[:5]}")
        part = table[["code", "name", "eligible", "votes_cast", "valid", *SERIES_COLUMNS]].copy()
        part.insert(2, "election", election)
        part.insert(3, "date", catalogue.election(election).date)
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def series_moran(moran_tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The global Moran's I rows of turnout and outsider share of every election, in date order."""
    rows = []
    for election, table in sorted(moran_tables.items(), key=lambda item: catalogue.election(item[0]).date):
        chosen = table[table["variable"].isin(MORAN_VARIABLES)].copy()
        missing = sorted(set(MORAN_VARIABLES) - set(chosen["variable"]))
        if missing:
            raise ValueError(f"the Moran table of {election} lacks {missing}")
        chosen.insert(0, "election", election)
        chosen.insert(1, "date", catalogue.election(election).date)
        rows.append(chosen)
    return pd.concat(rows, ignore_index=True)


def national_series(series: pd.DataFrame) -> pd.DataFrame:
    """Per election: the municipal sums' turnout and outsider share (votes over the summed denominators)."""
    sums = series.assign(
        outsider_votes=series["outsider_share"] * series["valid"],
        outsider_atlas_votes=series["outsider_atlas_share"] * series["valid"],
    ).groupby(["election", "date"], as_index=False)[["eligible", "votes_cast", "valid", "outsider_votes",
                                                     "outsider_atlas_votes"]].sum()
    sums["turnout"] = sums["votes_cast"] / sums["eligible"]
    sums["outsider_share"] = sums["outsider_votes"] / sums["valid"]
    sums["outsider_atlas_share"] = sums["outsider_atlas_votes"] / sums["valid"]
    return sums.sort_values("date").reset_index(drop=True)
