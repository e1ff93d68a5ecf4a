"""Result objects of the staggered-adoption estimators: every estimate carries the inference it rests on."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class StaggeredInference:
    """What an estimate is and how its uncertainty was computed.

    ``control_group`` is ``"never treated"``, ``"not yet treated"`` or, for two-way fixed effects, the implicit
    mix of never-, not-yet- and already-treated units. ``standard_errors`` names the covariance estimator and
    its clustering; ``n_clusters`` is the number of units (clusters). Confidence intervals are pointwise
    normal intervals at level ``1 - alpha`` unless ``note`` says otherwise.
    """

    estimator: str
    package: str
    outcome: str
    control_group: str
    base_period: str
    standard_errors: str
    n_clusters: int
    n_units: int
    n_treated_units: int
    n_never_treated_units: int
    n_observations: int
    periods: tuple[int, ...]
    cohorts: tuple[int, ...]
    alpha: float
    anticipation: int = 0
    note: str = ""

    def as_dict(self) -> dict:
        record = asdict(self)
        record["periods"] = " ".join(str(p) for p in self.periods)
        record["cohorts"] = " ".join(str(g) for g in self.cohorts)
        return record


@dataclass(frozen=True)
class Estimate:
    """One scalar estimate with its standard error, normal CI and two-sided p-value; ``what`` defines it."""

    what: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float

    @classmethod
    def normal(cls, what: str, estimate: float, std_error: float, alpha: float) -> Estimate:
        z = stats.norm.ppf(1 - alpha / 2)
        p = 2 * stats.norm.sf(abs(estimate / std_error)) if std_error > 0 else float("nan")
        return cls(what, float(estimate), float(std_error), float(estimate - z * std_error),
                   float(estimate + z * std_error), float(p))


@dataclass(frozen=True)
class PretrendTest:
    """Joint test that the pre-treatment estimates are all zero (a test of parallel trends before treatment).

    A large p-value is absence of evidence against parallel pre-trends, not evidence for them (the test may
    have little power; Roth 2022).
    """

    test: str
    statistic: float
    df: int
    p_value: float
    n_pre_estimates: int


@dataclass(frozen=True)
class StaggeredResult:
    """An event study and an overall effect from one estimator.

    ``event_time``: columns ``event_time`` (elections since treatment; negative = before), ``estimate``,
    ``std_error``, ``ci_low``, ``ci_high``, ``p_value``, ``n_cohorts`` (cohorts that contribute at that event
    time). ``group_time`` (Callaway-Sant'Anna only): ``cohort``, ``period``, ``estimate``, ``std_error``,
    ``post``. ``overall`` is the headline average effect on the treated, defined in its ``what``.
    """

    inference: StaggeredInference
    overall: Estimate
    event_time: pd.DataFrame
    pretrend: PretrendTest | None
    group_time: pd.DataFrame | None = None
    by_cohort: pd.DataFrame | None = None

    def tidy(self) -> pd.DataFrame:
        """One row per estimate (overall, then each event time) with the inference columns repeated."""
        overall = pd.DataFrame([{"term": "overall", "event_time": np.nan, **asdict(self.overall)}])
        events = self.event_time.assign(term="event_time", what="event-time average effect")
        table = pd.concat([overall, events], ignore_index=True)
        for key, value in self.inference.as_dict().items():
            table[key] = value
        if self.pretrend is not None:
            table["pretrend_test"] = self.pretrend.test
            table["pretrend_statistic"] = self.pretrend.statistic
            table["pretrend_df"] = self.pretrend.df
            table["pretrend_p_value"] = self.pretrend.p_value
        return table


def event_time_frame(event_time, estimate, std_error, n_cohorts, alpha: float) -> pd.DataFrame:
    """The event-time table with normal pointwise CIs and two-sided p-values."""
    estimate = np.asarray(estimate, dtype=float)
    std_error = np.asarray(std_error, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = 2 * stats.norm.sf(np.abs(estimate / std_error))
    return pd.DataFrame({
        "event_time": np.asarray(event_time, dtype=int),
        "estimate": estimate,
        "std_error": std_error,
        "ci_low": estimate - z * std_error,
        "ci_high": estimate + z * std_error,
        "p_value": p_value,
        "n_cohorts": np.asarray(n_cohorts, dtype=int),
    })


def wald_test(name: str, estimates: np.ndarray, covariance: np.ndarray) -> PretrendTest:
    """Chi-square Wald test that ``estimates`` are jointly zero under ``covariance``."""
    estimates = np.asarray(estimates, dtype=float)
    k = len(estimates)
    if k == 0:
        return PretrendTest(name, float("nan"), 0, float("nan"), 0)
    statistic = float(estimates @ np.linalg.solve(covariance, estimates))
    return PretrendTest(name, statistic, k, float(stats.chi2.sf(statistic, k)), k)
