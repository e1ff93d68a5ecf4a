"""Moran's I of OLS residuals with the analytical moments of ``spdep::lm.morantest`` (Cliff and Ord 1981).

Residuals are not exchangeable (they sum to zero and are correlated through the hat matrix), so plain Moran
moments and a relabelling test are wrong for them. The moments here account for the design matrix X:
with M = I - X(X'X)^-1 X', E[I] = n / S0 * tr(MW) / (n - k). As in spdep, a non-symmetric W (for example
row-standardised) enters through its symmetrised form (W + W') / 2, which leaves e'We and S0 unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.global_result import GlobalTestResult
from afgehaakt.spatial.inference import Alternative, check_alternative, normal_p_value
from afgehaakt.spatial.ols import OlsFit, fit_ols


@dataclass(frozen=True, kw_only=True)
class ResidualMoranResult(GlobalTestResult):
    """Moran's I of the residuals of one OLS model, with its analytical inference (normal approximation): E[I],
    variance, z and p under ``lm.morantest``'s moments, which depend on the design (``parameters`` columns)."""

    outcome: str
    covariates: str
    parameters: int
    expected: float
    variance: float
    z: float
    p_value: float


def residual_moran(
    outcome: pd.Series,
    covariates: pd.DataFrame,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
    alternative: Alternative,
) -> ResidualMoranResult:
    """Fit OLS of ``outcome`` on an intercept and ``covariates``, then test its residuals for autocorrelation."""
    return residual_moran_of_fit(
        fit_ols(outcome, covariates, graph),
        graph,
        weights_name=weights_name,
        transformation=transformation,
        alternative=alternative,
    )


def residual_moran_of_fit(
    fit: OlsFit, graph: Graph, *, weights_name: str, transformation: str = "r", alternative: Alternative
) -> ResidualMoranResult:
    """The same test for an existing fit, which must cover the graph's units in the graph's order."""
    check_alternative(alternative)
    if not fit.design.index.equals(pd.Index(graph.unique_ids)):
        raise ValueError(
            "the fit's units are not the graph's units in the graph's order: fit it with fit_ols(..., graph)"
        )
    weights = graph.transform(transformation.upper()).sparse.toarray()
    symmetric = 0.5 * (weights + weights.T)
    x = fit.design.to_numpy()
    e = fit.residuals.to_numpy()
    n, k = x.shape
    s0 = symmetric.sum()
    s1 = 0.5 * ((2.0 * symmetric) ** 2).sum()
    statistic = (n / s0) * (e @ symmetric @ e) / (e @ e)
    xtx_inverse = np.linalg.inv(x.T @ x)
    lagged_x = symmetric @ x
    projected = xtx_inverse @ (x.T @ lagged_x)
    trace_a = np.trace(projected)
    expected = -(n * trace_a) / ((n - k) * s0)
    trace_a2 = np.trace(projected @ projected)
    trace_b = np.trace(4.0 * xtx_inverse @ (lagged_x.T @ lagged_x))
    variance = (n * n / (s0 * s0 * (n - k) * (n - k + 2))) * (
        s1 + 2.0 * trace_a2 - trace_b - 2.0 * trace_a**2 / (n - k)
    )
    z = (statistic - expected) / np.sqrt(variance)
    return ResidualMoranResult(
        outcome=fit.outcome,
        covariates=" + ".join(fit.covariates) or "(intercept only)",
        n=n,
        parameters=k,
        weights=weights_name,
        transformation=transformation,
        statistic=float(statistic),
        expected=float(expected),
        variance=float(variance),
        z=float(z),
        p_value=normal_p_value(float(z), alternative),
        alternative=alternative,
    )
