"""Correlation tables with confidence intervals, and the data-quality report."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from afgehaakt.features import quality
from afgehaakt.features.correlations import correlation_table


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(3)
    x = rng.normal(size=120)
    return pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=120), "z": rng.normal(size=120)})


def test_pearson_estimate_interval_and_p_value(table):
    result = correlation_table(table, ["x"], ["y"]).set_index("method").loc["pearson"]
    r, p = stats.pearsonr(table["x"], table["y"])
    assert result["estimate"] == pytest.approx(r) and result["p_value"] == pytest.approx(p)
    half_width = 1.959963984540054 / np.sqrt(120 - 3)
    assert result["ci_low"] == pytest.approx(np.tanh(np.arctanh(r) - half_width))
    assert result["ci_high"] == pytest.approx(np.tanh(np.arctanh(r) + half_width))
    assert result["alternative"] == "two-sided" and result["n"] == 120


def test_missing_pairs_are_counted(table):
    holed = table.copy()
    holed.loc[:4, "z"] = np.nan
    result = correlation_table(holed, ["z"], ["y"])
    assert (result["n"] == 115).all() and (result["excluded_missing"] == 5).all()


def test_intervals_contain_the_estimate(table):
    result = correlation_table(table, ["x", "z"], ["y"])
    assert ((result["ci_low"] <= result["estimate"]) & (result["estimate"] <= result["ci_high"])).all()


def test_extreme_values_use_a_robust_z():
    frame = pd.DataFrame({"code": list("abcdefgh"), "name": list("ABCDEFGH"),
                          "v": [1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 9.0]})
    extremes = quality.extreme_values(frame, ["v"])
    assert extremes["name"].tolist() == ["H"] and extremes["treatment"].iloc[0] == "kept, listed"


def test_missing_values_report_names_municipalities_and_treatment():
    raw = pd.DataFrame({"code": ["1", "2"], "name": ["Vlieland", "Urk"], "income": [np.nan, 3.0]})
    imputed = pd.DataFrame({"indicator": ["income"], "code": ["1"], "name": ["Vlieland"],
                            "policy": ["neighbour_mean"], "value_used": [2.5], "neighbours_used": ["2"]})
    report = quality.missing_values(raw, imputed, ["income"])
    assert report.iloc[0].to_dict() == {"indicator": "income", "missing": 1, "municipalities": "Vlieland",
                                        "treatment": "neighbour_mean", "still_missing_after_treatment": 0}


def test_markdown_report_states_empty_sections():
    text = quality.markdown_report(target_year=2021, sections={"A": pd.DataFrame({"x": [1]}), "B": pd.DataFrame()},
                                   notes={"A": "note"})
    assert "## A" in text and "| x |" in text and "## B" in text and "None." in text
