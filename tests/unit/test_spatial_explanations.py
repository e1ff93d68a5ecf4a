"""Candidate explanations measured by effect size (real 2021 map, synthetic outcomes with a known zone effect)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from afgehaakt.spatial.analyses import graphs_from_edges
from afgehaakt.spatial.explanations import SORT_CRITERION, candidate_effects
from afgehaakt.spatial.weights import IslandPolicy, queen_weights


@pytest.fixture(scope="module")
def setting(boundaries_2021):
    edges = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    ids = sorted(boundaries_2021["code"])
    graph = graphs_from_edges({"queen": edges}, ids)["queen"]
    rng = np.random.default_rng(21)
    centroids = boundaries_2021.set_index("code").geometry.centroid.loc[ids]
    zone = (centroids.y > centroids.y.quantile(0.85)).to_numpy()  # the north: a block of contiguous units
    base = pd.DataFrame({"education": rng.normal(size=len(ids))}, index=ids)
    candidates = pd.DataFrame({"church": zone + 0.1 * rng.normal(size=len(ids)),
                               "noise": rng.normal(size=len(ids))}, index=ids)
    outcome = pd.Series(0.5 * base["education"] + 1.0 * zone + 0.3 * rng.normal(size=len(ids)), index=ids,
                        name="turnout")
    population = pd.Series(rng.integers(1_000, 900_000, size=len(ids)), index=ids, name="population")
    table = candidate_effects(outcome, base, candidates, population, graph, zone=tuple(np.array(ids)[zone]),
                              draws=199, seed=3)
    return table, outcome, base, candidates


def test_the_candidate_that_carries_the_zone_explains_it_and_noise_does_not(setting):
    table, *_ = setting
    single = table[table["model"] != "base + all candidates"].set_index("term")
    church, noise = single.loc["church"], single.loc["noise"]
    assert church["partial_r2_ols"] > 0.5 and abs(noise["partial_r2_ols"]) < 0.02
    # The zone's mean residual falls by most of its base value with the church candidate, not with noise.
    assert church["zone_mean_residual_change_ols"] < -0.5 * church["zone_mean_residual_base_ols"]
    assert church["zone_change_boot_high_ols"] < 0 < noise["zone_change_boot_high_ols"]
    assert noise["zone_change_boot_low_ols"] < 0
    # Residual clustering: the church candidate removes more than any of its random permutations.
    assert church["residual_moran_change_ols"] < church["moran_change_null_low_ols"]
    assert church["moran_change_p_ols"] == pytest.approx(1 / 200)
    assert noise["moran_change_p_ols"] > 0.05
    for weighting in ("ols", "wls"):
        assert church[f"ci_low_{weighting}"] < church[f"beta_{weighting}"] < church[f"ci_high_{weighting}"]
    assert church["ci_low_sem"] > 0


def test_partial_r2_and_robust_errors_match_their_definitions(setting):
    table, outcome, base, candidates = setting
    row = table[(table["model"] == "base + noise")].iloc[0]
    standardised = lambda frame: (frame - frame.mean()) / frame.std(ddof=1)  # noqa: E731
    y = standardised(outcome)
    x = sm.add_constant(standardised(base.join(candidates[["noise"]])))
    fit = sm.OLS(y.to_numpy(), x.to_numpy()).fit()
    # Partial R2 of one added term is t^2 / (t^2 + residual df), with the classical t.
    t = fit.tvalues[-1]
    assert row["partial_r2_ols"] == pytest.approx(t**2 / (t**2 + fit.df_resid), rel=1e-9)
    assert row["se_ols"] == pytest.approx(fit.get_robustcov_results("HC3").bse[-1], rel=1e-9)
    assert row["beta_ols"] == pytest.approx(fit.params[-1], rel=1e-9)


def test_table_states_its_order_and_inference(setting):
    table, *_ = setting
    assert set(table["sort_criterion"]) == {SORT_CRITERION}
    singles = table[table["model"] != "base + all candidates"]
    assert singles["partial_r2_ols"].is_monotonic_decreasing
    assert table["model"].iloc[-1] == "base + all candidates"
    assert set(table["covariance"]) == {"HC3"} and set(table["bootstrap_draws"]) == {199}


def test_an_empty_zone_is_refused(setting, boundaries_2021):
    _, outcome, base, candidates = setting
    edges = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    graph = graphs_from_edges({"queen": edges}, list(outcome.index))["queen"]
    with pytest.raises(ValueError, match="zone is empty"):
        candidate_effects(outcome, base, candidates, outcome.rename("population") * 0 + 1, graph, zone=(),
                          draws=9, seed=1)
