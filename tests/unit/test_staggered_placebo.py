"""Placebos for the staggered design: permuted treatment dates and a pre-period placebo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models.staggered import callaway_santanna, prepare_staggered_panel
from afgehaakt.models.staggered.placebo import permuted_dates_placebo, pre_period_placebo
from afgehaakt.models.staggered.simulate import StaggeredDesign, simulate_staggered_panel

MPDTA = Path(__file__).resolve().parents[1] / "fixtures" / "did" / "mpdta.csv"


@pytest.fixture(scope="module")
def mpdta():
    data = pd.read_csv(MPDTA)
    return prepare_staggered_panel(data, unit="countyreal", period="year", cohort="first.treat", outcome="lemp")


def test_permutation_placebo_is_seeded_and_places_the_real_estimate(mpdta):
    first = permuted_dates_placebo(mpdta, n_permutations=40, seed=7)
    again = permuted_dates_placebo(mpdta, n_permutations=40, seed=7)
    other = permuted_dates_placebo(mpdta, n_permutations=40, seed=8)
    np.testing.assert_array_equal(first.placebo_estimates, again.placebo_estimates)
    assert not np.array_equal(first.placebo_estimates, other.placebo_estimates)
    assert first.real_estimate == pytest.approx(callaway_santanna(mpdta).overall.estimate, abs=1e-12)
    exceed = np.sum(np.abs(first.placebo_estimates) >= abs(first.real_estimate))
    assert first.p_value == (1 + exceed) / 41
    # Dates carry no information after permutation: the placebo estimates centre near zero, far tighter than the
    # real minimum-wage effect (-0.040) is from zero.
    assert abs(np.mean(first.placebo_estimates)) < 0.01
    summary = first.summary()
    assert summary["seed"] == 7 and summary["n_permutations"] == 40 and "two-sided" in summary["alternative"]


def test_permutation_keeps_the_distribution_of_dates(mpdta):
    rng = np.random.default_rng(3)
    cohorts = mpdta.unit_cohorts
    shuffled = pd.Series(rng.permutation(cohorts.to_numpy()), index=cohorts.index)
    permuted = mpdta.with_cohorts(shuffled)
    assert permuted.unit_cohorts.value_counts().equals(cohorts.value_counts())
    assert permuted.frame["y"].equals(mpdta.frame["y"])


def test_pre_period_placebo_window_on_mpdta(mpdta):
    placebo = pre_period_placebo(mpdta, cutoff=2006, shift=1)
    # Window 2003-2005; the 2004 cohort (treated inside it) is dropped; the 2006 cohort pretends 2005; the 2007
    # cohort would pretend 2006, outside the window, so it stays untreated there.
    assert placebo.result.inference.periods == (2003, 2004, 2005)
    assert placebo.n_units_dropped_treated_before_cutoff == int((mpdta.unit_cohorts == 2004).sum())
    assert placebo.n_units_placebo_treated == int((mpdta.unit_cohorts == 2006).sum())
    assert placebo.result.inference.cohorts == (2005,)


def test_pre_period_placebo_finds_nothing_without_pre_trends_and_detects_anticipation():
    design = StaggeredDesign(n_units=1500, n_periods=6)
    data = simulate_staggered_panel(design, np.random.default_rng(11))
    clean = prepare_staggered_panel(data, unit="unit", period="period", cohort="cohort", outcome="y")
    null = pre_period_placebo(clean, cutoff=4, shift=1).result.overall
    assert abs(null.estimate / null.std_error) < 3

    # Anticipation: treated units move by +0.5 in the period before their date, a violation of no anticipation.
    anticipating = data.assign(y=data["y"] + 0.5 * ((data["cohort"] > 0) & (data["period"] == data["cohort"] - 1)))
    shifted = prepare_staggered_panel(anticipating, unit="unit", period="period", cohort="cohort", outcome="y")
    found = pre_period_placebo(shifted, cutoff=4, shift=1).result.overall
    assert found.estimate / found.std_error > 4


def test_placebo_arguments_are_checked(mpdta):
    with pytest.raises(ValueError, match="n_permutations"):
        permuted_dates_placebo(mpdta, n_permutations=0, seed=1)
    with pytest.raises(ValueError, match="fewer than two periods"):
        pre_period_placebo(mpdta, cutoff=2004, shift=1)
    with pytest.raises(ValueError, match="shift"):
        pre_period_placebo(mpdta, cutoff=2006, shift=0)
