"""Local democracy per municipality on the target boundary year: local-party share (GR2022, GR2026), GR2022 turnout
where it is known, and its gap to the turnout of the nearest national elections.

Boundary years. GR2022 (16 March 2022) is coded on the municipalities of 1 January **2023**: Weesp, merged into
Amsterdam on 24 March 2022, already voted with Amsterdam, and the 12 municipalities of 2022 that held merger
elections in November 2021 or 2022 (Purmerend, Weesp, Boxtel, Oisterwijk, Vught, Eemsdelta, Dijk en Waard, Land
van Cuijk, Maashorst, and Brielle, Hellevoetsluis, Westvoorne of Voorne aan Zee) have no result; every one of the
333 codes is a municipality of 2023. GR2026 (18 March 2026) is coded on the 2025 list (the merger history ends
with 2025; every one of its 340 codes is a municipality of 2025; Hilversum and Wijdemeren did not vote). Both move
back to the target year (2021) through the merger history with address weights (as TK2023 and TK2025 do,
:mod:`afgehaakt.features.boundary_history`): counts are moved and summed and shares recomputed. A target
municipality that receives any part of a municipality without a result (or, for turnout, without known turnout)
cannot be mapped: it is listed with the reason and left missing, never imputed.

GR turnout is known for 300 of the 333 GR2022 municipalities; the missing ones are mostly the largest cities
(:data:`MISSING_TURNOUT_NOTE`, which every table using GR turnout carries). The GR electorate also includes
resident non-Dutch EU citizens and long-term residents, so it differs from the TK electorate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from afgehaakt.features.crosswalk import move_counts

MISSING_TURNOUT_NOTE = (
    "GR2022 turnout is missing for 33 of 333 municipalities, mostly the largest cities (18 count files too large "
    "for the snapshot: Amsterdam, Rotterdam, 's-Gravenhage, Utrecht and 14 more of the largest; 13 count files "
    "without eligible voters; 2 with eligible voters summed over polling stations); they are not a random sample, "
    "and nothing is imputed.")


@dataclass(frozen=True)
class CouncilElection:
    id: str
    date: str
    coded_year: int
    """The 1 January list the published codes belong to (see the module docstring)."""
    no_result_reason: str
    """Why a municipality of ``coded_year`` has no result in the file."""


COUNCIL_ELECTIONS = {
    "gr2022": CouncilElection("gr2022", "2022-03-16", 2023,
                              "no council election in March 2022 (merger election in November 2021 or 2022)"),
    "gr2026": CouncilElection("gr2026", "2026-03-18", 2025,
                              "no result in the published GR2026 file (Hilversum and Wijdemeren)"),
}


def move_complete(frame: pd.DataFrame, columns: list[str], conversion: pd.DataFrame,
                  missing_reasons: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of ``frame`` (one row per source code, column ``code``) moved onto the targets of ``conversion``;
    returns (moved, unmapped).

    ``missing_reasons`` names every source code of the conversion that has no values, with its reason. A target
    that receives any share of such a code is not mapped: it is left out of ``moved`` and listed in
    ``unmapped`` (code, reason, sources) instead, so no target is built from part of its area.
    """
    absent = conversion[conversion["source"].isin(missing_reasons) & (conversion["weight"] > 0)]
    unmapped = (absent.assign(reason=absent["source"].map(missing_reasons))
                .groupby("target", sort=True)
                .agg(reason=("reason", lambda reasons: "; ".join(sorted(set(reasons)))),
                     sources=("source", lambda codes: " ".join(sorted(set(codes)))))
                .reset_index().rename(columns={"target": "code"}))
    present = conversion[conversion["source"].isin(frame["code"])]
    moved = move_counts(frame[["code", *columns]], present, columns)
    return moved[~moved["code"].isin(unmapped["code"])].reset_index(drop=True), unmapped


def local_shares_on_target(shares: pd.DataFrame, conversion: pd.DataFrame, source_codes: list[str],
                           no_result_reason: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One election's local-party votes on the target year: code, valid, local_votes, local_share; and the
    targets that cannot be mapped (a part without a council election)."""
    absent = {code: no_result_reason for code in source_codes if code not in set(shares["code"])}
    moved, unmapped = move_complete(shares, ["valid", "local_votes"], conversion, absent)
    moved["local_share"] = moved["local_votes"] / moved["valid"]
    return moved, unmapped


def turnout_on_target(turnout: pd.DataFrame, conversion: pd.DataFrame, source_codes: list[str],
                      no_result_reason: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GR turnout on the target year from the known counts (eligible, ballots) only: code, eligible, ballots,
    turnout; and the targets without it, with the reason of each part that lacks it."""
    known = turnout[turnout["turnout"].notna()]
    reasons = dict(zip(turnout["code"], turnout["turnout_missing_reason"]))
    absent = {code: reasons.get(code) or no_result_reason for code in source_codes if code not in set(known["code"])}
    moved, unmapped = move_complete(known, ["eligible", "ballots"], conversion, absent)
    moved["turnout"] = moved["ballots"] / moved["eligible"]
    return moved, unmapped


def turnout_gap(council: pd.DataFrame, national: dict[str, pd.DataFrame], municipalities: pd.DataFrame,
                unmapped: pd.DataFrame) -> pd.DataFrame:
    """Per target municipality: gr_turnout, tk turnout of each national election, and the gap
    ``<tk>_minus_gr`` in percentage points (TK minus GR); ``gr_turnout_missing_reason`` where GR turnout is
    missing; ``note`` the caveat that the missing ones are mostly the largest cities. Every municipality of the
    target list is a row."""
    table = municipalities[["code", "gm_code", "name"]].merge(
        council[["code", "eligible", "ballots", "turnout"]].rename(
            columns={"eligible": "gr_eligible", "ballots": "gr_ballots", "turnout": "gr_turnout"}),
        on="code", how="left", validate="1:1")
    table = table.merge(unmapped[["code", "reason"]].rename(columns={"reason": "gr_turnout_missing_reason"}),
                        on="code", how="left", validate="1:1")
    table["gr_turnout_missing_reason"] = table["gr_turnout_missing_reason"].fillna("")
    for election, indicators in national.items():
        table = table.merge(indicators[["code", "turnout"]].rename(columns={"turnout": f"{election}_turnout"}),
                            on="code", how="left", validate="1:1")
        table[f"{election}_minus_gr"] = 100 * (table[f"{election}_turnout"] - table["gr_turnout"])
    if (table["gr_turnout"].isna() != (table["gr_turnout_missing_reason"] != "")).any():
        raise ValueError("a municipality without GR turnout has no reason, or one with turnout has one")
    return table.assign(note=MISSING_TURNOUT_NOTE)


def share_summary(local: pd.DataFrame, elections: list[str]) -> pd.DataFrame:
    """Per election: national local-party share (summed votes), municipalities, median, lowest and highest with
    their names."""
    rows = []
    for election in elections:
        share = local[f"{election}_local_share"]
        present = local[share.notna()]
        lowest, highest = present.loc[share.idxmin()], present.loc[share.idxmax()]
        rows.append({"election": election, "municipalities": int(share.notna().sum()),
                     "national_local_share": present[f"{election}_local_votes"].sum() / present[f"{election}_valid"].sum(),
                     "median": float(share.median()), "p10": float(share.quantile(0.1)),
                     "p90": float(share.quantile(0.9)),
                     "lowest": float(share.min()), "lowest_name": lowest["name"],
                     "highest": float(share.max()), "highest_name": highest["name"],
                     "no_local_list": int((share == 0).sum())})
    return pd.DataFrame(rows)


def gap_summary(gap: pd.DataFrame, national: list[str]) -> pd.DataFrame:
    """Per national election: municipalities with both turnouts, the mean, median, 10th/90th percentile and range
    of the gap (points), the pooled turnouts of those municipalities, and the note on the missing cities."""
    rows = []
    for election in national:
        both = gap[gap["gr_turnout"].notna() & gap[f"{election}_turnout"].notna()]
        difference = both[f"{election}_minus_gr"]
        rows.append({"national_election": election, "municipalities": len(both),
                     "gr_turnout_missing": int(gap["gr_turnout"].isna().sum()),
                     "mean_gap_points": difference.mean(), "median_gap_points": difference.median(),
                     "p10_gap_points": difference.quantile(0.1), "p90_gap_points": difference.quantile(0.9),
                     "min_gap_points": difference.min(), "max_gap_points": difference.max(),
                     "gr_turnout_pooled": both["gr_ballots"].sum() / both["gr_eligible"].sum(),
                     "r_tk_gr": float(np.corrcoef(both[f"{election}_turnout"], both["gr_turnout"])[0, 1]),
                     "note": MISSING_TURNOUT_NOTE})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class LocalDemocracy:
    lists: pd.DataFrame
    native: pd.DataFrame
    local: pd.DataFrame
    gap: pd.DataFrame
    unmapped: pd.DataFrame
    share_summary: pd.DataFrame
    gap_summary: pd.DataFrame


def local_democracy_tables(results: pd.DataFrame, turnout: pd.DataFrame, lists: pd.DataFrame,
                           conversions: dict[str, pd.DataFrame], source_codes: dict[str, list[str]],
                           national: dict[str, pd.DataFrame], municipalities: pd.DataFrame) -> LocalDemocracy:
    """All local-democracy tables on the target year from the classified council results (see
    :func:`afgehaakt.features.local_parties.local_party_shares`), GR2022 turnout and the harmonised national
    indicators; ``conversions[election]`` maps the election's coded year to the target year."""
    from afgehaakt.features.local_parties import local_party_shares

    native = local_party_shares(results, lists)
    local = municipalities[["code", "gm_code", "name"]].copy()
    unmapped = []
    for election in sorted(conversions):
        moved, missing = local_shares_on_target(native[native["election"] == election], conversions[election],
                                                source_codes[election],
                                                COUNCIL_ELECTIONS[election].no_result_reason)
        local = local.merge(moved.add_prefix(f"{election}_").rename(columns={f"{election}_code": "code"}),
                            on="code", how="left", validate="1:1")
        unmapped.append(missing.assign(election=election, measure="local_share"))
    council_turnout, missing_turnout = turnout_on_target(turnout, conversions["gr2022"], source_codes["gr2022"],
                                                         COUNCIL_ELECTIONS["gr2022"].no_result_reason)
    unmapped.append(missing_turnout.assign(election="gr2022", measure="turnout"))
    gap = turnout_gap(council_turnout, national, municipalities, missing_turnout)
    unmapped_table = pd.concat(unmapped, ignore_index=True).merge(
        municipalities[["code", "name"]], on="code", how="left", validate="m:1")
    return LocalDemocracy(
        lists=lists, native=native, local=local, gap=gap,
        unmapped=unmapped_table[["election", "measure", "code", "name", "reason", "sources"]],
        share_summary=share_summary(local, sorted(conversions)), gap_summary=gap_summary(gap, list(national)))
