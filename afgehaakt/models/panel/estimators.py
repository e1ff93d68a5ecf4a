"""The panel estimators through linearmodels (two-way FE, RE, FD, the covariate gradient) and the model suite."""

from __future__ import annotations

import numpy as np
import pandas as pd
from linearmodels.panel import FirstDifferenceOLS, PanelOLS, RandomEffects
from scipy import stats

from afgehaakt.models.panel.covariance import Covariance
from afgehaakt.models.panel.data import ELECTIONS, OUTCOMES, BalancedPanel
from afgehaakt.models.panel.results import GradientResult, ModelInfo, PanelModelResult, PanelSuite
from afgehaakt.models.panel.tests import gradient_tests, hausman_test

CI_LEVEL = 0.95


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


def _check_dependent(panel: BalancedPanel, dependent: str) -> None:
    if dependent not in OUTCOMES:
        raise ValueError(f"dependent must be one of {OUTCOMES}, not {dependent!r}")


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
