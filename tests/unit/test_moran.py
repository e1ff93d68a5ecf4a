"""Global Moran's I: the statistic, its analytical moments and the seeded permutation test."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.inference import normal_p_value, normal_p_values, permutation_p_value
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges, queen_weights


@pytest.fixture(scope="module")
def graph(boundaries_2021):
    weights = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy())
    return graph_from_edges(weights.edges, weights.ids)


@pytest.fixture(scope="module")
def turnout(tk2021):
    totals = tk2021.totals.set_index("code")
    return (totals["votes_cast"] / totals["eligible"]).astype(float).rename("turnout")


def _direct_moran(y, graph):
    w = graph.transform("R").sparse.toarray()
    z = y - y.mean()
    return len(y) / w.sum() * (z @ w @ z) / (z @ z)


def test_statistic_equals_the_textbook_formula(turnout, graph):
    result = global_moran(turnout, graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    y = turnout.reindex(graph.unique_ids).to_numpy()
    assert result.statistic == pytest.approx(_direct_moran(y, graph), abs=1e-14)
    assert result.expected == pytest.approx(-1 / 351)


def test_analytical_moments_under_normality(turnout, graph):
    # Cliff and Ord's variance under normality, written out independently of esda.
    w = graph.transform("R").sparse.toarray()
    n = len(w)
    s0, s1 = w.sum(), 0.5 * ((w + w.T) ** 2).sum()
    s2 = ((w.sum(axis=0) + w.sum(axis=1)) ** 2).sum()
    variance = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - (1 / (n - 1)) ** 2
    result = global_moran(turnout, graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    assert result.variance_normality == pytest.approx(variance, rel=1e-12)
    assert result.z_normality == pytest.approx((result.statistic - result.expected) / np.sqrt(variance), rel=1e-12)


def test_same_seed_same_p_value_other_seed_other_draws(turnout, graph):
    def run(seed):
        return global_moran(turnout, graph, weights_name="queen", permutations=499, seed=seed, alternative="two-sided")

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first.mean_permuted != other.mean_permuted


def test_permutation_distribution_is_centred_on_the_expectation(turnout, graph):
    result = global_moran(turnout, graph, weights_name="queen", permutations=4999, seed=1, alternative="greater")
    assert abs(result.mean_permuted - result.expected) < 4 * result.sd_permuted / np.sqrt(4999)
    assert result.sd_permuted == pytest.approx(np.sqrt(result.variance_randomisation), rel=0.05)


def test_a_spatially_random_variable_is_not_significant(graph):
    rng = np.random.default_rng(11)
    noise = pd.Series(rng.normal(size=352), index=graph.unique_ids, name="noise")
    result = global_moran(noise, graph, weights_name="queen", permutations=999, seed=2, alternative="two-sided")
    assert result.p_permutation > 0.05 and result.p_randomisation > 0.05


def test_missing_values_are_refused(turnout, graph):
    with pytest.raises(ValueError, match="no value for 1 units"):
        global_moran(turnout.drop("0014"), graph, weights_name="q", permutations=0, seed=0, alternative="greater")


def test_p_values_follow_the_alternative():
    assert normal_p_value(1.6448536269514722, "greater") == pytest.approx(0.05)
    assert normal_p_value(1.6448536269514722, "less") == pytest.approx(0.95)
    assert normal_p_value(-1.959963984540054, "two-sided") == pytest.approx(0.05)
    permuted = np.arange(99.0)
    assert permutation_p_value(98.0, permuted, "greater") == pytest.approx(2 / 100)
    assert permutation_p_value(0.0, permuted, "less") == pytest.approx(2 / 100)
    assert permutation_p_value(98.0, permuted, "two-sided") == pytest.approx(4 / 100)
    with pytest.raises(ValueError, match="alternative must be one of"):
        normal_p_value(1.0, "bigger")


@pytest.mark.parametrize("alternative", ["greater", "less", "two-sided"])
def test_vectorised_normal_p_values_equal_the_scalar_ones_and_leave_undefined_statistics_nan(alternative):
    z = np.array([-3.2, -1.959963984540054, 0.0, 0.4, 2.5, np.nan, np.inf])
    p = normal_p_values(z, alternative)
    np.testing.assert_array_equal(p[:5], [normal_p_value(v, alternative) for v in z[:5]])
    assert np.isnan(p[5:]).all()
