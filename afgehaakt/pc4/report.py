"""The PC4 stage's report: what was placed, the headline results, and what a polling-station result can and
cannot tell, written from the result tables (no number typed by hand)."""

from __future__ import annotations

import pandas as pd

CAVEATS = """\
## What a polling-station result can and cannot tell

- Since 2014 a voter may vote at any polling station in the municipality. A station's votes are those of whoever
  voted there: mostly residents of the surrounding streets, but also commuters at railway stations, shoppers and
  visitors at city halls, patients and staff at hospitals, students on campus. An area's share is the vote *cast
  in* the area, not the vote *of its residents*.
- A station has no electorate: turnout per area cannot be computed, and shares are of the valid list votes cast.
- Areas without a station have no value (rural areas whose residents vote in the next village, and every area of
  the municipalities that published no postcodes); areas whose station draws voters from elsewhere carry a value
  that is partly not theirs.
- The sensitivity run leaves out the stations whose name or size marks them as transit, commuter or special
  stations; it cannot remove the mixing at ordinary stations.
- Covariates describe all residents (2021-2022), not voters; associations between areas are not associations
  between people (ecological inference).
"""


def pc4_report(*, reconciliation: pd.DataFrame, stations: pd.DataFrame, moran: pd.DataFrame, split: pd.DataFrame,
               sensitivity: pd.DataFrame, insets: pd.DataFrame, special_rule: str) -> str:
    national = reconciliation.set_index("level").loc["national"]
    municipal = reconciliation[reconciliation["region"].str.fullmatch(r"G\d{4}") & (reconciliation["region"] != "G9010")]
    without = municipal[municipal["stations_assigned"] == 0]
    reasons = stations.loc[stations["status"] == "unassigned"].groupby("reason")["votes"].agg(["size", "sum"])
    main = split.set_index("sample").loc["all stations"]
    statistic = moran.set_index(["sample", "weights"])["statistic"]
    lines = [
        "# TK2025 polling stations on postcode areas (PC4)",
        "",
        "## Placing and reconciliation",
        "",
        f"- {national['stations_assigned']:,} of {national['stations']:,} stations and "
        f"{national['votes_assigned']:,} of {national['station_votes']:,} list votes "
        f"({national['votes_assigned'] / national['station_votes']:.1%}) are placed in a postcode area.",
        f"- Station totals against the result file: {int((reconciliation['difference'] != 0).sum())} of "
        f"{len(reconciliation)} regions differ (national difference {national['difference']}).",
        "- Unplaced stations, by reason (stations, votes):",
        *(f"  - {reason}: {row['size']:,}, {row['sum']:,}" for reason, row in reasons.iterrows()),
        f"- {len(without)} municipalities published no postcode for any station ({without['votes_unassigned'].sum():,} "
        f"votes): {', '.join(without['municipality_name'])}.",
        "",
        "## Results (all stations)",
        "",
        f"- Moran's I of the outsider share: {statistic[('all stations', 'queen')]:.3f} (queen), "
        f"{statistic[('all stations', 'knn')]:.3f} (k nearest neighbours).",
        f"- Share of the variance between municipalities: {main['between_share']:.3f}; within: "
        f"{main['within_share']:.3f} ({main['areas']} areas in {main['municipalities']} municipalities, "
        f"{main['method']}, weights: {main['weights']}).",
        "",
        "## The inset municipalities",
        "",
        "| municipality | areas | with a value | outsider share | lowest area | highest area | FDR HH | FDR LL |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {r.name} | {r.areas} | {r.areas_with_value} | {r.outsider_share:.1%} | {r.area_share_min:.1%} | "
          f"{r.area_share_max:.1%} | {r.fdr_HH} | {r.fdr_LL} |" for r in insets.itertuples()),
        "",
        f"## Sensitivity: without special stations ({special_rule})",
        "",
        "| quantity | all stations | without special stations |",
        "|---|---:|---:|",
        *(f"| {r.quantity} | {_number(r[2])} | {_number(r[3])} |" for r in sensitivity.itertuples()),
        "",
        CAVEATS,
    ]
    return "\n".join(lines)


def _number(value) -> str:
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1 else f"{value:.4f}"
