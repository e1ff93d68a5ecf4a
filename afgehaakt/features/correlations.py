"""Correlations of the indicators with turnout and the outsider vote, with confidence intervals.

The Atlas reports correlation tables; here each coefficient comes with its n, a 95% confidence interval (Fisher's
z transformation for Pearson's r; for Spearman's rho the same transformation with the Bonett-Wright standard
error) and a two-sided p-value. Municipalities are the units, unweighted, as in the Atlas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def correlation_table(table: pd.DataFrame, indicators: list[str], outcomes: list[str], *,
                      confidence: float = 0.95) -> pd.DataFrame:
    rows = []
    for outcome in outcomes:
        for indicator in indicators:
            pair = table[[indicator, outcome]].dropna()
            n = len(pair)
            for method in ("pearson", "spearman"):
                estimate, p_value = _coefficient(pair[indicator], pair[outcome], method)
                low, high = _interval(estimate, n, method, confidence)
                rows.append({
                    "outcome": outcome, "indicator": indicator, "method": method, "n": n,
                    "estimate": estimate, "ci_low": low, "ci_high": high, "confidence": confidence,
                    "p_value": p_value, "alternative": "two-sided", "excluded_missing": len(table) - n,
                })
    return pd.DataFrame(rows)


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
