"""Stacked disadvantage: how many domains of disadvantage pile up, at municipal and at individual level.

The Atlas van afgehaakt Nederland counts disadvantage across education, income and health. The same idea is
measured three ways here, each a named variant: the number of domains in which a municipality falls in the worst
quartile; the equal-weight mean of oriented z-scores; and the first principal component of the oriented z-scores.
Orientation makes higher always mean worse. For survey respondents the domains are individual flags (low
education, low income, poor health) and :func:`count_domains` counts them with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class Domain:
    """A domain of disadvantage measured by one indicator; ``worse`` says which direction is disadvantage."""

    name: str
    indicator: str
    worse: Literal["high", "low"]


@dataclass(frozen=True)
class StackedDisadvantage:
    """Per-municipality indices and the statistics that describe them."""

    table: pd.DataFrame
    loadings: pd.DataFrame
    explained_variance_ratio: float
    cronbach_alpha: float
    rank_correlations: pd.DataFrame
    quantile: float

    def summary(self) -> dict:
        return {
            "domains": self.loadings["domain"].tolist(),
            "worst_quantile": self.quantile,
            "cronbach_alpha": round(self.cronbach_alpha, 6),
            "pc1_explained_variance_ratio": round(self.explained_variance_ratio, 6),
            "pc1_loadings": dict(zip(self.loadings["domain"], self.loadings["loading"].round(6), strict=True)),
            "spearman": {
                f"{a}~{b}": round(float(self.rank_correlations.loc[a, b]), 6)
                for i, a in enumerate(self.rank_correlations.index)
                for b in self.rank_correlations.columns[i + 1 :]
            },
        }


def oriented(values: pd.Series, worse: Literal["high", "low"]) -> pd.Series:
    """The values with their sign turned so that higher always means more disadvantage."""
    if worse not in ("high", "low"):
        raise ValueError(f"worse must be 'high' or 'low', not {worse!r}")
    return values if worse == "high" else -values


def count_domains(flags: pd.DataFrame) -> pd.Series:
    """Number of domains flagged as disadvantaged per row (0 to the number of domains); NA if any flag is NA."""
    counts = flags.astype("boolean").sum(axis=1, skipna=True).astype("Int64")
    return counts.mask(flags.isna().any(axis=1))


def worst_quantile_flags(table: pd.DataFrame, domains: list[Domain], *, quantile: float = 0.25) -> pd.DataFrame:
    """For each domain, whether the unit is in the worst ``quantile`` (ties at the cut-off count as worst)."""
    flags = {}
    for domain in domains:
        values = oriented(table[domain.indicator].astype(float), domain.worse)
        cut = values.quantile(1 - quantile)
        flags[domain.name] = (values >= cut).astype("boolean").mask(values.isna())
    return pd.DataFrame(flags, index=table.index)


def cronbach_alpha(items: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the sum), on complete rows."""
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2:
        raise ValueError("Cronbach's alpha needs at least two items")
    item_variance = complete.var(axis=0, ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_variance / total_variance))


def stacked_disadvantage(table: pd.DataFrame, domains: list[Domain], *, quantile: float = 0.25) -> StackedDisadvantage:
    """The three variants for every row of ``table`` (which needs ``code`` and each domain's indicator).

    Rows with a missing domain value get NA in every variant (they are counted in the data-quality report);
    z-scores, quartiles and the principal component are computed on the complete rows.
    """
    if len(domains) < 2:
        raise ValueError("stacked disadvantage needs at least two domains")
    z = pd.DataFrame(
        {d.name: stats.zscore(oriented(table[d.indicator].astype(float), d.worse), nan_policy="omit")
         for d in domains},
        index=table.index,
    )
    complete = z.notna().all(axis=1)
    flags = worst_quantile_flags(table.loc[complete], domains, quantile=quantile).reindex(table.index)
    loadings, ratio, scores = _first_component(z.loc[complete])
    result = pd.DataFrame({"code": table["code"]})
    result["domains_worst_quartile"] = count_domains(flags)
    for domain in domains:
        result[f"worst_quartile_{domain.name}"] = flags[domain.name]
        result[f"z_{domain.name}"] = z[domain.name]
    result["mean_z"] = z.mean(axis=1).where(complete)
    result["pc1"] = scores.reindex(table.index)
    variants = result.loc[complete, ["domains_worst_quartile", "mean_z", "pc1"]].astype(float)
    rank = variants.corr(method="spearman")
    return StackedDisadvantage(
        table=result,
        loadings=pd.DataFrame({"domain": [d.name for d in domains], "indicator": [d.indicator for d in domains],
                               "loading": loadings}),
        explained_variance_ratio=ratio,
        cronbach_alpha=cronbach_alpha(z.loc[complete]),
        rank_correlations=rank,
        quantile=quantile,
    )


def _first_component(z: pd.DataFrame) -> tuple[np.ndarray, float, pd.Series]:
    """Loadings (unit eigenvector of the correlation matrix), explained share, scores; higher score = worse."""
    standardised = (z - z.mean()) / z.std(ddof=1)
    correlation = np.corrcoef(standardised.to_numpy(), rowvar=False)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    vector = eigenvectors[:, -1]
    # The sign of an eigenvector is arbitrary; fix it so that the component grows with disadvantage.
    if vector.sum() < 0:
        vector = -vector
    scores = pd.Series(standardised.to_numpy() @ vector, index=z.index)
    return vector, float(eigenvalues[-1] / eigenvalues.sum()), scores
