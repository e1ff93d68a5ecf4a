"""Election indicators per municipality: turnout and the outsider share of the vote.

Turnout is ballots cast over eligible voters in the municipality (``Opkomst / Kiesgerechtigden``). The
denominator is the municipal register: voters abroad are counted centrally and are not in any municipality,
so the national sum of the municipal denominators (13,276,896 in TK2021) is below the national electorate
(13,293,186). Turnout can exceed 1 where voters from elsewhere vote with a *kiezerspas* (the Wadden
islands); such values are flagged, and what the analysis does with them is a named policy.

The outsider share is the votes for the configured outsider parties over valid votes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from afgehaakt.errors import ConfigError
from afgehaakt.parties import known_parties

AboveOnePolicy = Literal["keep", "cap"]


@dataclass(frozen=True)
class ElectionIndicators:
    """Indicators per municipality and the classification of every list that was on the ballot."""

    table: pd.DataFrame
    party_classification: pd.DataFrame


def check_outsider_parties(outsider_parties: list[str], *, key: str = "parties.outsider") -> None:
    """Every configured outsider party must be a short name the alias table knows (catches typos)."""
    unknown = sorted(set(outsider_parties) - known_parties())
    if unknown:
        raise ConfigError(key, f"unknown party name(s) {unknown}; known: {sorted(known_parties())}")


def election_indicators(
    totals: pd.DataFrame, party_votes: pd.DataFrame, *, outsider_parties: list[str]
) -> ElectionIndicators:
    """Turnout, outsider votes and share, and the turnout-above-one flag, per municipality (sorted by code)."""
    check_outsider_parties(outsider_parties)
    is_outsider = party_votes["party"].isin(outsider_parties)
    outsider_votes = party_votes[is_outsider].groupby("code")["votes"].sum()
    table = totals[["code", "gm_code", "name", "eligible", "votes_cast", "valid"]].copy()
    table["outsider_votes"] = table["code"].map(outsider_votes).fillna(0).astype("int64")
    table["turnout"] = table["votes_cast"].astype(float) / table["eligible"].astype(float)
    table["outsider_share"] = table["outsider_votes"] / table["valid"].astype(float)
    table["turnout_above_one"] = table["turnout"] > 1.0
    classification = (
        party_votes.assign(outsider=is_outsider)
        .groupby(["list_name", "party", "outsider"], as_index=False)["votes"]
        .sum()
        .sort_values(["outsider", "votes", "list_name"], ascending=[False, False, True], kind="stable")
        .reset_index(drop=True)
    )
    classification["class"] = classification["outsider"].map({True: "outsider", False: "established"})
    return ElectionIndicators(
        table=table.sort_values("code", kind="stable").reset_index(drop=True),
        party_classification=classification.drop(columns="outsider"),
    )


def outsider_parties_absent(classification: pd.DataFrame, outsider_parties: list[str]) -> list[str]:
    """Configured outsider parties that were not on this election's ballot (e.g. BBB before 2021)."""
    return sorted(set(outsider_parties) - set(classification["party"]))


def analysis_values(table: pd.DataFrame, variable: str, *, above_one: AboveOnePolicy) -> tuple[pd.Series, str]:
    """The values a statistic uses, indexed by code, and a note naming every flagged unit and its treatment.

    ``keep`` analyses the observed turnout, flags included; ``cap`` sets turnout above 1 to 1. Either way the
    note lists the municipalities concerned, so no flagged value enters a statistic unseen.
    """
    values = table.set_index("code")[variable].astype(float).rename(variable)
    if variable != "turnout":
        return values, ""
    flagged = table[table["turnout_above_one"]]
    if flagged.empty:
        return values, ""
    listed = "; ".join(f"{row.name} ({row.code}) {row.turnout:.4f}" for row in flagged.itertuples())
    if above_one == "cap":
        return values.clip(upper=1.0), f"turnout above 1 capped at 1: {listed}"
    if above_one == "keep":
        return values, f"turnout above 1 kept as observed: {listed}"
    raise ValueError(f"unknown policy for turnout above one: {above_one!r}")
