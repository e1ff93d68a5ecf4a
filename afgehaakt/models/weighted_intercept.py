"""Linear random-intercept model with precision weights (lme4's ``lmer(y ~ x + (1 | g), weights = w)``).

    y_ij = x_ij' beta + u_j + e_ij,   u_j ~ N(0, tau2),   e_ij ~ N(0, sigma2 / w_ij)

statsmodels' ``MixedLM`` takes no weights, so the model is fitted here in closed form per group: with
lambda = tau2 / sigma2 and s_j = sum_i w_ij, sigma2 V_j^-1 = W_j - lambda / (1 + lambda s_j) W_j 1 1' W_j and
log|V_j / sigma2| = -sum log w_ij + log(1 + lambda s_j). beta and sigma2 are profiled out; lambda is found by a
bounded one-dimensional search on log lambda, and the boundary lambda = 0 (no group variance) is compared
explicitly. The weights are scaled to mean 1, so sigma2 is the residual variance of a unit of average weight
and ``between_share`` = tau2 / (tau2 + sigma2) is the share of the variance of such a unit that lies between
groups (the ICC of the null model). Checked against lme4 in tests/reference/lme4/weighted_intercept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

_LOG_LAMBDA_BOUNDS = (-20.0, 10.0)


@dataclass(frozen=True)
class WeightedInterceptFit:
    """Estimates, their standard errors (conditional on the variance parameters, as lme4 reports them)."""

    coefficients: pd.DataFrame
    tau2: float
    sigma2: float
    log_likelihood: float
    method: str
    n: int
    groups: int
    converged: bool
    message: str

    @property
    def between_share(self) -> float:
        return self.tau2 / (self.tau2 + self.sigma2)


def fit_weighted_intercept(y: np.ndarray, X: pd.DataFrame, groups: np.ndarray, weights: np.ndarray, *,
                           reml: bool = True) -> WeightedInterceptFit:
    """Fit the model by REML (default, as lme4) or ML. ``X`` holds the fixed-effect columns (with intercept)."""
    y = np.asarray(y, dtype=float)
    design = X.to_numpy(dtype=float)
    w = np.asarray(weights, dtype=float)
    if not (np.isfinite(y).all() and np.isfinite(design).all() and np.isfinite(w).all() and (w > 0).all()):
        raise ValueError("outcome, covariates and weights must be finite, weights positive")
    w = w / w.mean()
    codes, labels = pd.factorize(pd.Series(groups), sort=True)
    sums = _GroupSums(y, design, w, codes, len(labels))
    objective = lambda log_lambda: -sums.log_likelihood(np.exp(log_lambda), reml)  # noqa: E731
    search = optimize.minimize_scalar(objective, bounds=_LOG_LAMBDA_BOUNDS, method="bounded",
                                      options={"xatol": 1e-10})
    at_boundary = -sums.log_likelihood(0.0, reml)
    lam = 0.0 if at_boundary <= search.fun else float(np.exp(search.x))
    beta, sigma2, precision = sums.profile(lam, reml)
    covariance = sigma2 * np.linalg.inv(precision)
    se = np.sqrt(np.diag(covariance))
    z = beta / se
    coefficients = pd.DataFrame({
        "term": list(X.columns), "estimate": beta, "std_error": se, "z": z,
        "p_value": 2 * stats.norm.sf(np.abs(z)),
    })
    converged = bool(search.success) or lam == 0.0
    message = "boundary: no group variance" if lam == 0.0 else f"bounded search on log(tau2/sigma2): {search.message}"
    return WeightedInterceptFit(
        coefficients=coefficients, tau2=lam * sigma2, sigma2=sigma2,
        log_likelihood=sums.log_likelihood(lam, reml), method="REML" if reml else "ML", n=len(y),
        groups=len(labels), converged=converged, message=message,
    )


class _GroupSums:
    """Per-group sums of the weighted cross-products, from which every likelihood evaluation is cheap."""

    def __init__(self, y, X, w, codes, n_groups):
        self.n, self.p = X.shape
        self.log_w = np.log(w).sum()
        wX = X * w[:, None]
        self.XtWX = X.T @ wX
        self.XtWy = wX.T @ y
        self.ytWy = float(y @ (w * y))
        self.s = np.bincount(codes, weights=w, minlength=n_groups)
        self.gX = np.zeros((n_groups, self.p))
        np.add.at(self.gX, codes, wX)
        self.gy = np.bincount(codes, weights=w * y, minlength=n_groups)

    def profile(self, lam: float, reml: bool):
        shrink = lam / (1.0 + lam * self.s)
        A = self.XtWX - (self.gX * shrink[:, None]).T @ self.gX
        b = self.XtWy - (self.gX * shrink[:, None]).T @ self.gy
        beta = np.linalg.solve(A, b)
        quadratic = self.ytWy - float((self.gy**2 * shrink).sum()) - float(beta @ b)
        sigma2 = quadratic / (self.n - self.p if reml else self.n)
        return beta, sigma2, A

    def log_likelihood(self, lam: float, reml: bool) -> float:
        _, sigma2, A = self.profile(lam, reml)
        dof = self.n - self.p if reml else self.n
        log_det_v = -self.log_w + float(np.log1p(lam * self.s).sum())
        value = -0.5 * (dof * np.log(2 * np.pi * sigma2) + log_det_v + dof)
        if reml:
            value -= 0.5 * float(np.linalg.slogdet(A)[1])
        return value
