"""Every global statistic under every weights: one tidy table to see whether a finding survives the weights.

One row per (variable, weights, statistic) with the same columns for all statistics: the statistic, its
expectation, the analytical z and p (randomisation variance where the statistic has one), the permutation
p-value, and the inference settings. Geary's z follows spdep's sign (positive = positive autocorrelation),
so for Moran's I and Geary's C a positive z means the same thing. Getis-Ord G is computed only for variables
that are non-negative. Bivariate pairs and OLS residual models are optional.

Weights with isolates (a distance band without an isolate policy): the statistics keep n as the number of
all units, as esda does; spdep's ``adjust.n=TRUE`` would count only units with neighbours. The parity tests
against spdep cover weights without isolates, where the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.bivariate_moran import bivariate_moran
from afgehaakt.spatial.geary import global_geary
from afgehaakt.spatial.getis_ord import global_getis_ord
from afgehaakt.spatial.inference import Alternative
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.residual_moran import residual_moran

COLUMNS = [
    "variable",
    "weights",
    "statistic_name",
    "transformation",
    "n",
    "statistic",
    "expected",
    "z",
    "p_analytical",
    "p_permutation",
    "permutations",
    "seed",
    "alternative",
]


def global_statistics_table(
    values: pd.DataFrame,
    graphs: Mapping[str, Graph],
    *,
    permutations: int,
    seed: int,
    alternative: Alternative,
    transformation: str = "r",
    variables: tuple[str, ...] | None = None,
    bivariate_pairs: tuple[tuple[str, str], ...] = (),
    residual_models: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
) -> pd.DataFrame:
    """Moran's I, Geary's C, Getis-Ord G (non-negative variables), bivariate Moran and residual Moran per weights.

    ``values`` has one column per variable, indexed by unit code; ``variables`` picks the columns tested
    univariately (default: all), so that covariates of ``residual_models`` can sit in the same frame.
    ``residual_models`` maps a model name to
    (outcome, covariates); its rows are analytical only (``lm.morantest`` moments).
    """
    rows = []
    for weights_name, graph in graphs.items():
        shared = {"weights_name": weights_name, "permutations": permutations, "seed": seed, "alternative": alternative}
        for variable in tuple(values.columns) if variables is None else variables:
            series = values[variable].rename(variable)
            moran = global_moran(series, graph, transformation=transformation, **shared)
            rows.append(_row(moran, "moran_i", variable, moran.z_randomisation, moran.p_randomisation))
            geary = global_geary(series, graph, transformation=transformation, **shared)
            rows.append(_row(geary, "geary_c", variable, geary.z_randomisation, geary.p_randomisation))
            if (series >= 0).all():
                g = global_getis_ord(series, graph, **shared)
                rows.append(_row(g, "getis_ord_g", variable, g.z_randomisation, g.p_randomisation))
        for x, y in bivariate_pairs:
            result = bivariate_moran(
                values[x].rename(x), values[y].rename(y), graph, transformation=transformation, **shared
            )
            row = _row(result, "bivariate_moran_i", f"{x} ~ lag({y})", result.z_permutation, float("nan"))
            rows.append(row | {"expected": result.mean_permuted})
        for model, (outcome, covariates) in (residual_models or {}).items():
            result = residual_moran(
                values[outcome].rename(outcome),
                values[list(covariates)],
                graph,
                weights_name=weights_name,
                transformation=transformation,
                alternative=alternative,
            )
            rows.append(
                {
                    "variable": f"{model}: residuals of {outcome} ~ {result.covariates}",
                    "weights": weights_name,
                    "statistic_name": "residual_moran_i",
                    "transformation": transformation,
                    "n": result.n,
                    "statistic": result.statistic,
                    "expected": result.expected,
                    "z": result.z,
                    "p_analytical": result.p_value,
                    "p_permutation": float("nan"),
                    "permutations": 0,
                    "seed": seed,
                    "alternative": alternative,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(result, statistic_name: str, variable: str, z: float, p_analytical: float) -> dict:
    return {
        "variable": variable,
        "weights": result.weights,
        "statistic_name": statistic_name,
        "transformation": result.transformation,
        "n": result.n,
        "statistic": result.statistic,
        "expected": getattr(result, "expected", float("nan")),
        "z": z,
        "p_analytical": p_analytical,
        "p_permutation": result.p_permutation,
        "permutations": result.permutations,
        "seed": result.seed,
        "alternative": result.alternative,
    }
