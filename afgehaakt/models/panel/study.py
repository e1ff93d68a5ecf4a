"""The workflow's panel study: every configured outcome through the model suite, as tidy tables (orchestration)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from libpysal.graph import Graph

from afgehaakt.models.panel.covariance import Covariance
from afgehaakt.models.panel.data import BalancedPanel
from afgehaakt.models.panel.estimators import fit_panel_suite
from afgehaakt.models.panel.results import PanelSuite
from afgehaakt.models.panel.spatial import panel_moran_table


@dataclass(frozen=True)
class PanelAnalysis:
    suites: dict[str, PanelSuite]
    coefficients: pd.DataFrame
    info: pd.DataFrame
    gradient: pd.DataFrame
    tests: pd.DataFrame
    moran: pd.DataFrame


def panel_analysis(panel: BalancedPanel, graph: Graph, *, outcomes: list[str], covariate: str,
                   time_varying: list[str], clusters: str, weights_name: str, island_policy: str,
                   permutations: int, seed: int, alternative: str) -> PanelAnalysis:
    """Fit the suite for each outcome under clustered errors and run the spatial diagnostics of the panel."""
    covariance = Covariance(clusters=clusters)
    suites = {o: fit_panel_suite(panel, o, covariate=covariate, terms=time_varying, covariance=covariance)
              for o in outcomes}
    tests = []
    for outcome, suite in suites.items():
        tests.append(suite.gradient.tests_table().assign(outcome=outcome, test="wald"))
        tests.append(pd.DataFrame([suite.hausman.as_row()]).assign(outcome=outcome, test="hausman"))
    gradient = pd.concat(
        [suite.gradient.gradient.assign(outcome=o) for o, suite in suites.items()]
        + [suite.levels.assign(outcome=o) for o, suite in suites.items()],
        ignore_index=True,
    )
    shared = {"weights_name": weights_name, "island_policy": island_policy, "permutations": permutations,
              "seed": seed, "alternative": alternative}
    # Each call also tests the changes between elections; keep those once, and every outcome's residuals.
    tables = [panel_moran_table(panel, graph, fixed_effects=suites[o].gradient.model, **shared) for o in outcomes]
    moran = pd.concat([tables[0]] + [t[t["quantity"] == "residual"] for t in tables[1:]], ignore_index=True)
    return PanelAnalysis(
        suites=suites,
        coefficients=pd.concat([s.coefficients().assign(outcome=o) for o, s in suites.items()], ignore_index=True),
        info=pd.concat([s.info().assign(outcome=o) for o, s in suites.items()], ignore_index=True),
        gradient=gradient,
        tests=pd.concat(tests, ignore_index=True),
        moran=moran,
    )
