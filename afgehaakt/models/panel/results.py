"""What the panel models and tests return: tidy tables and the records of estimator, inference and sample."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

CoefficientColumns = (
    "model", "term", "estimate", "se", "t", "p", "ci_low", "ci_high", "distribution", "cov_type", "cov_options",
    "n_obs", "n_entities", "n_periods", "r2", "r2_within", "r2_between", "r2_overall",
)


@dataclass(frozen=True)
class ModelInfo:
    """One fitted model: estimator, specification, inference and sample.

    ``r2`` is the estimator's own R² (two-way demeaned data for PanelOLS, quasi-demeaned for RandomEffects,
    differences for FirstDifferenceOLS); ``r2_within``/``r2_between``/``r2_overall`` are linearmodels'
    (for a two-way FE fit its within R² ignores the election effects and can be negative).
    ``df_inference`` is the t degrees of freedom of p-values and CIs: clusters - 1 for clustered covariances
    (the fewer clusters when two-way), the residual df for unadjusted ones, infinite (normal) if not debiased.
    """

    model: str
    estimator: str
    dependent: str
    terms: tuple[str, ...]
    entity_effects: bool
    time_effects: bool
    cov_type: str
    cov_options: str
    n_obs: int
    n_entities: int
    n_periods: int
    df_resid: int
    df_inference: float
    r2: float
    r2_within: float
    r2_between: float
    r2_overall: float
    elections: tuple[str, ...]
    reference_election: str
    above_one: str
    note: str

    def as_row(self) -> dict:
        row = asdict(self)
        row["terms"] = ";".join(self.terms)
        row["elections"] = ";".join(self.elections)
        return row


@dataclass(frozen=True)
class PanelModelResult:
    """Tidy coefficients (:data:`CoefficientColumns`), the model record, and what tests need."""

    coefficients: pd.DataFrame
    info: ModelInfo
    params: pd.Series
    cov: pd.DataFrame
    residuals: pd.DataFrame = field(repr=False)
    """code, election, year, residual (the idiosyncratic residual: effects removed)."""


@dataclass(frozen=True)
class WaldTestResult:
    """A joint Wald test of linear restrictions R b = 0 under the model's covariance."""

    model: str
    hypothesis: str
    terms: str
    restrictions: int
    statistic: float
    p_chi2: float
    f_statistic: float
    df_denominator: float
    p_f: float
    cov_type: str
    cov_options: str
    note: str = ""

    def as_row(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GradientResult:
    """The education (or other covariate) gradient over elections from the two-way fixed-effects model.

    ``gradient``: one row per election: the change in the gradient since the reference election (the
    interaction coefficient; 0 with no standard error for the reference itself) with its CI.
    ``tests``: H0 all interactions zero (gradient constant over elections); H0 the interactions equal
    (the gradient has the same value after the reference election; needs two or more interactions).
    """

    model: PanelModelResult
    covariate: str
    gradient: pd.DataFrame
    tests: tuple[WaldTestResult, ...]

    def tests_table(self) -> pd.DataFrame:
        return pd.DataFrame([t.as_row() for t in self.tests])


@dataclass(frozen=True)
class HausmanResult:
    """H = d' (V_FE - V_RE)^-1 d with d = b_FE - b_RE over the common coefficients, chi-squared with df = rank.

    If V_FE - V_RE is not positive definite, H uses the generalised inverse over its positive eigenvalues
    (those above :data:`EIGENVALUE_TOLERANCE` times the largest), df is their number, ``positive_definite``
    is False and ``note`` says what was dropped: the p-value is then at best approximate. Eigenvalues are
    judged against the largest eigenvalue of V_FE, so a difference that is rounding noise is not mistaken for a
    positive-definite one. With no positive eigenvalue, H, df and p are NaN, 0 and NaN.
    """

    fixed_model: str
    random_model: str
    terms: str
    statistic: float
    df: int
    p_value: float
    positive_definite: bool
    eigenvalues: str
    cov_type_fixed: str
    cov_type_random: str
    formula: str
    note: str

    def as_row(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PanelSuite:
    """The issue's set of models for one outcome: FE gradient, RE, FD, and the classic Hausman test."""

    gradient: GradientResult
    random_effects: PanelModelResult
    first_difference: PanelModelResult
    levels: pd.DataFrame
    hausman: HausmanResult

    def coefficients(self) -> pd.DataFrame:
        parts = [self.gradient.model.coefficients, self.random_effects.coefficients,
                 self.first_difference.coefficients]
        return pd.concat(parts, ignore_index=True)

    def info(self) -> pd.DataFrame:
        return pd.DataFrame([m.info.as_row() for m in (self.gradient.model, self.random_effects,
                                                       self.first_difference)])
