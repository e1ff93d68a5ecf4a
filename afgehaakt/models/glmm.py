"""Maximum-likelihood logistic mixed models: adaptive Gauss-Hermite quadrature and the Laplace approximation.

statsmodels' ``BinomialBayesMixedGLM`` is a Bayesian (variational or MAP) fit with priors, not maximum
likelihood, so the turnout models are fitted here. The model for respondent *i* in group *j* is

    P(y_ij = 1 | v_j) = logistic(x_ij' beta + z_ij' Lambda v_j),   v_j ~ N(0, I_q),

with ``Lambda`` lower triangular (lme4's "spherical" parameterisation: ``theta`` lists the lower triangle of
``Lambda`` column by column, its diagonal is >= 0, and the random-effect covariance is ``Lambda Lambda'``). For
each group the conditional mode of ``v_j`` is found by Newton's method, vectorised over all groups at once; the
marginal log-likelihood is

* Laplace (``n_quadrature=1``, lme4's ``nAGQ=1``): ``sum_j h_j(v_hat) - 0.5 log det H_j`` with
  ``h_j(v) = sum_i log p(y_ij | v) - v'v / 2`` and ``H_j = -h_j''(v_hat)``;
* adaptive Gauss-Hermite quadrature (``n_quadrature=K > 1``, one random intercept only, lme4's ``nAGQ=K``): the
  integral over ``v_j`` with K nodes centred at the mode and scaled by ``H_j**-0.5``.

For 0/1 responses the binomial log-likelihood has no saturated or binomial-coefficient term (both are zero), so
these log-likelihoods are on the same scale for every ``n_quadrature``.

``(theta, beta)`` are estimated jointly (as lme4 does in its second stage) by L-BFGS-B with central-difference
gradients, then polished by Newton steps on a finite-difference Hessian. Adaptive quadrature starts from the
Laplace optimum (or from a supplied start, without the Laplace fit) and takes Newton steps with a backtracking
line search, using the Laplace Hessian as an approximation; the iterations stop when a step moves no parameter by
more than 1e-8 of its scale, or when the deviance no longer changes beyond its rounding error. Standard errors of
``beta`` come from the inverse of the Hessian of the deviance in ``(theta, beta)`` (as lme4's ``vcov`` with
``use.hessian=TRUE``): the quadrature deviance's own for quadrature fits; at a boundary fit (a diagonal of
``Lambda`` at its bound) it is taken over the free parameters, given the bound. A Hessian that is not positive
definite gives NaN standard errors, never a pseudo-inverse.

Every fit carries a diagnosis (:mod:`afgehaakt.models.diagnostics`): separation of the outcome by the fixed
effects (linear programming), aliased columns (dropped, NaN estimates, as lme4), unidentified group variances,
convergence (the Newton step ``H^-1 g`` relative to the parameters' scale below 1e-4, a positive-definite Hessian
and finite standard errors), boundary variances, and the optimizer's messages. The BLAS thread pool is limited
to one thread during a fit by default (a second thread costs CPU without saving time; benchmarks/README.md).
Design weights are not used by this estimator.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from threadpoolctl import threadpool_limits

from afgehaakt.models.diagnostics import (
    DiagnosedFit,
    RELATIVE_STEP_TOLERANCE,
    FitDiagnosis,
    covariance_from_hessian,
    design_reasons,
    diagnose,
    expand_columns,
    failed_estimation,
    random_effect_reasons,
    relative_newton_step,
    separation_reason,
)

SINGULAR_TOLERANCE = 1e-4
"""A diagonal element of Lambda below this (lme4's ``isSingular`` default) marks a boundary (singular) fit."""

REFINE_TOLERANCE = 1e-8
"""The Newton iterations stop when a step moves no parameter by more than this times ``max(1, |parameter|)``."""
DEVIANCE_NOISE = 1e-13
"""Rounding error of the deviance relative to its size: changes below it are not decreases."""
MAX_REFINE_ITERATIONS = 50


@dataclass(frozen=True)
class LogisticMixedFit(DiagnosedFit):
    """A fitted logistic mixed model (maximum likelihood)."""

    fixed_names: tuple[str, ...]
    fixed_effects: np.ndarray
    fixed_cov: np.ndarray
    random_names: tuple[str, ...]
    theta: np.ndarray
    random_cov: np.ndarray
    loglik: float
    n_obs: int
    n_groups: int
    n_quadrature: int
    n_params: int
    """Estimated parameters: the fixed effects not aliased and the elements of theta."""
    gradient_norm: float
    """Largest absolute deviance gradient over the parameters not held at a bound."""
    hessian_positive_definite: bool
    """Of the deviance Hessian over the parameters not held at a bound."""
    singular: bool
    """lme4's ``isSingular``: a diagonal element of Lambda below :data:`SINGULAR_TOLERANCE`."""
    optimizer_message: str
    diagnosis: FitDiagnosis
    """Status (ok, singular, boundary, separation, not_converged), reasons and criteria of this fit."""
    conditional_modes: np.ndarray = field(repr=False)
    """Conditional modes of the random effects on the data scale, one row per group (``Lambda v_hat``)."""

    @property
    def method(self) -> str:
        return "Laplace" if self.n_quadrature == 1 else f"adaptive Gauss-Hermite quadrature ({self.n_quadrature} nodes)"

    @property
    def fixed_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.fixed_cov))

    @property
    def aic(self) -> float:
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        return -2.0 * self.loglik + np.log(self.n_obs) * self.n_params


class _LogisticMixedObjective:
    """The deviance (-2 log-likelihood) of a logistic mixed model as a function of (theta, beta)."""

    def __init__(self, y, X, Z, groups, n_groups, n_quadrature):
        self.y, self.X, self.Z, self.groups, self.n_groups = y, X, Z, groups, n_groups
        self.q = Z.shape[1]
        self.n_theta = self.q * (self.q + 1) // 2
        self.n_quadrature = n_quadrature
        self.modes = np.zeros((n_groups, self.q))
        rows, cols = np.tril_indices(self.q)
        # lme4 orders theta column by column through the lower triangle.
        order = np.lexsort((rows, cols))
        self.tril_rows, self.tril_cols = rows[order], cols[order]
        self.diagonal_positions = np.flatnonzero(self.tril_rows == self.tril_cols)
        if n_quadrature > 1:
            nodes, weights = np.polynomial.hermite.hermgauss(n_quadrature)
            self.nodes, self.log_weights = nodes, np.log(weights)

    def with_quadrature(self, n_quadrature):
        """The same model's deviance with another number of quadrature nodes (this one if the number agrees)."""
        if n_quadrature == self.n_quadrature:
            return self
        return _LogisticMixedObjective(self.y, self.X, self.Z, self.groups, self.n_groups, n_quadrature)

    def lambda_matrix(self, theta):
        lam = np.zeros((self.q, self.q))
        lam[self.tril_rows, self.tril_cols] = theta
        return lam

    def _group_sum(self, values):
        """Sum per group of an (n,) or (n, k) array."""
        if values.ndim == 1:
            return np.bincount(self.groups, weights=values, minlength=self.n_groups)
        return np.column_stack(
            [np.bincount(self.groups, weights=values[:, k], minlength=self.n_groups) for k in range(values.shape[1])]
        )

    def _group_loglik(self, eta):
        # log p(y | eta) for 0/1 y: y * eta - log(1 + exp(eta)), computed stably.
        return self._group_sum(self.y * eta - np.logaddexp(0.0, eta))

    def conditional_modes(self, theta, beta, *, tolerance=1e-10, max_iterations=100):
        """Newton iterations for every group's mode; returns (modes, A, offset, H, h at mode)."""
        A = self.Z @ self.lambda_matrix(theta)
        offset = self.X @ beta
        v = self.modes.copy()
        q = self.q
        identity = np.eye(q)
        h = None
        for _ in range(max_iterations):
            eta = offset + np.einsum("ik,ik->i", A, v[self.groups])
            mu = expit(eta)
            w = mu * (1.0 - mu)
            gradient = self._group_sum(A * (self.y - mu)[:, None]) - v
            outer = (A[:, :, None] * A[:, None, :]).reshape(len(A), q * q) * w[:, None]
            H = self._group_sum(outer).reshape(self.n_groups, q, q) + identity
            step = np.linalg.solve(H, gradient[:, :, None])[:, :, 0]
            if h is None:
                h = self._group_loglik(eta) - 0.5 * np.einsum("jk,jk->j", v, v)
            # Step halving per group: h is strictly concave, but a full Newton step can overshoot far from the mode.
            scale = np.ones(self.n_groups)
            for _halving in range(30):
                candidate = v + scale[:, None] * step
                eta_new = offset + np.einsum("ik,ik->i", A, candidate[self.groups])
                h_new = self._group_loglik(eta_new) - 0.5 * np.einsum("jk,jk->j", candidate, candidate)
                worse = h_new < h - 1e-12 * np.abs(h)
                if not worse.any():
                    break
                scale[worse] *= 0.5
            v, h = candidate, h_new
            if np.max(np.abs(scale[:, None] * step)) < tolerance:
                break
        eta = offset + np.einsum("ik,ik->i", A, v[self.groups])
        mu = expit(eta)
        w = mu * (1.0 - mu)
        outer = (A[:, :, None] * A[:, None, :]).reshape(len(A), q * q) * w[:, None]
        H = self._group_sum(outer).reshape(self.n_groups, q, q) + identity
        h = self._group_loglik(eta) - 0.5 * np.einsum("jk,jk->j", v, v)
        self.modes = v
        return v, A, offset, H, h

    def loglik(self, params):
        return self.loglik_and_beta_gradient(params, with_gradient=False)[0]

    def loglik_and_beta_gradient(self, params, *, with_gradient=True):
        """The log-likelihood and (Laplace only) its exact gradient in beta at the conditional modes.

        With ``B_j = sum_i w_i a_i x_i'``, ``c_i = w_i (1 - 2 mu_i) a_i' H_j^-1 a_i`` and ``C_j = sum_i c_i a_i``,
        the modes move with beta as ``dv_j/dbeta = -H_j^-1 B_j``, so
        ``d logL / dbeta = sum_i (y_i - mu_i) x_i - 0.5 (sum_i c_i x_i - sum_j B_j' H_j^-1 C_j)``.
        """
        theta, beta = params[: self.n_theta], params[self.n_theta :]
        v, A, offset, H, h = self.conditional_modes(theta, beta)
        _, logdet = np.linalg.slogdet(H)
        if self.n_quadrature == 1:
            value = float(np.sum(h - 0.5 * logdet))
            if not with_gradient:
                return value, None
            eta = offset + np.einsum("ik,ik->i", A, v[self.groups])
            mu = expit(eta)
            w = mu * (1.0 - mu)
            H_inverse = np.linalg.inv(H)
            leverage = np.einsum("ik,ikl,il->i", A, H_inverse[self.groups], A)
            c = w * (1.0 - 2.0 * mu) * leverage
            q, p = self.q, self.X.shape[1]
            B = self._group_sum((A[:, :, None] * self.X[:, None, :]).reshape(len(A), q * p) * w[:, None])
            B = B.reshape(self.n_groups, q, p)
            C = self._group_sum(A * c[:, None])
            correction = np.einsum("jkp,jkl,jl->p", B, H_inverse, C)
            gradient = self.X.T @ (self.y - mu) - 0.5 * (self.X.T @ c - correction)
            return value, gradient
        # Adaptive Gauss-Hermite (one random intercept): nodes v_hat + sqrt(2) * s_j * z_k, s_j = H_j ** -0.5.
        s = 1.0 / np.sqrt(H[:, 0, 0])
        per_node = []
        for node in self.nodes:
            shifted = v[:, 0] + np.sqrt(2.0) * s * node
            eta = offset + A[:, 0] * shifted[self.groups]
            per_node.append(self._group_loglik(eta) - 0.5 * shifted**2 + node**2)
        per_node = np.column_stack(per_node) + self.log_weights
        peak = per_node.max(axis=1, keepdims=True)
        log_integral = peak[:, 0] + np.log(np.exp(per_node - peak).sum(axis=1))
        return float(np.sum(log_integral + np.log(s) - 0.5 * np.log(np.pi))), None

    def deviance_gradient(self, params, steps):
        """Gradient of the deviance: exact in beta for Laplace, central differences elsewhere."""
        if self.n_quadrature > 1:
            return _central_gradient(self.deviance, params, steps)
        gradient = np.empty_like(params)
        for k in range(self.n_theta):
            e = np.zeros_like(params)
            e[k] = steps[k]
            gradient[k] = (self.deviance(params + e) - self.deviance(params - e)) / (2.0 * steps[k])
        gradient[self.n_theta :] = -2.0 * self.loglik_and_beta_gradient(params)[1]
        return gradient

    def deviance(self, params):
        return -2.0 * self.loglik(params)


def _central_gradient(function, x, steps):
    gradient = np.empty_like(x)
    for k in range(len(x)):
        e = np.zeros_like(x)
        e[k] = steps[k]
        gradient[k] = (function(x + e) - function(x - e)) / (2.0 * steps[k])
    return gradient


def _central_hessian(function, x, steps):
    n = len(x)
    hessian = np.empty((n, n))
    f0 = function(x)
    for a in range(n):
        ea = np.zeros(n)
        ea[a] = steps[a]
        hessian[a, a] = (function(x + ea) - 2.0 * f0 + function(x - ea)) / steps[a] ** 2
        for b in range(a):
            eb = np.zeros(n)
            eb[b] = steps[b]
            value = (
                function(x + ea + eb) - function(x + ea - eb) - function(x - ea + eb) + function(x - ea - eb)
            ) / (4.0 * steps[a] * steps[b])
            hessian[a, b] = hessian[b, a] = value
    return hessian


def _logistic_start(y, X):
    """Fixed effects of the ordinary logistic regression (Newton-Raphson), as starting values.

    Under separation the estimates diverge; the iterations stop after 50 steps wherever they are (the diagnosis
    reports the separation), and least squares keeps a nearly singular information matrix from raising.
    """
    beta = np.zeros(X.shape[1])
    for _ in range(50):
        mu = expit(X @ beta)
        information = (X * (mu * (1 - mu))[:, None]).T @ X
        step = np.linalg.lstsq(information, X.T @ (y - mu), rcond=None)[0]
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


@contextmanager
def limited_blas_threads(threads: int | None):
    """Limit the BLAS thread pool to ``threads`` (None: leave it alone) for the duration of a fit.

    The fits multiply tall, thin matrices (n x p with p about 10) and small per-group blocks: a second BLAS thread
    adds CPU time without wall-time gain (benchmarks/README.md), and it would oversubscribe the cores a
    Snakemake job is given.
    """
    if threads is None:
        yield
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


def fit_logistic_mixed(
    y: np.ndarray,
    X: np.ndarray,
    groups: np.ndarray,
    *,
    fixed_names: tuple[str, ...],
    Z: np.ndarray | None = None,
    random_names: tuple[str, ...] = ("intercept",),
    n_quadrature: int = 1,
    start: np.ndarray | None = None,
    blas_threads: int | None = 1,
) -> LogisticMixedFit:
    """Fit ``y ~ X beta + (Z | groups)`` by maximum likelihood (Laplace or adaptive Gauss-Hermite quadrature).

    ``groups`` holds integer group indices 0..J-1; ``Z`` defaults to a column of ones (random intercept).
    ``n_quadrature > 1`` needs a single random effect (one column in ``Z``), as in lme4. ``start`` (theta then
    beta, lme4's order; columns of ``X`` that are aliased excluded) replaces the default start; for quadrature it
    replaces the Laplace fit that otherwise provides the start. ``blas_threads`` limits the BLAS thread pool
    during the fit (None leaves it alone).

    The fit never raises on bad data: its :attr:`LogisticMixedFit.diagnosis` says what went wrong (see
    :mod:`afgehaakt.models.diagnostics`), and aliased columns of ``X`` are dropped (NaN estimates), as in lme4.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    groups = np.asarray(groups, dtype=np.int64)
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("the response must be 0/1")
    Z = np.ones((len(y), 1)) if Z is None else np.asarray(Z, dtype=float).reshape(len(y), -1)
    if Z.shape[1] != len(random_names) or X.shape[1] != len(fixed_names):
        raise ValueError("names do not match the columns of X or Z")
    if n_quadrature < 1 or (n_quadrature > 1 and Z.shape[1] != 1):
        raise ValueError("adaptive quadrature (n_quadrature > 1) needs exactly one random effect")
    with limited_blas_threads(blas_threads):
        return _fit(y, X, groups, tuple(fixed_names), Z, tuple(random_names), n_quadrature, start)


def _fit(y, X, groups, fixed_names, Z, random_names, n_quadrature, start):
    n_groups = int(groups.max()) + 1
    design, keep = design_reasons(X, fixed_names, np.bincount(groups, minlength=n_groups))
    kept_names = tuple(fixed_names[k] for k in keep)
    separated = separation_reason(y, X[:, keep], kept_names)
    objective = _LogisticMixedObjective(y, X[:, keep], Z, groups, n_groups, n_quadrature)
    steps_for = _step_rule(objective)
    if y.min() == y.max():
        return _failed(objective, fixed_names, random_names, keep, X.shape[1],
                       "not estimated (the maximum-likelihood estimates do not exist)", design, separated)
    try:
        if start is None:
            laplace = _fit_laplace(objective.with_quadrature(1), _default_start(objective, y), steps_for)
            if n_quadrature == 1:
                optimum = laplace
            else:
                optimum = _refine_by_quadrature(objective, laplace.params, laplace.free, laplace.hessian, steps_for,
                                                "started from the Laplace optimum")
        else:
            start = np.asarray(start, dtype=float)
            if start.shape != (objective.n_theta + len(keep),):
                raise ValueError(f"start needs {objective.n_theta} theta and {len(keep)} fixed-effect values")
            if n_quadrature == 1:
                optimum = _fit_laplace(objective, start, steps_for)
            else:
                laplace_objective = objective.with_quadrature(1)
                free = _free_mask(objective, start)
                hessian = _free_hessian(laplace_objective, start, free, steps_for)
                optimum = _refine_by_quadrature(objective, start, free, hessian, steps_for,
                                                "started from the supplied start")
    except np.linalg.LinAlgError as error:
        return _failed(objective, fixed_names, random_names, keep, X.shape[1], f"estimation raised {error}", design,
                       separated)
    return _assemble(objective, optimum, fixed_names, random_names, keep, X.shape[1], design, separated)


def _default_start(objective, y):
    theta_start = np.where(objective.tril_rows == objective.tril_cols, 0.5, 0.0)
    return np.concatenate([theta_start, _logistic_start(y, objective.X)])


def _step_rule(objective):
    def steps_for(x):
        steps = 1e-5 * np.maximum(1.0, np.abs(x))
        # A variance parameter near its bound must not step below zero in a central difference.
        diagonal = objective.diagonal_positions
        steps[diagonal] = np.minimum(steps[diagonal], np.maximum(0.5 * x[diagonal], 1e-8))
        return steps

    return steps_for


def _free_mask(objective, params):
    """Parameters not held at a bound: every fixed effect and every theta except a diagonal at zero."""
    return ~np.array(
        [k in objective.diagonal_positions and params[k] < SINGULAR_TOLERANCE for k in range(len(params))]
    )


@dataclass(frozen=True)
class _Optimum:
    params: np.ndarray
    free: np.ndarray
    hessian: np.ndarray
    """Deviance Hessian over the free parameters (the one the standard errors come from)."""
    gradient: np.ndarray
    """Deviance gradient over the free parameters at ``params``."""
    message: str


def _fit_laplace(objective, start, steps_for) -> _Optimum:
    """L-BFGS-B on the Laplace deviance, then Newton steps with a line search on the free parameters."""
    n_theta = objective.n_theta
    bounds = [(0.0, None) if k in objective.diagonal_positions else (None, None) for k in range(n_theta)]
    bounds += [(None, None)] * objective.X.shape[1]
    # The deviance is O(n); dividing by n keeps L-BFGS-B's tolerances meaningful on any sample size.
    scale = float(len(objective.y))
    result = minimize(
        lambda x: objective.deviance(x) / scale,
        start,
        jac=lambda x: objective.deviance_gradient(x, steps_for(x)) / scale,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
    )
    params = result.x
    free = _free_mask(objective, params)
    # Newton polish on the free parameters: L-BFGS-B stops on a flat deviance surface before the fixed effects
    # agree with lme4 to 1e-5. The finite-difference Hessian is computed once and reused for the standard errors
    # (the polish moves the parameters by far less than the finite-difference step).
    hessian = _free_hessian(objective, params, free, steps_for)
    params, gradient, polish = _newton(objective, params, free, hessian,
                                       lambda x: objective.deviance_gradient(x, steps_for(x)), max_iterations=10)
    message = f"L-BFGS-B: {result.message} ({result.nit} iterations); Newton polish: {polish}"
    return _Optimum(params, free, hessian, gradient, message)


def _newton(objective, params, free, hessian, gradient_of, *, max_iterations):
    """Newton steps ``-H^-1 g`` on the free parameters with a backtracking (Armijo) line search.

    Stops when the step is below :data:`REFINE_TOLERANCE` relative to the parameters' scale, or when the
    deviance no longer decreases beyond its rounding error (relative to its own size). Returns the parameters,
    the free gradient there and a message saying which criterion stopped it.
    """
    deviance = objective.deviance(params)
    gradient = gradient_of(params)[free]
    for iteration in range(max_iterations):
        step = np.linalg.solve(hessian, gradient)
        relative = float(np.max(np.abs(step) / np.maximum(1.0, np.abs(params[free])))) if len(step) else 0.0
        if relative < REFINE_TOLERANCE:
            return params, gradient, f"relative Newton step {relative:.2g} after {iteration} steps"
        noise = DEVIANCE_NOISE * (1.0 + abs(deviance))
        decrease = float(gradient @ step)
        length = 1.0
        while length >= 2.0**-20:
            candidate = params.copy()
            candidate[free] -= length * step
            candidate = _clip(candidate, objective, 0.0)
            candidate_deviance = objective.deviance(candidate)
            if candidate_deviance <= deviance - 1e-4 * length * max(decrease, 0.0) + noise:
                break
            length *= 0.5
        else:
            return params, gradient, (f"line search found no decrease after {iteration} steps (relative Newton step "
                                      f"{relative:.2g})")
        improvement = deviance - candidate_deviance
        params, deviance = candidate, candidate_deviance
        gradient = gradient_of(params)[free]
        if abs(improvement) <= noise and relative < 1e3 * REFINE_TOLERANCE:
            return params, gradient, (f"deviance change {improvement:.2g} within rounding after {iteration + 1} "
                                      f"steps (relative Newton step {relative:.2g})")
    return params, gradient, f"stopped after {max_iterations} steps (relative Newton step {relative:.2g})"


def _refine_by_quadrature(objective, start, free, approximate_hessian, steps_for, origin) -> _Optimum:
    """Adaptive quadrature: Newton steps with a line search from ``start`` on the ``free`` parameters, using an
    approximate Hessian (of the Laplace deviance).

    The quadrature optimum lies close to Laplace's and the two Hessians differ by about a per cent, so each step
    shrinks the distance to the optimum about a hundredfold; the final Hessian (for the standard errors and the
    convergence check) is the quadrature deviance's own.
    """
    params, _, newton = _newton(objective, start, free, approximate_hessian,
                                lambda x: objective.deviance_gradient(x, steps_for(x)),
                                max_iterations=MAX_REFINE_ITERATIONS)
    free_index = np.flatnonzero(free)

    def restricted(sub):
        full = params.copy()
        full[free_index] = sub
        return objective.deviance(full)

    hessian = _central_hessian(restricted, params[free_index], steps_for(params)[free_index] * 10.0)
    gradient = objective.deviance_gradient(params, steps_for(params))[free]
    return _Optimum(params, free, hessian, gradient, f"quadrature Newton refinement {origin}: {newton}")


def _assemble(objective, optimum: _Optimum, fixed_names, random_names, keep, p, design, separated):
    n_theta = objective.n_theta
    params, free = optimum.params, optimum.free
    cov_free, positive_definite = covariance_from_hessian(optimum.hessian, 2.0)
    beta_positions = np.arange(n_theta, len(params))
    free_index = np.flatnonzero(free)
    beta_in_free = np.searchsorted(free_index, beta_positions)
    # Parameters at their bound are held fixed: the covariance is conditional on them.
    fixed_effects, fixed_cov = expand_columns(params[n_theta:], cov_free[np.ix_(beta_in_free, beta_in_free)], keep, p)
    theta = params[:n_theta]
    lam = objective.lambda_matrix(theta)
    gradient_norm = float(np.max(np.abs(optimum.gradient))) if len(optimum.gradient) else 0.0
    relative_step = relative_newton_step(optimum.gradient, optimum.hessian, params[free])
    boundary, singular_covariance = random_effect_reasons(random_names, lam @ lam.T, tolerance=SINGULAR_TOLERANCE)
    diagnosis = diagnose(
        gradient_ok=relative_step < RELATIVE_STEP_TOLERANCE, gradient_norm=gradient_norm,
        relative_step=relative_step, hessian_positive_definite=positive_definite,
        standard_errors=np.sqrt(np.diag(fixed_cov))[keep], optimizer_message=optimum.message, design=design,
        separation=separated, boundary=boundary, singular_covariance=singular_covariance,
    )
    return LogisticMixedFit(
        fixed_names=tuple(fixed_names),
        fixed_effects=fixed_effects,
        fixed_cov=fixed_cov,
        random_names=tuple(random_names),
        theta=theta.copy(),
        random_cov=lam @ lam.T,
        loglik=objective.loglik(params),
        n_obs=len(objective.y),
        n_groups=objective.n_groups,
        n_quadrature=objective.n_quadrature,
        n_params=len(keep) + n_theta,
        gradient_norm=gradient_norm,
        hessian_positive_definite=positive_definite,
        singular=bool(np.any(np.diag(lam) < SINGULAR_TOLERANCE)),
        optimizer_message=optimum.message,
        diagnosis=diagnosis,
        conditional_modes=objective.modes @ lam.T,
    )


def _failed(objective, fixed_names, random_names, keep, p, message, design, separated):
    """A fit whose estimation raised a numerical error: NaN estimates and a diagnosis that says why."""
    q, n_theta = objective.q, objective.n_theta
    diagnosis = failed_estimation(message, "no optimum", design=design, separation=separated)
    return LogisticMixedFit(
        fixed_names=tuple(fixed_names), fixed_effects=np.full(p, np.nan), fixed_cov=np.full((p, p), np.nan),
        random_names=tuple(random_names), theta=np.full(n_theta, np.nan), random_cov=np.full((q, q), np.nan),
        loglik=np.nan, n_obs=len(objective.y), n_groups=objective.n_groups, n_quadrature=objective.n_quadrature,
        n_params=len(keep) + n_theta, gradient_norm=np.nan, hessian_positive_definite=False, singular=False,
        optimizer_message=diagnosis.optimizer_message, diagnosis=diagnosis,
        conditional_modes=np.full((objective.n_groups, q), np.nan),
    )


def _clip(params, objective, lower):
    clipped = params.copy()
    diagonal = objective.diagonal_positions
    clipped[diagonal] = np.maximum(clipped[diagonal], lower)
    return clipped


def _free_hessian(objective, params, free, steps_for):
    """Symmetrised central-difference Hessian of the deviance over the free parameters, from its gradient."""
    free_index = np.flatnonzero(free)
    steps = steps_for(params) * 10.0
    steps[objective.diagonal_positions] = np.minimum(
        steps[objective.diagonal_positions], np.maximum(0.5 * params[objective.diagonal_positions], 1e-8)
    )
    columns = []
    for k in free_index:
        e = np.zeros_like(params)
        e[k] = steps[k]
        upper = objective.deviance_gradient(params + e, steps_for(params + e))
        lower = objective.deviance_gradient(params - e, steps_for(params - e))
        columns.append((upper - lower)[free_index] / (2.0 * steps[k]))
    hessian = np.column_stack(columns) if columns else np.zeros((0, 0))
    return 0.5 * (hessian + hessian.T)


__all__ = ["LogisticMixedFit", "fit_logistic_mixed", "limited_blas_threads"]
