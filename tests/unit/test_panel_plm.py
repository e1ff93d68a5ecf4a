"""The panel models against R plm 2.6 on the committed extract of the real panel.

Reference numbers: ``tests/reference/plm/plm_results.json``, written by ``reference.R`` (committed beside it) from
``panel.csv`` (written by ``make_data.py`` from the workflow's features table). CI has no R; it only reads the JSON.

Tolerances: coefficients 1e-8 relative, standard errors 1e-6 relative. Achieved: within and first-difference
coefficients ~1e-14, random-effects coefficients ~1e-12 (plm and linearmodels reach the Swamy-Arora theta by
different arithmetic), all matched standard errors 1e-12 or better.

Covariance mapping (clustered by municipality, ``auto_df=False, count_effects=False``):
plm ``HC0`` = ``debiased=False, group_debias=False``; ``HC1`` = ``debiased=True, group_debias=False``;
``sss`` = ``debiased=True, group_debias=True``; two-way ``vcovDC(type)`` = the same options with
``cluster_time=True``. The same mapping holds for RandomEffects and FirstDifferenceOLS, except plm's ``HC1`` for
``model="fd"``: plm 2.6 computes its ``df = nT - k`` before ``nT`` is reduced to the differenced observations, so
its variance is HC0 x (n_fd / (n_levels - k)) = HC0 x 704/1052 instead of 704/700 (a plm quirk, checked below).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models.panel import (
    Covariance,
    build_panel,
    fit_education_gradient,
    fit_first_difference,
    fit_fixed_effects,
    fit_random_effects,
    hausman_test,
    interaction_terms,
)

REFERENCE = "tests/reference/plm"
COEFFICIENT_TOLERANCE = 1e-8
SE_TOLERANCE = 1e-6
PLM_TYPES = {
    "HC0": {"debiased": False, "group_debias": False},
    "HC1": {"debiased": True, "group_debias": False},
    "sss": {"debiased": True, "group_debias": True},
}
LABELS = ("turnout", "turnout_orthodox", "outsider_share", "outsider_share_orthodox")
SOME_LABELS = ("turnout", "outsider_share_orthodox")
"""The two-way, random-effects and first-difference comparisons run on two of the four models to keep the
suite fast; reference.R writes all four and they agree equally well."""
_unadjusted: dict = {}


@pytest.fixture(scope="module")
def reference(repo):
    return json.loads((repo / REFERENCE / "plm_results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def panel(repo):
    long = pd.read_csv(repo / REFERENCE / "panel.csv", dtype={"code": str, "election": str})
    wide = long.pivot(index="code", columns="election")
    features = pd.DataFrame({"code": wide.index, "name": wide.index,
                             "low_education_share": wide[("low_education_share", "tk2017")].to_numpy()})
    for election in ("tk2017", "tk2021", "tk2023"):
        for column in ("turnout", "outsider_share", "orthodox_protestant_share"):
            features[f"{column}_{election}"] = wide[(column, election)].to_numpy()
        features[f"turnout_above_one_{election}"] = features[f"turnout_{election}"] > 1
    return build_panel(features, time_varying=("orthodox_protestant_share",))


def _spec(panel, label):
    dependent = "outsider_share" if label.startswith("outsider_share") else "turnout"
    extra = ["orthodox_protestant_share"] if label.endswith("orthodox") else []
    return dependent, [*interaction_terms(panel, "low_education_share"), *extra]


def _unadjusted_fits(panel, label):
    """The unadjusted FE and RE fits of a model, fitted once per module."""
    if label not in _unadjusted:
        dependent, terms = _spec(panel, label)
        fe = fit_fixed_effects(panel, dependent, terms, covariance=Covariance.unadjusted())
        re = fit_random_effects(panel, dependent, ["low_education_share", *terms], covariance=Covariance.unadjusted())
        _unadjusted[label] = (fe, re)
    return _unadjusted[label]


def _column(result, column):
    return dict(zip(result.coefficients["term"], result.coefficients[column], strict=True))


def _assert_close(ours: dict, theirs: dict, tolerance: float) -> None:
    assert set(ours) == set(theirs)
    for term, value in theirs.items():
        assert ours[term] == pytest.approx(value, rel=tolerance), term


def test_reference_records_its_software(reference):
    assert reference["plm_version"].startswith("2.6")
    assert reference["R_version"].startswith("R version 4.2")
    assert (reference["n_entities"], reference["n_periods"]) == (352, 3)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("plm_type", list(PLM_TYPES))
def test_two_way_fixed_effects_match_plm_within_clustered_by_municipality(panel, reference, label, plm_type):
    dependent, terms = _spec(panel, label)
    fit = fit_fixed_effects(panel, dependent, terms, covariance=Covariance(**PLM_TYPES[plm_type]))
    within = reference["fits"][label]["within"]
    _assert_close(_column(fit, "estimate"), within["coefficients"], COEFFICIENT_TOLERANCE)
    _assert_close(_column(fit, "se"), within["se_cluster_group"][plm_type], SE_TOLERANCE)
    assert fit.info.n_obs == within["n_obs"] == 1056


@pytest.mark.parametrize("label", SOME_LABELS)
@pytest.mark.parametrize("plm_type", list(PLM_TYPES))
def test_two_way_clustering_matches_plm_vcovDC(panel, reference, label, plm_type):
    dependent, terms = _spec(panel, label)
    fit = fit_fixed_effects(panel, dependent, terms,
                            covariance=Covariance(clusters="entity_time", **PLM_TYPES[plm_type]))
    _assert_close(_column(fit, "se"), reference["fits"][label]["within"]["se_double_cluster"][plm_type],
                  SE_TOLERANCE)
    assert "cluster_time=True" in fit.info.cov_options


def test_default_covariance_is_plm_sss(panel, reference):
    dependent, terms = _spec(panel, "turnout")
    fit = fit_fixed_effects(panel, dependent, terms)
    _assert_close(_column(fit, "se"), reference["fits"]["turnout"]["within"]["se_cluster_group"]["sss"], SE_TOLERANCE)
    assert fit.info.cov_options == ("debiased=True; cluster_entity=True; group_debias=True; auto_df=False; "
                                    "count_effects=False")


def test_linearmodels_automatic_df_counts_two_way_effects_and_differs_from_plm(panel, reference):
    dependent, terms = _spec(panel, "turnout")
    automatic = fit_fixed_effects(panel, dependent, terms, covariance=Covariance(count_effects=None))
    sss = reference["fits"]["turnout"]["within"]["se_cluster_group"]["sss"]
    ratio = np.array([_column(automatic, "se")[t] / sss[t] for t in sss]) ** 2
    n, k, effects = 1056, 2, 352 + 3 - 1
    np.testing.assert_allclose(ratio, (n - k) / (n - k - effects), rtol=1e-10)


@pytest.mark.parametrize("label", LABELS)
def test_unadjusted_within_and_random_effects_match_plm(panel, reference, label):
    fe, re = _unadjusted_fits(panel, label)
    fits = reference["fits"][label]
    _assert_close(_column(fe, "se"), fits["within"]["se_unadjusted"], SE_TOLERANCE)
    _assert_close(_column(re, "estimate"), fits["random"]["coefficients"], COEFFICIENT_TOLERANCE)
    _assert_close(_column(re, "se"), fits["random"]["se_unadjusted"], SE_TOLERANCE)
    assert f"theta={fits['random']['theta']:.6f}" in re.info.note
    assert fe.info.df_resid == fits["within"]["df_residual"]


@pytest.mark.parametrize("label", SOME_LABELS)
@pytest.mark.parametrize("plm_type", list(PLM_TYPES))
def test_random_effects_clustered_match_plm(panel, reference, label, plm_type):
    dependent, terms = _spec(panel, label)
    re = fit_random_effects(panel, dependent, ["low_education_share", *terms],
                            covariance=Covariance(**PLM_TYPES[plm_type]))
    _assert_close(_column(re, "se"), reference["fits"][label]["random"]["se_cluster_group"][plm_type],
                  SE_TOLERANCE)


@pytest.mark.parametrize("label", SOME_LABELS)
@pytest.mark.parametrize("plm_type", ["HC0", "sss"])
def test_first_difference_matches_plm_fd(panel, reference, label, plm_type):
    dependent, terms = _spec(panel, label)
    fd = fit_first_difference(panel, dependent, terms, covariance=Covariance(**PLM_TYPES[plm_type]))
    fits = reference["fits"][label]["fd"]
    _assert_close(_column(fd, "estimate"), fits["coefficients"], COEFFICIENT_TOLERANCE)
    _assert_close(_column(fd, "se"), fits["se_cluster_group"][plm_type], SE_TOLERANCE)
    assert fd.info.n_obs == fits["n_obs"] == 704


def test_plm_fd_hc1_uses_the_undifferenced_count_in_its_df(reference):
    fits = reference["fits"]["turnout"]["fd"]["se_cluster_group"]
    for term, hc0 in fits["HC0"].items():
        assert (fits["HC1"][term] / hc0) ** 2 == pytest.approx(704 / (1056 - 4), rel=1e-10)


@pytest.mark.parametrize("label", LABELS)
def test_joint_wald_test_of_the_interactions_matches(panel, reference, label):
    dependent, terms = _spec(panel, label)
    extra = [t for t in terms if ":" not in t]
    gradient = fit_education_gradient(panel, dependent, terms=extra)
    zero = gradient.tests[0]
    theirs = reference["fits"][label]["wald_interactions_zero_sss"]
    assert zero.restrictions == theirs["df"] == 2
    assert zero.statistic == pytest.approx(theirs["statistic"], rel=1e-8)
    assert zero.p_chi2 == pytest.approx(theirs["p_value"], rel=1e-6)


@pytest.mark.parametrize("label", ["turnout_orthodox", "outsider_share_orthodox"])
def test_hausman_uses_plm_inputs_and_reports_the_rank_plm_ignores(panel, reference, label):
    fe, re = _unadjusted_fits(panel, label)
    ours = hausman_test(fe, re)
    theirs = reference["fits"][label]["hausman_phtest"]
    common = ours.terms.split(";")
    d = (fe.params[common] - re.params[common]).to_numpy()
    v = (fe.cov.loc[common, common] - re.cov.loc[common, common]).to_numpy()
    # plm's statistic: abs(d' solve(V_FE - V_RE) d) with df = number of common coefficients.
    assert abs(float(d @ np.linalg.solve(v, d))) == pytest.approx(theirs["statistic"], rel=1e-6)
    assert theirs["df"] == 3
    # The interactions are estimated (nearly) alike by FE and RE, so V_FE - V_RE has one clearly positive
    # eigenvalue and two negative ones: we report df=1 and say so.
    assert not ours.positive_definite and ours.df == 1
    assert "not positive definite" in ours.note


def test_hausman_of_interactions_only_is_undefined_where_plm_returns_noise(panel, reference):
    fe, re = _unadjusted_fits(panel, "turnout")
    ours = hausman_test(fe, re)
    assert np.isnan(ours.statistic) and ours.df == 0 and np.isnan(ours.p_value)
    assert "coincide to rounding" in ours.note
    assert reference["fits"]["turnout"]["hausman_phtest"]["statistic"] < 1e-6  # plm: ~2e-10, "p = 1" on 2 df
