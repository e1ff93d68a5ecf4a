"""Staggered-adoption estimators against published results on the canonical example data ``mpdta``.

Gold standards (see tests/reference/did/README.md):

* Callaway and Sant'Anna (2021), *Journal of Econometrics* 225(2), and the ``did`` vignette "Getting Started with
  the did Package" (mpdta, never-treated controls, no covariates): ATT(2004,2004) = -0.0105, ATT(2004,2006) =
  -0.1373, ATT(2007,2004) = 0.0305, pre-test p = 0.16812, simple ATT = -0.0400, dynamic average -0.0772, group
  average -0.0310 (four decimals as printed);
* the full-precision output of the authors' R package ``did`` 2.5.1 for the same calls with analytic standard
  errors (``bstrap = FALSE``), committed in tests/reference/did/r_did_mpdta_*.csv;
* naive TWFE and the Sun-Abraham saturated regression refitted with base R ``lm`` and a hand-written CRV1
  covariance (tests/reference/did/reference.R -> r_results.json).

Sun and Abraham's interaction-weighted estimator with never-treated controls on a balanced panel without covariates
equals Callaway-Sant'Anna's never-treated event-time estimates after treatment (both are cohort-share weighted
averages of the same 2x2 comparisons with period g-1), so the published CS event-study numbers are also the gold
standard for the SA post-treatment estimates.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models.staggered import callaway_santanna, prepare_staggered_panel, sun_abraham, twfe
from afgehaakt.models.staggered.data import REASON_MISSING_OUTCOME, REASON_TREATED_FROM_START, StaggeredDataError
from afgehaakt.models.staggered.estimators import fit_saturated

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference" / "did"
MPDTA = ROOT / "fixtures" / "did" / "mpdta.csv"

# Published (did vignette / Callaway and Sant'Anna 2021), four decimals.
PUBLISHED_ATT_GT = {(2004, 2004): -0.0105, (2004, 2006): -0.1373, (2007, 2004): 0.0305, (2006, 2007): -0.0412}
PUBLISHED_SIMPLE_ATT = -0.0400
PUBLISHED_DYNAMIC = {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510, 2: -0.1373, 3: -0.1008}
PUBLISHED_PRETEST_P = 0.16812


@pytest.fixture(scope="module")
def mpdta():
    data = pd.read_csv(MPDTA)
    return prepare_staggered_panel(data, unit="countyreal", period="year", cohort="first.treat", outcome="lemp")


@pytest.fixture(scope="module")
def cs_never(mpdta):
    return callaway_santanna(mpdta, control_group="never")


@pytest.fixture(scope="module")
def sa(mpdta):
    return sun_abraham(mpdta)


@pytest.fixture(scope="module")
def r_did():
    return {kind: pd.read_csv(REFERENCE / f"r_did_mpdta_{kind}.csv") for kind in ("attgt", "aggte", "pretest")}


@pytest.fixture(scope="module")
def r_lm():
    return json.loads((REFERENCE / "r_results.json").read_text())


def test_mpdta_is_the_published_panel(mpdta):
    assert mpdta.n_units == 500 and len(mpdta.frame) == 2500
    assert mpdta.cohorts == (2004, 2006, 2007) and mpdta.n_never_treated_units == 309
    assert mpdta.excluded.empty


def test_cs_matches_published_group_time_and_aggregates(cs_never):
    gt = cs_never.group_time.set_index(["cohort", "period"])["estimate"]
    for cell, published in PUBLISHED_ATT_GT.items():
        assert round(gt[cell], 4) == published
    assert round(cs_never.overall.estimate, 4) == PUBLISHED_SIMPLE_ATT
    dynamic = cs_never.event_time.set_index("event_time")["estimate"]
    for event, published in PUBLISHED_DYNAMIC.items():
        assert round(dynamic[event], 4) == published
    assert round(cs_never.pretrend.p_value, 5) == PUBLISHED_PRETEST_P


@pytest.mark.parametrize("control_group, scenario", [("never", "mpdta_nev_dr"), ("not_yet", "mpdta_nyt_dr")])
def test_cs_matches_r_did_to_full_precision(mpdta, r_did, control_group, scenario):
    result = callaway_santanna(mpdta, control_group=control_group)
    reference = r_did["attgt"][r_did["attgt"]["scenario"] == scenario]
    merged = result.group_time.merge(reference, left_on=["cohort", "period"], right_on=["group", "t"])
    assert len(merged) == len(reference) == 12
    np.testing.assert_allclose(merged["estimate"], merged["att"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(merged["std_error"], merged["se"], rtol=1e-8)

    aggte = r_did["aggte"][r_did["aggte"]["scenario"] == scenario]
    simple = aggte[aggte["type"] == "simple"].iloc[0]
    assert result.overall.estimate == pytest.approx(simple["overall_att"], abs=1e-10)
    assert result.overall.std_error == pytest.approx(simple["overall_se"], rel=1e-8)
    dynamic = aggte[aggte["type"] == "dynamic"].merge(result.event_time, left_on="egt", right_on="event_time")
    assert len(dynamic) == 7
    np.testing.assert_allclose(dynamic["estimate"], dynamic["att_egt"], atol=1e-10)
    np.testing.assert_allclose(dynamic["std_error"], dynamic["se_egt"], rtol=1e-8)
    group = aggte[aggte["type"] == "group"].merge(result.by_cohort, left_on="egt", right_on="cohort")
    np.testing.assert_allclose(group["estimate"], group["att_egt"], atol=1e-10)
    np.testing.assert_allclose(group["std_error"], group["se_egt"], rtol=1e-8)

    pretest = r_did["pretest"].set_index("scenario").loc[scenario]
    assert result.pretrend.statistic == pytest.approx(pretest["W"], rel=1e-9)
    assert round(result.pretrend.p_value, 5) == pretest["Wpval"]
    assert result.pretrend.df == 5  # cohorts 2006 (2 pre cells) and 2007 (3)


def test_cs_result_states_its_inference(cs_never):
    inference = cs_never.inference
    assert inference.control_group == "never treated"
    assert "clustered by unit" in inference.standard_errors and "no bootstrap" in inference.standard_errors
    assert (inference.n_units, inference.n_clusters, inference.n_treated_units) == (500, 500, 191)
    assert inference.periods == (2003, 2004, 2005, 2006, 2007) and inference.cohorts == (2004, 2006, 2007)
    assert inference.package.startswith("csdid 0.4.3")
    tidy = cs_never.tidy()
    assert {"estimator", "control_group", "standard_errors", "n_clusters", "pretrend_p_value"} <= set(tidy.columns)
    assert len(tidy) == 1 + len(cs_never.event_time)


def test_sa_post_estimates_equal_published_cs_event_study(sa, cs_never):
    post = sa.event_time[sa.event_time["event_time"] >= 0].set_index("event_time")["estimate"]
    cs_post = cs_never.event_time.set_index("event_time")["estimate"].loc[post.index]
    np.testing.assert_allclose(post, cs_post, atol=1e-10)
    for event in (0, 1, 2, 3):
        assert round(post[event], 4) == PUBLISHED_DYNAMIC[event]
    assert sa.overall.estimate == pytest.approx(cs_never.overall.estimate, abs=1e-10)
    assert round(sa.overall.estimate, 4) == PUBLISHED_SIMPLE_ATT


def test_sa_cells_and_standard_errors_match_r(mpdta, r_lm):
    fit = fit_saturated(mpdta)
    names = list(fit._coefnames)
    estimates = dict(zip(names, fit._beta_hat))
    std_errors = dict(zip(names, np.sqrt(np.diag(fit._vcov))))
    for cell in r_lm["sun_abraham_cells"]:
        name = f"rel_time::{float(cell['event_time'])}:first_treated_period::{cell['cohort']}"
        assert estimates[name] == pytest.approx(cell["estimate"], abs=1e-10)
        assert std_errors[name] == pytest.approx(cell["std_error"], rel=1e-8)
    assert len(names) == len(r_lm["sun_abraham_cells"]) == 12


def test_sa_interaction_weights_agree_with_pyfixest_aggregate(mpdta, sa):
    fit = fit_saturated(mpdta)
    theirs = fit.aggregate().astype(float)
    ours = sa.event_time.set_index("event_time").loc[[int(e) for e in theirs.index]]
    np.testing.assert_allclose(ours["estimate"], theirs["Estimate"], atol=1e-12)
    np.testing.assert_allclose(ours["std_error"], theirs["Std. Error"], rtol=1e-10)


def test_sa_pretrend_and_inference(sa):
    assert sa.pretrend.df == 3 and 0 < sa.pretrend.p_value < 1
    reference_row = sa.event_time.set_index("event_time").loc[-1]
    assert reference_row["estimate"] == 0 and np.isnan(reference_row["std_error"])
    assert sa.inference.control_group == "never treated"
    assert "CRV1" in sa.inference.standard_errors and sa.inference.n_clusters == 500


def test_twfe_matches_r(mpdta, r_lm):
    result = twfe(mpdta)
    assert result.overall.estimate == pytest.approx(r_lm["twfe"]["estimate"], abs=1e-10)
    assert result.overall.std_error == pytest.approx(r_lm["twfe"]["std_error"], rel=1e-8)
    assert "implicit" in result.inference.control_group
    assert result.event_time["event_time"].tolist() == [-4, -3, -2, -1, 0, 1, 2, 3]


def _toy(**changes) -> pd.DataFrame:
    frame = pd.DataFrame({"id": np.repeat([1, 2, 3, 4], 3), "t": np.tile([1.0, 2.0, 3.0], 4),
                          "g": np.repeat([0.0, 2.0, 3.0, 1.0], 3), "y": np.arange(12, dtype=float)})
    for column, (row, value) in changes.items():
        frame.loc[row, column] = value
    return frame


def test_prepare_lists_units_without_pre_period_or_with_missing_outcomes():
    panel = prepare_staggered_panel(_toy(y=(0, np.nan)), unit="id", period="t", cohort="g", outcome="y")
    reasons = panel.excluded.set_index("unit")["reason"]
    assert reasons.to_dict() == {4: REASON_TREATED_FROM_START, 1: REASON_MISSING_OUTCOME}
    assert panel.n_units == 2 and panel.cohorts == (2, 3)


@pytest.mark.parametrize("changes, message", [
    ({"g": (1, 3)}, "varies within unit 1"),
    ({"t": (1, 1)}, "appears more than once"),
    ({"t": (1, 1.5)}, "whole numbers"),
    ({"g": (slice(0, 2), 7)}, "beyond the last period"),
])
def test_prepare_rejects_bad_panels(changes, message):
    with pytest.raises(StaggeredDataError, match=message):
        prepare_staggered_panel(_toy(**changes), unit="id", period="t", cohort="g", outcome="y")


def test_prepare_rejects_unbalanced_rows():
    with pytest.raises(StaggeredDataError, match="lacks rows"):
        prepare_staggered_panel(_toy().drop(index=5), unit="id", period="t", cohort="g", outcome="y")
