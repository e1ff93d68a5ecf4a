"""Ordinary least squares for the spatial diagnostics: coefficients and residuals aligned with a graph."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.values import aligned_frame, aligned_values

INTERCEPT = "(Intercept)"


@dataclass(frozen=True)
class OlsFit:
    """An OLS fit with an intercept, in the order of the graph's units."""

    outcome: str
    design: pd.DataFrame
    coefficients: pd.Series
    residuals: pd.Series
    fitted: pd.Series

    @property
    def covariates(self) -> tuple[str, ...]:
        return tuple(c for c in self.design.columns if c != INTERCEPT)


def fit_ols(outcome: pd.Series, covariates: pd.DataFrame, graph: Graph) -> OlsFit:
    """Regress ``outcome`` on an intercept and the columns of ``covariates`` (both indexed by unit code)."""
    y = aligned_values(outcome, graph)
    design = aligned_frame(covariates, graph)
    design.insert(0, INTERCEPT, 1.0)
    if np.linalg.matrix_rank(design.to_numpy()) < design.shape[1]:
        raise ValueError(f"the covariates {list(covariates.columns)} are collinear with each other or the intercept")
    beta, *_ = np.linalg.lstsq(design.to_numpy(), y, rcond=None)
    fitted = design.to_numpy() @ beta
    index = design.index
    return OlsFit(
        outcome=str(outcome.name),
        design=design,
        coefficients=pd.Series(beta, index=design.columns, name="estimate"),
        residuals=pd.Series(y - fitted, index=index, name=f"{outcome.name}_residual"),
        fitted=pd.Series(fitted, index=index, name=f"{outcome.name}_fitted"),
    )
