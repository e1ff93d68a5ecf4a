"""Global bivariate Moran's I: x against the spatial lag of y, with seeded permutation inference.

I_xy = (n / S0) * z_x' W z_y / z_x' z_x with z the standardised variables (esda's ``Moran_BV``). It measures
whether x in a unit goes with y in its neighbours, which mixes spatial autocorrelation with the plain
correlation of x and y (Lee 2001): a significant I_xy is not by itself evidence of a spatial process. There
is no analytical null; the permutation test relabels y over the units, keeping x in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import esda
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.global_result import GlobalTestResult, PermutationInference, permutation_inference
from afgehaakt.spatial.inference import Alternative, check_alternative, permuted_statistics
from afgehaakt.spatial.values import aligned_values


@dataclass(frozen=True, kw_only=True)
class BivariateMoranResult(GlobalTestResult, PermutationInference):
    """One bivariate Moran's I test (x against the lag of y); ``z_permutation`` = (I - mean) / sd of the
    permuted statistics, as there is no analytical null."""

    x_variable: str
    y_variable: str
    z_permutation: float


def bivariate_moran(
    x: pd.Series,
    y: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> BivariateMoranResult:
    """Bivariate Moran's I of ``x`` with the spatial lag of ``y``; ``z_permutation`` = (I - mean) / sd of the
    permuted statistics."""
    check_alternative(alternative)
    if permutations < 1:
        raise ValueError("bivariate Moran's I has no analytical null: permutations must be >= 1")
    x_values, y_values = aligned_values(x, graph), aligned_values(y, graph)
    observed = float(esda.Moran_BV(x_values, y_values, graph.to_W(), transformation=transformation, permutations=0).I)
    sparse = graph.transform(transformation.upper()).sparse
    zx = _standardised(x_values)[:, None]

    def statistic(y_batch: np.ndarray) -> np.ndarray:
        return bivariate_moran_statistic(zx, _standardised(y_batch), sparse)

    permuted = permuted_statistics(y_values, statistic, permutations=permutations, seed=seed)
    inference = permutation_inference(observed, permuted, seed=seed, alternative=alternative)
    return BivariateMoranResult(
        x_variable=str(x.name),
        y_variable=str(y.name),
        n=len(x_values),
        weights=weights_name,
        transformation=transformation,
        statistic=observed,
        **inference,
        z_permutation=(observed - inference["mean_permuted"]) / inference["sd_permuted"],
        alternative=alternative,
    )


def bivariate_moran_statistic(zx: np.ndarray, zy: np.ndarray, sparse_weights) -> np.ndarray:
    """I_xy for each column of the standardised ``zy`` (n x k) against the standardised ``zx`` (n x 1)."""
    n = zy.shape[0]
    return (n / sparse_weights.sum()) * np.einsum("ik,ik->k", zx, sparse_weights @ zy) / np.einsum("ik,ik->k", zx, zx)


def _standardised(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
