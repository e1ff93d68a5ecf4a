"""Placebo checks for a staggered design: permuted treatment dates and a placebo in the pre-treatment periods.

* :func:`permuted_dates_placebo` reassigns the observed cohorts (treatment dates, never-treated included) to
  units at random, ``n_permutations`` times with a seeded generator, and re-estimates the Callaway-Sant'Anna
  simple ATT each time. The spread of these placebo estimates shows what the estimator returns when dates carry
  no information; the real estimate is placed in it with a two-sided permutation p-value
  ``(1 + #{|placebo| >= |real|}) / (1 + n_permutations)``. Merger dates were not assigned at random, so this is a
  placebo distribution (how unusual is the real estimate among arbitrary dates), not a design-based test.
* :func:`pre_period_placebo` keeps only periods before ``cutoff`` and units not yet treated by then, and
  pretends each unit treated from ``cutoff`` on was treated ``shift`` periods earlier. All its outcomes are
  pre-treatment, so a non-zero placebo ATT signals diverging trends (or anticipation) before the real dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from afgehaakt.models.staggered.data import NEVER_TREATED, StaggeredPanel
from afgehaakt.models.staggered.estimators import ControlGroup, callaway_santanna, callaway_santanna_point
from afgehaakt.models.staggered.results import StaggeredResult


@dataclass(frozen=True)
class PermutationPlacebo:
    """Placebo estimates under permuted dates beside the real estimate."""

    real_estimate: float
    placebo_estimates: np.ndarray
    p_value: float
    seed: int
    control_group: str

    @property
    def n_permutations(self) -> int:
        return len(self.placebo_estimates)

    def summary(self) -> dict:
        draws = self.placebo_estimates
        return {
            "real_estimate": self.real_estimate,
            "n_permutations": self.n_permutations,
            "placebo_mean": float(np.mean(draws)),
            "placebo_sd": float(np.std(draws, ddof=1)),
            "placebo_q025": float(np.quantile(draws, 0.025)),
            "placebo_q975": float(np.quantile(draws, 0.975)),
            "permutation_p_value": self.p_value,
            "alternative": "two-sided (|placebo| >= |real|)",
            "seed": self.seed,
            "control_group": self.control_group,
        }


def permuted_dates_placebo(panel: StaggeredPanel, *, n_permutations: int, seed: int,
                           control_group: ControlGroup = "never") -> PermutationPlacebo:
    """Callaway-Sant'Anna simple ATT under ``n_permutations`` random reassignments of the cohorts to units."""
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be at least 1, got {n_permutations}")
    rng = np.random.default_rng(seed)
    real = callaway_santanna_point(panel, control_group=control_group)
    cohorts = panel.unit_cohorts
    draws = np.empty(n_permutations)
    for draw in range(n_permutations):
        shuffled = pd.Series(rng.permutation(cohorts.to_numpy()), index=cohorts.index)
        draws[draw] = callaway_santanna_point(panel.with_cohorts(shuffled), control_group=control_group)
    exceed = np.sum(np.abs(draws) >= abs(real))
    return PermutationPlacebo(real_estimate=real, placebo_estimates=draws,
                              p_value=float((1 + exceed) / (1 + n_permutations)), seed=seed,
                              control_group=control_group)


@dataclass(frozen=True)
class PrePeriodPlacebo:
    """The placebo estimate, its design and the units it used."""

    result: StaggeredResult
    cutoff: int
    shift: int
    n_units_dropped_treated_before_cutoff: int
    n_units_placebo_treated: int


def pre_period_placebo(panel: StaggeredPanel, *, cutoff: int, shift: int,
                       control_group: ControlGroup = "never", alpha: float = 0.05) -> PrePeriodPlacebo:
    """Callaway-Sant'Anna on periods before ``cutoff`` with every later date moved ``shift`` periods earlier.

    Units treated before ``cutoff`` are dropped (they are treated inside the window). A unit with real cohort
    ``g >= cutoff`` gets the placebo cohort ``g - shift`` when that falls inside the window after its first
    period; otherwise it stays untreated in the window (a not-yet-treated control).
    """
    if shift < 1:
        raise ValueError(f"shift must be at least 1, got {shift}")
    periods = tuple(p for p in panel.periods if p < cutoff)
    if len(periods) < 2:
        raise ValueError(f"cutoff {cutoff} leaves fewer than two periods before it")
    cohorts = panel.unit_cohorts
    treated_before = (cohorts != NEVER_TREATED) & (cohorts < cutoff)
    kept = cohorts[~treated_before]
    placebo = kept - shift
    in_window = (kept != NEVER_TREATED) & (placebo > periods[0]) & (placebo < cutoff)
    placebo_cohorts = pd.Series(np.where(in_window, placebo, NEVER_TREATED), index=kept.index)
    window = panel.restricted(units=kept.index, periods=periods).with_cohorts(placebo_cohorts)
    if window.n_treated_units == 0:
        raise ValueError(f"no unit gets a placebo date inside the window before period {cutoff} (shift {shift})")
    result = callaway_santanna(window, control_group=control_group, alpha=alpha)
    return PrePeriodPlacebo(result=result, cutoff=cutoff, shift=shift,
                            n_units_dropped_treated_before_cutoff=int(treated_before.sum()),
                            n_units_placebo_treated=int(in_window.sum()))
