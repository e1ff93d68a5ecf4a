"""The synthetic survey generator: allocation, determinism, composition, spatial effects, validation."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from afgehaakt.errors import InputDataError
from afgehaakt.survey.synthetic import (
    DEFAULT_TRUST,
    DEFAULT_TURNOUT,
    SurveyDesign,
    TrueParameters,
    allocate_respondents,
    example_municipal_table,
    generate_survey,
    write_survey,
)


@pytest.fixture(scope="module")
def municipalities():
    return example_municipal_table(80, seed=7)


@pytest.fixture(scope="module")
def survey(municipalities):
    return generate_survey(municipalities, design=SurveyDesign(n_respondents=6000, min_per_municipality=10, seed=3))


def test_allocation_is_exact_with_minimum_and_largest_remainders():
    population = pd.Series([1000, 1000, 8000, 10], index=["0003", "0001", "0002", "0004"])
    counts = allocate_respondents(population, 25, 2)
    assert list(counts.index) == ["0001", "0002", "0003", "0004"]
    # 17 to share: quotas 1.7, 13.6, 1.7, 0.017 -> floors 1, 13, 1, 0 (15); the two largest remainders
    # (0.7, 0.7; tie kept in code order) get one more each.
    assert list(counts) == [2 + 2, 2 + 13, 2 + 2, 2 + 0]
    assert counts.sum() == 25
    with pytest.raises(ValueError, match="below min_per_municipality"):
        allocate_respondents(population, 7, 2)


def test_survey_has_exactly_n_respondents_all_labelled_synthetic(survey, municipalities):
    respondents = survey.respondents
    assert len(respondents) == 6000 == survey.truth["allocation_total"]
    assert respondents["synthetic"].all() and survey.truth["synthetic"] is True
    sizes = respondents.groupby("municipality").size()
    assert sizes.min() >= 10 and len(sizes) == len(municipalities)
    assert respondents["design_weight"].mean() == pytest.approx(1.0)
    # Weights undo the minimum allocation: population share over sample share, per municipality.
    population_share = municipalities.set_index("code")["population"] / municipalities["population"].sum()
    weight = respondents.groupby("municipality")["design_weight"].first()
    assert np.allclose(weight, population_share.loc[weight.index] / (sizes.loc[weight.index] / 6000))


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(municipalities, survey, tmp_path):
    design = SurveyDesign(n_respondents=6000, min_per_municipality=10, seed=3)
    again = generate_survey(municipalities, design=design)
    write_survey(survey, tmp_path / "a.csv", tmp_path / "a.json")
    write_survey(again, tmp_path / "b.csv", tmp_path / "b.json")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    other = generate_survey(municipalities, design=replace(design, seed=4))
    assert not other.respondents["trust"].equals(survey.respondents["trust"])


def test_truth_record_is_json_ready_and_complete(survey, municipalities):
    truth = json.loads(survey.truth_json())
    interaction = truth["fixed_effects"]["trust"]["edu_low:stacked_disadvantage"]
    assert interaction == DEFAULT_TRUST.edu_low_x_stacked_disadvantage
    assert truth["parameters"]["turnout"]["municipal_sd"] == DEFAULT_TURNOUT.municipal_sd
    effects = pd.DataFrame(truth["municipal_effects"])
    assert len(effects) == len(municipalities)
    assert {"trust_intercept", "trust_edu_low_slope", "turnout_intercept", "turnout_edu_low_slope"} <= set(effects)
    assert effects["n_respondents"].sum() == 6000


def test_trust_is_the_rounded_clipped_latent_value(survey):
    respondents = survey.respondents
    assert respondents["trust"].between(0, 10).all()
    assert (respondents["trust"] == np.clip(np.rint(respondents["trust_latent"]), 0, 10)).all()
    assert set(respondents["turnout"]) == {0, 1}


def test_individual_composition_follows_the_municipal_shares(municipalities):
    # Few municipalities, many respondents each: sample shares must match the table within sampling error.
    table = municipalities.head(4)
    survey = generate_survey(table, design=SurveyDesign(n_respondents=40_000, min_per_municipality=10, seed=11))
    respondents = survey.respondents
    shares = table.set_index("code")
    for column, share in [("edu_low", "low_education_share"), ("low_income", "low_income_share"),
                          ("poor_health", "poor_health_share")]:
        observed = respondents.groupby("municipality")[column].mean()
        expected = shares.loc[observed.index, share]
        n = respondents.groupby("municipality").size()
        assert (np.abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n)).all(), column
    # Low income is more common among the low educated (relative risk 1.8 against 1.0 and 0.5).
    by_education = respondents.groupby("education")["low_income"].mean()
    assert by_education["low"] > by_education["middle"] > by_education["high"]
    assert respondents["age"].between(18, 85).all()


def test_municipal_effect_is_spatially_correlated_only_through_its_spatial_share(municipalities):
    def neighbour_correlation(spatial_share):
        parameters = TrueParameters(trust=replace(DEFAULT_TRUST, spatial_share=spatial_share),
                                    spatial_range_m=60_000.0)
        truth = generate_survey(municipalities, design=SurveyDesign(n_respondents=1000, seed=5),
                                parameters=parameters).truth
        effects = pd.DataFrame(truth["municipal_effects"]).set_index("municipality")["trust_intercept"]
        xy = municipalities.set_index("code").loc[effects.index, ["x", "y"]].to_numpy()
        distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
        nearest = np.argsort(distance, axis=1)[:, 1:5]
        return np.corrcoef(effects.to_numpy(), effects.to_numpy()[nearest].mean(axis=1))[0, 1]

    assert neighbour_correlation(1.0) > 0.5
    assert abs(neighbour_correlation(0.0)) < 0.3


def test_bad_municipal_tables_are_reported_by_field_and_row(municipalities):
    with pytest.raises(InputDataError, match="missing column"):
        generate_survey(municipalities.drop(columns="poor_health_share"))
    broken = municipalities.copy()
    broken.loc[5, "low_income_share"] = 1.4
    with pytest.raises(InputDataError, match="outside") as error:
        generate_survey(broken, source="gemeenten.parquet")
    assert (error.value.path, error.value.field, error.value.row) == ("gemeenten.parquet", "low_income_share", 5)
    duplicated = municipalities.copy()
    duplicated.loc[3, "code"] = "GM0001"
    with pytest.raises(InputDataError, match="duplicate code '0001'"):
        generate_survey(duplicated)
