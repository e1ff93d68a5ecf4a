"""The municipal inputs of the survey, and the individual count of disadvantaged domains."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.features.stacked import count_domains
from afgehaakt.survey.municipal_inputs import attach_regional, individual_stacked_disadvantage


def test_individual_count_uses_the_shared_domain_counter():
    respondents = pd.DataFrame({"edu_low": [1, 0, 1, 1], "low_income": [1, 0, 0, np.nan],
                                "poor_health": [1, 0, 1, 0], "trust": [3, 8, 5, 6]})
    counts = individual_stacked_disadvantage(respondents)
    assert counts.iloc[:3].tolist() == [3, 0, 2] and pd.isna(counts.iloc[3])
    expected = count_domains(respondents[["edu_low", "low_income", "poor_health"]].astype("boolean"))
    pd.testing.assert_series_equal(counts, expected.rename("disadvantaged_domains"))
    assert counts.attrs["domains"] == ["education", "health", "income"]


def test_a_survey_without_a_domain_says_which_is_missing():
    counts = individual_stacked_disadvantage(pd.DataFrame({"edu_low": [1, 0], "poor_health": [0, 0]}))
    assert counts.tolist() == [1, 0] and counts.attrs["missing_domains"] == ["income"]


def test_regional_data_are_joined_and_unknown_municipalities_refused():
    municipal = pd.DataFrame({"code": ["0014", "0034"], "stacked_disadvantage": [0.5, -0.2],
                              "province": ["Groningen", "Flevoland"]})
    respondents = pd.DataFrame({"municipality": ["0014", "0034", "0014"]})
    joined = attach_regional(respondents, municipal)
    assert joined["stacked_disadvantage"].tolist() == [0.5, -0.2, 0.5]
    with pytest.raises(ValueError, match=r"without regional data: \['0999'\]"):
        attach_regional(pd.DataFrame({"municipality": ["0999"]}), municipal)
