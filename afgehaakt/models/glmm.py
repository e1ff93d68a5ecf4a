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
gradients, then polished by Newton steps on a finite-difference Hessian. Standard errors of ``beta`` come from the
inverse of that Hessian of the deviance in ``(theta, beta)`` (as lme4's ``vcov`` with ``use.hessian=TRUE``); at a
singular fit (a diagonal of ``Lambda`` at its bound) the Hessian is taken over ``beta`` alone, given ``theta``.
Design weights are not used by this estimator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

SINGULAR_TOLERANCE = 1e-4
"""A diagonal element of Lambda below this (lme4's ``isSingular`` default) marks a boundary (singular) fit."""

GRADIENT_TOLERANCE = 1e-3
"""Largest absolute deviance gradient accepted as converged (lme4 warns above 2e-3 on its scaled gradient)."""


@dataclass(frozen=True)
class LogisticMixedFit:
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
    converged: bool
    gradient_norm: float
    """Largest absolute deviance gradient over the parameters not held at a bound."""
    hessian_positive_definite: bool
    """Of the deviance Hessian over the parameters not held at a bound."""
    singular: bool
    optimizer_message: str
    conditional_modes: np.ndarray = field(repr=False)
    """Conditional modes of the random effects on the data scale, one row per group (``Lambda v_hat``)."""

    @property
    def method(self) -> str:
        return "Laplace" if self.n_quadrature == 1 else f"adaptive Gauss-Hermite quadrature ({self.n_quadrature} nodes)"

    @property
    def n_params(self) -> int:
        return len(self.fixed_effects) + len(self.theta)

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
    """Fixed effects of the ordinary logistic regression (Newton-Raphson), as starting values."""
    beta = np.zeros(X.shape[1])
    for _ in range(50):
        mu = expit(X @ beta)
        step = np.linalg.solve((X * (mu * (1 - mu))[:, None]).T @ X, X.T @ (y - mu))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def fit_logistic_mixed(
    y: np.ndarray,
    X: np.ndarray,
    groups: np.ndarray,
    *,
    fixed_names: tuple[str, ...],
    Z: np.ndarray | None = None,
    random_names: tuple[str, ...] = ("intercept",),
    n_quadrature: int = 1,
) -> LogisticMixedFit:
    """Fit ``y ~ X beta + (Z | groups)`` by maximum likelihood (Laplace or adaptive Gauss-Hermite quadrature).

    ``groups`` holds integer group indices 0..J-1; ``Z`` defaults to a column of ones (random intercept).
    ``n_quadrature > 1`` needs a single random effect (one column in ``Z``), as in lme4.
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
    n_groups = int(groups.max()) + 1
    objective = _LogisticMixedObjective(y, X, Z, groups, n_groups, n_quadrature)
    n_theta = objective.n_theta

    theta_start = np.where(objective.tril_rows == objective.tril_cols, 0.5, 0.0)
    start = np.concatenate([theta_start, _logistic_start(y, X)])
    bounds = [(0.0, None) if k in objective.diagonal_positions else (None, None) for k in range(n_theta)]
    bounds += [(None, None)] * X.shape[1]
    # The deviance is O(n); dividing by n keeps L-BFGS-B's tolerances meaningful on any sample size.
    scale = float(len(y))

    def steps_for(x):
        steps = 1e-5 * np.maximum(1.0, np.abs(x))
        # A variance parameter near its bound must not step below zero in a central difference.
        diagonal = objective.diagonal_positions
        steps[diagonal] = np.minimum(steps[diagonal], np.maximum(0.5 * x[diagonal], 1e-8))
        return steps

    if n_quadrature > 1:
        return _refine_by_quadrature(objective, y, X, groups, fixed_names, Z, random_names, steps_for)
    result = minimize(
        lambda x: objective.deviance(x) / scale,
        start,
        jac=lambda x: objective.deviance_gradient(x, steps_for(x)) / scale,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
    )
    params = result.x
    at_bound = np.array(
        [k in objective.diagonal_positions and params[k] < SINGULAR_TOLERANCE for k in range(len(params))]
    )
    free = ~at_bound
    # Newton polish on the free parameters: L-BFGS-B stops on a flat deviance surface before the fixed effects
    # agree with lme4 to 1e-5. The finite-difference Hessian is computed once and reused for the standard errors
    # (the polish moves the parameters by far less than the finite-difference step).
    hessian = _free_hessian(objective, params, free, steps_for)
    for _ in range(10):
        gradient = objective.deviance_gradient(params, steps_for(params))[free]
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        candidate = params.copy()
        candidate[free] -= step
        candidate = _clip(candidate, objective, 0.0)
        if objective.deviance(candidate) > objective.deviance(params) + 1e-9:
            break
        params = candidate
        if np.max(np.abs(step)) < 1e-10:
            break
    gradient = objective.deviance_gradient(params, steps_for(params))[free]
    return _assemble(objective, params, free, hessian, gradient, fixed_names, random_names, str(result.message),
                     bool(result.success))


def _refine_by_quadrature(objective, y, X, groups, fixed_names, Z, random_names, steps_for):
    """Adaptive quadrature: quasi-Newton steps from the Laplace optimum, using the Laplace Hessian.

    The quadrature optimum lies close to Laplace's and the two Hessians differ by about a per cent, so each step
    shrinks the distance to the optimum about a hundredfold; the final Hessian is the quadrature deviance's own.
    """
    laplace = fit_logistic_mixed(y, X, groups, fixed_names=fixed_names, Z=Z, random_names=random_names)
    laplace_objective = _LogisticMixedObjective(y, X, Z, groups, objective.n_groups, 1)
    params = np.concatenate([laplace.theta, laplace.fixed_effects])
    free = ~np.array(
        [k in objective.diagonal_positions and params[k] < SINGULAR_TOLERANCE for k in range(len(params))]
    )
    approximate_hessian = _free_hessian(laplace_objective, params, free, steps_for)
    message = "quasi-Newton from the Laplace optimum did not reach the gradient tolerance"
    success = False
    for _ in range(20):
        gradient = objective.deviance_gradient(params, steps_for(params))[free]
        if np.max(np.abs(gradient)) < GRADIENT_TOLERANCE * 1e-3:
            message, success = "quasi-Newton from the Laplace optimum: gradient below tolerance", True
            break
        candidate = params.copy()
        candidate[free] -= np.linalg.solve(approximate_hessian, gradient)
        params = _clip(candidate, objective, 0.0)
    free_index = np.flatnonzero(free)

    def restricted(sub):
        full = params.copy()
        full[free_index] = sub
        return objective.deviance(full)

    steps = steps_for(params)[free_index] * 10.0
    hessian = _central_hessian(restricted, params[free_index], steps)
    gradient = objective.deviance_gradient(params, steps_for(params))[free]
    return _assemble(objective, params, free, hessian, gradient, fixed_names, random_names, message, success)


def _assemble(objective, params, free, hessian, gradient, fixed_names, random_names, message, success):
    n_theta = objective.n_theta
    if not success:
        message += " (optimizer reported no success; judge by the gradient)"
    eigenvalues = np.linalg.eigvalsh(hessian)
    positive_definite = bool(eigenvalues.min() > 0)
    beta_positions = np.arange(n_theta, len(params))
    free_index = np.flatnonzero(free)
    cov_free = 2.0 * np.linalg.pinv(hessian)
    beta_in_free = np.searchsorted(free_index, beta_positions)
    # Parameters at their bound are held fixed: the covariance is conditional on them.
    fixed_cov = cov_free[np.ix_(beta_in_free, beta_in_free)]
    theta = params[:n_theta]
    lam = objective.lambda_matrix(theta)
    loglik = objective.loglik(params)
    gradient_norm = float(np.max(np.abs(gradient))) if len(gradient) else 0.0
    singular = bool(np.any(np.diag(lam) < SINGULAR_TOLERANCE))
    return LogisticMixedFit(
        fixed_names=tuple(fixed_names),
        fixed_effects=params[n_theta:].copy(),
        fixed_cov=fixed_cov,
        random_names=tuple(random_names),
        theta=theta.copy(),
        random_cov=lam @ lam.T,
        loglik=loglik,
        n_obs=len(objective.y),
        n_groups=objective.n_groups,
        n_quadrature=objective.n_quadrature,
        converged=gradient_norm < GRADIENT_TOLERANCE,
        gradient_norm=gradient_norm,
        hessian_positive_definite=positive_definite,
        singular=singular,
        optimizer_message=message,
        conditional_modes=objective.modes @ lam.T,
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
    hessian = np.column_stack(columns)
    return 0.5 * (hessian + hessian.T)


__all__ = ["LogisticMixedFit", "fit_logistic_mixed"]
