"""Panels with a known staggered, heterogeneous treatment effect: to check that the estimators recover it.

Outcome ``y_it = a_i + b_t + tau_g(t - g) * 1[t >= g] + e_it`` with unit effects ``a_i ~ N(0, 1)``, a common
period trend ``b_t``, i.i.d. noise and an AR(1) component within unit (so clustering by unit matters). The effect
of cohort ``g`` at event time ``e >= 0`` is ``level_g + slope * e``: it differs across cohorts and grows with time
since treatment, the case in which naive two-way fixed effects is biased (Goodman-Bacon 2021). Parallel trends hold
by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from afgehaakt.models.staggered.data import NEVER_TREATED


@dataclass(frozen=True)
class StaggeredDesign:
    """The design of a simulated panel: ``cohort_shares`` maps cohort (first treated period, 0 = never) to share."""

    n_units: int = 200
    n_periods: int = 6
    cohort_shares: tuple[tuple[int, float], ...] = ((0, 0.4), (3, 0.2), (4, 0.2), (6, 0.2))
    cohort_levels: tuple[tuple[int, float], ...] = ((3, 1.0), (4, 0.5), (6, -0.25))
    slope: float = 0.5
    noise_sd: float = 1.0
    autocorrelation: float = 0.5

    def effect(self, cohort: int, event_time: np.ndarray) -> np.ndarray:
        level = dict(self.cohort_levels)[cohort]
        return np.where(event_time >= 0, level + self.slope * event_time, 0.0)

    def cohort_probabilities(self) -> dict[int, float]:
        total = sum(share for _, share in self.cohort_shares)
        return {cohort: share / total for cohort, share in self.cohort_shares}


def simulate_staggered_panel(design: StaggeredDesign, rng: np.random.Generator) -> pd.DataFrame:
    """One draw: columns ``unit``, ``period`` (1..T), ``cohort``, ``y``, ``true_effect``.

    Cohorts are drawn independently per unit with the design's probabilities (units are a random sample, as the
    estimators' influence functions assume, so the cohort shares vary from draw to draw).
    """
    probabilities = design.cohort_probabilities()
    cohorts = rng.choice(list(probabilities), size=design.n_units, p=list(probabilities.values()))
    periods = np.arange(1, design.n_periods + 1)
    unit_effect = rng.normal(0.0, 1.0, design.n_units)
    period_effect = 0.3 * periods + rng.normal(0.0, 0.2, design.n_periods)
    noise = np.empty((design.n_units, design.n_periods))
    noise[:, 0] = rng.normal(0.0, design.noise_sd, design.n_units)
    innovation_sd = design.noise_sd * np.sqrt(1 - design.autocorrelation**2)
    for t in range(1, design.n_periods):
        noise[:, t] = design.autocorrelation * noise[:, t - 1] + rng.normal(0.0, innovation_sd, design.n_units)
    effect = np.zeros((design.n_units, design.n_periods))
    for cohort in probabilities:
        if cohort == NEVER_TREATED:
            continue
        rows = cohorts == cohort
        effect[rows] = design.effect(cohort, periods - cohort)[None, :]
    y = unit_effect[:, None] + period_effect[None, :] + effect + noise
    return pd.DataFrame({
        "unit": np.repeat(np.arange(design.n_units), design.n_periods),
        "period": np.tile(periods, design.n_units),
        "cohort": np.repeat(cohorts, design.n_periods),
        "y": y.ravel(),
        "true_effect": effect.ravel(),
    })


def true_event_time_effects(design: StaggeredDesign) -> pd.Series:
    """The true event-time effects (cohort-share weighted over the cohorts observed at each event time, e >= 0)."""
    sizes = design.cohort_probabilities()
    rows = []
    for cohort, size in sizes.items():
        if cohort == NEVER_TREATED:
            continue
        events = np.arange(0, design.n_periods - cohort + 1)
        rows += [(e, size, float(design.effect(cohort, np.array([e]))[0])) for e in events]
    table = pd.DataFrame(rows, columns=["event_time", "size", "effect"])
    weighted = table.assign(w=table["size"] * table["effect"]).groupby("event_time")
    return weighted["w"].sum() / weighted["size"].sum()


def true_overall_effect(design: StaggeredDesign) -> float:
    """The true average effect over all treated unit-periods (the estimand of the 'simple' aggregation)."""
    sizes = design.cohort_probabilities()
    total, count = 0.0, 0.0
    for cohort, size in sizes.items():
        if cohort == NEVER_TREATED:
            continue
        events = np.arange(0, design.n_periods - cohort + 1)
        total += size * design.effect(cohort, events).sum()
        count += size * len(events)
    return total / count
