"""Multilevel models of trust (linear) and turnout (logistic) with respondents nested in municipalities.

Each outcome is fitted as a sequence of nested models (:func:`default_sequence`): the null model (ICC); plus
individual factors (composition); plus regional factors; plus a cross-level interaction; plus a random slope of
education; optionally the cross-level model with municipalities nested in provinces or COROP regions (linear
models only: the quadrature of the logistic models integrates one level). Every model in a sequence is fitted
by maximum likelihood (ML, not REML) so that likelihood-ratio tests of fixed effects between neighbouring models
are valid; REML fits are available for reporting variance components (``reml=True``).

Two-level linear models use statsmodels ``MixedLM`` with the safeguards of the project notes: ``method="bfgs"``
with a tight ``gtol``, starting values from a moment estimate (and restarts from where BFGS stopped), the score
(gradient) checked rather than the ``converged`` flag, the Hessian checked for definiteness, and the fixed
effects recomputed by generalised least squares from the fitted variance components (this is also how their
standard errors are computed, as lme4 does). A disagreement between ``MixedLM``'s fixed effects and the
GLS ones (statsmodels issue 10239 zeroes between-group coefficients when the group variance is tiny) is recorded
and the GLS values are used. Logistic models are maximum likelihood by Laplace or adaptive Gauss-Hermite
quadrature (:mod:`afgehaakt.models.glmm`). The nested linear model (municipalities in regions) has a closed-form
profiled likelihood (:mod:`afgehaakt.models.nested`), because MixedLM's variance-component route was too slow.

Neither estimator uses design weights; every output table says so in ``weights_used``.
A variance component whose relative standard deviation is below :data:`SINGULAR_TOLERANCE` (lme4's default) is a
boundary (singular) fit: it is flagged in every table, never reported as an ordinary number.

Every fit carries a :class:`~afgehaakt.models.diagnostics.FitDiagnosis` whose status (ok, singular, boundary,
separation, not_converged) and reasons appear in every table the fit feeds; a fit that is not ok emits a
:class:`~afgehaakt.models.diagnostics.FitStatusWarning` naming the model, the outcome and the reason. Warnings that
statsmodels raises during a fit are recorded in the diagnosis's optimizer message (and feed the status), not
swallowed. Aliased fixed-effect columns (collinear or constant predictors) are dropped, as lme4 drops them: their
estimates are NaN and the fit's status is singular.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

from afgehaakt.errors import InputDataError
from afgehaakt.models.diagnostics import (
    DiagnosedFit,
    FitDiagnosis,
    covariance_from_hessian,
    design_reasons,
    diagnose,
    expand_columns,
    failed_estimation,
    random_effect_reasons,
    warn_if_not_ok,
)
from afgehaakt.models.glmm import LogisticMixedFit, fit_logistic_mixed, limited_blas_threads
from afgehaakt.models.nested import BOUNDARY_DERIVATIVE_TOLERANCE, START_AGREEMENT, fit_nested_linear
from afgehaakt.tolerances import CONVERGENCE_GRADIENT_LIMIT

SINGULAR_TOLERANCE = 1e-4
"""Relative SD (random-effect SD / residual SD; for logistic models the SD itself) below which a fit is singular."""
GRADIENT_TOLERANCE = CONVERGENCE_GRADIENT_LIMIT
"""Largest absolute gradient of the (profile) log-likelihood accepted as converged."""
MAX_RESTARTS = 3
LOGISTIC_LATENT_VARIANCE = np.pi**2 / 3.0
"""Variance of the standard logistic distribution: the level-1 variance of the latent-scale ICC for turnout."""
INDIVIDUAL_TERMS = ("edu_low", "edu_middle", "low_income", "poor_health", "age10", "female")
REGIONAL_TERMS = ("stacked_disadvantage",)
INTERACTION_TERMS = ("edu_low:stacked_disadvantage",)
WEIGHTS_NOTE = "design weights not used by this estimator"


@dataclass(frozen=True)
class ModelSpec:
    """One model of a sequence: its fixed terms (``a:b`` is a product), random slope and optional upper level."""

    name: str
    fixed_terms: tuple[str, ...]
    random_slope: str | None = None
    upper_level: str | None = None
    """Column of the region (province or COROP) in which the groups are nested, or None for two levels."""
    compare_with: str | None = None
    """The model this one extends, for the likelihood-ratio test; None means the model before it."""


def default_sequence(
    *,
    individual: tuple[str, ...] = INDIVIDUAL_TERMS,
    regional: tuple[str, ...] = REGIONAL_TERMS,
    interaction: tuple[str, ...] = INTERACTION_TERMS,
    random_slope: str | None = "edu_low",
    upper_level: str | None = None,
) -> tuple[ModelSpec, ...]:
    """Null, individual, regional, cross-level interaction, random slope; with ``upper_level`` (a province or
    COROP column) also the cross-level model with municipalities nested in it (linear models only)."""
    full = individual + regional + interaction
    specs = [
        ModelSpec("M0_null", ()),
        ModelSpec("M1_individual", individual),
        ModelSpec("M2_regional", individual + regional),
        ModelSpec("M3_cross_level", full),
    ]
    if random_slope is not None:
        specs.append(ModelSpec("M4_random_slope", full, random_slope=random_slope))
    if upper_level is not None:
        specs.append(ModelSpec(f"M5_nested_{upper_level}", full, upper_level=upper_level,
                               compare_with="M3_cross_level"))
    return tuple(specs)


@dataclass(frozen=True)
class MixedFit(DiagnosedFit):
    """A fitted mixed model, linear or logistic, in one shape for the output tables."""

    model: str
    family: str
    estimator: str
    fixed_names: tuple[str, ...]
    fixed_effects: np.ndarray
    fixed_cov: np.ndarray
    random_names: tuple[str, ...]
    random_cov: np.ndarray
    """Covariance of the group-level random effects on the data (or log-odds) scale."""
    residual_variance: float
    """Residual variance; for logistic models the latent-scale pi^2/3."""
    upper_level: str | None
    upper_level_variance: float | None
    loglik: float
    n_obs: int
    n_groups: int
    n_params: int
    gradient_norm: float
    hessian_positive_definite: bool
    singular: bool
    """lme4's ``isSingular``: a random-effect covariance at the boundary (a variance ~0 or a correlation of +-1)."""
    gls_max_abs_difference: float | None
    """Linear models: largest |MixedLM fixed effect - GLS fixed effect| (issue 10239 guard)."""
    diagnosis: FitDiagnosis
    """Status (ok, singular, boundary, separation, not_converged), reasons and the optimizer's message."""
    notes: tuple[str, ...] = field(default=())
    compare_with: str | None = None

    @property
    def fixed_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.fixed_cov))

    @property
    def intercept_variance(self) -> float:
        return float(self.random_cov[0, 0])

    @property
    def between_variance(self) -> float:
        """Variance of the municipal intercepts, including the upper level's share when municipalities are nested."""
        return self.intercept_variance + (self.upper_level_variance or 0.0)

    @property
    def aic(self) -> float:
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        return -2.0 * self.loglik + np.log(self.n_obs) * self.n_params

    @property
    def icc(self) -> float:
        """Share of variance between municipalities (at the reference of a random slope; latent scale if logistic).

        With an upper level it is the correlation of two respondents of the same municipality (both levels).
        """
        return self.between_variance / (self.between_variance + self.residual_variance)


def model_terms(data: pd.DataFrame, terms: tuple[str, ...], *, source: str = "survey table") -> pd.DataFrame:
    """The design columns (intercept first) for ``terms``; ``a:b`` is the product of columns a and b.

    Raises :class:`InputDataError` naming the field and row of a missing or non-finite value.
    """
    columns = {"intercept": np.ones(len(data))}
    for term in terms:
        product = np.ones(len(data))
        for part in term.split(":"):
            product = product * _numeric_column(data, part, source)
        columns[term] = product
    return pd.DataFrame(columns, index=data.index)


def _numeric_column(data: pd.DataFrame, name: str, source: str) -> np.ndarray:
    if name not in data.columns:
        raise InputDataError(source, f"no column {name!r}", field=name, expected=f"one of {list(data.columns)}")
    values = pd.to_numeric(data[name], errors="coerce").astype(float).to_numpy()
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise InputDataError(source, f"missing or non-numeric value {data[name].iloc[bad[0]]!r}", field=name,
                             row=data.index[bad[0]], expected="a finite number (exclude such rows beforehand)")
    return values


def _group_codes(data: pd.DataFrame, column: str, source: str) -> tuple[np.ndarray, int]:
    if column not in data.columns:
        raise InputDataError(source, f"no group column {column!r}", field=column)
    values = data[column]
    if values.isna().any():
        row = values.index[values.isna().to_numpy()][0]
        raise InputDataError(source, "missing group code", field=column, row=row)
    codes, uniques = pd.factorize(values.astype(str), sort=True)
    return codes.astype(np.int64), len(uniques)


def fit_linear_mixed(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    outcome: str = "trust",
    group: str = "municipality",
    reml: bool = False,
    source: str = "survey table",
) -> MixedFit:
    """Fit the linear mixed model ``spec`` to ``outcome`` with statsmodels MixedLM and the safeguards above.

    Warns (:class:`~afgehaakt.models.diagnostics.FitStatusWarning`) when the fit's status is not ok.
    """
    y = _numeric_column(data, outcome, source)
    X = model_terms(data, spec.fixed_terms, source=source)
    random_names = ("intercept",) if spec.random_slope is None else ("intercept", spec.random_slope)
    Z = model_terms(data, () if spec.random_slope is None else (spec.random_slope,), source=source).to_numpy()
    group_codes, n_groups = _group_codes(data, group, source)
    if spec.upper_level is not None:
        if spec.random_slope is not None:
            raise ValueError("a nested model takes random intercepts only (no random slope)")
        fit = _fit_nested(data, spec, y, X, group_codes, n_groups, group=group, reml=reml, source=source)
    else:
        fit = _fit_two_level(spec, y, X, Z, random_names, group_codes, n_groups, reml=reml)
    warn_if_not_ok(fit.diagnosis, model=spec.name, outcome=outcome)
    return fit


def _fit_two_level(spec, y, X, Z, random_names, group_codes, n_groups, *, reml) -> MixedFit:
    names = tuple(X.columns)
    design, keep = design_reasons(X.to_numpy(), names, np.bincount(group_codes, minlength=n_groups))
    X_kept = X.to_numpy()[:, keep]
    estimator = ("REML" if reml else "ML") + " (statsmodels MixedLM, bfgs gtol=1e-10; fixed effects by GLS)"
    n_cov = len(random_names) * (len(random_names) + 1) // 2
    model = MixedLM(y, X_kept, groups=group_codes, exog_re=Z)
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        # Recorded, not ignored: every warning statsmodels raises is kept in the diagnosis's optimizer message;
        # convergence itself is judged by the explicit gradient and Hessian checks below.
        warnings.simplefilter("always")
        try:
            start = _moment_start(model, y, X_kept, Z, group_codes, n_groups)
            result = model.fit(reml=reml, method=["bfgs"], gtol=1e-10, maxiter=2000, start_params=start)
            gradient_norm = _profile_gradient_norm(model, result)
            # From MixedLM's default start (variance ratio 1) BFGS can stop far from the optimum (gradient ~1e2 on
            # 9,000 rows); restarting from where it stopped reaches it.
            for restart in range(1, MAX_RESTARTS + 1):
                if gradient_norm < GRADIENT_TOLERANCE:
                    break
                result = model.fit(reml=reml, method=["bfgs"], gtol=1e-10, maxiter=2000,
                                   start_params=result.params_object)
                gradient_norm = _profile_gradient_norm(model, result)
                notes.append(f"BFGS restarted {restart}x from its stopping point")
            if _on_boundary(result):
                # A variance at zero is a stationary point of MixedLM's parameterisation whatever the data (issue
                # 23): the fit is repeated from starts away from the boundary and the best end point kept.
                for ratio in INTERIOR_START_RATIOS:
                    interior = model.fit(reml=reml, method=["bfgs"], gtol=1e-10, maxiter=2000,
                                         start_params=_interior_start(model, result, ratio))
                    if np.isfinite(interior.llf) and (not np.isfinite(result.llf)
                                                      or interior.llf > result.llf + START_AGREEMENT):
                        result, gradient_norm = interior, _profile_gradient_norm(model, interior)
                        notes.append(f"a start away from the boundary (variance ratio {ratio:g}) reached a higher "
                                     "maximum")
            if gradient_norm >= GRADIENT_TOLERANCE:
                # BFGS can stall far from a boundary optimum of a random slope (log-likelihood 56 below lme4's in
                # the zero-slope test case); Powell's derivative-free search reaches it.
                powell = model.fit(reml=reml, method=["powell"], maxiter=20000, start_params=result.params_object)
                if powell.llf > result.llf:
                    result, gradient_norm = powell, _profile_gradient_norm(model, powell)
                    notes.append("Powell fallback after BFGS stalled")
            try:
                hessian, _ = model.hessian(result.params_object)
                positive_definite = covariance_from_hessian(-hessian)[1]
            except (np.linalg.LinAlgError, ValueError):
                positive_definite = False
            residual_variance = float(result.scale)
            random_cov = np.atleast_2d(np.asarray(result.cov_re, dtype=float))
            beta, fixed_cov = _gls(y, X_kept, _members(group_codes, n_groups), Z, random_cov, residual_variance)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as error:
            diagnosis = failed_estimation(f"{type(error).__name__}: {error}",
                                          "statsmodels MixedLM bfgs" + _caught_messages(caught, "statsmodels"),
                                          design=design)
            return _failed_linear_fit(spec, estimator, names, random_names, len(y), n_groups,
                                      len(keep) + n_cov + 1, diagnosis)
    message = (f"statsmodels MixedLM bfgs: converged={bool(result.converged)}"
               + "".join(f"; {note}" for note in notes) + _caught_messages(caught, "statsmodels"))
    difference = float(np.max(np.abs(np.asarray(result.fe_params) - beta)))
    loglik = float(result.llf)
    if difference > 1e-6 * (1.0 + np.max(np.abs(beta))):
        notes.append(f"MixedLM fixed effects differ from GLS by up to {difference:.3g}; GLS values reported")
        # The log-likelihood must belong to the reported fixed effects.
        corrected = result.params_object
        corrected.fe_params = beta
        loglik = float(model.loglike(corrected, profile_fe=False))
    boundary, singular_covariance = random_effect_reasons(random_names, random_cov,
                                                          residual_variance=residual_variance,
                                                          tolerance=SINGULAR_TOLERANCE)
    singular = bool(boundary or singular_covariance)
    if singular:
        notes.append("singular fit: a random-effect variance is at (or near) zero")
    gradient_ok = gradient_norm < GRADIENT_TOLERANCE
    if boundary and len(random_names) == 1:
        # At a zero variance the optimum is a boundary point: the score need not vanish, it must not point into
        # the parameter space; the free parameters (fixed effects, residual variance) are those of OLS, whose
        # Hessian is positive definite for a full-rank design.
        boundary_score = _intercept_variance_score_at_zero(y - X_kept @ beta, group_codes, n_groups,
                                                           residual_variance)
        gradient_ok, positive_definite = boundary_score < GRADIENT_TOLERANCE, True
        gradient_norm = max(boundary_score, 0.0)
        message += f"; one-sided score of the variance ratio at zero {boundary_score:.3g}"
    diagnosis = diagnose(
        gradient_ok=gradient_ok, gradient_norm=gradient_norm, relative_step=np.nan,
        hessian_positive_definite=positive_definite, standard_errors=np.sqrt(np.diag(fixed_cov)),
        optimizer_message=message, design=design, boundary=boundary, singular_covariance=singular_covariance,
    )
    beta, fixed_cov = expand_columns(beta, fixed_cov, keep, X.shape[1])
    # statsmodels' REML log-likelihood uses the same constant as lme4's REML criterion, and ML likewise: the
    # tests compare them with lme4's to 1e-10.
    return MixedFit(
        model=spec.name,
        family="gaussian",
        estimator=estimator,
        fixed_names=names,
        fixed_effects=beta,
        fixed_cov=fixed_cov,
        random_names=random_names,
        random_cov=random_cov,
        residual_variance=residual_variance,
        upper_level=None,
        upper_level_variance=None,
        loglik=loglik,
        n_obs=len(y),
        n_groups=n_groups,
        n_params=len(keep) + n_cov + 1,
        gradient_norm=gradient_norm,
        hessian_positive_definite=positive_definite,
        singular=singular,
        gls_max_abs_difference=difference,
        diagnosis=diagnosis,
        notes=tuple(notes),
        compare_with=spec.compare_with,
    )


def _intercept_variance_score_at_zero(residual, group_codes, n_groups, residual_variance) -> float:
    """Derivative of the log-likelihood in the intercept variance ratio at zero, given the other parameters.

    ``0.5 sum_j [(sum_i r_ij)^2 / sigma^2 - n_j]``: positive means the likelihood rises into the interior, so a
    zero variance is not the optimum.
    """
    sums = np.bincount(group_codes, weights=residual, minlength=n_groups)
    sizes = np.bincount(group_codes, minlength=n_groups)
    return float(0.5 * np.sum(sums**2 / residual_variance - sizes))


def _caught_messages(caught, origin: str) -> str:
    """The distinct warning messages recorded during a fit, as text for the optimizer message."""
    messages = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return "".join(f"; {origin} warned {message}" for message in messages)


def _failed_linear_fit(spec, estimator, names, random_names, n_obs, n_groups, n_params, diagnosis) -> MixedFit:
    """A linear fit whose estimation raised: NaN estimates and the diagnosis that says why."""
    p, q = len(names), len(random_names)
    return MixedFit(
        model=spec.name, family="gaussian", estimator=estimator, fixed_names=names,
        fixed_effects=np.full(p, np.nan), fixed_cov=np.full((p, p), np.nan), random_names=random_names,
        random_cov=np.full((q, q), np.nan), residual_variance=np.nan, upper_level=None, upper_level_variance=None,
        loglik=np.nan, n_obs=n_obs, n_groups=n_groups, n_params=n_params, gradient_norm=np.nan,
        hessian_positive_definite=False, singular=False, gls_max_abs_difference=None, diagnosis=diagnosis,
        compare_with=spec.compare_with,
    )


def _fit_nested(data, spec, y, X, group_codes, n_groups, *, group, reml, source) -> MixedFit:
    """Municipalities nested in an upper level: closed-form profiled likelihood (:mod:`afgehaakt.models.nested`).

    The nested estimator returns no status of its own (yet): it is diagnosed here from its gradient, Hessian,
    standard errors and variances with the same vocabulary as every other fit.
    """
    _check_nesting(data, group, spec.upper_level, source)
    upper_codes, _ = _group_codes(data, spec.upper_level, source)
    fit = fit_nested_linear(y, X.to_numpy(), group_codes, upper_codes, reml=reml)
    notes = [f"{fit.starts_agreeing} of {fit.n_starts} starting points reached this maximum"]
    levels = (group, spec.upper_level)
    not_maxima = []
    for k, derivative in fit.boundary_derivatives.items():
        verdict = "a maximum" if derivative <= BOUNDARY_DERIVATIVE_TOLERANCE else "not a maximum"
        notes.append(f"var({levels[k]}) on the boundary, d logLik / d(var ratio) = {derivative:.3g} ({verdict})")
        if derivative > BOUNDARY_DERIVATIVE_TOLERANCE:
            not_maxima.append(f"var({levels[k]}) on its bound but the likelihood rises into the interior")
    if fit.singular:
        notes.append("singular fit: a random-effect variance is at (or near) zero")
    design, _ = design_reasons(X.to_numpy(), tuple(X.columns), np.bincount(group_codes, minlength=n_groups))
    variances = np.diag([fit.group_variance, fit.upper_variance])
    boundary, _ = random_effect_reasons(("intercept", f"{spec.upper_level} intercept"), variances,
                                        residual_variance=fit.residual_variance, tolerance=SINGULAR_TOLERANCE)
    diagnosis = diagnose(
        gradient_ok=fit.gradient_norm < GRADIENT_TOLERANCE,
        gradient_norm=fit.gradient_norm, relative_step=np.nan,
        hessian_positive_definite=fit.hessian_positive_definite, standard_errors=np.sqrt(np.diag(fit.fixed_cov)),
        optimizer_message="L-BFGS-B from several starts and Newton polish on the profiled likelihood "
                          f"(afgehaakt.models.nested); {'; '.join(notes)}",
        design=design, boundary=boundary, not_at_optimum=not_maxima,
    )
    return MixedFit(
        model=spec.name,
        family="gaussian",
        estimator=("REML" if reml else "ML") + " (nested random intercepts, closed-form profiled likelihood)",
        fixed_names=tuple(X.columns),
        fixed_effects=fit.fixed_effects,
        fixed_cov=fit.fixed_cov,
        random_names=("intercept",),
        random_cov=np.array([[fit.group_variance]]),
        residual_variance=fit.residual_variance,
        upper_level=spec.upper_level,
        upper_level_variance=fit.upper_variance,
        loglik=fit.loglik,
        n_obs=len(y),
        n_groups=n_groups,
        n_params=X.shape[1] + 3,
        gradient_norm=fit.gradient_norm,
        hessian_positive_definite=fit.hessian_positive_definite,
        singular=fit.singular,
        gls_max_abs_difference=None,
        diagnosis=diagnosis,
        notes=tuple(notes),
        compare_with=spec.compare_with,
    )


def fit_logistic_mixed_model(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    outcome: str = "turnout",
    group: str = "municipality",
    n_quadrature: int = 1,
    source: str = "survey table",
    blas_threads: int | None = 1,
) -> MixedFit:
    """Fit the logistic mixed model ``spec`` by ML (Laplace, or adaptive quadrature if ``n_quadrature > 1``).

    Warns (:class:`~afgehaakt.models.diagnostics.FitStatusWarning`) when the fit's status is not ok.
    """
    if spec.upper_level is not None:
        raise ValueError("nested logistic models are not implemented (quadrature here integrates one level)")
    y = _numeric_column(data, outcome, source)
    bad = np.flatnonzero(~np.isin(y, (0.0, 1.0)))
    if len(bad):
        raise InputDataError(source, f"value {y[bad[0]]!r} is not 0 or 1", field=outcome, row=data.index[bad[0]])
    X = model_terms(data, spec.fixed_terms, source=source)
    random_names = ("intercept",) if spec.random_slope is None else ("intercept", spec.random_slope)
    Z = model_terms(data, () if spec.random_slope is None else (spec.random_slope,), source=source).to_numpy()
    if spec.random_slope is not None and n_quadrature > 1:
        raise ValueError("a random slope needs the Laplace approximation (n_quadrature=1)")
    group_codes, n_groups = _group_codes(data, group, source)
    fit: LogisticMixedFit = fit_logistic_mixed(
        y, X.to_numpy(), group_codes, fixed_names=tuple(X.columns), Z=Z, random_names=random_names,
        n_quadrature=n_quadrature, blas_threads=blas_threads,
    )
    notes = ["singular fit: a random-effect variance is at (or near) zero"] if fit.singular else []
    warn_if_not_ok(fit.diagnosis, model=spec.name, outcome=outcome)
    return MixedFit(
        model=spec.name,
        family="binomial-logit",
        estimator=f"ML ({fit.method})",
        fixed_names=fit.fixed_names,
        fixed_effects=fit.fixed_effects,
        fixed_cov=fit.fixed_cov,
        random_names=fit.random_names,
        random_cov=fit.random_cov,
        residual_variance=LOGISTIC_LATENT_VARIANCE,
        upper_level=None,
        upper_level_variance=None,
        loglik=fit.loglik,
        n_obs=fit.n_obs,
        n_groups=fit.n_groups,
        n_params=fit.n_params,
        gradient_norm=fit.gradient_norm,
        hessian_positive_definite=fit.hessian_positive_definite,
        singular=fit.singular,
        gls_max_abs_difference=None,
        diagnosis=fit.diagnosis,
        notes=tuple(notes),
        compare_with=spec.compare_with,
    )


@dataclass(frozen=True)
class ModelSequence:
    """The fits of one outcome's model sequence, in order (each model nests the one before)."""

    outcome: str
    fits: tuple[MixedFit, ...]


def fit_sequence(
    data: pd.DataFrame,
    *,
    outcome: str,
    family: str,
    specs: tuple[ModelSpec, ...] | None = None,
    group: str = "municipality",
    n_quadrature: int = 1,
    source: str = "survey table",
    blas_threads: int | None = 1,
) -> ModelSequence:
    """Fit every model of ``specs`` (default :func:`default_sequence`) by ML; ``family`` is gaussian or binomial.

    ``blas_threads`` limits the BLAS thread pool during the fits (a Snakemake job passes its ``threads``).
    """
    specs = default_sequence() if specs is None else specs
    if family not in ("gaussian", "binomial"):
        raise ValueError(f"unknown family {family!r}; use 'gaussian' or 'binomial'")
    fits = []
    with limited_blas_threads(blas_threads):
        for spec in specs:
            if family == "gaussian":
                fits.append(fit_linear_mixed(data, spec, outcome=outcome, group=group, reml=False, source=source))
            else:
                quadrature = n_quadrature if spec.random_slope is None else 1
                fits.append(fit_logistic_mixed_model(data, spec, outcome=outcome, group=group,
                                                     n_quadrature=quadrature, source=source, blas_threads=None))
    return ModelSequence(outcome=outcome, fits=tuple(fits))


def fixed_effects_table(sequence: ModelSequence, *, level: float = 0.95) -> pd.DataFrame:
    """One row per model and term: estimate, se, Wald CI; odds ratios (and their CI) for logistic models."""
    z = stats.norm.ppf(0.5 + level / 2.0)
    rows = []
    for fit in sequence.fits:
        for name, estimate, se in zip(fit.fixed_names, fit.fixed_effects, fit.fixed_se, strict=True):
            low, high = estimate - z * se, estimate + z * se
            logistic = fit.family.startswith("binomial")
            rows.append({
                "outcome": sequence.outcome,
                "model": fit.model,
                "term": name,
                "estimate": float(estimate),
                "se": float(se),
                "z": float(estimate / se) if se > 0 else np.nan,
                "p": float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else np.nan,
                "ci_low": float(low),
                "ci_high": float(high),
                "odds_ratio": float(np.exp(estimate)) if logistic else np.nan,
                "or_ci_low": float(np.exp(low)) if logistic else np.nan,
                "or_ci_high": float(np.exp(high)) if logistic else np.nan,
                "ci_level": level,
                "estimator": fit.estimator,
                "weights_used": False,
                **status_columns(fit),
            })
    return pd.DataFrame(rows)


def status_columns(fit: MixedFit) -> dict:
    """The fit's status and its reasons, as they appear in every table the fit feeds."""
    return {"status": fit.status, "status_reason": fit.diagnosis.reason}


def variance_components_table(sequence: ModelSequence) -> pd.DataFrame:
    """Variances, SDs and correlations of the random effects (and the residual), with a boundary flag."""
    rows = []
    for fit in sequence.fits:
        def add(level, component, variance, at_boundary):
            rows.append({
                "outcome": sequence.outcome, "model": fit.model, "level": level, "component": component,
                "variance": float(variance), "sd": float(np.sqrt(max(variance, 0.0))),
                "at_boundary": bool(at_boundary), "estimator": fit.estimator, **status_columns(fit),
            })

        residual_sd = np.sqrt(fit.residual_variance) if fit.family == "gaussian" else 1.0
        for k, name in enumerate(fit.random_names):
            variance = fit.random_cov[k, k]
            add("municipality", f"var({name})", variance, np.sqrt(max(variance, 0)) / residual_sd < SINGULAR_TOLERANCE)
        if len(fit.random_names) == 2:
            sds = np.sqrt(np.diag(fit.random_cov))
            correlation = fit.random_cov[0, 1] / (sds[0] * sds[1]) if sds.min() > 0 else np.nan
            rows.append({
                "outcome": sequence.outcome, "model": fit.model, "level": "municipality",
                "component": f"cor({fit.random_names[0]},{fit.random_names[1]})", "variance": np.nan,
                "sd": np.nan, "correlation": float(correlation), "at_boundary": bool(fit.singular),
                "estimator": fit.estimator, **status_columns(fit),
            })
        if fit.upper_level is not None:
            add(fit.upper_level, "var(intercept)", fit.upper_level_variance,
                np.sqrt(max(fit.upper_level_variance, 0)) / residual_sd < SINGULAR_TOLERANCE)
        level1 = "residual" if fit.family == "gaussian" else "residual (latent logistic, fixed pi^2/3)"
        add(level1, "var(residual)", fit.residual_variance, False)
    table = pd.DataFrame(rows)
    if "correlation" not in table.columns:
        table["correlation"] = np.nan
    return table


def model_comparison_table(sequence: ModelSequence) -> pd.DataFrame:
    """Fit statistics, ICC, PCV and the likelihood-ratio test of each model against the one it extends.

    That is the model before it, or the one named in ``compare_with`` (the nested model extends the cross-level
    model). The LR tests compare ML fits, never REML. For a random slope the null value of the
    variance is on the boundary of the parameter space, so the chi-squared p-value is conservative (Self and
    Liang 1987). PCV is the proportional reduction of the municipal intercept variance relative to the null
    model: the part of the between-municipality differences that composition (and then context) accounts for; for
    a random-slope model the intercept variance refers to edu_low = 0; for a nested model it is the municipal plus
    the upper-level variance.
    """
    rows = []
    null = sequence.fits[0]
    by_name = {fit.model: fit for fit in sequence.fits}
    previous = None
    for fit in sequence.fits:
        reference = by_name[fit.compare_with] if fit.compare_with else previous
        lr = df = p = np.nan
        note = ""
        if reference is not None and fit.estimator.startswith("ML") and reference.estimator.startswith("ML"):
            lr = 2.0 * (fit.loglik - reference.loglik)
            df = fit.n_params - reference.n_params
            p = float(stats.chi2.sf(lr, df)) if df > 0 else np.nan
            if len(fit.random_names) > len(reference.random_names) or (
                fit.upper_level is not None and reference.upper_level is None
            ):
                note = "variance on the boundary under H0: chi-squared p is conservative"
            failed = [f"{m.model} {m.status}" for m in (reference, fit) if m.status != "ok"]
            if failed:
                note = "; ".join(filter(None, [note, f"not interpretable as a test: {', '.join(failed)}"]))
        flagged = fit.singular or null.singular
        rows.append({
            "outcome": sequence.outcome,
            "model": fit.model,
            "compared_with": None if reference is None else reference.model,
            "n_obs": fit.n_obs,
            "n_groups": fit.n_groups,
            "n_params": fit.n_params,
            "logLik": fit.loglik,
            "AIC": fit.aic,
            "BIC": fit.bic,
            "deviance": -2.0 * fit.loglik,
            "LR_chi2": lr,
            "df": df,
            "p": p,
            "LR_note": note,
            "ICC": fit.icc,
            "ICC_scale": "latent (pi^2/3)" if fit.family.startswith("binomial") else "data",
            "PCV": (null.between_variance - fit.between_variance) / null.between_variance
            if null.between_variance > 0 else np.nan,
            **status_columns(fit),
            "converged": fit.converged,
            "gradient_norm": fit.gradient_norm,
            "relative_newton_step": fit.diagnosis.relative_step,
            "hessian_positive_definite": fit.hessian_positive_definite,
            "singular": fit.singular,
            "variance_flag": "boundary: a variance is ~0, ICC/PCV not interpretable" if flagged else "",
            "gls_max_abs_difference": fit.gls_max_abs_difference,
            "estimator": fit.estimator,
            "weights_used": False,
            "weights_note": WEIGHTS_NOTE,
            "notes": "; ".join(fit.notes),
        })
        previous = fit
    return pd.DataFrame(rows)


def _moment_start(model, y, X, Z, group_codes, n_groups) -> MixedLMParams:
    """Starting values near the optimum: OLS fixed effects and a moment estimate of the intercept variance.

    The intercept variance ratio (to the residual variance) is the variance of the group means of the OLS
    residuals less their sampling variance, floored at 1% ; a slope starts at half that ratio, uncorrelated.
    MixedLM's own start (ratio 1) is far from the small municipal variances of survey data and costs iterations.
    """
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    residual = y - X @ beta
    sizes = np.bincount(group_codes, minlength=n_groups)
    means = np.bincount(group_codes, weights=residual, minlength=n_groups) / sizes
    within = float(np.sum((residual - means[group_codes]) ** 2) / (len(y) - n_groups))
    ratio = max((float(np.var(means, ddof=1)) - within * float(np.mean(1.0 / sizes))) / within, 0.01)
    start = MixedLMParams(model.k_fe, model.k_re, model.k_vc)
    start.fe_params = beta
    start.cov_re = np.diag([ratio] + [0.5 * ratio] * (Z.shape[1] - 1))
    start.vcomp = np.zeros(model.k_vc)
    return start


INTERIOR_START_RATIOS = (0.1, 1.0)
"""Variance ratios (random-effect variance / residual variance) of the starts away from the boundary that a fit
ending with a variance at zero is repeated from."""


def _on_boundary(result) -> bool:
    """A random-effect variance of the fit at (or near) zero, relative to the residual variance."""
    ratios = np.diag(np.atleast_2d(np.asarray(result.cov_re, dtype=float))) / float(result.scale)
    return bool(np.any(np.sqrt(np.maximum(ratios, 0.0)) < SINGULAR_TOLERANCE))


def _interior_start(model: MixedLM, result, ratio: float) -> MixedLMParams:
    """The fit's fixed effects with every random-effect variance at ``ratio`` times the residual variance."""
    start = MixedLMParams(model.k_fe, model.k_re, model.k_vc)
    start.fe_params = np.asarray(result.fe_params, dtype=float)
    start.cov_re = np.eye(model.k_re) * ratio
    start.vcomp = np.zeros(model.k_vc)
    return start


def _profile_gradient_norm(model: MixedLM, result) -> float:
    """Largest absolute score of MixedLM's profile log-likelihood (fixed effects profiled out) at the fit."""
    score = model.score(result.params_object, profile_fe=True)
    return float(np.max(np.abs(score))) if len(score) else 0.0


def _check_nesting(data: pd.DataFrame, group: str, upper: str, source: str) -> None:
    """Every group must lie in exactly one upper-level unit."""
    parents = data.groupby(data[group].astype(str))[upper].nunique()
    crossing = parents[parents > 1]
    if len(crossing):
        raise InputDataError(source, f"group {crossing.index[0]!r} lies in more than one {upper}", field=upper,
                             expected=f"each {group} nested in exactly one {upper}")


def _members(group_codes: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row positions of each group."""
    order = np.argsort(group_codes, kind="stable")
    bounds = np.searchsorted(group_codes[order], np.arange(n_groups + 1))
    return [order[bounds[j]: bounds[j + 1]] for j in range(n_groups)]


def _gls(y, X, members, Z, G, residual_variance):
    """GLS fixed effects and their covariance given the random-effect covariance G and residual variance.

    Per group, ``V^-1 = (I - Z (s2 I + G Z'Z)^-1 G Z') / s2`` (valid for a singular G), accumulated into
    ``X'V^-1 X`` and ``X'V^-1 y``.
    """
    p = X.shape[1]
    q = G.shape[0]
    xtvx = np.zeros((p, p))
    xtvy = np.zeros(p)
    for rows in members:
        Xj, yj, Zj = X[rows], y[rows], Z[rows]
        ztz = Zj.T @ Zj
        inner = np.linalg.solve(residual_variance * np.eye(q) + G @ ztz, G)
        zx, zy = Zj.T @ Xj, Zj.T @ yj
        xtvx += (Xj.T @ Xj - zx.T @ inner @ zx) / residual_variance
        xtvy += (Xj.T @ yj - zx.T @ inner @ zy) / residual_variance
    cov = np.linalg.inv(xtvx)
    return cov @ xtvy, cov
