"""Global Moran's I with analytical and seeded permutation inference.

esda computes the statistic and its analytical moments (it agrees with R spdep's ``moran.test`` to machine
precision on identical weights). The permutation reference distribution is drawn here, from a NumPy
``Generator`` seeded from config, because esda's global Moran draws from NumPy's global state.
"""

from __future__ import annotations

from dataclasses import dataclass

import esda
import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.global_result import (
    GlobalTestResult,
    NormalityInference,
    PermutationInference,
    RandomisationInference,
    analytical_inference,
    permutation_inference,
)
from afgehaakt.spatial.inference import Alternative, check_alternative, permuted_statistics
from afgehaakt.spatial.values import aligned_values


@dataclass(frozen=True, kw_only=True)
class GlobalMoranResult(GlobalTestResult, RandomisationInference, NormalityInference, PermutationInference):
    """One global Moran's I test, with everything needed to state and repeat its inference."""

    variable: str


def global_moran(
    values: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> GlobalMoranResult:
    """Moran's I of ``values`` (indexed by the graph's ids) under ``graph`` transformed by ``transformation``.

    The analytical p-values use the randomisation and normality variances; the permutation p-value
    compares I with ``permutations`` random relabellings of the values drawn from
    ``numpy.random.default_rng(seed)``. All p-values follow ``alternative``.
    """
    check_alternative(alternative)
    y = aligned_values(values, graph)
    moran = esda.Moran(y, graph.to_W(), transformation=transformation, permutations=0)
    sparse = graph.transform(transformation.upper()).sparse
    permuted = permuted_statistics(y, lambda batch: moran_statistic(batch, sparse), permutations=permutations,
                                   seed=seed)
    return GlobalMoranResult(
        variable=str(values.name),
        n=int(moran.n),
        weights=weights_name,
        transformation=transformation,
        statistic=float(moran.I),
        expected=float(moran.EI),
        **analytical_inference("randomisation", variance=moran.VI_rand, z=moran.z_rand, alternative=alternative),
        **analytical_inference("normality", variance=moran.VI_norm, z=moran.z_norm, alternative=alternative),
        **permutation_inference(float(moran.I), permuted, seed=seed, alternative=alternative),
        alternative=alternative,
    )


def moran_statistic(y: np.ndarray, sparse_weights) -> np.ndarray:
    """I for each column of ``y`` (n x k): n / S0 * z'Wz / z'z, with z the deviations from the column mean."""
    z = y - y.mean(axis=0)
    s0 = sparse_weights.sum()
    return (len(y) / s0) * np.einsum("ik,ik->k", z, sparse_weights @ z) / np.einsum("ik,ik->k", z, z)
