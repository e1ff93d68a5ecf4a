"""Multiscale geographically weighted regression (MGWR; Fotheringham, Yang and Kang 2017) with PySAL's ``mgwr``.

Does the relation of an outcome with education, income, age and urbanity vary across the country, and at which
scale? MGWR gives every covariate its own bandwidth (the number of nearest municipalities in its adaptive
bisquare kernel, selected by AICc with back-fitting), so a covariate with a bandwidth near n acts globally and one
with a small bandwidth locally. As the package prescribes (Oshan et al. 2019, ISPRS Int. J. Geo-Inf. 8: 269):

- the outcome and the covariates are standardised (mean 0, SD 1 with divisor n), so bandwidths are comparable;
- a local estimate is significant when |t| exceeds the critical value (t with n - 1 df) at the covariate's
  *adjusted* alpha = alpha / ENP_j, ENP_j its effective number of parameters (da Silva and Fotheringham 2016;
  ``MGWRResults.adj_alpha_j`` and ``critical_tval()``), not at the nominal 0.05;
- the global model (OLS on the same standardised variables) is compared by AICc with the same formula as
  ``mgwr.diagnostics.get_AICc``: -2 log L + 2 n (k + 1) / (n - k - 2), k = number of coefficients.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from mgwr.gwr import MGWR
from mgwr.sel_bw import Sel_BW
from scipy import stats

from afgehaakt.spatial.ols import INTERCEPT


@dataclass(frozen=True)
class MgwrResult:
    """Bandwidths and adjusted significance per term, local estimates per unit and term, and the AICc comparison."""

    bandwidths: pd.DataFrame
    local: pd.DataFrame
    comparison: pd.DataFrame


_MGWR_BACKFITTING_MINIMUM = 44
"""mgwr's default lower bound of a term's bandwidth in back-fitting (40 + 2 x 2: one term and its smoother)."""


def standardise(values: np.ndarray) -> np.ndarray:
    """Columns to mean 0 and SD 1 (divisor n), as in mgwr's documentation and tests."""
    values = np.asarray(values, dtype=float)
    sd = values.std(axis=0)
    if np.any(sd == 0):
        raise ValueError("a variable without variation cannot be standardised")
    return (values - values.mean(axis=0)) / sd


def fit_mgwr(outcome: pd.Series, covariates: pd.DataFrame, centroids: pd.DataFrame, *, alpha: float = 0.05,
             bandwidth_min: int | None = None) -> MgwrResult:
    """MGWR of ``outcome`` on ``covariates`` (both indexed by code) at the ``centroids`` (x, y in metres).

    Bandwidths are searched between ``bandwidth_min`` (None: mgwr's own default, 40 + 2 x the number of terms
    smoothed together, 44 in back-fitting) and n nearest units; a term whose bandwidth lands on the lower bound is
    flagged (``at_lower_bound``): its optimum may be more local still.
    """
    codes = outcome.index
    frame = covariates.loc[codes]
    if outcome.isna().any() or frame.isna().any().any():
        raise ValueError(f"{outcome.name}: MGWR needs complete data (drop or fill missing units first)")
    missing = sorted(set(codes) - set(centroids.index))
    if missing:
        raise ValueError(f"no centroid for {missing[:5]}")
    coords = centroids.loc[codes, ["x", "y"]].to_numpy(dtype=float)
    y = standardise(outcome.to_numpy()[:, None])
    x = standardise(frame.to_numpy())
    with contextlib.redirect_stderr(io.StringIO()):  # mgwr draws tqdm progress bars on stderr
        selector = Sel_BW(coords, y, x, multi=True, constant=True)
        bounds = {} if bandwidth_min is None else {"multi_bw_min": [bandwidth_min]}
        bandwidths = selector.search(verbose=False, **bounds)
        result = MGWR(coords, y, x, selector=selector, constant=True).fit()
    terms = [INTERCEPT, *frame.columns]
    lower_bound = bandwidth_min if bandwidth_min is not None else _MGWR_BACKFITTING_MINIMUM
    # da Silva and Fotheringham (2016): alpha / ENP_j per covariate, as mgwr's adj_alpha_j and critical_tval().
    adjusted = alpha / np.asarray(result.ENP_j, dtype=float)
    critical = stats.t.ppf(1.0 - adjusted / 2.0, len(codes) - 1)
    significant = np.abs(result.tvalues) > critical
    band = pd.DataFrame({"outcome": str(outcome.name), "term": terms, "bandwidth": np.asarray(bandwidths),
                         "enp": np.asarray(result.ENP_j), "adjusted_alpha": adjusted, "critical_t": critical,
                         "significant_units": significant.sum(axis=0), "n": len(codes),
                         "bandwidth_min": lower_bound,
                         "at_lower_bound": np.asarray(bandwidths) <= lower_bound,
                         "mean_estimate": result.params.mean(axis=0), "min_estimate": result.params.min(axis=0),
                         "max_estimate": result.params.max(axis=0), "nominal_alpha": alpha,
                         "kernel": "adaptive bisquare", "criterion": "AICc"})
    local = pd.concat([pd.DataFrame({"outcome": str(outcome.name), "code": codes.astype(str), "term": term,
                                     "estimate": result.params[:, k], "se": result.bse[:, k],
                                     "t": result.tvalues[:, k], "significant": significant[:, k]})
                       for k, term in enumerate(terms)], ignore_index=True)
    comparison = pd.DataFrame([
        {"outcome": str(outcome.name), "model": "global (OLS)", **_global_fit(y, x)},
        {"outcome": str(outcome.name), "model": "MGWR", "aicc": float(result.aicc), "r2": float(result.R2),
         "adj_r2": float(result.adj_R2), "resid_ss": float(result.resid_ss), "enp": float(result.ENP)},
    ]).assign(n=len(codes), standardised=True)
    return MgwrResult(band, local, comparison)


def _global_fit(y: np.ndarray, x: np.ndarray) -> dict:
    n = len(y)
    design = np.column_stack([np.ones(n), x])
    beta, *_ = np.linalg.lstsq(design, y[:, 0], rcond=None)
    resid_ss = float(np.sum((y[:, 0] - design @ beta) ** 2))
    k = design.shape[1]
    log_likelihood = -0.5 * n * (1.0 + np.log(2.0 * np.pi * resid_ss / n))
    total_ss = float(np.sum((y[:, 0] - y.mean()) ** 2))
    r2 = 1.0 - resid_ss / total_ss
    return {"aicc": float(-2.0 * log_likelihood + 2.0 * n * (k + 1.0) / (n - k - 2.0)), "r2": r2,
            "adj_r2": 1.0 - (1.0 - r2) * (n - 1) / (n - k), "resid_ss": resid_ss, "enp": float(k)}
