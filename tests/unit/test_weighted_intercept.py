"""The vote-weighted random-intercept model against lme4 1.1-31 (``lmer(y ~ ... + (1 | group), weights = w)``).

Reference: ``tests/reference/lme4/weighted_intercept/results.json``, written by ``reference.R`` (committed beside
it, with bobyqa run to rhoend 1e-12) from ``data.csv`` (written by ``make_data.py``: 491 units in 40 unbalanced
groups, weights over two orders of magnitude). CI has no R; it reads the JSON. Tolerances: variances and
coefficients relative 1e-6, standard errors relative 1e-5, log-likelihoods absolute 1e-7 (lme4's weighted
log-likelihood includes 0.5 * sum(log w), as ours does).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models.weighted_intercept import fit_weighted_intercept

REFERENCE = Path(__file__).resolve().parents[1] / "reference/lme4/weighted_intercept"


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(REFERENCE / "data.csv")


@pytest.fixture(scope="module")
def lme4():
    return json.loads((REFERENCE / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "terms", "reml"), [("null_reml", [], True), ("null_ml", [], False),
                                                     ("full_reml", ["x", "urban"], True)])
def test_fit_equals_lme4(data, lme4, name, terms, reml):
    design = pd.concat([pd.DataFrame({"(Intercept)": np.ones(len(data))}), data[terms]], axis=1)
    fit = fit_weighted_intercept(data["y"].to_numpy(), design, data["group"].to_numpy(), data["votes"].to_numpy(),
                                 reml=reml)
    reference = lme4[name]
    assert fit.converged and fit.method == ("REML" if reml else "ML") and (fit.n, fit.groups) == (491, 40)
    assert fit.tau2 == pytest.approx(reference["tau2"], rel=1e-6)
    assert fit.sigma2 == pytest.approx(reference["sigma2"], rel=1e-6)
    assert fit.log_likelihood == pytest.approx(reference["log_likelihood"], abs=1e-7)
    table = fit.coefficients.set_index("term")
    for term, value in reference["coefficients"].items():
        assert table.loc[term, "estimate"] == pytest.approx(value, rel=1e-6)
        assert table.loc[term, "std_error"] == pytest.approx(reference["std_errors"][term], rel=1e-5)
    assert fit.between_share == pytest.approx(reference["tau2"] / (reference["tau2"] + reference["sigma2"]), rel=1e-6)


def test_scaling_the_weights_changes_nothing(data):
    intercept = pd.DataFrame({"c": np.ones(len(data))})
    one = fit_weighted_intercept(data["y"], intercept, data["group"], data["votes"])
    other = fit_weighted_intercept(data["y"], intercept, data["group"], 7.5 * data["votes"])
    # Equal up to the one-dimensional search's stopping point (about 1e-7 relative).
    assert (one.tau2, one.sigma2) == pytest.approx((other.tau2, other.sigma2), rel=1e-6)


def test_no_group_variance_is_reported_at_the_boundary():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(30), 20)
    y = rng.normal(size=600)  # no group effect at all; the estimate may sit at tau2 = 0
    y -= pd.Series(y).groupby(groups).transform("mean").to_numpy()  # group means exactly equal: tau2 = 0
    fit = fit_weighted_intercept(y, pd.DataFrame({"c": np.ones(600)}), groups, np.ones(600))
    assert fit.tau2 == 0.0 and fit.converged and "boundary" in fit.message


def test_bad_weights_are_refused(data):
    with pytest.raises(ValueError, match="weights positive"):
        fit_weighted_intercept(data["y"], pd.DataFrame({"c": np.ones(len(data))}), data["group"],
                               np.zeros(len(data)))
