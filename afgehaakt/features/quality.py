"""The data-quality report: what is missing and how it is treated, what is flagged, what was converted.

Nothing is dropped silently: every missing value, every treated cell, every turnout above 100%, every extreme
value and every municipality whose data were split or merged to reach the target year is named here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXTREME_ROBUST_Z = 4.0
"""|value - median| / (1.4826 * MAD) above which a value is listed as extreme (kept, not changed)."""


def missing_values(raw: pd.DataFrame, imputed: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per indicator with missing values before treatment, naming the municipalities and treatment."""
    rows = []
    for column in columns:
        missing = raw.loc[raw[column].isna(), "name"].tolist()
        if not missing:
            continue
        treated = imputed[imputed["indicator"] == column]
        policy = treated["policy"].iloc[0] if len(treated) else "none"
        still_missing = int(treated["value_used"].isna().sum()) if len(treated) else len(missing)
        rows.append({"indicator": column, "missing": len(missing), "municipalities": "; ".join(missing),
                     "treatment": policy, "still_missing_after_treatment": still_missing})
    return pd.DataFrame(rows, columns=["indicator", "missing", "municipalities", "treatment",
                                       "still_missing_after_treatment"])


def turnout_above_one(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = [
        {"election": election, "code": row.code, "name": row.name, "turnout": row.turnout}
        for election, table in tables.items()
        for row in table[table["turnout_above_one"]].itertuples()
    ]
    return pd.DataFrame(rows, columns=["election", "code", "name", "turnout"])


def extreme_values(table: pd.DataFrame, columns: list[str], *, threshold: float = EXTREME_ROBUST_Z) -> pd.DataFrame:
    rows = []
    for column in columns:
        values = table[column].astype(float)
        robust_z = robust_z_scores(values)
        if robust_z is None:
            continue
        for index in values.index[robust_z.abs() > threshold]:
            rows.append({"indicator": column, "code": table.at[index, "code"], "name": table.at[index, "name"],
                         "value": values[index], "robust_z": robust_z[index], "treatment": "kept, listed"})
    frame = pd.DataFrame(rows, columns=["indicator", "code", "name", "value", "robust_z", "treatment"])
    return frame.sort_values(["indicator", "robust_z"], kind="stable").reset_index(drop=True)


def robust_z_scores(values: pd.Series) -> pd.Series | None:
    """(value - median) / (1.4826 x MAD); None where the MAD is zero or undefined (no spread to compare with)."""
    median = values.median()
    mad = 1.4826 * (values - median).abs().median()
    if not np.isfinite(mad) or mad == 0:
        return None
    return (values - median) / mad


CHANGE_COLUMNS = ["variable", "from_election", "to_election", "code", "name", "value_from", "value_to", "change",
                  "median_change", "robust_z", "treatment"]


def anomalous_changes(tables: dict[str, pd.DataFrame], variables: list[str], *,
                      threshold: float = EXTREME_ROBUST_Z) -> pd.DataFrame:
    """Municipalities whose change in a variable between consecutive elections is anomalous.

    ``tables`` maps election ids, in date order, to indicator tables on one boundary year. For each consecutive
    pair the change per municipality is compared with the other municipalities' changes by its robust z (median
    and 1.4826 x MAD of the changes); |z| above ``threshold`` is listed with both values, so a counting or data
    problem is seen before it enters a model. Nothing is changed or dropped.
    """
    rows = []
    elections = list(tables)
    for earlier, later in zip(elections, elections[1:]):
        pair = tables[earlier].merge(tables[later], on="code", suffixes=("_from", "_to"), validate="1:1")
        for variable in variables:
            change = pair[f"{variable}_to"].astype(float) - pair[f"{variable}_from"].astype(float)
            robust_z = robust_z_scores(change)
            if robust_z is None:
                continue
            for index in change.index[robust_z.abs() > threshold]:
                rows.append({"variable": variable, "from_election": earlier, "to_election": later,
                             "code": pair.at[index, "code"], "name": pair.at[index, "name_to"],
                             "value_from": pair.at[index, f"{variable}_from"],
                             "value_to": pair.at[index, f"{variable}_to"], "change": change[index],
                             "median_change": change.median(), "robust_z": robust_z[index],
                             "treatment": "kept, listed"})
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    return frame.sort_values(["variable", "from_election", "robust_z"], kind="stable").reset_index(drop=True)


def converted_municipalities(conversions: pd.DataFrame) -> pd.DataFrame:
    """Conversions other than one to one (merged, split or recoded municipalities), per dataset."""
    changed = conversions[conversions["kind"] != "identity"]
    return changed.sort_values(["dataset", "target", "source"], kind="stable").reset_index(drop=True)


def markdown_report(*, target_year: int, sections: dict[str, pd.DataFrame], notes: dict[str, str]) -> str:
    """A Markdown document with one section per table; an empty table says so explicitly."""
    lines = [f"# Data-quality report (boundary year {target_year})", ""]
    for title, frame in sections.items():
        lines += [f"## {title}", "", notes.get(title, ""), ""]
        if frame.empty:
            lines += ["None.", ""]
        else:
            lines += [_markdown_table(frame), ""]
    return "\n".join(lines).rstrip() + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if np.isnan(value) else f"{value:.6g}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
