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
        median = values.median()
        mad = 1.4826 * (values - median).abs().median()
        if not np.isfinite(mad) or mad == 0:
            continue
        robust_z = (values - median) / mad
        for index in values.index[robust_z.abs() > threshold]:
            rows.append({"indicator": column, "code": table.at[index, "code"], "name": table.at[index, "name"],
                         "value": values[index], "robust_z": robust_z[index], "treatment": "kept, listed"})
    frame = pd.DataFrame(rows, columns=["indicator", "code", "name", "value", "robust_z", "treatment"])
    return frame.sort_values(["indicator", "robust_z"], kind="stable").reset_index(drop=True)


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
