"""How much does each candidate explain of an outcome and of its zone? Effect sizes, not only pattern removed.

A drop in residual Moran's I measures how much spatial *pattern* a covariate removes, not how much of the outcome
it explains (a covariate can explain much and leave the pattern, or the reverse). For the base model plus each
candidate, and plus all candidates together, this module reports, unweighted (OLS) and population-weighted (WLS):

- the candidate's standardised coefficient (every variable divided by its unweighted standard deviation across
  municipalities) with its HC3 heteroskedasticity-robust standard error and 95% normal CI;
- the same coefficient from the ML spatial-error model (spreg ``ML_Error``, exact log-determinant, analytical
  standard error; unweighted only, since that model has no case weights);
- the partial R2 of the candidate (share of the base model's residual sum of squares it removes; weighted sums for
  WLS) and the change in adjusted R2;
- the change in the zone's mean residual (the zone is fixed: the units of the base model's significant
  high-residual clusters), with a pairs-bootstrap 95% percentile interval (municipalities resampled, both models
  refitted, residuals of the zone evaluated on the original data; ``numpy.random.default_rng(seed)``);
- the change in residual Moran's I (row-standardised weights; raw residuals y - Xb for both OLS and WLS), with
  the 95% interval of the same change when the candidate's values are randomly permuted across municipalities
  (what a spatially random covariate of the same distribution would remove) and the share of permutations that
  remove at least as much (one-sided p).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import spreg
import statsmodels.api as sm
from libpysal.graph import Graph
from scipy import stats

from afgehaakt.spatial.moran import moran_statistic
from afgehaakt.spatial.regression import quiet_spreg
from afgehaakt.spatial.values import aligned_frame, aligned_values

ALL_CANDIDATES = "(all candidates)"
SORT_CRITERION = "partial R2 of the candidate, unweighted (OLS), descending; all candidates together last"
WEIGHTINGS = ("ols", "wls")


@dataclass(frozen=True)
class _Data:
    y: np.ndarray
    base: np.ndarray  # intercept + standardised base covariates
    candidates: pd.DataFrame  # standardised, graph order
    weights: np.ndarray  # population weights, mean 1
    zone: np.ndarray  # boolean mask
    sparse: object  # row-standardised sparse weights


def candidate_effects(outcome: pd.Series, base_covariates: pd.DataFrame, candidates: pd.DataFrame,
                      population: pd.Series, graph: Graph, *, zone: tuple[str, ...] | list[str], draws: int,
                      seed: int) -> pd.DataFrame:
    """One row per (model, candidate term); measures for OLS and WLS side by side (suffixes ``_ols``, ``_wls``)."""
    if not zone:
        raise ValueError("the zone is empty: the base model has no significant high-residual clusters")
    data = _prepare(outcome, base_covariates, candidates, population, graph, zone)
    models = {name: [name] for name in candidates.columns}
    if len(candidates.columns) > 1:
        models[ALL_CANDIDATES] = list(candidates.columns)
    error_fits = {model: _spatial_error(data, terms, graph) for model, terms in models.items()}
    rows = []
    for number, (model, terms) in enumerate(models.items()):
        measures = {w: _model_measures(data, terms, w, draws=draws, seed=seed + number) for w in WEIGHTINGS}
        for term in terms:
            row = {"model": f"base + {model}" if model != ALL_CANDIDATES else "base + all candidates", "term": term}
            for weighting, measure in measures.items():
                row |= {f"{key}_{weighting}": value for key, value in measure.per_term[term].items()}
                row |= {f"{key}_{weighting}": value for key, value in measure.per_model.items()}
            row |= error_fits[model][term]
            rows.append(row)
    table = pd.DataFrame(rows)
    table["is_all"] = table["model"] == "base + all candidates"
    table = table.sort_values(["is_all", "partial_r2_ols"], ascending=[True, False], kind="stable")
    return table.drop(columns="is_all").reset_index(drop=True).assign(
        outcome=str(outcome.name), zone_units=int(data.zone.sum()), n=len(data.y), bootstrap_draws=draws,
        permutations=draws, seed=seed, standardisation="unweighted SD across municipalities",
        covariance="HC3", sort_criterion=SORT_CRITERION, base_covariates=" + ".join(base_covariates.columns))


@dataclass(frozen=True)
class _Measures:
    per_term: dict[str, dict]
    per_model: dict


def _prepare(outcome, base_covariates, candidates, population, graph, zone) -> _Data:
    y = _standardise(aligned_values(outcome, graph))
    base = aligned_frame(base_covariates, graph).apply(lambda c: _standardise(c.to_numpy()))
    cand = aligned_frame(candidates, graph).apply(lambda c: _standardise(c.to_numpy()))
    weights = aligned_values(population.astype(float), graph)
    if (weights <= 0).any():
        raise ValueError(f"{population.name}: population weights must be positive")
    ids = pd.Index(graph.unique_ids)
    unknown = sorted(set(zone) - set(ids))
    if unknown:
        raise ValueError(f"zone units not in the weights: {unknown}")
    design = np.column_stack([np.ones(len(y)), base.to_numpy()])
    return _Data(y, design, cand, weights / weights.mean(), ids.isin(list(zone)),
                 graph.transform("R").sparse)


def _standardise(values: np.ndarray) -> np.ndarray:
    sd = values.std(ddof=1)
    if sd == 0:
        raise ValueError("a variable without variation cannot be standardised")
    return (values - values.mean()) / sd


def _model_measures(data: _Data, terms: list[str], weighting: str, *, draws: int, seed: int) -> _Measures:
    w = data.weights if weighting == "wls" else np.ones(len(data.y))
    extra = data.candidates[terms].to_numpy()
    full = np.column_stack([data.base, extra])
    fit = sm.WLS(data.y, full, weights=w).fit(cov_type="HC3")
    base_fit = sm.WLS(data.y, data.base, weights=w).fit()
    z = stats.norm.ppf(0.975)
    per_term = {}
    for k, term in enumerate(terms, start=data.base.shape[1]):
        estimate, se = float(fit.params[k]), float(fit.bse[k])
        per_term[term] = {"beta": estimate, "se": se, "ci_low": estimate - z * se, "ci_high": estimate + z * se,
                          "p": float(2 * stats.norm.sf(abs(estimate / se)))}
    base_residual, full_residual = data.y - base_fit.fittedvalues, data.y - fit.fittedvalues
    zone_change = _zone_mean(full_residual, data, w) - _zone_mean(base_residual, data, w)
    boot_low, boot_high = _bootstrap_zone_change(data, extra, w, draws=draws, seed=seed)
    moran_base, moran_full = moran_statistic(np.column_stack([base_residual, full_residual]), data.sparse)
    null_changes = _permuted_moran_change(data, extra, w, moran_base, draws=draws, seed=seed)
    change = float(moran_full - moran_base)
    per_model = {
        "partial_r2": float((base_fit.ssr - fit.ssr) / base_fit.ssr),
        "delta_adj_r2": float(fit.rsquared_adj - base_fit.rsquared_adj),
        "zone_mean_residual_base": _zone_mean(base_residual, data, w),
        "zone_mean_residual_change": zone_change,
        "zone_change_boot_low": boot_low,
        "zone_change_boot_high": boot_high,
        "residual_moran_base": float(moran_base),
        "residual_moran_change": change,
        "moran_change_null_low": float(np.quantile(null_changes, 0.025)),
        "moran_change_null_high": float(np.quantile(null_changes, 0.975)),
        "moran_change_p": float((1 + np.sum(null_changes <= change)) / (1 + len(null_changes))),
    }
    return _Measures(per_term, per_model)


def _zone_mean(residual: np.ndarray, data: _Data, w: np.ndarray) -> float:
    return float(np.average(residual[data.zone], weights=w[data.zone]))


def _wls_coefficients(y: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    root = np.sqrt(w)[:, None]
    return np.linalg.lstsq(x * root, y * root[:, 0], rcond=None)[0]


def _bootstrap_zone_change(data: _Data, extra: np.ndarray, w: np.ndarray, *, draws: int, seed: int
                           ) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    full = np.column_stack([data.base, extra])
    changes = np.empty(draws)
    n = len(data.y)
    for d in range(draws):
        sample = rng.integers(n, size=n)
        base_beta = _wls_coefficients(data.y[sample], data.base[sample], w[sample])
        full_beta = _wls_coefficients(data.y[sample], full[sample], w[sample])
        changes[d] = (_zone_mean(data.y - full @ full_beta, data, w)
                      - _zone_mean(data.y - data.base @ base_beta, data, w))
    return float(np.quantile(changes, 0.025)), float(np.quantile(changes, 0.975))


def _permuted_moran_change(data: _Data, extra: np.ndarray, w: np.ndarray, moran_base: float, *, draws: int,
                           seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1_000_003)  # independent of the bootstrap stream of the same model
    residuals = np.empty((len(data.y), draws))
    for d in range(draws):
        full = np.column_stack([data.base, extra[rng.permutation(len(data.y))]])
        residuals[:, d] = data.y - full @ _wls_coefficients(data.y, full, w)
    return moran_statistic(residuals, data.sparse) - moran_base


def _spatial_error(data: _Data, terms: list[str], graph: Graph) -> dict[str, dict]:
    x = np.column_stack([data.base[:, 1:], data.candidates[terms].to_numpy()])
    w = graph.transform("R").to_W()
    w.transform = "r"
    with quiet_spreg():
        fit = spreg.ML_Error(data.y[:, None], x, w=w, method="full", epsilon=1e-7)
    betas, se = np.ravel(fit.betas), np.sqrt(np.diag(fit.vm))
    z = stats.norm.ppf(0.975)
    out = {}
    for k, term in enumerate(terms, start=data.base.shape[1]):
        out[term] = {"beta_sem": float(betas[k]), "se_sem": float(se[k]), "ci_low_sem": float(betas[k] - z * se[k]),
                     "ci_high_sem": float(betas[k] + z * se[k]), "lambda_sem": float(fit.lam)}
    return out
