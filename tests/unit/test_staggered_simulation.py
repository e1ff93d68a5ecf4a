"""Simulated panels with a known staggered, heterogeneous effect (afgehaakt.models.staggered.simulate).

Design (``StaggeredDesign()``): 200 units, 6 periods, cohorts 3, 4, 6 and never treated drawn with probabilities
0.2, 0.2, 0.2, 0.4; effect of cohort g at event time e >= 0 is level_g + 0.5 e with levels 1.0, 0.5, -0.25; unit
effects, a common trend and AR(1) noise (rho 0.5) within unit. Parallel trends hold by construction.

Measured with seed 20261208 (200 replicates, ``test_coverage_of_the_robust_estimators``, about 40 s of CPU):
coverage of the nominal 95% interval for the overall (simple) ATT 0.960 for Callaway-Sant'Anna and 0.955 for
Sun-Abraham; for the CS event-time effects e = 0, 1, 2, 3: 0.950, 0.960, 0.960, 0.975; mean CS overall estimate
1.2098 against the true 1.2188. On the single large draw (3,000 units) CS and SA give 1.155 (SE 0.038 and 0.035)
against the true 1.219, while naive TWFE gives 0.773 (SE 0.032): its bias under dynamic, cohort-specific effects.
The acceptance band for 200 replicates is [0.90, 0.99] (about three binomial standard deviations around 0.95).
"""

from __future__ import annotations

import numpy as np
import pytest

from afgehaakt.models.staggered import callaway_santanna, prepare_staggered_panel, sun_abraham, twfe
from afgehaakt.models.staggered.simulate import (
    StaggeredDesign,
    simulate_staggered_panel,
    true_event_time_effects,
    true_overall_effect,
)

SEED = 20261208
REPLICATES = 200


def _panel(design, rng):
    data = simulate_staggered_panel(design, rng)
    return prepare_staggered_panel(data, unit="unit", period="period", cohort="cohort", outcome="y")


def test_true_effects_of_the_design():
    design = StaggeredDesign()
    truth = true_event_time_effects(design)
    # e = 0: (0.2 * 1.0 + 0.2 * 0.5 + 0.2 * -0.25) / 0.6
    assert truth[0] == pytest.approx(0.25 / 0.6)
    assert truth[3] == pytest.approx(2.5)  # only cohort 3 reaches e = 3: 1.0 + 0.5 * 3
    assert true_overall_effect(design) == pytest.approx(0.2 * (7.0 + 3.0 - 0.25) / (0.2 * 4 + 0.2 * 3 + 0.2 * 1))


def test_large_draw_recovers_effects_and_twfe_does_not():
    design = StaggeredDesign(n_units=3000)
    panel = _panel(design, np.random.default_rng(SEED))
    truth = true_event_time_effects(design)
    overall = true_overall_effect(design)
    for result in (callaway_santanna(panel), sun_abraham(panel)):
        post = result.event_time[result.event_time["event_time"] >= 0].set_index("event_time")
        z = (post["estimate"] - truth.reindex(post.index)) / post["std_error"]
        assert np.all(np.abs(z) < 4), z
        assert abs(result.overall.estimate - overall) < 4 * result.overall.std_error
        assert result.pretrend.p_value > 0.001
    naive = twfe(panel).overall
    assert abs(naive.estimate - overall) > 4 * naive.std_error  # the known TWFE bias under dynamic effects


def test_no_effect_gives_null_estimates():
    design = StaggeredDesign(n_units=400, cohort_levels=((3, 0.0), (4, 0.0), (6, 0.0)), slope=0.0)
    panel = _panel(design, np.random.default_rng(SEED + 1))
    for result in (callaway_santanna(panel), callaway_santanna(panel, control_group="not_yet"), sun_abraham(panel)):
        assert abs(result.overall.estimate / result.overall.std_error) < 3


@pytest.mark.slow
def test_coverage_of_the_robust_estimators():
    design = StaggeredDesign()
    rng = np.random.default_rng(SEED)
    truth = true_event_time_effects(design)
    overall = true_overall_effect(design)
    covered = {"cs": [], "sa": []}
    event_covered = []
    estimates = []
    for _ in range(REPLICATES):
        panel = _panel(design, rng)
        cs, sa = callaway_santanna(panel), sun_abraham(panel)
        for name, result in (("cs", cs), ("sa", sa)):
            covered[name].append(result.overall.ci_low <= overall <= result.overall.ci_high)
        post = cs.event_time[cs.event_time["event_time"].between(0, 3)].set_index("event_time")
        event_covered.append(((post["ci_low"] <= truth[post.index]) & (truth[post.index] <= post["ci_high"])).to_numpy())
        estimates.append(cs.overall.estimate)
    coverage = {name: float(np.mean(hits)) for name, hits in covered.items()}
    event_coverage = np.mean(np.array(event_covered), axis=0)
    message = (f"overall coverage {coverage}, CS event-time coverage {event_coverage}, "
               f"mean CS estimate {np.mean(estimates):.4f} (true {overall:.4f})")
    print(message)  # the measured coverage, reported in the module docstring
    assert all(0.90 <= c <= 0.99 for c in coverage.values()), message
    assert np.all((event_coverage >= 0.90) & (event_coverage <= 0.99)), message
    assert abs(np.mean(estimates) - overall) < 3 * np.std(estimates) / np.sqrt(REPLICATES), message
