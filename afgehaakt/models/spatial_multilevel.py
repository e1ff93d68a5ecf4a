"""A linear multilevel model whose municipal effect is spatially structured: the model that fixes the
synthetic survey's misplaced regional effect.

Model (respondent *i* in municipality *j*)::

    y_ij = x_ij' beta + u_j + e_ij,   e_ij ~ N(0, sigma2),
    u ~ N(0, sigma2 * lambda * R),    R = s * exp(-d_jk / range) + (1 - s) * I

so the municipal effect has a spatially structured share ``s`` (exponential correlation over the centroid
distance ``d_jk``) and an independent share ``1 - s``; ``s = 0`` is the ordinary random-intercept model. This is
the generating model of the synthetic survey's municipal effects (:mod:`afgehaakt.survey.synthetic`).

Why it matters: a municipal covariate that is itself spatially smooth (the stacked-disadvantage index) is
correlated, in any one draw, with a spatially smooth municipal effect; the random-intercept model treats the
municipal effects as independent, so it counts each municipality as independent information about the covariate
and its interval is too narrow. The spatial model's GLS weights and standard errors account for the shared
structure (Paciorek 2010, *Statistical Science* 25(1):107-125, on spatial confounding). A Mundlak term (the
municipal mean of the covariate) cannot help here: the covariate is purely municipal, so its municipal mean is
the covariate itself.

Estimation: maximum likelihood with ``beta`` and ``sigma2`` profiled out in closed form, from sufficient
statistics only (``W'W`` and ``Z'W`` with ``W = [X y]``, ``Z'Z = diag(n_j)``), so one likelihood costs one
Cholesky factorisation of a municipalities x municipalities matrix whatever the number of respondents. With
``B = I + N^1/2 Gamma N^1/2`` (``Gamma = lambda R``, ``N = diag(n_j)``) the matrix determinant lemma gives
``|I + Z Gamma Z'| = |B|`` and Woodbury gives ``(Gamma^-1 + N)^-1 = Gamma - Gamma N^1/2 B^-1 N^1/2 Gamma`` (no
inverse of Gamma is needed, so ``s = 1`` is allowed). The three variance parameters (log lambda, logit s, log
range) are found by L-BFGS-B from a grid start; the gradient and Hessian of the profile log-likelihood are checked
by finite differences. With ``s`` fixed at 0 the fit equals statsmodels MixedLM's ML fit of the random-intercept
model (tested to 1e-6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.linalg import cho_factor, cho_solve
from scipy.spatial.distance import cdist
from threadpoolctl import threadpool_limits

from afgehaakt.errors import InputDataError
from afgehaakt.models.differences import derivatives_over

RANGE_BOUNDS_M = (2_000.0, 400_000.0)
"""Search interval of the spatial range (metres): from neighbouring municipalities to the width of the country."""
_GRADIENT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class SpatialFit:
    fixed_names: tuple[str, ...]
    fixed_effects: np.ndarray
    fixed_cov: np.ndarray
    residual_variance: float
    municipal_variance: float
    spatial_share: float
    range_m: float
    loglik: float
    n_obs: int
    n_groups: int
    n_params: int
    gradient_norm: float
    hessian_positive_definite: bool

    @property
    def converged(self) -> bool:
        return self.gradient_norm < _GRADIENT_TOLERANCE


class _Profile:
    """The profile log-likelihood from sufficient statistics."""

    def __init__(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray, distances: np.ndarray):
        self.n_obs, self.p = X.shape
        self.n_groups = distances.shape[0]
        W = np.column_stack([X, y])
        self.wtw = W.T @ W
        self.ztw = np.zeros((self.n_groups, W.shape[1]))
        np.add.at(self.ztw, groups, W)
        self.sizes = np.bincount(groups, minlength=self.n_groups).astype(float)
        if np.any(self.sizes == 0):
            raise ValueError("every municipality with a centroid needs at least one respondent")
        self.root = np.sqrt(self.sizes)
        self.distances = distances

    def evaluate(self, ratio: float, share: float, range_m: float):
        correlation = share * np.exp(-self.distances / range_m)
        correlation[np.diag_indices_from(correlation)] += 1.0 - share
        gamma = ratio * correlation
        scaled = self.root[:, None] * gamma * self.root[None, :]
        B = scaled + np.eye(self.n_groups)
        factor = cho_factor(B, lower=True)
        log_det = 2.0 * np.sum(np.log(np.diag(factor[0])))
        spread = gamma @ self.ztw  # Gamma Z'W
        inner = spread - gamma @ (self.root[:, None] * cho_solve(factor, self.root[:, None] * spread))
        P = self.wtw - self.ztw.T @ inner  # sigma2 * W' V^-1 W
        pxx, pxy, pyy = P[: self.p, : self.p], P[: self.p, self.p], P[self.p, self.p]
        beta = np.linalg.solve(pxx, pxy)
        rss = float(pyy - pxy @ beta)
        sigma2 = rss / self.n_obs
        loglik = -0.5 * self.n_obs * (np.log(2.0 * np.pi) + np.log(sigma2) + 1.0) - 0.5 * log_det
        return float(loglik), beta, sigma2, pxx


def _unpack(theta: np.ndarray, fixed_share: float | None) -> tuple[float, float, float]:
    ratio = float(np.exp(theta[0]))
    if fixed_share is not None:
        return ratio, fixed_share, RANGE_BOUNDS_M[1]
    return ratio, float(1.0 / (1.0 + np.exp(-theta[1]))), float(np.exp(theta[2]))


def fit_spatial_intercept(X: np.ndarray, y: np.ndarray, groups: np.ndarray, coordinates: np.ndarray, *,
                          fixed_names: tuple[str, ...], spatial_share: float | None = None) -> SpatialFit:
    """ML fit of the model of the module docstring; ``groups`` index the rows of ``coordinates`` (metres).

    ``spatial_share=0`` fixes ``s`` at 0 (the random-intercept model) and fits only ``lambda``.
    """
    # Matrices of a few hundred rows: a multithreaded BLAS only adds contention (measured 0.56 s against 0.012 s
    # per likelihood on a loaded 2-core machine).
    with threadpool_limits(limits=1):
        return _fit(X, y, groups, coordinates, fixed_names=fixed_names, fixed=spatial_share)


def _fit(X, y, groups, coordinates, *, fixed_names, fixed) -> SpatialFit:
    profile = _Profile(X, y, groups, cdist(coordinates, coordinates))

    def negative(theta):
        try:
            return -profile.evaluate(*_unpack(theta, fixed))[0]
        except np.linalg.LinAlgError:
            return np.inf

    if fixed is not None:
        starts = [np.array([np.log(r)]) for r in (0.001, 0.01, 0.05)]
        bounds = [(np.log(1e-8), np.log(10.0))]
    else:
        starts = [np.array([np.log(0.01), 0.0, np.log(40_000.0)])]
        bounds = [(np.log(1e-8), np.log(10.0)), (-8.0, 8.0), tuple(np.log(RANGE_BOUNDS_M))]
    best = min((optimize.minimize(negative, start, method="L-BFGS-B", bounds=bounds,
                                  options={"ftol": 1e-15, "gtol": 1e-7, "maxiter": 500, "eps": 1e-6}) for start in starts),
               key=lambda result: result.fun)
    theta = _newton_polish(negative, best.x, bounds)
    loglik, beta, sigma2, pxx = profile.evaluate(*_unpack(theta, fixed))
    gradient, hessian = _finite_differences(negative, theta, bounds)
    ratio, share, range_m = _unpack(theta, fixed)
    return SpatialFit(
        fixed_names=fixed_names, fixed_effects=beta, fixed_cov=sigma2 * np.linalg.inv(pxx),
        residual_variance=sigma2, municipal_variance=sigma2 * ratio, spatial_share=share, range_m=range_m,
        loglik=loglik, n_obs=profile.n_obs, n_groups=profile.n_groups, n_params=X.shape[1] + 1 + len(theta),
        gradient_norm=gradient, hessian_positive_definite=hessian,
    )


def _newton_polish(function, theta, bounds, steps: int = 6) -> np.ndarray:
    """A few Newton steps on finite differences after L-BFGS-B, whose own difference gradient stops it early on a
    flat profile likelihood (measured: |gradient| 0.014 in the spatial share and range)."""
    low, high = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
    for _ in range(steps):
        gradient, hessian, free = _derivatives(function, theta, bounds)
        if not free or np.max(np.abs(gradient)) < _GRADIENT_TOLERANCE / 10:
            break
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        candidate = theta.copy()
        candidate[free] = np.clip(theta[free] - step, low[free], high[free])
        if not function(candidate) <= function(theta):
            break
        theta = candidate
    return theta


def _derivatives(function, theta, bounds, step=1e-4):
    """Finite-difference gradient (step ``step``) and Hessian (step ``10 * step``) over the parameters not at a
    bound."""
    free = [k for k, (low, high) in enumerate(bounds) if low + 1e-3 < theta[k] < high - 1e-3]
    gradient, hessian = derivatives_over(function, theta, free, gradient_steps=step, hessian_steps=10 * step)
    return gradient, hessian, free


def _finite_differences(function, theta, bounds) -> tuple[float, bool]:
    """Largest |gradient| over the parameters not at a bound, and whether the Hessian there is positive definite."""
    gradient, hessian, free = _derivatives(function, theta, bounds)
    if not free:
        return 0.0, True
    try:
        positive = bool(np.linalg.eigvalsh(hessian).min() > 0)
    except np.linalg.LinAlgError:
        positive = False
    return float(np.max(np.abs(gradient))), positive


def municipal_coordinates(data: pd.DataFrame, centroids: pd.DataFrame, *, group: str = "municipality",
                          source: str = "survey table") -> tuple[np.ndarray, np.ndarray]:
    """Group index of every row and the centroid (x, y) of every group, in sorted code order."""
    codes, uniques = pd.factorize(data[group].astype(str), sort=True)
    missing = [code for code in uniques if code not in centroids.index]
    if missing:
        raise InputDataError(source, f"no centroid for municipality {missing[0]!r}", field=group,
                             expected="a 2021 municipality of the boundary file")
    return codes.astype(np.int64), centroids.loc[list(uniques), ["x", "y"]].to_numpy(dtype=float)


SPATIAL_MODEL = "M3s_spatial_municipal"


def fit_spatial_model(data: pd.DataFrame, terms: tuple[str, ...], centroids: pd.DataFrame, *, outcome: str,
                      name: str = SPATIAL_MODEL, compare_with: str = "M3_cross_level",
                      group: str = "municipality", source: str = "survey table"):
    """The model of ``terms`` with a spatially structured municipal effect, as a
    :class:`afgehaakt.models.multilevel.MixedFit` for the multilevel tables (``centroids``: x, y by code)."""
    from afgehaakt.models.diagnostics import design_reasons, diagnose, random_effect_reasons, warn_if_not_ok
    from afgehaakt.models.multilevel import SINGULAR_TOLERANCE, MixedFit, _numeric_column, model_terms

    X = model_terms(data, terms, source=source)
    y = _numeric_column(data, outcome, source)
    groups, coordinates = municipal_coordinates(data, centroids, group=group, source=source)
    fit = fit_spatial_intercept(X.to_numpy(), y, groups, coordinates, fixed_names=tuple(X.columns))
    random_cov = np.array([[fit.municipal_variance]])
    singular = bool(np.sqrt(fit.municipal_variance / fit.residual_variance) < SINGULAR_TOLERANCE)
    notes = (f"municipal effect: spatial share {fit.spatial_share:.3f}, exponential range {fit.range_m / 1000:.1f} km "
             f"(centroid distances)",
             f"LR test against {compare_with}: the spatial share is on its boundary (0) and the range unidentified "
             "under H0, so the chi-squared p is approximate")
    # Diagnosed with the same vocabulary as every other fit (afgehaakt.models.diagnostics).
    design, _ = design_reasons(X.to_numpy(), tuple(X.columns), np.bincount(groups, minlength=len(coordinates)))
    boundary, _ = random_effect_reasons(("intercept",), random_cov, residual_variance=fit.residual_variance,
                                        tolerance=SINGULAR_TOLERANCE)
    diagnosis = diagnose(
        gradient_ok=fit.converged, gradient_norm=fit.gradient_norm, relative_step=np.nan,
        hessian_positive_definite=fit.hessian_positive_definite, standard_errors=np.sqrt(np.diag(fit.fixed_cov)),
        optimizer_message="L-BFGS-B and Newton polish on the profiled likelihood (afgehaakt.models.spatial_multilevel)",
        design=design, boundary=boundary,
    )
    mixed = MixedFit(
        model=name, family="gaussian",
        estimator="ML (spatially structured municipal effect: exponential GP + iid; closed-form profiled likelihood)",
        fixed_names=fit.fixed_names, fixed_effects=fit.fixed_effects, fixed_cov=fit.fixed_cov,
        random_names=("intercept",), random_cov=random_cov,
        residual_variance=fit.residual_variance, upper_level=None, upper_level_variance=None, loglik=fit.loglik,
        n_obs=fit.n_obs, n_groups=fit.n_groups, n_params=fit.n_params,
        gradient_norm=fit.gradient_norm, hessian_positive_definite=fit.hessian_positive_definite, singular=singular,
        gls_max_abs_difference=None, diagnosis=diagnosis, notes=notes, compare_with=compare_with,
    )
    warn_if_not_ok(diagnosis, model=name, outcome=outcome)
    return mixed
