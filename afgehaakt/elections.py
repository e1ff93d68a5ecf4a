"""Election indicators per municipality: turnout and the outsider share of the vote.

Turnout is ballots cast over eligible voters in the municipality (``Opkomst / Kiesgerechtigden``). The
denominator is the municipal register: voters abroad are counted centrally and are not in any municipality,
so the national sum of the municipal denominators (13,276,896 in TK2021) is below the national electorate
(13,293,186). Turnout can exceed 1 where voters from elsewhere vote with a *kiezerspas* (the Wadden
islands); such values are flagged, and what the analysis does with them is a named policy.

The outsider share is the votes for the configured outsider parties over valid votes; other party groups (the
orthodox-Protestant SGP and ChristenUnie, a proxy for the Bible Belt) are computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.parties import known_parties

AboveOnePolicy = Literal["keep", "cap"]


@dataclass(frozen=True)
class ElectionIndicators:
    """Indicators per municipality and the classification of every list that was on the ballot."""

    table: pd.DataFrame
    party_classification: pd.DataFrame


def check_party_groups(party_groups: dict[str, list[str]], *, key: str = "parties") -> None:
    """Every configured party must be a short name the alias table knows (catches typos before any job)."""
    for group, parties in party_groups.items():
        unknown = sorted(set(parties) - known_parties())
        if unknown:
            raise ConfigError(f"{key}.{group}", f"unknown party name(s) {unknown}; known: {sorted(known_parties())}")


def election_indicators(
    totals: pd.DataFrame, party_votes: pd.DataFrame, *, party_groups: dict[str, list[str]]
) -> ElectionIndicators:
    """Turnout, the votes and share of each party group, and the turnout-above-one flag, sorted by code.

    ``party_groups`` maps a group name (``outsider``, ``orthodox_protestant``) to its short party names; each
    gives columns ``<group>_votes`` and ``<group>_share`` (of valid votes). Counts may be fractional after
    harmonisation to another boundary year.
    """
    check_party_groups(party_groups)
    table = totals[["code", "gm_code", "name", "eligible", "votes_cast", "valid"]].copy()
    table["turnout"] = table["votes_cast"].astype(float) / table["eligible"].astype(float)
    for group, parties in party_groups.items():
        votes = party_votes[party_votes["party"].isin(parties)].groupby("code")["votes"].sum()
        table[f"{group}_votes"] = table["code"].map(votes).fillna(0).astype(float)
        table[f"{group}_share"] = table[f"{group}_votes"] / table["valid"].astype(float)
    table["turnout_above_one"] = table["turnout"] > 1.0
    classification = (
        party_votes.groupby(["list_name", "party"], as_index=False)["votes"]
        .sum()
        .sort_values(["votes", "list_name"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    for group, parties in party_groups.items():
        classification[group] = classification["party"].isin(parties)
    if "outsider" in party_groups:
        classification["class"] = classification["outsider"].map({True: "outsider", False: "established"})
    return ElectionIndicators(
        table=table.sort_values("code", kind="stable").reset_index(drop=True),
        party_classification=classification,
    )


def check_turnout_plausible(totals: pd.DataFrame, *, expected_above_one: list[str], source: str) -> list[str]:
    """Refuse ballots cast above the register outside the municipalities where visitors are known to vote.

    On the Wadden islands, visitors voting with a *kiezerspas* push turnout above 1 (flagged and reported).
    Anywhere else more ballots than eligible voters is implausible and stops the run, naming the municipality;
    returns the codes above one that were expected.
    """
    turnout = totals["votes_cast"].astype(float) / totals["eligible"].astype(float)
    above = totals.loc[turnout > 1.0]
    unexpected = above[~above["code"].isin(expected_above_one)]
    if not unexpected.empty:
        row = unexpected.iloc[0]
        raise InputDataError(
            source,
            f"{int(row['votes_cast'])} ballots cast but {int(row['eligible'])} eligible voters in "
            f"{row['name']} ({row['code']}), which is not among indicators.expected_above_one",
            field="Opkomst",
            row=f"municipality {row['code']}",
            expected="ballots cast <= eligible voters outside the municipalities listed as expected above one",
        )
    return sorted(above["code"])


def parties_absent(classification: pd.DataFrame, parties: list[str]) -> list[str]:
    """Configured parties that were not on this election's ballot (e.g. BBB before 2021)."""
    return sorted(set(parties) - set(classification["party"]))


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
