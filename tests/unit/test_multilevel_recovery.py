"""Parameter recovery: fit the models to a synthetic survey with known truth; estimates lie within a few SEs.

Trust is fitted on ``trust_latent`` (the exact linear model; reported trust is rounded and clipped), turnout on
the 0/1 outcome. The true fixed effects must lie within 3.5 standard errors (a family of ~30 comparisons at a
fixed seed); variances are judged against the variances of the realised municipal effects.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from afgehaakt.models.diagnostics import FitStatusWarning
from afgehaakt.models.multilevel import (
    SINGULAR_TOLERANCE,
    ModelSequence,
    ModelSpec,
    default_sequence,
    fit_linear_mixed,
    fit_logistic_mixed_model,
    fit_sequence,
    fixed_effects_table,
    model_comparison_table,
    variance_components_table,
)
from afgehaakt.survey.synthetic import (
    DEFAULT_TRUST,
    DEFAULT_TURNOUT,
    SurveyDesign,
    TrueParameters,
    example_municipal_table,
    generate_survey,
)

PARAMETERS = TrueParameters(
    trust=replace(DEFAULT_TRUST, municipal_sd=0.35, edu_low_slope_sd=0.3),
    turnout=replace(DEFAULT_TURNOUT, municipal_sd=0.4, edu_low_slope_sd=0.4),
)


@pytest.fixture(scope="module")
def synthetic():
    municipalities = example_municipal_table(150, seed=31)
    return generate_survey(municipalities, design=SurveyDesign(n_respondents=9000, min_per_municipality=15, seed=8),
                           parameters=PARAMETERS)


@pytest.fixture(scope="module")
def trust_sequence(synthetic):
    return fit_sequence(synthetic.respondents, outcome="trust_latent", family="gaussian")


@pytest.fixture(scope="module")
def turnout_sequence(synthetic):
    return fit_sequence(synthetic.respondents, outcome="turnout", family="binomial")


def realised_variance(synthetic, column):
    effects = pd.DataFrame(synthetic.truth["municipal_effects"])
    return float(effects[column].var(ddof=1))


@pytest.mark.parametrize("outcome", ["trust", "turnout"])
def test_fixed_effects_are_recovered_within_a_few_standard_errors(outcome, synthetic, trust_sequence,
                                                                  turnout_sequence):
    sequence = trust_sequence if outcome == "trust" else turnout_sequence
    table = fixed_effects_table(sequence)
    truth = synthetic.truth["fixed_effects"][outcome]
    for model in ("M3_cross_level", "M4_random_slope"):
        rows = table[table["model"] == model].set_index("term")
        z = (rows["estimate"] - pd.Series(truth)) / rows["se"]
        assert z.abs().max() < 3.5, (model, z.round(2).to_dict())


def test_variances_are_recovered(synthetic, trust_sequence, turnout_sequence):
    trust_slope = trust_sequence.fits[4]
    assert trust_slope.residual_variance == pytest.approx(PARAMETERS.trust.residual_sd**2, rel=0.05)
    assert trust_slope.random_cov[0, 0] == pytest.approx(realised_variance(synthetic, "trust_intercept"), rel=0.5)
    assert trust_slope.random_cov[1, 1] == pytest.approx(realised_variance(synthetic, "trust_edu_low_slope"),
                                                         rel=0.6)
    turnout_slope = turnout_sequence.fits[4]
    assert turnout_slope.random_cov[0, 0] == pytest.approx(realised_variance(synthetic, "turnout_intercept"),
                                                           rel=0.5)


@pytest.mark.parametrize("outcome", ["trust", "turnout"])
def test_model_comparison_table(outcome, trust_sequence, turnout_sequence):
    sequence = trust_sequence if outcome == "trust" else turnout_sequence
    table = model_comparison_table(sequence)
    assert list(table["model"]) == [spec.name for spec in default_sequence()]
    assert table["converged"].all() and not table["singular"].any()
    assert (table["gradient_norm"] < 1e-3).all() and table["hessian_positive_definite"].all()
    assert not table["weights_used"].any()
    assert table["estimator"].str.startswith("ML").all()
    # Individual factors and stacked disadvantage are real effects in the truth: large LR statistics.
    assert list(table["df"].iloc[1:4]) == [6, 1, 1]
    assert (table["p"].iloc[1:3] < 1e-4).all()
    assert table["df"].iloc[4] == 2 and "boundary" in table["LR_note"].iloc[4]
    assert np.allclose(table["LR_chi2"].iloc[1:], 2 * np.diff(table["logLik"]))
    # Stacked disadvantage is contextual: the municipal variance falls when it enters (PCV rises).
    assert table["PCV"].iloc[0] == 0 and table["PCV"].iloc[2] > table["PCV"].iloc[1]
    null = sequence.fits[0]
    level1 = null.residual_variance if outcome == "trust" else np.pi**2 / 3
    assert table["ICC"].iloc[0] == pytest.approx(null.random_cov[0, 0] / (null.random_cov[0, 0] + level1))


def test_odds_ratios_and_variance_table(turnout_sequence):
    fixed = fixed_effects_table(turnout_sequence)
    assert np.allclose(fixed["odds_ratio"], np.exp(fixed["estimate"]))
    assert np.allclose(fixed["or_ci_low"], np.exp(fixed["ci_low"]))
    assert (fixed["ci_low"] < fixed["estimate"]).all() and (fixed["estimate"] < fixed["ci_high"]).all()
    components = variance_components_table(turnout_sequence)
    slope_rows = components[components["model"] == "M4_random_slope"]
    assert list(slope_rows["component"]) == ["var(intercept)", "var(edu_low)", "cor(intercept,edu_low)",
                                             "var(residual)"]
    assert slope_rows["correlation"].dropna().between(-1, 1).all()
    assert not components["at_boundary"].any()


def test_zero_municipal_variance_is_flagged_and_fixed_effects_are_not_zeroed(synthetic):
    """No municipal effect at all: a singular fit must be flagged, and (statsmodels issue 10239) the intercept
    and the municipal regressor must still be estimated, as ordinary least squares would."""
    flat = TrueParameters(trust=replace(DEFAULT_TRUST, municipal_sd=0.0, edu_low_slope_sd=0.0),
                          turnout=replace(DEFAULT_TURNOUT, municipal_sd=0.0, edu_low_slope_sd=0.0))
    data = generate_survey(example_municipal_table(60, seed=2), design=SurveyDesign(n_respondents=3000, seed=4),
                           parameters=flat).respondents
    spec = ModelSpec("regional", ("edu_low", "stacked_disadvantage"))
    with pytest.warns(FitStatusWarning, match="'regional' of outcome 'trust_latent': status boundary"):
        fit = fit_linear_mixed(data, spec, outcome="trust_latent")
    with pytest.warns(FitStatusWarning, match="'regional' of outcome 'turnout': status boundary"):
        logistic = fit_logistic_mixed_model(data, spec, outcome="turnout")
    # At this seed both municipal variances are estimated at the boundary.
    assert fit.singular and logistic.singular
    assert fit.status == logistic.status == "boundary"
    X = np.column_stack([np.ones(len(data)), data["edu_low"], data["stacked_disadvantage"]])
    ols = np.linalg.lstsq(X, data["trust_latent"].to_numpy(), rcond=None)[0]
    assert np.allclose(fit.fixed_effects, ols, atol=1e-5)
    assert fit.fixed_effects[0] > 1 and fit.fixed_effects[2] < -0.1
    assert np.sqrt(fit.random_cov[0, 0] / fit.residual_variance) < SINGULAR_TOLERANCE
    for sequence in (ModelSequence("trust_latent", (fit,)), ModelSequence("turnout", (logistic,))):
        comparison = model_comparison_table(sequence)
        assert comparison["singular"].all() and comparison["variance_flag"].str.startswith("boundary").all()
        assert variance_components_table(sequence).query("level == 'municipality'")["at_boundary"].all()
        assert (comparison["status"] == "boundary").all()
        assert (fixed_effects_table(sequence)["status"] == "boundary").all()
    assert logistic.converged and fit.converged


def test_nested_model_is_compared_with_the_cross_level_model(synthetic, trust_sequence):
    data = synthetic.respondents
    nested_spec = default_sequence(upper_level="province")[-1]
    nested = fit_linear_mixed(data, nested_spec, outcome="trust_latent")
    assert nested.upper_level == "province" and nested.converged
    sequence = type(trust_sequence)(outcome="trust_latent", fits=trust_sequence.fits + (nested,))
    table = model_comparison_table(sequence).set_index("model")
    assert table.loc["M5_nested_province", "compared_with"] == "M3_cross_level"
    assert table.loc["M5_nested_province", "df"] == 1
    # The nested model can only fit better than the model it extends (the province variance may be zero).
    assert table.loc["M5_nested_province", "logLik"] >= table.loc["M3_cross_level", "logLik"] - 1e-6
    components = variance_components_table(sequence)
    assert "province" in set(components["level"])
    with pytest.raises(ValueError, match="nested logistic"):
        fit_logistic_mixed_model(data, nested_spec, outcome="turnout")


def test_a_municipality_in_two_provinces_is_an_input_error(synthetic):
    from afgehaakt.errors import InputDataError

    data = synthetic.respondents.copy()
    first = data.index[data["municipality"] == data["municipality"].iloc[0]]
    data.loc[first[:1], "province"] = "PV99"
    with pytest.raises(InputDataError, match="lies in more than one province"):
        fit_linear_mixed(data, default_sequence(upper_level="province")[-1], outcome="trust_latent")
