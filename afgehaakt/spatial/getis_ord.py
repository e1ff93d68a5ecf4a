"""Getis-Ord global G on binary weights, with analytical and seeded permutation inference.

G = sum_ij w_ij y_i y_j / sum_(i != j) y_i y_j for a non-negative variable: large when high values cluster,
small when low values do. It is defined on binary weights (spdep warns otherwise), so the graph is used with
transform "B" whatever its stored transform. esda's ``G`` rewrites the transform of the weights object it is
given, so every call builds its own ``W`` from the graph and never passes a shared one.
"""

from __future__ import annotations

from dataclasses import dataclass

import esda
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.global_result import (
    GlobalTestResult,
    PermutationInference,
    RandomisationInference,
    analytical_inference,
    permutation_inference,
)
from afgehaakt.spatial.inference import Alternative, check_alternative, permuted_statistics
from afgehaakt.spatial.values import aligned_values


@dataclass(frozen=True, kw_only=True)
class GlobalGetisOrdResult(GlobalTestResult, RandomisationInference, PermutationInference):
    """One Getis-Ord global G test; the analytical variance is the randomisation variance of spdep/esda."""

    variable: str


def global_getis_ord(
    values: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> GlobalGetisOrdResult:
    """Getis-Ord G of non-negative ``values`` under the binary form of ``graph``.

    ``alternative="greater"`` tests for clustering of high values (spdep's ``globalG.test`` default).
    """
    check_alternative(alternative)
    y = aligned_values(values, graph)
    if (y < 0).any():
        raise ValueError(f"{values.name}: Getis-Ord G needs non-negative values")
    binary = graph.transform("B")
    g = esda.G(y, binary.to_W(), permutations=0)
    sparse = binary.sparse
    permuted = permuted_statistics(
        y, lambda batch: getis_ord_statistic(batch, sparse), permutations=permutations, seed=seed
    )
    # esda names G's randomisation z ``z_norm``: the variance is the randomisation variance VG.
    return GlobalGetisOrdResult(
        variable=str(values.name),
        n=len(y),
        weights=weights_name,
        transformation="B",
        statistic=float(g.G),
        expected=float(g.EG),
        **analytical_inference("randomisation", variance=g.VG, z=g.z_norm, alternative=alternative),
        **permutation_inference(float(g.G), permuted, seed=seed, alternative=alternative),
        alternative=alternative,
    )


def getis_ord_statistic(y: np.ndarray, binary_weights) -> np.ndarray:
    """G for each column of ``y`` (n x k): y'Wy / ((sum y)^2 - sum y^2)."""
    total = y.sum(axis=0)
    return np.einsum("ik,ik->k", y, binary_weights @ y) / (total * total - np.einsum("ik,ik->k", y, y))
