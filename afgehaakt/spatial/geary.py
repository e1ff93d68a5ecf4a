"""Global Geary's C with analytical and seeded permutation inference.

Sign convention: spdep's. The z-values are ``(E[C] - C) / sd = (1 - C) / sd``, so a positive z means positive
spatial autocorrelation (neighbours more alike than random, C < 1), and ``alternative="greater"`` tests for
positive autocorrelation, exactly as ``spdep::geary.test``'s default. esda's ``Geary.z_rand``/``z_norm`` are
``(C - 1) / sd``, the opposite sign; they are negated here. The permutation p-value uses the same direction:
under ``greater`` it counts permuted C at or below the observed C.
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

Z_CONVENTION = "spdep: z = (1 - C) / sd, positive under positive autocorrelation"


@dataclass(frozen=True, kw_only=True)
class GlobalGearyResult(GlobalTestResult, RandomisationInference, NormalityInference, PermutationInference):
    """One global Geary's C test; z-values and alternatives follow spdep's convention (module docstring)."""

    variable: str
    z_convention: str = Z_CONVENTION


def global_geary(
    values: pd.Series,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> GlobalGearyResult:
    """Geary's C of ``values`` under ``graph`` transformed by ``transformation``.

    Analytical moments (randomisation and normality) come from esda, which agrees with ``spdep::geary.test``;
    the permutation reference distribution is drawn from ``numpy.random.default_rng(seed)``.
    """
    check_alternative(alternative)
    y = aligned_values(values, graph)
    geary = esda.Geary(y, graph.to_W(), transformation=transformation, permutations=0)
    sparse = graph.transform(transformation.upper()).sparse
    permuted = permuted_statistics(
        y, lambda batch: geary_statistic(batch, sparse), permutations=permutations, seed=seed
    )
    # C falls with positive autocorrelation: spdep's z = (1 - C) / sd and the permutation test of -C keep
    # "greater" meaning positive autocorrelation.
    return GlobalGearyResult(
        variable=str(values.name),
        n=int(geary.n),
        weights=weights_name,
        transformation=transformation,
        statistic=float(geary.C),
        expected=float(geary.EC),
        **analytical_inference("randomisation", variance=geary.VC_rand, z=-float(geary.z_rand),
                               alternative=alternative),
        **analytical_inference("normality", variance=geary.VC_norm, z=-float(geary.z_norm), alternative=alternative),
        **permutation_inference(float(geary.C), permuted, seed=seed, alternative=alternative,
                                larger_is_positive=False),
        alternative=alternative,
    )


def geary_statistic(y: np.ndarray, sparse_weights) -> np.ndarray:
    """C for each column of ``y`` (n x k): (n - 1) * sum_ij w_ij (y_i - y_j)^2 / (2 * S0 * sum_i z_i^2)."""
    n = y.shape[0]
    z = y - y.mean(axis=0)
    degree = np.asarray(sparse_weights.sum(axis=1)).ravel() + np.asarray(sparse_weights.sum(axis=0)).ravel()
    squared_differences = degree @ (y * y) - 2.0 * np.einsum("ik,ik->k", y, sparse_weights @ y)
    return (n - 1) * squared_differences / (2.0 * sparse_weights.sum() * np.einsum("ik,ik->k", z, z))
