"""Global autocorrelation of the municipal indicators: one tidy table row per indicator."""

from __future__ import annotations

import pandas as pd

from afgehaakt.elections import AboveOnePolicy, analysis_values
from afgehaakt.spatial.inference import Alternative
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.weights import graph_from_edges


def global_moran_table(
    table: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    indicators: list[str],
    weights_summary: dict,
    transformation: str,
    turnout_above_one: AboveOnePolicy,
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> pd.DataFrame:
    """Moran's I of each indicator in ``table`` (one row per municipality) under the saved weights.

    Each row states the weights, island policy, transformation, permutations, seed and alternative, and in
    ``flagged`` which municipalities carry a flagged value and how the analysis treated them.
    """
    ids = tuple(sorted(table["code"]))
    units_in_weights = set(edges["focal"]) | set(edges["neighbor"])
    unknown = sorted(units_in_weights - set(ids))
    if unknown:
        raise ValueError(f"the weights name units that the indicator table lacks: {unknown[:5]}")
    graph = graph_from_edges(edges, ids)
    rows = []
    for indicator in indicators:
        values, flagged = analysis_values(table, indicator, above_one=turnout_above_one)
        result = global_moran(
            values,
            graph,
            weights_name=weights_summary["contiguity"],
            transformation=transformation,
            permutations=permutations,
            seed=seed,
            alternative=alternative,
        )
        rows.append(
            {
                **result.as_row(),
                "island_policy": weights_summary["island_policy"],
                "components": weights_summary["components_after"],
                "flagged": flagged,
            }
        )
    return pd.DataFrame(rows)
