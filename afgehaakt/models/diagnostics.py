"""The status of a mixed-model fit: one word from a small vocabulary, the reasons behind it, and a loud warning.

Every mixed-model fit (linear or logistic, Laplace or quadrature; nested fits can use the same helpers) carries a
:class:`FitDiagnosis`. Its ``status`` is one of :data:`STATUSES`, chosen by the precedence below when several
apply; ``reasons`` lists every problem found, in words, and ``optimizer_message`` keeps what the optimizer (and
any library warning raised during the fit) said.

``separation``
    Some direction of the fixed effects separates the 0/1 outcome completely or quasi-completely (also an
    outcome that is all 0 or all 1): the maximum-likelihood estimates do not exist (they diverge), whatever the
    optimizer reports. Detected directly by linear programming (:func:`separation`).
``singular``
    The model is not identified by the data: the fixed-effect design is rank deficient (collinear predictors, a
    predictor constant in the sample), there is a single group, every group has one observation, or the
    random-effect covariance is singular although each variance is positive (a correlation of +-1).
``not_converged``
    The optimum was not reached or cannot be used: the gradient is not small relative to the parameters'
    scale, the Hessian of the deviance at the optimum is not positive definite, or a standard error is not finite.
``boundary``
    A converged fit with a random-effect variance at (or near) zero: the estimate is on the boundary of the
    parameter space; ICCs, PCVs and likelihood-ratio tests involving it need care.
``ok``
    None of the above: converged (gradient, positive-definite Hessian and finite standard errors) in the interior.

A fit whose status is not ``ok`` is a *failed* fit for the workflow's policy (:data:`POLICIES`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from afgehaakt.tolerances import CONVERGENCE_RELATIVE_STEP_LIMIT

STATUSES = ("ok", "singular", "boundary", "separation", "not_converged")
"""The documented vocabulary of fit statuses (see the module docstring)."""
PRECEDENCE = ("separation", "singular", "not_converged", "boundary")
"""When several problems apply, the status is the first of these (the root cause before its symptoms)."""
POLICIES = ("report_and_exclude", "stop")
"""What the workflow does with a failed fit: report it (status in every table) and leave it out of headline
numbers, or stop the run with an error."""
RELATIVE_STEP_TOLERANCE = CONVERGENCE_RELATIVE_STEP_LIMIT
"""Convergence: the Newton step ``H^-1 g`` may move no parameter by more than this times ``max(1, |parameter|)``
(lme4 checks the same scaled gradient against 2e-3)."""
RANK_TOLERANCE = 1e-9
"""Relative size of a pivot of the QR decomposition of the (column-scaled) design below which a column is aliased."""
SEPARATION_TOLERANCE = 1e-7
"""Smallest margin (per observation, on unit-scaled columns) that counts as separation in the LP check."""


class FitStatusWarning(UserWarning):
    """A mixed-model fit whose status is not ok; the message names model, outcome, status and reasons."""


class FailedFitError(RuntimeError):
    """Raised by the ``stop`` policy: a fit is not ok."""


@dataclass(frozen=True)
class Separation:
    """Result of the linear-programming separation check of a 0/1 outcome on a design matrix."""

    kind: str
    """"none", "quasi" (some observations lie on the separating hyperplane) or "complete"."""
    direction: np.ndarray
    """A separating direction of the coefficients (zeros if none): the estimates diverge along it."""

    @property
    def found(self) -> bool:
        return self.kind != "none"


def separation(y: np.ndarray, X: np.ndarray) -> Separation:
    """Complete or quasi-complete separation of 0/1 ``y`` by the columns of ``X`` (Konis 2007, linear programs).

    With ``s = 2y - 1``, the data are (quasi-)separated exactly when some ``b != 0`` with ``X b`` not identically
    zero has ``s_i x_i' b >= 0`` for every row; separation is complete when a ``b`` makes every inequality strict.
    The first program maximises ``sum_i s_i x_i' b`` over that cone (box-bounded); a positive optimum means
    separation. The second maximises the smallest margin ``t``; ``t > 0`` means complete separation. Columns are
    scaled to unit maximum so that the tolerance does not depend on their units.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    scale = np.max(np.abs(X), axis=0)
    scale[scale == 0] = 1.0
    signed = (2.0 * y - 1.0)[:, None] * (X / scale)
    n, p = signed.shape
    bounds = [(-1.0, 1.0)] * p
    cone = linprog(-signed.sum(axis=0), A_ub=-signed, b_ub=np.zeros(n), bounds=bounds, method="highs")
    if cone.status != 0 or -cone.fun <= SEPARATION_TOLERANCE * n:
        return Separation("none", np.zeros(p))
    # Maximise t subject to s_i x_i' b >= t (variables b, t; t <= 1).
    margin = linprog(np.r_[np.zeros(p), -1.0], A_ub=np.column_stack([-signed, np.ones(n)]), b_ub=np.zeros(n),
                     bounds=bounds + [(None, 1.0)], method="highs")
    complete = margin.status == 0 and -margin.fun > SEPARATION_TOLERANCE
    direction = (margin.x[:p] if complete else cone.x) / scale
    return Separation("complete" if complete else "quasi", direction)


def separation_reason(y: np.ndarray, X: np.ndarray, names: tuple[str, ...]) -> str | None:
    """A sentence describing the separation of ``y`` by ``X`` (None if there is none)."""
    y = np.asarray(y, dtype=float)
    if len(y) and (y.min() == y.max()):
        return f"the outcome is {int(y[0])} for every observation in the sample (no variation to model)"
    found = separation(y, X)
    if not found.found:
        return None
    size = np.abs(found.direction) * np.max(np.abs(X), axis=0)
    involved = [name for name, value in zip(names, size, strict=True) if value > 1e-6 * size.max()]
    return (f"{found.kind} separation of the outcome by the fixed effects (linear-programming check; the estimates "
            f"of {', '.join(involved)} diverge)")


def full_rank_columns(X: np.ndarray) -> np.ndarray:
    """Positions of the columns of ``X`` that are not linear combinations of the columns before them.

    QR without pivoting on the columns scaled to unit norm: a diagonal element of R below
    :data:`RANK_TOLERANCE` marks a column aliased with earlier ones. The first of an aliased set is kept, as lme4
    keeps it (the intercept stays, a constant predictor after it goes).
    """
    X = np.asarray(X, dtype=float)
    norms = np.linalg.norm(X, axis=0)
    scaled = X / np.where(norms > 0, norms, 1.0)
    r = np.linalg.qr(scaled, mode="r") if X.shape[1] else np.zeros((0, 0))
    diagonal = np.abs(np.diag(r))
    return np.flatnonzero((diagonal > RANK_TOLERANCE) & (norms[: len(diagonal)] > 0))


def design_reasons(X: np.ndarray, names: tuple[str, ...], group_sizes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Identification problems of a design, in words, and the positions of the columns to keep.

    A predictor constant in the sample and collinear predictors make the fixed effects unidentified (their
    columns are dropped, as lme4 does); a single group, or groups of one observation each, leave the group
    variance unidentified.
    """
    X = np.asarray(X, dtype=float)
    reasons = []
    keep = full_rank_columns(X)
    dropped = [k for k in range(X.shape[1]) if k not in set(keep)]
    constant = [k for k in dropped if names[k] != "intercept" and np.ptp(X[:, k]) == 0]
    if constant:
        reasons.append(f"predictor {', '.join(names[k] for k in constant)} is constant in the sample "
                       "(aliased with the intercept; dropped)")
    collinear = [k for k in dropped if k not in constant]
    if collinear:
        reasons.append(f"predictor {', '.join(names[k] for k in collinear)} is a linear combination of the other "
                       "predictors (collinear; dropped)")
    if len(group_sizes) == 1:
        reasons.append("a single group: the group variance is not identified")
    elif len(group_sizes) and np.all(group_sizes == 1):
        reasons.append("every group has one observation: the group variance is not identified")
    return reasons, keep


def random_effect_reasons(names: tuple[str, ...], random_cov: np.ndarray, *, residual_variance: float = 1.0,
                          tolerance: float = 1e-4) -> tuple[list[str], list[str]]:
    """Boundary and singular-covariance problems of a random-effect covariance, in words.

    Judged on the covariance relative to the residual variance (for logistic models pass 1), as lme4's
    ``isSingular`` judges the relative Cholesky factor: a variance whose relative SD is below ``tolerance`` is at
    the boundary; otherwise a relative covariance with an eigenvalue below ``tolerance**2`` is singular (a
    correlation of +-1).
    """
    relative = np.atleast_2d(np.asarray(random_cov, dtype=float)) / residual_variance
    sds = np.sqrt(np.maximum(np.diag(relative), 0.0))
    boundary = [f"var({name}) at or near zero (relative SD below {tolerance:g})"
                for name, sd in zip(names, sds, strict=True) if sd < tolerance]
    singular = []
    if not boundary and len(names) > 1 and np.linalg.eigvalsh(relative).min() < tolerance**2:
        sign = "+1" if relative[0, 1] > 0 else "-1"
        singular.append(f"random-effect covariance singular: cor({names[0]},{names[1]}) = {sign}")
    return boundary, singular


def expand_columns(values: np.ndarray, cov: np.ndarray, keep: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and covariance over all ``p`` columns from those of the kept columns; NaN for dropped ones."""
    full_values = np.full(p, np.nan)
    full_cov = np.full((p, p), np.nan)
    full_values[keep] = values
    full_cov[np.ix_(keep, keep)] = cov
    return full_values, full_cov


def relative_newton_step(gradient: np.ndarray, hessian: np.ndarray, params: np.ndarray) -> float:
    """Largest ``|(H^-1 g)_k| / max(1, |x_k|)``: how far one Newton step would still move a parameter.

    Infinite when the Hessian cannot be solved. This is the convergence criterion relative to the parameters'
    scale; for a deviance it is also the scale of its change (``g' H^-1 g`` is twice the predicted decrease).
    """
    if len(gradient) == 0:
        return 0.0
    try:
        step = np.linalg.solve(hessian, gradient)
    except np.linalg.LinAlgError:
        return float("inf")
    return float(np.max(np.abs(step) / np.maximum(1.0, np.abs(params))))


def covariance_from_hessian(hessian: np.ndarray, factor: float = 1.0) -> tuple[np.ndarray, bool]:
    """``factor * H^-1`` and whether ``H`` is positive definite; NaN (never a pseudo-inverse) if it is not."""
    hessian = np.asarray(hessian, dtype=float)
    if hessian.size == 0:
        return hessian.copy(), True
    if not np.all(np.isfinite(hessian)):
        return np.full(hessian.shape, np.nan), False
    try:
        factor_lower = np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return np.full(hessian.shape, np.nan), False
    inverse = np.linalg.inv(factor_lower)
    return factor * (inverse.T @ inverse), True


@dataclass(frozen=True)
class FitDiagnosis:
    """The status of one fit and everything it was judged on."""

    status: str
    reasons: tuple[str, ...]
    gradient_ok: bool
    """The gradient criterion of the estimator is met (relative Newton step, or the gradient itself)."""
    gradient_norm: float
    """Largest absolute gradient of the (profile) deviance or log-likelihood over the free parameters."""
    relative_step: float
    """:func:`relative_newton_step` at the optimum (NaN where the estimator checks the gradient directly)."""
    hessian_positive_definite: bool
    finite_se: bool
    optimizer_message: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown fit status {self.status!r}; use one of {STATUSES}")

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def converged(self) -> bool:
        """Gradient small, Hessian positive definite and every standard error finite."""
        return self.gradient_ok and self.hessian_positive_definite and self.finite_se

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)



class DiagnosedFit:
    """Properties shared by fit result objects that carry a ``diagnosis`` (a :class:`FitDiagnosis`)."""

    diagnosis: FitDiagnosis

    @property
    def status(self) -> str:
        return self.diagnosis.status

    @property
    def converged(self) -> bool:
        """Gradient small, positive-definite Hessian and finite standard errors (see the diagnosis)."""
        return self.diagnosis.converged


def diagnose(
    *,
    gradient_ok: bool,
    gradient_norm: float,
    relative_step: float,
    hessian_positive_definite: bool,
    standard_errors: np.ndarray,
    optimizer_message: str,
    design: list[str] = (),
    separation: str | None = None,
    boundary: list[str] = (),
    singular_covariance: list[str] = (),
    not_at_optimum: list[str] = (),
) -> FitDiagnosis:
    """Combine the checks of one fit into its :class:`FitDiagnosis` (status by :data:`PRECEDENCE`).

    ``not_at_optimum`` names other reasons why the end point is not an optimum (they make the fit not converged).
    Reasons carry no estimates: the numbers they rest on are columns of their own in the tables, and text must
    not change with the last digits of an optimiser's end point.
    """
    found = {status: [] for status in PRECEDENCE}
    if separation:
        found["separation"].append(separation)
    found["singular"] += list(design) + list(singular_covariance)
    found["not_converged"] += list(not_at_optimum)
    gradient_ok = gradient_ok and not not_at_optimum
    if not gradient_ok and not not_at_optimum:
        found["not_converged"].append("gradient not small at the optimum (see gradient_norm and "
                                      "relative_newton_step)")
    if not hessian_positive_definite:
        found["not_converged"].append("Hessian of the deviance not positive definite at the optimum")
    se = np.asarray(standard_errors, dtype=float)
    finite = bool(np.all(np.isfinite(se)) and np.all(se > 0))
    if not finite:
        found["not_converged"].append("standard error not finite (NaN, infinite or zero)")
    found["boundary"] += list(boundary)
    status = next((s for s in PRECEDENCE if found[s]), "ok")
    reasons = tuple(reason for s in PRECEDENCE for reason in found[s])
    return FitDiagnosis(status=status, reasons=reasons, gradient_ok=bool(gradient_ok),
                        gradient_norm=float(gradient_norm), relative_step=float(relative_step),
                        hessian_positive_definite=bool(hessian_positive_definite), finite_se=finite,
                        optimizer_message=optimizer_message)


def failed_estimation(message: str, optimizer_message: str, *, design: list[str] = (),
                      separation: str | None = None) -> FitDiagnosis:
    """The diagnosis of a fit without estimates: its estimation raised, or was not attempted (``message`` says)."""
    found = [separation] if separation else []
    found += list(design)
    status = "separation" if separation else ("singular" if design else "not_converged")
    return FitDiagnosis(status=status, reasons=(*found, f"no estimates: {message}"), gradient_ok=False,
                        gradient_norm=np.nan,
                        relative_step=np.nan, hessian_positive_definite=False, finite_se=False,
                        optimizer_message=optimizer_message)


def warn_if_not_ok(diagnosis: FitDiagnosis, *, model: str, outcome: str, stacklevel: int = 3) -> None:
    """Emit a :class:`FitStatusWarning` naming the model, the outcome, the status and its reasons."""
    if diagnosis.ok:
        return
    warnings.warn(f"mixed model {model!r} of outcome {outcome!r}: status {diagnosis.status}: {diagnosis.reason} "
                  f"[optimizer: {diagnosis.optimizer_message}]", FitStatusWarning, stacklevel=stacklevel)


def enforce_policy(statuses: list[tuple[str, str, FitDiagnosis]], policy: str) -> None:
    """Apply the failed-fit policy to ``(model, outcome, diagnosis)`` triples; ``stop`` raises on any failure."""
    if policy not in POLICIES:
        raise ValueError(f"unknown failed-fit policy {policy!r}; use one of {POLICIES}")
    failed = [(model, outcome, d) for model, outcome, d in statuses if not d.ok]
    if failed and policy == "stop":
        listed = "; ".join(f"{model} ({outcome}): {d.status}: {d.reason}" for model, outcome, d in failed)
        raise FailedFitError(f"{len(failed)} mixed-model fit(s) failed and the policy is 'stop': {listed}")


__all__ = [
    "POLICIES", "PRECEDENCE", "STATUSES", "DiagnosedFit", "FailedFitError", "FitDiagnosis", "FitStatusWarning",
    "Separation", "covariance_from_hessian", "design_reasons", "diagnose", "enforce_policy", "expand_columns",
    "failed_estimation", "full_rank_columns", "random_effect_reasons", "relative_newton_step", "separation",
    "separation_reason", "warn_if_not_ok",
]
