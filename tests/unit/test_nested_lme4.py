"""The nested linear model (municipalities in regions) against lme4 1.1-31, with and without a region variance.

Reference numbers: ``tests/reference/lme4/nested/lme4_nested.json``, written by ``reference.R`` beside it from the
two data sets of ``make_data.py``. CI has no R; it only reads the JSON. On the data without a region variance
lme4's ML fit is singular (region variance 0): the maximum lies on the boundary, and our fit must find it there
and show that the likelihood does not rise into the interior. Issue 23: on one machine the single-start fit of
the default run stopped on the boundary 6.4 log-likelihood units below the maximum; the last test replays that
failure with an optimiser that stops on the boundary and checks the fit still reaches lme4's maximum. The failure
is real on these data too: on the REML fit without a region variance, the start (1, 1) stops at a region theta
of 2e-10, 0.012 log-likelihood units below the maximum that the other four starts reach.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models import nested
from afgehaakt.models.nested import BOUNDARY_DERIVATIVE_TOLERANCE, fit_nested_linear

REFERENCE = "tests/reference/lme4/nested"
FIXED = ["(Intercept)", "x", "d"]


@pytest.fixture(scope="module")
def reference(repo):
    return json.loads((repo / REFERENCE / "lme4_nested.json").read_text(encoding="utf-8"))["fits"]


def _fit(repo, data_name, reml):
    data = pd.read_csv(repo / REFERENCE / data_name)
    X = np.column_stack([np.ones(len(data)), data["x"], data["d"]])
    municipality = pd.factorize(data["municipality"], sort=True)[0]
    region = pd.factorize(data["region"], sort=True)[0]
    return fit_nested_linear(data["y"].to_numpy(), X, municipality, region, reml=reml)


@pytest.mark.parametrize("label", ["with_upper_variance_ML", "with_upper_variance_REML",
                                   "without_upper_variance_ML", "without_upper_variance_REML"])
def test_nested_fit_equals_lme4(repo, reference, label):
    expected = reference[label]
    fit = _fit(repo, expected["data"], expected["estimator"] == "REML")
    lme4_fixed = np.array([expected["fixed_effects"][name] for name in FIXED])
    lme4_se = np.array([expected["se"][name] for name in FIXED])
    np.testing.assert_allclose(fit.fixed_effects, lme4_fixed, rtol=1e-6, atol=1e-6 * lme4_se.max())
    np.testing.assert_allclose(np.sqrt(np.diag(fit.fixed_cov)), lme4_se, rtol=1e-5)
    np.testing.assert_allclose(fit.group_variance, expected["municipality_variance"], rtol=1e-5)
    np.testing.assert_allclose(fit.residual_variance, expected["residual_variance"], rtol=1e-6)
    np.testing.assert_allclose(fit.upper_variance, expected["region_variance"], rtol=1e-5, atol=1e-9)
    assert abs(fit.loglik - expected["logLik"]) <= 1e-6
    assert fit.singular == expected["singular"]
    assert fit.boundary_accepted and fit.starts_agreeing >= 1


def test_a_boundary_maximum_is_recognised_as_one(repo, reference):
    fit = _fit(repo, "without_upper_variance.csv", reml=False)
    assert fit.theta[1] < nested.SINGULAR_TOLERANCE
    assert set(fit.boundary_derivatives) == {1}
    assert fit.boundary_derivatives[1] <= 0.0


def test_a_boundary_stop_where_the_likelihood_rises_is_rejected_and_left(repo, reference, monkeypatch):
    """Every start 'converges' onto region variance 0, as the single start did on another machine."""
    real_optimise = nested._optimise
    calls = []

    def stops_on_the_boundary(deviance, start):
        calls.append(start)
        end = real_optimise(deviance, start)
        if len(calls) <= len(nested.STARTS):
            end = real_optimise(lambda theta: deviance(np.array([theta[0], 0.0])), start)
            end[1] = 0.0
        return end

    monkeypatch.setattr(nested, "_optimise", stops_on_the_boundary)
    fit = _fit(repo, "with_upper_variance.csv", reml=False)
    assert len(calls) == len(nested.STARTS) + 1, "one restart from the interior"
    assert abs(fit.loglik - reference["with_upper_variance_ML"]["logLik"]) <= 1e-6
    assert not fit.singular and fit.boundary_accepted and fit.boundary_derivatives == {}


def test_the_boundary_derivative_sees_a_rising_likelihood(repo):
    data = pd.read_csv(repo / REFERENCE / "with_upper_variance.csv")
    X = np.column_stack([np.ones(len(data)), data["x"], data["d"]])
    profile = nested._NestedProfile(data["y"].to_numpy(), X, pd.factorize(data["municipality"], sort=True)[0],
                                    pd.factorize(data["region"], sort=True)[0])
    derivatives = nested.boundary_derivatives(lambda t: -2 * profile.solve(np.maximum(t, 0), False)[0],
                                              np.array([0.265, 0.0]))
    assert derivatives[1] > 100 * BOUNDARY_DERIVATIVE_TOLERANCE
