"""The catalogue of bad mixed-model fits (issue 20): every case has the status and the warning it must give.

Data: ``tests/reference/lme4/bad_fits/<case>.csv`` (written by ``make_bad_fits.py``); lme4 1.1-31's results on the
same files: ``bad_fits.json`` (written by ``bad_fits.R``). Models: ``trust ~ x + x2 + (1 | group)`` by ML (linear),
``y ~ x + x2 + (1 | group)`` by Laplace and 10-point adaptive quadrature (logistic), and in the zero-slope case
also ``(1 + x | group)``. Where lme4 gives estimates they are compared with the rule of test_multilevel_lme4.py:
``|ours - lme4| <= tol * max(|lme4|, SE)``, relative standard errors and variances, absolute log-likelihoods.
Where lme4 refuses the design (a constant response, a single group, complete separation; groups of one in
``lmer``) the JSON records its error and the test checks that our fit does not raise but says what is wrong.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models.diagnostics import STATUSES, FitStatusWarning, separation
from afgehaakt.models.multilevel import ModelSpec, fit_linear_mixed, fit_logistic_mixed_model

HERE = "tests/reference/lme4"
FITS = {
    # label in bad_fits.json: (family, quadrature nodes, random slope)
    "lmer_ML": ("gaussian", None, None),
    "glmer_laplace": ("binomial", 1, None),
    "glmer_agq10": ("binomial", 10, None),
    "lmer_slope_ML": ("gaussian", None, "x"),
    "glmer_slope_laplace": ("binomial", 1, "x"),
}
LOGISTIC = ("glmer_laplace", "glmer_agq10")
# case -> {fit label: (status, words the warning must contain)}; a fit not listed must be ok and silent.
EXPECTED = {
    "complete_separation": {label: ("separation", "complete separation") for label in LOGISTIC},
    "quasi_separation": {label: ("separation", "quasi separation") for label in LOGISTIC},
    "all_zero": {label: ("separation", "the outcome is 0 for every observation") for label in LOGISTIC},
    "all_one": {label: ("separation", "the outcome is 1 for every observation") for label in LOGISTIC},
    "single_group": {label: ("singular", "a single group") for label in ("lmer_ML", *LOGISTIC)},
    "groups_of_one": {label: ("singular", "every group has one observation") for label in ("lmer_ML", *LOGISTIC)},
    "constant_predictor": {label: ("singular", "x2 is constant in the sample") for label in ("lmer_ML", *LOGISTIC)},
    "collinear_predictors": {label: ("singular", "x2 is a linear combination") for label in ("lmer_ML", *LOGISTIC)},
    "zero_group_variance": {label: ("boundary", "var(intercept) at or near zero") for label in ("lmer_ML", *LOGISTIC)},
    "pairs_large_sd": {},
    "zero_slope_variance": {
        "glmer_slope_laplace": ("singular", "random-effect covariance singular: cor(intercept,x) = -1"),
        # MixedLM's BFGS stalls here (log-likelihood 55.9 below lme4's); the Powell fallback reaches lme4's optimum.
        "lmer_slope_ML": ("singular", "random-effect covariance singular: cor(intercept,x) = +1"),
    },
}
TOLERANCE = {"fixed": 1e-4, "se": 1e-3, "variance": 1e-3, "loglik": 1e-4}
_fits: dict = {}


@pytest.fixture(scope="module")
def reference(repo):
    return json.loads((repo / HERE / "bad_fits.json").read_text(encoding="utf-8"))


def fitted(repo, case, label):
    """The fit and the FitStatusWarnings it emitted."""
    if (case, label) not in _fits:
        data = pd.read_csv(repo / HERE / "bad_fits" / f"{case}.csv")
        family, nodes, slope = FITS[label]
        spec = ModelSpec(case, ("x", "x2"), random_slope=slope)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if family == "gaussian":
                fit = fit_linear_mixed(data, spec, outcome="trust", group="group")
            else:
                fit = fit_logistic_mixed_model(data, spec, outcome="y", group="group", n_quadrature=nodes)
        _fits[case, label] = fit, [w for w in caught if issubclass(w.category, FitStatusWarning)]
    return _fits[case, label]


def catalogue():
    for case, expected in EXPECTED.items():
        labels = ("lmer_ML", *LOGISTIC) + (("lmer_slope_ML", "glmer_slope_laplace")
                                            if case == "zero_slope_variance" else ())
        for label in labels:
            if case in ("complete_separation", "quasi_separation", "all_zero", "all_one") and label == "lmer_ML":
                continue  # the linear outcome of these cases is unremarkable
            yield case, label, expected.get(label, ("ok", None))


@pytest.mark.parametrize(("case", "label", "expected"), list(catalogue()))
def test_status_and_warning(repo, case, label, expected):
    status, words = expected
    fit, caught = fitted(repo, case, label)
    assert fit.status == status, fit.diagnosis
    assert fit.status in STATUSES
    if status == "ok":
        assert caught == [] and fit.diagnosis.reason == "" and fit.converged
        return
    (warning,) = caught
    message = str(warning.message)
    assert f"mixed model {case!r}" in message
    assert f"outcome {'trust' if label.startswith('lmer') else 'y'!r}" in message
    assert f"status {status}" in message and words in message


@pytest.mark.parametrize("case", ["complete_separation", "quasi_separation", "all_zero", "all_one"])
def test_separation_never_reports_standard_errors(repo, case):
    """The old code returned converged=True with SE 3e9 (Laplace) or NaN with only numpy's warning (AGQ)."""
    for label in LOGISTIC:
        fit, _ = fitted(repo, case, label)
        assert not fit.converged
        assert np.isnan(fit.fixed_se).all()


def test_lme4_refuses_or_flags_the_designs_we_flag(reference):
    fits = reference["fits"]
    for case in ("all_zero", "all_one"):
        assert fits[case]["glmer_laplace"]["error"] == "Response is constant"
    assert "pwrssUpdate did not converge" in fits["complete_separation"]["glmer_agq10"]["error"]
    assert any("Hessian is numerically singular" in w for w in fits["quasi_separation"]["glmer_laplace"]["warnings"])
    assert fits["quasi_separation"]["glmer_laplace"]["se"]["x"] > 1e6
    assert "> 1 sampled level" in fits["single_group"]["lmer_ML"]["error"]
    assert "must be < number of observations" in fits["groups_of_one"]["lmer_ML"]["error"]
    for case in ("constant_predictor", "collinear_predictors"):
        assert any("rank deficient so dropping 1 column" in w for w in fits[case]["glmer_laplace"]["warnings"])
    for label in ("lmer_ML", *LOGISTIC):
        assert fits["zero_group_variance"][label]["singular"] is True
    assert fits["zero_slope_variance"]["glmer_slope_laplace"]["singular"] is True
    assert fits["zero_slope_variance"]["lmer_slope_ML"]["singular"] is True


MATCHES = [
    ("constant_predictor", label) for label in ("lmer_ML", *LOGISTIC)
] + [("collinear_predictors", label) for label in ("lmer_ML", *LOGISTIC)] + [
    ("zero_group_variance", label) for label in ("lmer_ML", *LOGISTIC)
] + [("pairs_large_sd", label) for label in ("lmer_ML", *LOGISTIC)] + [
    ("zero_slope_variance", "glmer_slope_laplace"), ("zero_slope_variance", "lmer_slope_ML"),
]


@pytest.mark.parametrize(("case", "label"), MATCHES)
def test_estimates_match_lme4(repo, reference, case, label):
    """Clusters of 2 with a group SD of about 4 must converge and agree with lme4 (the old AGQ refinement reported
    converged=False there); dropped columns, boundary and singular fits agree as well."""
    fit, _ = fitted(repo, case, label)
    ref = reference["fits"][case][label]
    kept = [k for k, name in enumerate(fit.fixed_names) if np.isfinite(fit.fixed_effects[k])]
    names = ["(Intercept)" if fit.fixed_names[k] == "intercept" else fit.fixed_names[k] for k in kept]
    assert names == list(ref["fixed_effects"])
    for k, name in zip(kept, names, strict=True):
        expected, expected_se = ref["fixed_effects"][name], ref["se"][name]
        assert abs(fit.fixed_effects[k] - expected) <= TOLERANCE["fixed"] * max(abs(expected), expected_se), name
        assert fit.fixed_se[k] == pytest.approx(expected_se, rel=TOLERANCE["se"]), name
    variances = ref["variances"]
    for k, name in enumerate(fit.random_names):
        expected = variances["(Intercept)" if name == "intercept" else name]
        assert fit.random_cov[k, k] == pytest.approx(expected, rel=TOLERANCE["variance"], abs=1e-6), name
    assert fit.loglik == pytest.approx(ref["logLik"], abs=TOLERANCE["loglik"])


def test_dropped_columns_are_nan_and_not_counted(repo):
    fit, _ = fitted(repo, "collinear_predictors", "glmer_agq10")
    assert np.isnan(fit.fixed_effects[2]) and np.isnan(fit.fixed_se[2])
    assert fit.n_params == 3  # intercept, x, var(intercept): lme4's df


def test_separation_check_tells_complete_from_quasi():
    x = np.array([-2.0, -1.0, 0.0, 0.0, 1.0, 2.0])
    X = np.column_stack([np.ones(6), x])
    assert separation(np.array([0, 0, 0, 1, 1, 1]), X).kind == "quasi"  # x = 0 holds both outcomes
    assert separation(np.array([0, 0, 1, 1, 1, 1]), X).kind == "complete"
    assert separation(np.array([0, 1, 0, 1, 0, 1]), X).kind == "none"
