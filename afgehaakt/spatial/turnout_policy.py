"""Turnout where a municipality's ballots exceed its electorate: an explicit policy, and the weights it implies.

Voters may vote outside their own municipality with a *kiezerspas*; on the Wadden islands visitors' ballots push
turnout above 100% (TK2021: Schiermonnikoog 115%, Vlieland 105%). Such a value is not the residents' turnout, so
every statistic of turnout states which policy it used:

``observed``
    the published ratio of ballots to electorate, visitors included;
``capped``
    turnout above 1 set to 1 (the unit stays, with a value that is still inflated);
``excluded``
    the units above 1 are left out of the statistic *and of the weights*: the contiguity graph is rebuilt on
    the remaining municipalities (same island policy), so no unit links to, or through, an excluded one;
``corrected``
    the ballots cast with a valid *kiezerspas* removed from every municipality's count, where the source has
    them (TK2023 Osv4-3 row "geldige kiezerspas"; the per-municipality CSVs of TK2017, EP2019 and TK2021 do
    not). This removes visitors' ballots, and also the few residents who voted in their own municipality with a
    pass, so it is a lower bound of residents' turnout there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from afgehaakt.spatial.weights import ContiguityWeights, IslandPolicy, queen_weights

TurnoutPolicy = Literal["observed", "capped", "excluded", "corrected"]
POLICIES: tuple[str, ...] = ("observed", "capped", "excluded", "corrected")

VOTER_PASS_SOURCES = {
    "tk2017": False,
    "ep2019": False,
    "tk2021": False,
    "tk2023": True,
}
"""Whether the election's count files give the valid *kiezerspas* ballots per municipality (needed by
``corrected``): only the TK2023 Osv4-3 files have the row; the Kiesraad per-municipality CSVs have no such field."""


@dataclass(frozen=True)
class PolicyTurnout:
    """Turnout under one policy: the values analysed (indexed by code) and what the policy did."""

    policy: str
    values: pd.Series
    above_one: tuple[str, ...]
    excluded: tuple[str, ...]

    def note(self, names: pd.Series) -> str:
        listed = ", ".join(f"{names.get(code, code)} ({code})" for code in self.above_one) or "none"
        return f"turnout policy {self.policy}; ballots above electorate: {listed}"


def turnout_under_policy(turnout: pd.Series, policy: str, *, voter_pass_share: pd.Series | None = None
                         ) -> PolicyTurnout:
    """Apply ``policy`` to ``turnout`` (ballots / electorate, indexed by code).

    ``voter_pass_share`` (valid *kiezerspas* ballots / electorate, same index) is required by ``corrected`` and
    ignored otherwise.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown turnout policy {policy!r}; expected one of {', '.join(POLICIES)}")
    values = turnout.astype(float)
    if values.isna().any():
        raise ValueError(f"{turnout.name}: missing turnout for {sorted(values.index[values.isna()])}")
    above_one = tuple(sorted(values.index[values > 1.0]))
    excluded: tuple[str, ...] = ()
    if policy == "capped":
        values = values.clip(upper=1.0)
    elif policy == "excluded":
        values = values.drop(list(above_one))
        excluded = above_one
    elif policy == "corrected":
        if voter_pass_share is None:
            raise ValueError(f"{turnout.name}: the policy 'corrected' needs the valid kiezerspas ballots per "
                             "municipality, which this election's source does not give")
        passes = voter_pass_share.reindex(values.index).astype(float)
        if passes.isna().any():
            raise ValueError(f"{turnout.name}: no kiezerspas count for {sorted(passes.index[passes.isna()])}")
        values = values - passes
        if (values > 1.0).any() or (values < 0.0).any():
            raise ValueError(f"{turnout.name}: corrected turnout outside [0, 1] for "
                             f"{sorted(values.index[(values > 1.0) | (values < 0.0)])}")
    return PolicyTurnout(policy, values.rename(turnout.name), above_one, excluded)


def weights_without(boundaries: gpd.GeoDataFrame, excluded: tuple[str, ...] | list[str], *,
                    island_policy: IslandPolicy) -> ContiguityWeights:
    """Queen contiguity rebuilt on the municipalities not ``excluded``, with the same island policy.

    Dropping the excluded units' rows from the full edge list would not be enough: the island policy linked each
    island to its nearest mainland municipality, and a rebuilt graph is what the analysis would have had if the
    excluded units had never been on the map.
    """
    unknown = sorted(set(excluded) - set(boundaries["code"]))
    if unknown:
        raise ValueError(f"excluded units not in the boundaries: {unknown}")
    kept = boundaries[~boundaries["code"].isin(list(excluded))]
    return queen_weights(kept, id_column="code", policy=island_policy)
