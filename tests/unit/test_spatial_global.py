"""Geary's C, Getis-Ord G, bivariate Moran, residual Moran and the robustness table on the 2021 map."""

import esda
import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.bivariate_moran import bivariate_moran
from afgehaakt.spatial.distance_weights import knn_weights
from afgehaakt.spatial.geary import global_geary
from afgehaakt.spatial.getis_ord import global_getis_ord
from afgehaakt.spatial.inference import permutation_summary, permuted_statistics
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.residual_moran import residual_moran
from afgehaakt.spatial.robustness import COLUMNS, global_statistics_table
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges, queen_weights


@pytest.fixture(scope="module")
def graph(boundaries_2021):
    weights = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy())
    return graph_from_edges(weights.edges, weights.ids)


@pytest.fixture(scope="module")
def table(tk2021):
    totals = tk2021.totals.set_index("code").sort_index()
    return pd.DataFrame(
        {
            "turnout": totals["votes_cast"] / totals["eligible"],
            "log_eligible": np.log(totals["eligible"].astype(float)),
            "blank_share": totals["blank"] / totals["votes_cast"],
        }
    ).astype(float)


@pytest.fixture(scope="module")
def noise(graph):
    return pd.Series(np.random.default_rng(11).normal(size=352), index=graph.unique_ids, name="noise")


def test_permuted_statistics_are_reproducible_and_batched():
    values = np.arange(10.0)
    first = permuted_statistics(values, lambda batch: batch[0], permutations=2500, seed=4)
    assert len(first) == 2500 and np.array_equal(
        first, permuted_statistics(values, lambda b: b[0], permutations=2500, seed=4)
    )
    assert set(np.unique(first)) == set(values)
    assert np.isnan(permutation_summary(1.0, np.empty(0), "greater")["p_permutation"])


def test_geary_equals_the_textbook_formula_and_uses_spdeps_sign(table, graph):
    result = global_geary(table["turnout"], graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    w = graph.transform("R").sparse.toarray()
    y = table["turnout"].reindex(graph.unique_ids).to_numpy()
    z = y - y.mean()
    textbook = (len(y) - 1) * (w * (y[:, None] - y[None, :]) ** 2).sum() / (2 * w.sum() * (z @ z))
    assert result.statistic == pytest.approx(textbook, rel=1e-12)
    esda_geary = esda.Geary(y, graph.to_W(), transformation="r", permutations=0)
    # Turnout is positively autocorrelated: C < 1, our z positive, esda's negative.
    assert (
        result.statistic < 1
        and result.z_randomisation > 3
        and esda_geary.z_rand == pytest.approx(-result.z_randomisation)
    )
    assert result.p_randomisation < 1e-3


def test_geary_permutations_match_the_randomisation_moments(table, graph):
    result = global_geary(
        table["turnout"], graph, weights_name="queen", permutations=2000, seed=5, alternative="greater"
    )
    assert abs(result.mean_permuted - 1.0) < 4 * result.sd_permuted / np.sqrt(2000)
    assert result.sd_permuted == pytest.approx(np.sqrt(result.variance_randomisation), rel=0.06)
    assert result.p_permutation == pytest.approx(1 / 2001)


def test_geary_on_noise_is_not_significant_and_repeats_with_its_seed(noise, graph):
    def run(seed):
        return global_geary(noise, graph, weights_name="queen", permutations=499, seed=seed, alternative="two-sided")

    first = run(3)
    assert first == run(3) and first.mean_permuted != run(4).mean_permuted
    assert first.p_permutation > 0.05 and first.p_randomisation > 0.05


def test_getis_ord_detects_clustered_high_values_and_refuses_negatives(graph, boundaries_2021, noise):
    # High values planted in the north-east (Groningen, Drenthe) and noise elsewhere.
    north = boundaries_2021.set_index("code").geometry.centroid.y.reindex(graph.unique_ids) > 540_000
    values = pd.Series(np.where(north, 10.0, 1.0) + np.random.default_rng(2).uniform(size=352), index=graph.unique_ids)
    result = global_getis_ord(
        values.rename("planted"), graph, weights_name="queen", permutations=499, seed=1, alternative="greater"
    )
    assert result.statistic > result.expected and result.p_randomisation < 1e-3 and result.p_permutation == 1 / 500
    assert result.sd_permuted == pytest.approx(np.sqrt(result.variance_randomisation), rel=0.15)
    with pytest.raises(ValueError, match="non-negative"):
        global_getis_ord(noise, graph, weights_name="queen", permutations=0, seed=0, alternative="greater")


def test_getis_ord_leaves_the_callers_weights_untouched(table, graph):
    before = graph.transform("R").sparse.toarray()
    global_getis_ord(table["turnout"], graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    assert np.array_equal(graph.transform("R").sparse.toarray(), before)


def test_bivariate_moran_of_a_variable_with_itself_is_morans_i(table, graph):
    turnout = table["turnout"]
    same = bivariate_moran(
        turnout, turnout, graph, weights_name="queen", permutations=99, seed=1, alternative="greater"
    )
    moran = global_moran(turnout, graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    assert same.statistic == pytest.approx(moran.statistic, rel=1e-12)
    assert same.p_permutation == pytest.approx(0.01)


def test_bivariate_moran_with_unrelated_noise_is_not_significant(table, graph, noise):
    result = bivariate_moran(
        table["turnout"], noise, graph, weights_name="queen", permutations=999, seed=8, alternative="two-sided"
    )
    assert result.p_permutation > 0.05 and abs(result.z_permutation) < 1.96
    with pytest.raises(ValueError, match="permutations must be >= 1"):
        bivariate_moran(table["turnout"], noise, graph, weights_name="q", permutations=0, seed=0, alternative="greater")


def test_residual_moran_of_an_intercept_only_model_is_plain_morans_i(table, graph):
    residual = residual_moran(table["turnout"], table[[]], graph, weights_name="queen", alternative="greater")
    moran = global_moran(table["turnout"], graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    assert residual.statistic == pytest.approx(moran.statistic, rel=1e-12)
    assert residual.expected == pytest.approx(-1 / 351, rel=1e-12)
    assert residual.variance == pytest.approx(moran.variance_normality, rel=1e-10)
    assert residual.covariates == "(intercept only)" and residual.parameters == 1


def test_residual_moran_accounts_for_the_design(table, graph):
    result = residual_moran(
        table["turnout"], table[["log_eligible", "blank_share"]], graph, weights_name="queen", alternative="greater"
    )
    assert result.parameters == 3 and result.expected < -1 / 351  # E[I] moves away from -1/(n-1) with k
    with pytest.raises(ValueError, match="collinear"):
        residual_moran(
            table["turnout"],
            table[["log_eligible"]].assign(copy=table["log_eligible"] * 2),
            graph,
            weights_name="q",
            alternative="greater",
        )


def test_robustness_table_has_every_statistic_under_every_weights(table, graph, boundaries_2021):
    knn = knn_weights(boundaries_2021, id_column="code", k=6)
    graphs = {"queen": graph, "knn6": graph_from_edges(knn.edges, knn.ids)}
    result = global_statistics_table(
        table,
        graphs,
        variables=("turnout", "blank_share"),
        permutations=99,
        seed=1,
        alternative="greater",
        bivariate_pairs=(("turnout", "blank_share"),),
        residual_models={"size": ("turnout", ("log_eligible",))},
    )
    assert list(result.columns) == COLUMNS
    counts = result.groupby("weights")["statistic_name"].value_counts().unstack()
    assert (counts[["moran_i", "geary_c", "getis_ord_g"]] == 2).all().all()
    assert (counts[["bivariate_moran_i", "residual_moran_i"]] == 1).all().all()
    moran = result.query("statistic_name == 'moran_i'").set_index(["weights", "variable"])["z"]
    geary = result.query("statistic_name == 'geary_c'").set_index(["weights", "variable"])["z"]
    assert (np.sign(moran) == np.sign(geary)).all()  # spdep's sign convention for Geary
    assert (result["seed"] == 1).all() and set(result["alternative"]) == {"greater"}
