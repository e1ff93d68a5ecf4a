"""Headline results under each named outsider classification (the Atlas six and the extended set in use).

Per election and classification: the national outsider share (outsider votes over valid votes, summed over the
municipalities), the municipal median, global Moran's I with its permutation p-value (queen contiguity, seed
and permutations from config ``moran``), and Pearson's r of the municipal share with turnout and with stacked
disadvantage (mean z), each with n and a Fisher-z 95% interval that, like the correlation tables, treats the
municipalities as independent (spatial autocorrelation makes it too narrow; Moran's I beside it says how much).
"""

from __future__ import annotations

import pandas as pd

from afgehaakt.elections import AboveOnePolicy
from afgehaakt.features.correlations import correlation_table
from afgehaakt.spatial.autocorrelation import global_moran_table
from afgehaakt.spatial.inference import Alternative


def classification_robustness(
    elections: dict[str, pd.DataFrame],
    stacked: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    classifications: list[str],
    in_use: str,
    weights_summary: dict,
    transformation: str,
    turnout_above_one: AboveOnePolicy,
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> pd.DataFrame:
    """One row per election and classification; ``elections`` maps an id to its indicator table."""
    rows = []
    for election, table in elections.items():
        share_columns = [f"outsider_{name}_share" for name in classifications]
        moran = global_moran_table(table, edges, indicators=share_columns, weights_summary=weights_summary,
                                   transformation=transformation, turnout_above_one=turnout_above_one,
                                   permutations=permutations, seed=seed, alternative=alternative)
        moran = moran.set_index("variable")
        merged = table.merge(stacked[["code", "mean_z"]], on="code", how="left", validate="1:1")
        correlations = correlation_table(merged, share_columns, ["turnout", "mean_z"])
        pearson = correlations[correlations["method"] == "pearson"].set_index(["indicator", "outcome"])
        for name, column in zip(classifications, share_columns, strict=True):
            votes = table[f"outsider_{name}_votes"].sum()
            row = {
                "election": election, "classification": name, "in_use": name == in_use,
                "national_share": votes / table["valid"].sum(),
                "municipal_median_share": table[column].median(),
                "moran_i": moran.loc[column, "statistic"], "moran_p_permutation": moran.loc[column, "p_permutation"],
                "moran_permutations": permutations, "moran_seed": seed, "moran_alternative": alternative,
            }
            for outcome, label in (("turnout", "turnout"), ("mean_z", "stacked_disadvantage")):
                result = pearson.loc[(column, outcome)]
                row.update({f"r_{label}": result["estimate"], f"r_{label}_ci_low": result["ci_low"],
                            f"r_{label}_ci_high": result["ci_high"], f"r_{label}_n": int(result["n"])})
            rows.append(row)
    return pd.DataFrame(rows)
