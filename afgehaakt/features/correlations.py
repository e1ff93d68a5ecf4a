"""Correlations of the indicators with turnout and the outsider vote, with confidence intervals.

The Atlas reports correlation tables; here each coefficient comes with its n, a 95% confidence interval (Fisher's
z transformation for Pearson's r; for Spearman's rho the same transformation with the Bonett-Wright standard
error) and a two-sided p-value. Municipalities are the units, unweighted, as in the Atlas.

Those intervals treat the municipalities as independent. With their centroids given, every row also carries
Dutilleul's (1993) modified t-test (:mod:`afgehaakt.spatial.dutilleul`): the effective sample size of the pair,
the p-value of F(1, n_eff - 2) and the Fisher-z interval with n_eff in place of n (for Spearman's rho, the same on
the ranks), side by side with the naive ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from afgehaakt.spatial.dutilleul import DEFAULT_CLASSES, modified_t_test


def correlation_table(table: pd.DataFrame, indicators: list[str], outcomes: list[str], *,
                      confidence: float = 0.95, centroids: pd.DataFrame | None = None,
                      n_classes: int = DEFAULT_CLASSES) -> pd.DataFrame:
    """One row per (outcome, indicator, method); ``centroids`` (x, y indexed by code) add Dutilleul's columns."""
    rows = []
    for outcome in outcomes:
        for indicator in indicators:
            pair = table[[indicator, outcome]].dropna()
            n = len(pair)
            for method in ("pearson", "spearman"):
                estimate, p_value = _coefficient(pair[indicator], pair[outcome], method)
                low, high = _interval(estimate, n, method, confidence)
                row = {
                    "outcome": outcome, "indicator": indicator, "method": method, "n": n,
                    "estimate": estimate, "ci_low": low, "ci_high": high, "confidence": confidence,
                    "p_value": p_value, "alternative": "two-sided", "excluded_missing": len(table) - n,
                }
                if centroids is not None:
                    row |= _spatial(pair, indicator, outcome, method, table, centroids, confidence, n_classes)
                rows.append(row)
    return pd.DataFrame(rows)


def _spatial(pair: pd.DataFrame, indicator: str, outcome: str, method: str, table: pd.DataFrame,
             centroids: pd.DataFrame, confidence: float, n_classes: int) -> dict:
    codes = table.loc[pair.index, "code"].astype(str)
    missing = sorted(set(codes) - set(centroids.index))
    if missing:
        raise ValueError(f"no centroid for municipalities {missing[:5]}")
    x, y = pair[indicator].to_numpy(dtype=float), pair[outcome].to_numpy(dtype=float)
    if method == "spearman":
        x, y = stats.rankdata(x), stats.rankdata(y)
    test = modified_t_test(x, y, centroids.loc[codes, ["x", "y"]].to_numpy(), n_classes=n_classes,
                           confidence=confidence)
    return {"effective_n": test.effective_n, "ci_low_dutilleul": test.ci_low, "ci_high_dutilleul": test.ci_high,
            "p_value_dutilleul": test.p_value, "distance_classes": test.n_classes}


def _coefficient(x: pd.Series, y: pd.Series, method: str) -> tuple[float, float]:
    if method == "pearson":
        result = stats.pearsonr(x, y)
    else:
        result = stats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def _interval(estimate: float, n: int, method: str, confidence: float) -> tuple[float, float]:
    if n < 4 or abs(estimate) >= 1:
        return float("nan"), float("nan")
    se = 1 / np.sqrt(n - 3) if method == "pearson" else np.sqrt((1 + estimate**2 / 2) / (n - 3))
    z = np.arctanh(estimate)
    critical = stats.norm.ppf(0.5 + confidence / 2)
    return float(np.tanh(z - critical * se)), float(np.tanh(z + critical * se))
