"""Spatial regression with spreg: OLS with Lagrange multiplier diagnostics, ML spatial lag and spatial error.

Returns tidy tables: coefficients side by side (model, term, estimate, se, z, p), one row of model statistics
per model, and the LM diagnostics of the OLS fit. Inference is analytical: z = estimate / se against the
standard normal, two-sided (spreg's and spatialreg's convention; OLS uses the same normal reference so that
the three columns are comparable, where statsmodels would use t). The LM tests are chi-squared with their
degrees of freedom (1, SARMA 2).

AIC is computed here as -2 log L + 2 p with p counting every estimated parameter (coefficients, sigma^2, and
rho or lambda), as R's ``AIC()`` on ``lagsarlm``/``errorsarlm`` does: spreg's own ``aic`` counts sigma^2 for
neither model and lambda for ML_Error neither, so its values are not comparable across the three models.

ML estimates use the exact log-determinant (spreg ``method="full"``, like spatialreg's ``method="eigen"``);
the concentrated likelihood is flat near its optimum, so rho and lambda agree with spatialreg to about 1e-7
relative, the tolerance of the one-dimensional optimiser (``epsilon``).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import spreg
from libpysal.graph import Graph
from scipy import stats

from afgehaakt.spatial.ols import INTERCEPT
from afgehaakt.spatial.values import aligned_frame, aligned_values

LM_TESTS = {
    "lm_error": "LM error",
    "lm_lag": "LM lag",
    "rlm_error": "robust LM error",
    "rlm_lag": "robust LM lag",
    "lm_sarma": "SARMA",
}
_LM_DEGREES_OF_FREEDOM = {"lm_sarma": 2}


@dataclass(frozen=True)
class SpatialRegressionResult:
    """Coefficients, model statistics and LM diagnostics of OLS, ML spatial lag and ML spatial error."""

    coefficients: pd.DataFrame
    model_statistics: pd.DataFrame
    lagrange_multiplier: pd.DataFrame
    impacts: pd.DataFrame


def spatial_regression(
    outcome: pd.Series,
    covariates: pd.DataFrame,
    graph: Graph,
    *,
    weights_name: str,
    epsilon: float = 1e-7,
) -> SpatialRegressionResult:
    """Fit the three models of ``outcome`` on an intercept and ``covariates`` under the row-standardised graph."""
    y = aligned_values(outcome, graph)[:, None]
    design = aligned_frame(covariates, graph)
    x = design.to_numpy()
    terms = [INTERCEPT, *design.columns]
    w = graph.transform("R").to_W()
    w.transform = "r"  # spreg checks the W's own flag; the weights are already row-standardised
    names = {"name_y": str(outcome.name), "name_x": list(design.columns), "name_w": weights_name}
    with quiet_spreg():
        ols = spreg.OLS(y, x, w=w, spat_diag=True, **names)
        lag = spreg.ML_Lag(y, x, w=w, method="full", epsilon=epsilon, **names)
        error = spreg.ML_Error(y, x, w=w, method="full", epsilon=epsilon, **names)
    coefficients = pd.concat(
        [
            _coefficients("OLS", terms, ols.betas, ols.vm),
            _coefficients("ML spatial lag", [*terms, "rho"], lag.betas, lag.vm),
            _coefficients("ML spatial error", [*terms, "lambda"], error.betas, error.vm),
        ],
        ignore_index=True,
    )
    n, k = x.shape[0], x.shape[1] + 1
    statistics = pd.DataFrame(
        [
            _model_row("OLS", ols.logll, k + 1, n, "", np.nan, float(ols.sig2n)),
            _model_row("ML spatial lag", lag.logll, k + 2, n, "rho", float(lag.rho), float(lag.sig2)),
            _model_row(
                "ML spatial error", error.logll, k + 2, n, "lambda", float(error.lam), float(np.ravel(error.sig2)[0])
            ),
        ]
    ).assign(outcome=str(outcome.name), weights=weights_name, transformation="r")
    impacts = lag_impacts(np.ravel(lag.betas)[1 : len(terms)], float(lag.rho), graph.transform("R").sparse,
                          list(design.columns)).assign(outcome=str(outcome.name), weights=weights_name)
    return SpatialRegressionResult(coefficients, statistics, _lagrange_multiplier(ols, weights_name), impacts)


def lag_impacts(betas: np.ndarray, rho: float, weights, terms: list[str]) -> pd.DataFrame:
    """Direct, indirect and total impacts of the covariates in a spatial lag model (LeSage and Pace 2009).

    In y = rho W y + X b + e a change in x_k moves every unit through S_k = (I - rho W)^-1 b_k. The average direct
    impact is b_k tr((I - rho W)^-1) / n, the total b_k / (1 - rho) for row-standardised W (rows sum to 1; rows of
    isolates to 0 are not allowed here), the indirect (spill-over) impact their difference. The trace uses the
    eigenvalues of W, as spatialreg's ``impacts`` with ``method = "eigen"``. The raw coefficients b_k are not
    these effects.
    """
    dense = weights.toarray() if hasattr(weights, "toarray") else np.asarray(weights)
    if not np.allclose(dense.sum(axis=1), 1.0):
        raise ValueError("lag impacts need row-standardised weights without isolates")
    eigenvalues = np.linalg.eigvals(dense)
    mean_diagonal = float(np.real(np.mean(1.0 / (1.0 - rho * eigenvalues))))
    betas = np.asarray(betas, dtype=float)
    direct = betas * mean_diagonal
    total = betas / (1.0 - rho)
    return pd.DataFrame({"model": "ML spatial lag", "term": terms, "direct": direct, "indirect": total - direct,
                         "total": total, "rho": rho})


@contextlib.contextmanager
def quiet_spreg():
    """Silence what spreg 1.9 emits that says nothing about the fit, and only that.

    It prints each ML model's name to stdout; its output tables use pandas' deprecated ``inplace``; ML_Error
    passes a relative tolerance to SciPy's bounded optimiser, which then uses ``epsilon`` as an absolute
    tolerance on lambda (as this module assumes).
    """
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.filterwarnings("ignore", message="Method 'bounded' does not support relative tolerance")
        warnings.filterwarnings("ignore", message="The inplace keyword")
        yield


def _coefficients(model: str, terms: list[str], betas: np.ndarray, covariance: np.ndarray) -> pd.DataFrame:
    estimate = np.ravel(betas)[: len(terms)]
    se = np.sqrt(np.diag(covariance))[: len(terms)]
    z = estimate / se
    return pd.DataFrame(
        {"model": model, "term": terms, "estimate": estimate, "se": se, "z": z, "p": 2.0 * stats.norm.sf(np.abs(z))}
    )


def _model_row(model, log_likelihood, parameters, n, spatial_name, spatial_value, sigma2) -> dict:
    log_likelihood = float(log_likelihood)
    return {
        "model": model,
        "n": n,
        "parameters": parameters,
        "log_likelihood": log_likelihood,
        "aic": -2.0 * log_likelihood + 2.0 * parameters,
        "spatial_parameter": spatial_name,
        "spatial_estimate": spatial_value,
        "sigma2_ml": sigma2,
    }


def _lagrange_multiplier(ols, weights_name: str) -> pd.DataFrame:
    rows = []
    for attribute, test in LM_TESTS.items():
        statistic, _ = getattr(ols, attribute)
        df = _LM_DEGREES_OF_FREEDOM.get(attribute, 1)
        rows.append(
            {
                "test": test,
                "statistic": float(statistic),
                "df": df,
                "p": float(stats.chi2.sf(statistic, df)),
                "weights": weights_name,
            }
        )
    return pd.DataFrame(rows)
