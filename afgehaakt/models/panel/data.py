"""The balanced municipal panel: one row per municipality and election, built from the wide features table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from afgehaakt import catalogue
from afgehaakt.elections import AboveOnePolicy

ELECTIONS: dict[str, tuple[int, str]] = {
    election_id: (int(source.date[:4]), source.kind) for election_id, source in catalogue.ELECTIONS.items()
}
"""Election code -> (year, kind): ``tk`` Tweede Kamer, ``ep`` European Parliament."""
DEFAULT_ELECTIONS: tuple[str, ...] = ("tk2017", "tk2021", "tk2023")
OUTCOMES: tuple[str, ...] = ("turnout", "outsider_share")
TIME_VARYING: tuple[str, ...] = ("orthodox_protestant_share",)
"""Per-election columns of the features table (``<name>_<election>``) that may enter the panel as regressors."""


class PanelError(ValueError):
    """The panel is not balanced or lacks a column: the message names the municipality and election."""


@dataclass(frozen=True)
class BalancedPanel:
    """The long panel and the choices that made it.

    ``table`` columns: code, name, election, year, kind, turnout (the analysed value under ``above_one``),
    turnout_observed, outsider_share, the time-invariant ``covariates``, the ``time_varying`` regressors, and
    the flags turnout_above_one,
    turnout_capped, other_election_type. Sorted by code, then year.
    """

    table: pd.DataFrame
    elections: tuple[str, ...]
    covariates: tuple[str, ...]
    above_one: str
    note: str
    time_varying: tuple[str, ...] = ()

    @property
    def n_entities(self) -> int:
        return int(self.table["code"].nunique())

    @property
    def reference_election(self) -> str:
        return self.elections[0]

    def indexed(self) -> pd.DataFrame:
        """The table indexed by (code, year), the entity-time index linearmodels expects."""
        return self.table.set_index(["code", "year"])

    def wide(self, variable: str) -> pd.DataFrame:
        """``variable`` with one row per municipality (code) and one column per election."""
        return self.table.pivot(index="code", columns="election", values=variable)[list(self.elections)]


def build_panel(
    features: pd.DataFrame,
    *,
    elections: tuple[str, ...] = DEFAULT_ELECTIONS,
    include_ep: bool = False,
    covariates: tuple[str, ...] = ("low_education_share",),
    time_varying: tuple[str, ...] = (),
    above_one: AboveOnePolicy = "keep",
) -> BalancedPanel:
    """The balanced long panel from the wide features table (``turnout_<e>``, ``outsider_share_<e>`` ...).

    ``include_ep`` adds EP2019 (between the 2017 and 2021 elections); naming ``ep2019`` in ``elections``
    without it is refused, so the other kind of election never enters unannounced. ``covariates`` are
    time-invariant municipal columns; ``time_varying`` are per-election columns (``<name>_<election>``, e.g.
    ``orthodox_protestant_share``) carried as regressors. Raises
    :class:`PanelError` naming every missing municipality-election value.
    """
    if above_one not in ("keep", "cap"):
        raise ValueError(f"unknown policy for turnout above one: {above_one!r}")
    chosen = list(dict.fromkeys(elections))
    unknown = [e for e in chosen if e not in ELECTIONS]
    if unknown:
        raise PanelError(f"unknown election(s) {unknown}; known: {list(ELECTIONS)}")
    other_kind = [e for e in chosen if ELECTIONS[e][1] != "tk"]
    if other_kind and not include_ep:
        raise PanelError(f"{other_kind} is another type of election (European Parliament); pass include_ep=True")
    if include_ep and "ep2019" not in chosen:
        chosen.append("ep2019")
    chosen.sort(key=lambda e: ELECTIONS[e][0])
    if len(chosen) < 2:
        raise PanelError("a panel needs at least two elections")
    required = ["code", "name", *covariates]
    for election in chosen:
        required += [f"turnout_{election}", f"outsider_share_{election}", f"turnout_above_one_{election}"]
        required += [f"{name}_{election}" for name in time_varying]
    absent = [c for c in required if c not in features.columns]
    if absent:
        raise PanelError(f"features table lacks column(s) {absent}")
    if features["code"].duplicated().any():
        twice = sorted(features.loc[features["code"].duplicated(), "code"])
        raise PanelError(f"municipality code(s) appear twice: {twice[:5]}")
    frames = []
    base = features[["code", "name", *covariates]].astype({"code": "str", "name": "str"})
    for election in chosen:
        year, kind = ELECTIONS[election]
        part = base.copy()
        part.insert(2, "election", election)
        part.insert(3, "year", year)
        part.insert(4, "kind", kind)
        part["turnout_observed"] = features[f"turnout_{election}"].astype(float).to_numpy()
        part["outsider_share"] = features[f"outsider_share_{election}"].astype(float).to_numpy()
        part["turnout_above_one"] = features[f"turnout_above_one_{election}"].astype(bool).to_numpy()
        for name in time_varying:
            part[name] = features[f"{name}_{election}"].astype(float).to_numpy()
        frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    check_balanced(table, elections=tuple(chosen),
                   variables=("turnout_observed", "outsider_share", *covariates, *time_varying))
    flagged = table["turnout_above_one"] | (table["turnout_observed"] > 1.0)
    table["turnout_above_one"] = flagged
    table["turnout_capped"] = flagged & (above_one == "cap")
    table["turnout"] = table["turnout_observed"].clip(upper=1.0) if above_one == "cap" else table["turnout_observed"]
    table["other_election_type"] = table["kind"] != "tk"
    order = ["code", "name", "election", "year", "kind", "turnout", "turnout_observed", "outsider_share",
             *covariates, *time_varying, "turnout_above_one", "turnout_capped", "other_election_type"]
    table = table[order].sort_values(["code", "year"], kind="stable").reset_index(drop=True)
    return BalancedPanel(
        table=table,
        elections=tuple(chosen),
        covariates=tuple(covariates),
        above_one=above_one,
        note=_above_one_note(table, above_one),
        time_varying=tuple(time_varying),
    )


def check_balanced(table: pd.DataFrame, *, elections: tuple[str, ...], variables: tuple[str, ...]) -> None:
    """Every municipality has one row per election with finite ``variables``; else name what is missing."""
    codes = table[["code", "name"]].drop_duplicates("code")
    names = dict(zip(codes["code"], codes["name"], strict=True))
    problems = []
    duplicated = table[table.duplicated(["code", "election"], keep=False)]
    for row in duplicated.drop_duplicates(["code", "election"]).itertuples():
        problems.append(f"{names[row.code]} ({row.code}) {row.election}: more than one row")
    present = set(zip(table["code"], table["election"], strict=True))
    for code in sorted(names):
        for election in elections:
            if (code, election) not in present:
                problems.append(f"{names[code]} ({code}) {election}: no row")
    for variable in variables:
        values = pd.to_numeric(table[variable], errors="coerce").astype(float)
        bad = table[~np.isfinite(values.to_numpy())]
        for row in bad.itertuples():
            problems.append(f"{names[row.code]} ({row.code}) {row.election}: {variable} missing")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise PanelError(f"panel is not balanced over {list(elections)}: {shown}{more}")


def _above_one_note(table: pd.DataFrame, above_one: str) -> str:
    flagged = table[table["turnout_above_one"]]
    if flagged.empty:
        return ""
    listed = "; ".join(f"{r.name} ({r.code}) {r.election} {r.turnout_observed:.4f}" for r in flagged.itertuples())
    verb = "capped at 1" if above_one == "cap" else "kept as observed"
    return f"turnout above 1 {verb}: {listed}"
