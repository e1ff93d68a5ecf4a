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


def _election(turnout, share):
    codes = [f"{i:04d}" for i in range(1, len(turnout) + 1)]
    return pd.DataFrame({"code": codes, "name": [f"m{c}" for c in codes], "turnout": turnout,
                         "outsider_share": share})


def test_anomalous_change_between_consecutive_elections_is_listed_with_its_values():
    rng = np.random.default_rng(11)
    before = 0.75 + rng.normal(0, 0.02, 60)
    after = before + 0.01 + rng.normal(0, 0.005, 60)
    after[7] = before[7] - 0.20  # a counting error: turnout drops 20 points where the others rise by about 1
    latest = after + 0.01 + rng.normal(0, 0.005, 60)
    share = 0.3 + rng.normal(0, 0.01, 60)
    tables = {"tk2021": _election(before, share), "tk2023": _election(after, share + 0.01),
              "tk2025": _election(latest, share + 0.02)}
    flagged = quality.anomalous_changes(tables, ["turnout", "outsider_share"])
    assert len(flagged) == 1
    row = flagged.iloc[0]
    assert (row["variable"], row["from_election"], row["to_election"], row["code"]) == (
        "turnout", "tk2021", "tk2023", "0008")
    assert (row["value_from"], row["value_to"]) == (pytest.approx(before[7]), pytest.approx(after[7]))
    assert row["change"] == pytest.approx(-0.20)
    assert row["robust_z"] < -quality.EXTREME_ROBUST_Z


def test_changes_without_spread_flag_nothing():
    same = np.full(10, 0.5)
    tables = {"tk2021": _election(same, same), "tk2023": _election(same + 0.1, same)}
    assert quality.anomalous_changes(tables, ["turnout", "outsider_share"]).empty
