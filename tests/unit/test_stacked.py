"""Stacked disadvantage: the three variants, their agreement, and the shared domain counting."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.features.stacked import (
    Domain,
    count_domains,
    cronbach_alpha,
    oriented,
    stacked_disadvantage,
    worst_quantile_flags,
)

DOMAINS = [Domain("education", "low_edu", "high"), Domain("income", "income", "low"), Domain("health", "poor", "high")]


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(5)
    latent = rng.normal(size=400)
    return pd.DataFrame({
        "code": [f"{i:04d}" for i in range(1, 401)],
        "low_edu": 0.3 + 0.05 * latent + 0.03 * rng.normal(size=400),
        "income": 30 - 3 * latent + 2 * rng.normal(size=400),
        "poor": 0.2 + 0.03 * latent + 0.02 * rng.normal(size=400),
    })


def test_orientation_makes_higher_worse():
    assert oriented(pd.Series([1.0, 2.0]), "low").tolist() == [-1.0, -2.0]
    with pytest.raises(ValueError, match="worse must be"):
        oriented(pd.Series([1.0]), "up")


def test_count_is_between_zero_and_the_number_of_domains(table):
    result = stacked_disadvantage(table, DOMAINS)
    counts = result.table["domains_worst_quartile"]
    assert counts.min() == 0 and counts.max() == 3
    # Each domain flags about a quarter of the units.
    for domain in DOMAINS:
        assert result.table[f"worst_quartile_{domain.name}"].mean() == pytest.approx(0.25, abs=0.01)


def test_worst_quartile_of_a_low_is_worse_indicator_is_the_lowest_values(table):
    flags = worst_quantile_flags(table, [DOMAINS[1]])
    assert table.loc[flags["income"].astype(bool), "income"].max() <= table["income"].quantile(0.25) + 1e-12


def test_variants_agree_and_pc1_grows_with_disadvantage(table):
    result = stacked_disadvantage(table, DOMAINS)
    assert (result.loadings["loading"] > 0).all()
    assert result.rank_correlations.loc["mean_z", "pc1"] > 0.95
    assert result.rank_correlations.loc["domains_worst_quartile", "mean_z"] > 0.7
    assert 1 / 3 < result.explained_variance_ratio <= 1


def test_cronbach_alpha_matches_the_formula_and_its_limits():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    identical = pd.DataFrame({"a": x, "b": x, "c": x})
    assert cronbach_alpha(identical) == pytest.approx(1.0)
    items = pd.DataFrame(rng.normal(size=(200, 3)), columns=list("abc"))
    k = 3
    expected = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(items) == pytest.approx(expected)
    with pytest.raises(ValueError, match="at least two items"):
        cronbach_alpha(items[["a"]])


def test_a_missing_domain_value_gives_missing_scores_not_a_guess(table):
    holed = table.copy()
    holed.loc[3, "income"] = np.nan
    result = stacked_disadvantage(holed, DOMAINS)
    row = result.table.loc[3]
    assert pd.isna(row["mean_z"]) and pd.isna(row["pc1"]) and pd.isna(row["domains_worst_quartile"])
    assert result.table["mean_z"].notna().sum() == 399


def test_individual_flags_are_counted_with_the_same_function():
    respondents = pd.DataFrame({"low_education": [True, False, True, None],
                                "low_income": [True, False, False, True],
                                "poor_health": [True, False, True, True]})
    counts = count_domains(respondents)
    assert counts.iloc[:3].tolist() == [3, 0, 2] and pd.isna(counts.iloc[3])


def test_summary_is_json_ready(table):
    summary = stacked_disadvantage(table, DOMAINS).summary()
    assert set(summary) == {"domains", "worst_quantile", "cronbach_alpha", "pc1_explained_variance_ratio",
                            "pc1_loadings", "spearman"}
    assert set(summary["spearman"]) == {"domains_worst_quartile~mean_z", "domains_worst_quartile~pc1", "mean_z~pc1"}
