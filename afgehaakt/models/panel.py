"""Municipal panel of elections on the 2021 boundaries: a balanced long table and linearmodels panel models.

The panel has one row per municipality and election: the Tweede Kamer elections of 2017, 2021 and 2023 by
default. The European Parliament election of 2019 is another kind of election (turnout some 35 points lower),
so it enters only when asked (``include_ep=True``) and is always flagged (``kind == "ep"``,
``other_election_type``); its time effect then absorbs the level difference, not the difference in kind.

Turnout above 1 (voters from elsewhere with a *kiezerspas*, chiefly the Wadden islands) is flagged per row, and
the analysed value follows a named policy, ``keep`` or ``cap``, as :func:`afgehaakt.elections.analysis_values`.

Models (all through linearmodels, each returning a tidy coefficient table and a :class:`ModelInfo`):

* :func:`fit_fixed_effects`: ``PanelOLS`` with municipality (entity) and election (time) effects;
* :func:`fit_education_gradient`: the same with a time-invariant municipal covariate interacted with election
  dummies (reference: the first election), the gradient's change per election and joint Wald tests;
* :func:`fit_random_effects`: ``RandomEffects`` (one-way, municipality) with election dummies and a constant;
* :func:`fit_first_difference`: ``FirstDifferenceOLS`` with the differenced election dummies;
* :func:`hausman_test`: the classic Hausman contrast of the fixed- and random-effects fits.

Inference is always explicit. linearmodels' ``fit()`` defaults to the unadjusted (homoskedastic) covariance;
here the default is :class:`Covariance` ``()``: clustered by municipality with ``debiased=True``,
``group_debias=True`` and the estimated effects not counted in the degrees of freedom (``auto_df=False,
count_effects=False``). For the within (fixed-effects) model this is plm's ``vcovHC(method="arellano",
type="sss", cluster="group")`` and Stata's ``xtreg, fe vce(cluster)``: the covariance is scaled by
``G/(G-1) * (n-1)/(n-k)`` with G municipalities, n observations and k slope coefficients (the effects are not
counted: the entity effects are nested in the clusters, as in Cameron and Miller 2015). The mapping to plm,
checked against plm 2.6 in ``tests/unit/test_panel_plm.py`` (agreement 1e-12 or better):

=====================  =====================================================================
plm ``vcovHC`` type    linearmodels options (``cov_type="clustered"``, ``auto_df=False``,
                       ``count_effects=False``)
=====================  =====================================================================
``HC0``                ``debiased=False, group_debias=False``  (no adjustment)
``HC1``                ``debiased=True,  group_debias=False``  (n/(n-k))
``sss``                ``debiased=True,  group_debias=True``   (G/(G-1) (n-1)/(n-k))
=====================  =====================================================================

linearmodels' own automatic choice (``auto_df=True``) counts the N + T - 1 two-way effects whenever there are two
effects, which inflates the clustered variance by about n/(n - N - T) (~1.5 for three elections): that is
recorded but not used. Two-way clustering (``clusters="entity_time"``) is plm's ``vcovDC`` (each of the three
one-way pieces adjusted with its own G); with three or four elections there are only three or four time
clusters, so its variance is itself very uncertain (stated in every ``ModelInfo.note``), and it can fail to be
positive semi-definite (negative variances give NaN standard errors and a note; no eigenvalue fix-up).
The same options map the same way for RandomEffects and FirstDifferenceOLS, except plm 2.6's ``HC1`` for
``model="fd"``, which counts the undifferenced observations in its degrees of freedom (a plm quirk).

p-values and CIs of clustered fits use t(G - 1), G the (fewer) clusters, as Stata does; linearmodels' own
p-values use the residual degrees of freedom. Every table records which (``distribution``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from linearmodels.panel import FirstDifferenceOLS, PanelOLS, RandomEffects
from scipy import stats

from afgehaakt import catalogue
from afgehaakt.elections import AboveOnePolicy

ELECTIONS: dict[str, tuple[int, str]] = {
    election_id: (int(source.date[:4]), source.kind) for election_id, source in catalogue.ELECTIONS.items()
}
"""Election code -> (year, kind): ``tk`` Tweede Kamer, ``ep`` European Parliament."""
DEFAULT_ELECTIONS: tuple[str, ...] = ("tk2017", "tk2021", "tk2023")
OUTCOMES: tuple[str, ...] = ("turnout", "outsider_share")
CI_LEVEL = 0.95
EIGENVALUE_TOLERANCE = 1e-8
"""Eigenvalues of V_FE - V_RE below this fraction of the largest eigenvalue of V_FE count as zero (Hausman)."""
TIME_VARYING: tuple[str, ...] = ("orthodox_protestant_share",)
"""Per-election columns of the features table (``<name>_<election>``) that may enter the panel as regressors."""

CoefficientColumns = (
    "model", "term", "estimate", "se", "t", "p", "ci_low", "ci_high", "distribution", "cov_type", "cov_options",
    "n_obs", "n_entities", "n_periods", "r2", "r2_within", "r2_between", "r2_overall",
)


class PanelError(ValueError):
    """The panel is not balanced or lacks a column: the message names the municipality and election."""


# --------------------------------------------------------------------------------------------------- the panel


@dataclass(frozen=True)
class BalancedPanel:
    """The long panel and the choices that made it.

    ``table`` columns: code, name, election, year, kind, turnout (the analysed value under ``above_one``),
    turnout_observed, outsider_share, the time-invariant ``covariates``, the ``time_varying`` regressors, and
    the flags turnout_above_one,
    turnout_capped, other_election_type. Sorted by code, then year.
    """

    table: pd.DataFrame
    elections: tuple[str, ...]
    covariates: tuple[str, ...]
    above_one: str
    note: str
    time_varying: tuple[str, ...] = ()

    @property
    def n_entities(self) -> int:
        return int(self.table["code"].nunique())

    @property
    def reference_election(self) -> str:
        return self.elections[0]

    def indexed(self) -> pd.DataFrame:
        """The table indexed by (code, year), the entity-time index linearmodels expects."""
        return self.table.set_index(["code", "year"])

    def wide(self, variable: str) -> pd.DataFrame:
        """``variable`` with one row per municipality (code) and one column per election."""
        return self.table.pivot(index="code", columns="election", values=variable)[list(self.elections)]


def build_panel(
    features: pd.DataFrame,
    *,
    elections: tuple[str, ...] = DEFAULT_ELECTIONS,
    include_ep: bool = False,
    covariates: tuple[str, ...] = ("low_education_share",),
    time_varying: tuple[str, ...] = (),
    above_one: AboveOnePolicy = "keep",
) -> BalancedPanel:
    """The balanced long panel from the wide features table (``turnout_<e>``, ``outsider_share_<e>`` ...).

    ``include_ep`` adds EP2019 (between the 2017 and 2021 elections); naming ``ep2019`` in ``elections``
    without it is refused, so the other kind of election never enters unannounced. ``covariates`` are
    time-invariant municipal columns; ``time_varying`` are per-election columns (``<name>_<election>``, e.g.
    ``orthodox_protestant_share``) carried as regressors. Raises
    :class:`PanelError` naming every missing municipality-election value.
    """
    if above_one not in ("keep", "cap"):
        raise ValueError(f"unknown policy for turnout above one: {above_one!r}")
    chosen = list(dict.fromkeys(elections))
    unknown = [e for e in chosen if e not in ELECTIONS]
    if unknown:
        raise PanelError(f"unknown election(s) {unknown}; known: {list(ELECTIONS)}")
    other_kind = [e for e in chosen if ELECTIONS[e][1] != "tk"]
    if other_kind and not include_ep:
        raise PanelError(f"{other_kind} is another type of election (European Parliament); pass include_ep=True")
    if include_ep and "ep2019" not in chosen:
        chosen.append("ep2019")
    chosen.sort(key=lambda e: ELECTIONS[e][0])
    if len(chosen) < 2:
        raise PanelError("a panel needs at least two elections")
    required = ["code", "name", *covariates]
    for election in chosen:
        required += [f"turnout_{election}", f"outsider_share_{election}", f"turnout_above_one_{election}"]
        required += [f"{name}_{election}" for name in time_varying]
    absent = [c for c in required if c not in features.columns]
    if absent:
        raise PanelError(f"features table lacks column(s) {absent}")
    if features["code"].duplicated().any():
        twice = sorted(features.loc[features["code"].duplicated(), "code"])
        raise PanelError(f"municipality code(s) appear twice: {twice[:5]}")
    frames = []
    base = features[["code", "name", *covariates]].astype({"code": "str", "name": "str"})
    for election in chosen:
        year, kind = ELECTIONS[election]
        part = base.copy()
        part.insert(2, "election", election)
        part.insert(3, "year", year)
        part.insert(4, "kind", kind)
        part["turnout_observed"] = features[f"turnout_{election}"].astype(float).to_numpy()
        part["outsider_share"] = features[f"outsider_share_{election}"].astype(float).to_numpy()
        part["turnout_above_one"] = features[f"turnout_above_one_{election}"].astype(bool).to_numpy()
        for name in time_varying:
            part[name] = features[f"{name}_{election}"].astype(float).to_numpy()
        frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    check_balanced(table, elections=tuple(chosen),
                   variables=("turnout_observed", "outsider_share", *covariates, *time_varying))
    flagged = table["turnout_above_one"] | (table["turnout_observed"] > 1.0)
    table["turnout_above_one"] = flagged
    table["turnout_capped"] = flagged & (above_one == "cap")
    table["turnout"] = table["turnout_observed"].clip(upper=1.0) if above_one == "cap" else table["turnout_observed"]
    table["other_election_type"] = table["kind"] != "tk"
    order = ["code", "name", "election", "year", "kind", "turnout", "turnout_observed", "outsider_share",
             *covariates, *time_varying, "turnout_above_one", "turnout_capped", "other_election_type"]
    table = table[order].sort_values(["code", "year"], kind="stable").reset_index(drop=True)
    return BalancedPanel(
        table=table,
        elections=tuple(chosen),
        covariates=tuple(covariates),
        above_one=above_one,
        note=_above_one_note(table, above_one),
        time_varying=tuple(time_varying),
    )


def check_balanced(table: pd.DataFrame, *, elections: tuple[str, ...], variables: tuple[str, ...]) -> None:
    """Every municipality has one row per election with finite ``variables``; else name what is missing."""
    codes = table[["code", "name"]].drop_duplicates("code")
    names = dict(zip(codes["code"], codes["name"], strict=True))
    problems = []
    duplicated = table[table.duplicated(["code", "election"], keep=False)]
    for row in duplicated.drop_duplicates(["code", "election"]).itertuples():
        problems.append(f"{names[row.code]} ({row.code}) {row.election}: more than one row")
    present = set(zip(table["code"], table["election"], strict=True))
    for code in sorted(names):
        for election in elections:
            if (code, election) not in present:
                problems.append(f"{names[code]} ({code}) {election}: no row")
    for variable in variables:
        values = pd.to_numeric(table[variable], errors="coerce").astype(float)
        bad = table[~np.isfinite(values.to_numpy())]
        for row in bad.itertuples():
            problems.append(f"{names[row.code]} ({row.code}) {row.election}: {variable} missing")
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise PanelError(f"panel is not balanced over {list(elections)}: {shown}{more}")


def _above_one_note(table: pd.DataFrame, above_one: str) -> str:
    flagged = table[table["turnout_above_one"]]
    if flagged.empty:
        return ""
    listed = "; ".join(f"{r.name} ({r.code}) {r.election} {r.turnout_observed:.4f}" for r in flagged.itertuples())
    verb = "capped at 1" if above_one == "cap" else "kept as observed"
    return f"turnout above 1 {verb}: {listed}"


# ------------------------------------------------------------------------------------------------- covariance


@dataclass(frozen=True)
class Covariance:
    """The covariance estimator and every option passed to linearmodels, recorded in each table.

    ``kind="clustered"`` (default): clusters ``entity`` (municipality) or ``entity_time`` (two-way, municipality
    and election). ``count_effects=None`` leaves the effects' degrees of freedom to linearmodels
    (``auto_df=True``); ``False``/``True`` pass ``auto_df=False`` and that value. ``kind="unadjusted"`` is the
    homoskedastic estimator (the classic Hausman test needs it), with the effects counted as plm does.
    """

    kind: Literal["clustered", "unadjusted"] = "clustered"
    clusters: Literal["entity", "entity_time"] = "entity"
    debiased: bool = True
    group_debias: bool = True
    count_effects: bool | None = False

    def __post_init__(self) -> None:
        if self.kind not in ("clustered", "unadjusted"):
            raise ValueError(f"unknown covariance {self.kind!r}")
        if self.clusters not in ("entity", "entity_time"):
            raise ValueError(f"unknown clusters {self.clusters!r}; use 'entity' or 'entity_time'")

    @classmethod
    def unadjusted(cls) -> Covariance:
        return cls(kind="unadjusted", group_debias=False, count_effects=None)

    def fit_options(self, estimator: str) -> dict:
        """Keyword arguments of ``fit`` for ``estimator`` (``PanelOLS``, ``RandomEffects``, ``FirstDifferenceOLS``)."""
        options: dict = {"cov_type": self.kind, "debiased": self.debiased}
        if self.kind == "clustered":
            options["cluster_entity"] = True
            if self.clusters == "entity_time":
                if estimator == "FirstDifferenceOLS":
                    raise ValueError("FirstDifferenceOLS cannot cluster by election: a difference spans two "
                                     "elections; use clusters='entity'")
                options["cluster_time"] = True
            options["group_debias"] = self.group_debias
        if estimator == "PanelOLS":
            if self.count_effects is None:
                options["auto_df"] = True
            else:
                options["auto_df"] = False
                options["count_effects"] = self.count_effects
        return options

    def describe(self, estimator: str) -> str:
        options = self.fit_options(estimator)
        return "; ".join(f"{k}={v}" for k, v in options.items() if k != "cov_type")


# --------------------------------------------------------------------------------------------------- results


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


# ----------------------------------------------------------------------------------------------------- models


def interaction_terms(panel: BalancedPanel, covariate: str) -> list[str]:
    """Names of the covariate x election terms for every election but the reference (the first)."""
    return [f"{covariate}:{e}" for e in panel.elections[1:]]


def election_dummy_terms(panel: BalancedPanel) -> list[str]:
    return [f"election[{e}]" for e in panel.elections[1:]]


def design(panel: BalancedPanel, terms: list[str]) -> pd.DataFrame:
    """Regressors indexed by (code, year): columns of the table, ``const``, ``election[e]``, ``x:e`` products."""
    table = panel.indexed()
    columns = {}
    for term in terms:
        if term == "const":
            columns[term] = np.ones(len(table))
        elif term.startswith("election[") and term.endswith("]"):
            columns[term] = (table["election"] == term[9:-1]).astype(float).to_numpy()
        elif ":" in term:
            variable, election = term.split(":", 1)
            if election not in panel.elections:
                raise ValueError(f"term {term!r}: {election} is not in the panel {panel.elections}")
            columns[term] = table[variable].astype(float).to_numpy() * (table["election"] == election).to_numpy()
        elif term in table.columns:
            columns[term] = table[term].astype(float).to_numpy()
        else:
            raise ValueError(f"unknown term {term!r}")
    return pd.DataFrame(columns, index=table.index)


def fit_fixed_effects(
    panel: BalancedPanel,
    dependent: str,
    terms: list[str],
    *,
    covariance: Covariance = Covariance(),
    entity_effects: bool = True,
    time_effects: bool = True,
    model: str = "fe_twoway",
) -> PanelModelResult:
    """``PanelOLS`` of ``dependent`` on ``terms`` (time-varying) with municipality and election effects."""
    _check_dependent(panel, dependent)
    y = panel.indexed()[dependent].astype(float)
    x = design(panel, terms)
    fitted = PanelOLS(y, x, entity_effects=entity_effects, time_effects=time_effects).fit(
        **covariance.fit_options("PanelOLS")
    )
    return _result(panel, fitted, model=model, estimator="PanelOLS", dependent=dependent, terms=terms,
                   covariance=covariance, entity_effects=entity_effects, time_effects=time_effects)


def fit_random_effects(
    panel: BalancedPanel,
    dependent: str,
    terms: list[str],
    *,
    covariance: Covariance = Covariance(),
    election_dummies: bool = True,
    model: str = "re",
) -> PanelModelResult:
    """``RandomEffects`` (municipality) of ``dependent`` on a constant, election dummies and ``terms``.

    Variance components by linearmodels' default (Swamy-Arora, ``small_sample=False``, equal to plm's
    ``random.method="swar"`` on a balanced panel).
    """
    _check_dependent(panel, dependent)
    full = ["const", *(election_dummy_terms(panel) if election_dummies else []), *terms]
    y = panel.indexed()[dependent].astype(float)
    fitted = RandomEffects(y, design(panel, full)).fit(**covariance.fit_options("RandomEffects"))
    return _result(panel, fitted, model=model, estimator="RandomEffects", dependent=dependent, terms=full,
                   covariance=covariance, entity_effects=True, time_effects=False,
                   extra_note=f"random municipality effects (theta={float(np.asarray(fitted.theta).ravel()[0]):.6f}, "
                   f"sigma2_u={float(fitted.variance_decomposition['Effects']):.6g}, "
                   f"sigma2_e={float(fitted.variance_decomposition['Residual']):.6g}); election dummies as regressors")


def fit_first_difference(
    panel: BalancedPanel,
    dependent: str,
    terms: list[str],
    *,
    covariance: Covariance = Covariance(),
    election_dummies: bool = True,
    model: str = "fd",
) -> PanelModelResult:
    """``FirstDifferenceOLS``: differences between consecutive elections of ``dependent`` and ``terms``.

    Time-invariant terms difference away; the differenced election dummies take the place of the time
    effects (one intercept per pair of consecutive elections). Clusters: municipality only.
    """
    _check_dependent(panel, dependent)
    full = [*(election_dummy_terms(panel) if election_dummies else []), *terms]
    y = panel.indexed()[dependent].astype(float)
    fitted = FirstDifferenceOLS(y, design(panel, full)).fit(**covariance.fit_options("FirstDifferenceOLS"))
    return _result(panel, fitted, model=model, estimator="FirstDifferenceOLS", dependent=dependent, terms=full,
                   covariance=covariance, entity_effects=True, time_effects=False,
                   extra_note="differences of consecutive elections; differenced election dummies as regressors")


def fit_education_gradient(
    panel: BalancedPanel,
    dependent: str,
    *,
    covariate: str = "low_education_share",
    terms: list[str] | None = None,
    covariance: Covariance = Covariance(),
    model: str = "fe_gradient",
) -> GradientResult:
    """Two-way FE of ``dependent`` on ``covariate`` x election (reference: first election) and ``terms``.

    The covariate's own gradient is absorbed by the municipality effects; the interactions are how much the
    gradient changed since the reference election. Do the gaps grow? Look at the sign and CIs of the
    interactions and at the joint tests.
    """
    if covariate not in panel.covariates:
        raise ValueError(f"{covariate!r} is not a covariate of the panel {panel.covariates}")
    interactions = interaction_terms(panel, covariate)
    fitted = fit_fixed_effects(panel, dependent, [*interactions, *(terms or [])], covariance=covariance,
                               model=model)
    return GradientResult(
        model=fitted,
        covariate=covariate,
        gradient=gradient_changes(fitted, panel, covariate),
        tests=tuple(gradient_tests(fitted, interactions)),
    )


def gradient_changes(result: PanelModelResult, panel: BalancedPanel, covariate: str) -> pd.DataFrame:
    """One row per election: the interaction (change since the reference) with CI; the reference row is 0."""
    table = result.coefficients.set_index("term")
    rows = []
    for election in panel.elections:
        year, kind = ELECTIONS[election]
        term = f"{covariate}:{election}"
        base = {"model": result.info.model, "covariate": covariate, "election": election, "year": year,
                "kind": kind, "quantity": "change_since_reference", "reference_election": panel.reference_election}
        if election == panel.reference_election:
            rows.append({**base, "term": "(reference)", "estimate": 0.0, "se": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "p": np.nan, "reference": True})
        else:
            r = table.loc[term]
            rows.append({**base, "term": term, "estimate": r["estimate"], "se": r["se"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "p": r["p"], "reference": False})
    frame = pd.DataFrame(rows)
    frame["cov_type"] = result.info.cov_type
    frame["cov_options"] = result.info.cov_options
    return frame


def gradient_levels(result: PanelModelResult, panel: BalancedPanel, covariate: str) -> pd.DataFrame:
    """The gradient per election, b + d_e, with CIs from the model's covariance (random effects or pooled fits).

    Needs the covariate's main effect in the model (not in a fixed-effects fit, where it is absorbed).
    """
    if covariate not in result.params.index:
        raise ValueError(f"{result.info.model}: no main effect of {covariate} (absorbed by fixed effects?)")
    names = list(result.params.index)
    level = stats.t.ppf(0.5 + CI_LEVEL / 2, result.info.df_inference) if np.isfinite(result.info.df_inference) \
        else stats.norm.ppf(0.5 + CI_LEVEL / 2)
    rows = []
    for election in panel.elections:
        weights = pd.Series(0.0, index=names)
        weights[covariate] = 1.0
        term = f"{covariate}:{election}"
        if term in weights.index:
            weights[term] = 1.0
        estimate = float(weights @ result.params)
        se = float(np.sqrt(weights @ result.cov.loc[names, names] @ weights))
        year, kind = ELECTIONS[election]
        rows.append({"model": result.info.model, "covariate": covariate, "election": election, "year": year,
                     "kind": kind, "quantity": "level", "reference_election": panel.reference_election,
                     "term": covariate if election == panel.reference_election else f"{covariate} + {term}",
                     "estimate": estimate, "se": se, "ci_low": estimate - level * se,
                     "ci_high": estimate + level * se, "p": _p_value(estimate / se, result.info.df_inference),
                     "reference": election == panel.reference_election})
    frame = pd.DataFrame(rows)
    frame["cov_type"] = result.info.cov_type
    frame["cov_options"] = result.info.cov_options
    return frame


def gradient_tests(result: PanelModelResult, interactions: list[str]) -> list[WaldTestResult]:
    """H0 all interactions zero; and (two or more interactions) H0 all equal to each other."""
    tests = [wald_test(result, _restrictions(result, interactions, "zero"),
                       hypothesis="all interactions zero (gradient equal in every election)", terms=interactions)]
    if len(interactions) >= 2:
        tests.append(wald_test(result, _restrictions(result, interactions, "equal"),
                               hypothesis="interactions equal (gradient the same after the reference election)",
                               terms=interactions))
    return tests


def wald_test(result: PanelModelResult, restrictions: pd.DataFrame, *, hypothesis: str,
              terms: list[str]) -> WaldTestResult:
    """W = (Rb)' (R V R')^-1 (Rb) ~ chi2(q); F = W/q against F(q, df) with df = clusters - 1 for clustered
    covariances (the fewest clusters in two-way clustering), else the residual degrees of freedom."""
    r = restrictions[result.params.index].to_numpy(dtype=float)
    b = result.params.to_numpy(dtype=float)
    v = result.cov.loc[result.params.index, result.params.index].to_numpy(dtype=float)
    rb = r @ b
    middle = r @ v @ r.T
    smallest = float(np.linalg.eigvalsh((middle + middle.T) / 2).min())
    note = "" if smallest > 0 else (f"R V R' is not positive definite (smallest eigenvalue {smallest:.3e}): "
                                    "the statistic is not a valid chi-squared statistic")
    statistic = float(rb @ np.linalg.solve(middle, rb))
    q = r.shape[0]
    df = _denominator_df(result)
    return WaldTestResult(
        model=result.info.model,
        hypothesis=hypothesis,
        terms=";".join(terms),
        restrictions=q,
        statistic=statistic,
        p_chi2=float(stats.chi2.sf(statistic, q)),
        f_statistic=statistic / q,
        df_denominator=float(df),
        p_f=float(stats.f.sf(statistic / q, q, df)),
        cov_type=result.info.cov_type,
        cov_options=result.info.cov_options,
        note=note,
    )


def hausman_test(fixed: PanelModelResult, random: PanelModelResult) -> HausmanResult:
    """Classic Hausman test of the fixed- against the random-effects fit over their common coefficients.

    Both fits must use the unadjusted covariance: the test rests on the random-effects estimator being
    efficient under H0, which a cluster-robust covariance does not assume (plm's ``phtest`` likewise uses
    ``vcov`` of the two fits). Unlike ``phtest``, which returns ``abs(H)`` from ``solve``, a difference
    matrix that is not positive definite is reported (see :class:`HausmanResult`).
    """
    for result in (fixed, random):
        if result.info.cov_type != "unadjusted":
            raise ValueError(f"{result.info.model}: the classic Hausman test needs the unadjusted covariance, "
                             f"not {result.info.cov_type!r} (fit with Covariance.unadjusted())")
    common = [t for t in fixed.params.index if t in random.params.index and t != "const"]
    if not common:
        raise ValueError("the models have no common coefficients")
    d = (fixed.params[common] - random.params[common]).to_numpy(dtype=float)
    difference = (fixed.cov.loc[common, common] - random.cov.loc[common, common]).to_numpy(dtype=float)
    difference = (difference + difference.T) / 2
    eigenvalues, vectors = np.linalg.eigh(difference)
    scale = float(np.max(np.linalg.eigvalsh(fixed.cov.loc[common, common].to_numpy(dtype=float))))
    keep = eigenvalues > EIGENVALUE_TOLERANCE * scale
    positive_definite = bool(keep.all())
    projected = vectors[:, keep].T @ d
    df = int(keep.sum())
    statistic = float(np.sum(projected**2 / eigenvalues[keep])) if df else float("nan")
    notes = []
    if not positive_definite:
        notes.append(f"V_FE - V_RE is not positive definite: {int((~keep).sum())} of {len(keep)} eigenvalues are "
                     f"<= {EIGENVALUE_TOLERANCE:g} x the largest eigenvalue of V_FE ({scale:.3e}); smallest "
                     f"{eigenvalues.min():.3e}")
        if df:
            notes.append(f"H uses the generalised inverse over the {df} positive eigenvalues with df={df}; treat "
                         "the p-value as approximate")
        else:
            notes.append("no positive eigenvalue: the test is not defined (H and p are NaN)")
    se_fixed = np.sqrt(np.diag(fixed.cov.loc[common, common].to_numpy(dtype=float)))
    if np.max(np.abs(d) / se_fixed) < EIGENVALUE_TOLERANCE:
        notes.append(f"the FE and RE estimates coincide to rounding (largest difference {np.max(np.abs(d)):.3e}): "
                     "in a balanced panel, regressors that are a time-invariant covariate times election dummies "
                     "carry no between-municipality information beyond the covariate's main effect, so RE and "
                     "FE estimate them identically and the test has nothing to contrast")
    note = "; ".join(notes)
    return HausmanResult(
        fixed_model=fixed.info.model,
        random_model=random.info.model,
        terms=";".join(common),
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)) if df else float("nan"),
        positive_definite=positive_definite,
        eigenvalues=";".join(f"{e:.6e}" for e in eigenvalues),
        cov_type_fixed=f"{fixed.info.cov_type} ({fixed.info.cov_options})",
        cov_type_random=f"{random.info.cov_type} ({random.info.cov_options})",
        formula="H = (b_FE - b_RE)' (V_FE - V_RE)^-1 (b_FE - b_RE) ~ chi2(df), df = rank(V_FE - V_RE)",
        note=note,
    )


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


def fit_panel_suite(
    panel: BalancedPanel,
    dependent: str,
    *,
    covariate: str = "low_education_share",
    terms: list[str] | None = None,
    covariance: Covariance = Covariance(),
) -> PanelSuite:
    """Fit the FE gradient model, its RE (with the covariate's main effect) and FD counterparts, and the
    Hausman test (refitting FE and RE with the unadjusted covariance, as the test requires).

    With the interactions alone, RE and FE estimate them identically on a balanced panel, so the Hausman test
    has nothing to contrast and says so (H NaN or rounding noise, with a note). It becomes informative with a
    genuinely time-varying regressor in ``terms``, e.g. ``["orthodox_protestant_share"]`` from
    ``build_panel(..., time_varying=("orthodox_protestant_share",))``.
    """
    extra = list(terms or [])
    interactions = interaction_terms(panel, covariate)
    gradient = fit_education_gradient(panel, dependent, covariate=covariate, terms=extra, covariance=covariance,
                                      model=f"fe_gradient_{dependent}")
    re_terms = [covariate, *interactions, *extra]
    random = fit_random_effects(panel, dependent, re_terms, covariance=covariance, model=f"re_gradient_{dependent}")
    first = fit_first_difference(panel, dependent, [*interactions, *extra], covariance=covariance,
                                 model=f"fd_gradient_{dependent}")
    unadjusted = Covariance.unadjusted()
    hausman = hausman_test(
        fit_fixed_effects(panel, dependent, [*interactions, *extra], covariance=unadjusted,
                          model=f"fe_gradient_{dependent}_unadjusted"),
        fit_random_effects(panel, dependent, re_terms, covariance=unadjusted,
                           model=f"re_gradient_{dependent}_unadjusted"),
    )
    levels = gradient_levels(random, panel, covariate)
    return PanelSuite(gradient=gradient, random_effects=random, first_difference=first, levels=levels,
                      hausman=hausman)


# ---------------------------------------------------------------------------------------------------- helpers


def _check_dependent(panel: BalancedPanel, dependent: str) -> None:
    if dependent not in OUTCOMES:
        raise ValueError(f"dependent must be one of {OUTCOMES}, not {dependent!r}")


def _restrictions(result: PanelModelResult, terms: list[str], kind: str) -> pd.DataFrame:
    missing = [t for t in terms if t not in result.params.index]
    if missing:
        raise ValueError(f"{result.info.model}: no coefficient for {missing}")
    rows = []
    if kind == "zero":
        for term in terms:
            rows.append({term: 1.0})
    else:
        for first, second in zip(terms[:-1], terms[1:], strict=True):
            rows.append({first: 1.0, second: -1.0})
    return pd.DataFrame(rows, columns=list(result.params.index)).fillna(0.0)


def _denominator_df(result: PanelModelResult) -> float:
    return result.info.df_inference if np.isfinite(result.info.df_inference) else float(result.info.df_resid)


def _p_value(t: float, df: float) -> float:
    if np.isfinite(df):
        return float(2 * stats.t.sf(abs(t), df))
    return float(2 * stats.norm.sf(abs(t)))


def _result(panel, fitted, *, model, estimator, dependent, terms, covariance, entity_effects, time_effects,
            extra_note: str = "") -> PanelModelResult:
    names = list(fitted.params.index)
    n_entities = int(fitted.entity_info["total"])
    n_periods = int(fitted.time_info["total"])
    if covariance.kind == "clustered":
        clusters = n_entities if covariance.clusters == "entity" else min(n_entities, n_periods)
        if estimator == "FirstDifferenceOLS":
            clusters = n_entities
        df_inference = float(clusters - 1) if covariance.debiased else float("inf")
    else:
        df_inference = float(fitted.df_resid) if covariance.debiased else float("inf")
    estimate = fitted.params.to_numpy(dtype=float)
    covariance_matrix = np.asarray(fitted.cov, dtype=float)
    variances = np.diag(covariance_matrix)
    se = np.sqrt(np.where(variances >= 0, variances, np.nan))
    t = estimate / se
    quantile = stats.t.ppf(0.5 + CI_LEVEL / 2, df_inference) if np.isfinite(df_inference) \
        else stats.norm.ppf(0.5 + CI_LEVEL / 2)
    distribution = f"t({df_inference:g})" if np.isfinite(df_inference) else "normal"
    r2 = _r2(fitted)
    options = covariance.describe(estimator)
    coefficients = pd.DataFrame({
        "model": model,
        "term": names,
        "estimate": estimate,
        "se": se,
        "t": t,
        "p": [_p_value(v, df_inference) for v in t],
        "ci_low": estimate - quantile * se,
        "ci_high": estimate + quantile * se,
        "distribution": distribution,
        "cov_type": covariance.kind,
        "cov_options": options,
        "n_obs": int(fitted.nobs),
        "n_entities": n_entities,
        "n_periods": n_periods,
        **r2,
    })
    notes = [n for n in (extra_note, panel.note) if n]
    smallest = float(np.linalg.eigvalsh((covariance_matrix + covariance_matrix.T) / 2).min())
    if smallest < 0:
        negative = [name for name, v in zip(names, variances, strict=True) if v < 0]
        notes.append(f"the covariance matrix is not positive semi-definite (smallest eigenvalue {smallest:.3e})"
                     + (f"; negative variance for {negative}: SE, t, p and CI are NaN" if negative else "")
                     + " (two-way clustering subtracts the heteroskedasticity-robust part; no eigenvalue fix-up"
                     " is applied)")
    if covariance.kind == "clustered" and covariance.clusters == "entity_time":
        notes.append(f"two-way clustering with only {len(panel.elections)} election clusters: the variance "
                     "estimate is itself imprecise; inference uses t(G-1) with G the fewer clusters")
    if any(ELECTIONS[e][1] != "tk" for e in panel.elections):
        notes.append("includes a European Parliament election (kind 'ep'): another type of election")
    info = ModelInfo(
        model=model, estimator=estimator, dependent=dependent, terms=tuple(names),
        entity_effects=entity_effects, time_effects=time_effects, cov_type=covariance.kind, cov_options=options,
        n_obs=int(fitted.nobs), n_entities=n_entities, n_periods=n_periods, df_resid=int(fitted.df_resid),
        df_inference=df_inference, elections=panel.elections, reference_election=panel.reference_election,
        above_one=panel.above_one, note=" | ".join(notes), **r2,
    )
    cov = pd.DataFrame(covariance_matrix, index=names, columns=names)
    residuals = _residuals(panel, fitted, estimator)
    return PanelModelResult(coefficients=coefficients, info=info, params=fitted.params.astype(float), cov=cov,
                            residuals=residuals)


def _r2(fitted) -> dict[str, float]:
    values = {"r2": float(fitted.rsquared)}
    for name in ("within", "between", "overall"):
        value = getattr(fitted, f"rsquared_{name}", None)
        values[f"r2_{name}"] = float(value) if value is not None else float("nan")
    return values


def _residuals(panel: BalancedPanel, fitted, estimator: str) -> pd.DataFrame:
    if estimator == "PanelOLS":
        series = fitted.idiosyncratic["idiosyncratic"]
    elif estimator == "RandomEffects":
        series = fitted.idiosyncratic["idiosyncratic"]
    else:
        series = fitted.resids
    frame = series.rename("residual").reset_index()
    frame.columns = ["code", "year", "residual"]
    frame["code"] = frame["code"].astype(str)
    year_to_election = {ELECTIONS[e][0]: e for e in panel.elections}
    frame.insert(1, "election", frame["year"].map(year_to_election))
    return frame.sort_values(["code", "year"], kind="stable").reset_index(drop=True)
