"""LISA: local Moran, bivariate local Moran and Gi* with seeded two-sided conditional permutation."""

import esda
import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.conditional_permutation import conditional_reference, neighbour_rows
from afgehaakt.spatial.local import (
    ISOLATE,
    NOT_SIGNIFICANT,
    cluster_labels,
    fdr_cutoff,
    local_bivariate_moran,
    local_getis_ord_star,
    local_moran,
)
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges, queen_weights

UTRECHT = "0344"


@pytest.fixture(scope="module")
def weights(boundaries_2021):
    return queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy())


@pytest.fixture(scope="module")
def graph(weights):
    return graph_from_edges(weights.edges, weights.ids)


@pytest.fixture(scope="module")
def noise(graph):
    return pd.Series(np.random.default_rng(21).normal(size=352), index=graph.unique_ids, name="noise")


@pytest.fixture(scope="module")
def planted(weights, noise):
    """Noise plus 3 sd in Utrecht, its neighbours and theirs: a cluster the LISA must find."""
    first = set(weights.edges.loc[weights.edges["focal"] == UTRECHT, "neighbor"]) | {UTRECHT}
    block = first | set(weights.edges.loc[weights.edges["focal"].isin(first), "neighbor"])
    values = noise.copy().rename("planted")
    values[list(block)] += 3.0
    return values, first


@pytest.fixture(scope="module")
def turnout(tk2021):
    totals = tk2021.totals.set_index("code")
    return (totals["votes_cast"] / totals["eligible"]).astype(float).rename("turnout")


def test_local_moran_agrees_with_esda_on_spdeps_scale(turnout, graph):
    table = local_moran(turnout, graph, weights_name="queen", permutations=9, seed=0)
    y = turnout.reindex(graph.unique_ids).to_numpy()
    reference = esda.Moran_Local(y, graph.to_W(), transformation="r", permutations=0)
    np.testing.assert_allclose(table["statistic"] * 351 / 352, reference.Is, rtol=1e-12)
    np.testing.assert_allclose(table["expected"], reference.EIc, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(table["variance"], reference.VIc, rtol=1e-10, atol=1e-15)


def test_esda_draws_give_esdas_p_values_for_real_turnout(turnout, graph):
    # Real queen weights of 2021 (islands linked): with draws="esda" the two-sided p is twice esda's folded p_sim
    # for the same seed, capped at 1, wherever no permuted value ties the observed one; the table says so.
    # A unit with one or two neighbours ties whenever a replicate draws its own neighbours (about 1 in 351 or
    # 61,000 replicates); we count ties in both tails, esda in one, so only those units may differ.
    table = local_moran(turnout, graph, weights_name="queen", permutations=999, seed=11, draws="esda")
    y = turnout.reindex(graph.unique_ids).to_numpy()
    reference = esda.Moran_Local(y, graph.to_W(), transformation="r", permutations=999, seed=11)
    twice_esda = np.minimum(1.0, 2.0 * reference.p_sim)
    few_neighbours = graph.cardinalities.reindex(graph.unique_ids).to_numpy() <= 2
    np.testing.assert_allclose(table["p_sim"][~few_neighbours], twice_esda[~few_neighbours], rtol=1e-15)
    assert (np.abs(table["p_sim"] - twice_esda)[few_neighbours] <= 2 * 8 / 1000).all()
    assert (table["draws"] == "esda").all()
    independent = local_moran(turnout, graph, weights_name="queen", permutations=999, seed=11)
    assert (independent["draws"] == "independent").all()
    assert not independent["p_sim"].equals(table["p_sim"])


def test_conditional_permutation_reproduces_the_analytical_moments(turnout, graph):
    table = local_moran(turnout, graph, weights_name="queen", permutations=4000, seed=2)
    standard_error = np.sqrt(table["variance"] / 4000)
    assert (np.abs(table["mean_permuted"] - table["expected"]) < 5 * standard_error).all()
    np.testing.assert_allclose(table["sd_permuted"], np.sqrt(table["variance"]), rtol=0.08)


def test_same_seed_same_p_other_seed_other_p(turnout, graph):
    def run(seed):
        return local_moran(turnout, graph, weights_name="queen", permutations=199, seed=seed)["p_sim"]

    first = run(5)
    pd.testing.assert_series_equal(first, run(5))
    assert not first.equals(run(6))


def test_two_sided_p_doubles_the_smaller_tail(turnout, graph):
    def p(alternative):
        table = local_moran(turnout, graph, weights_name="q", permutations=99, seed=1, alternative=alternative)
        return table["p_sim"].to_numpy()

    greater, less, two_sided = p("greater"), p("less"), p("two-sided")
    np.testing.assert_allclose(two_sided, np.minimum(1.0, 2.0 * np.minimum(greater, less)))
    assert (two_sided >= 2 / 100 - 1e-12).all()


def test_spatial_noise_gives_about_alpha_significant_units_and_no_fdr_clusters(noise, graph):
    table = local_moran(noise, graph, weights_name="queen", permutations=999, seed=3)
    significant = (table["cluster"] != NOT_SIGNIFICANT).mean()
    assert 0.01 < significant < 0.10
    assert (table["cluster_fdr"] != NOT_SIGNIFICANT).sum() <= 2


def test_a_planted_cluster_is_found_as_high_high(planted, graph):
    values, core = planted
    table = local_moran(values, graph, weights_name="queen", permutations=999, seed=4).set_index("code")
    assert (table.loc[list(core), "cluster"] == "HH").all()
    assert table.loc[UTRECHT, "cluster_fdr"] == "HH"
    assert table.loc[UTRECHT, "z"] > 3


def test_fdr_labels_are_a_subset_of_the_unadjusted_labels(planted, graph):
    values, _ = planted
    table = local_moran(values, graph, weights_name="queen", permutations=499, seed=5, alpha=0.1)
    fdr = table["cluster_fdr"] != NOT_SIGNIFICANT
    assert fdr.any()
    assert (table.loc[fdr, "cluster"] == table.loc[fdr, "cluster_fdr"]).all()
    assert table["fdr_cutoff"].iloc[0] <= 0.1
    assert set(table[["alpha", "permutations", "seed", "alternative"]].iloc[0]) == {0.1, 499, 5, "two-sided"}


def test_fdr_cutoff_is_benjamini_hochberg():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # BH at 0.05: the largest i with p_(i) < i * 0.05 / 10 is i = 2, so the cut-off is 0.01.
    assert fdr_cutoff(p, 0.05) == pytest.approx(0.01)
    labels = cluster_labels(np.array(["HH"] * 10), p, fdr_cutoff(p, 0.05))
    assert list(labels[:3]) == ["HH", "HH", NOT_SIGNIFICANT]
    assert fdr_cutoff(np.array([0.5, np.nan, 0.9]), 0.05) == pytest.approx(0.05 / 2)


def test_isolates_have_no_reference_distribution(boundaries_2021, turnout):
    unlinked = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy("none"))
    graph = graph_from_edges(unlinked.edges, unlinked.ids)
    table = local_moran(turnout, graph, weights_name="queen-none", permutations=99, seed=1).set_index("code")
    isolates = unlinked.summary()["isolates_after"]
    assert (table.loc[isolates, "cluster"] == ISOLATE).all() and table.loc[isolates, "p_sim"].isna().all()
    assert table.drop(index=isolates)["p_sim"].notna().all()


def test_bivariate_local_moran_of_a_variable_with_itself_is_local_moran(turnout, graph):
    own = local_moran(turnout, graph, weights_name="queen", permutations=99, seed=7)
    both = local_bivariate_moran(turnout, turnout, graph, weights_name="queen", permutations=99, seed=7)
    np.testing.assert_allclose(both["statistic"], own["statistic"], rtol=1e-12)
    np.testing.assert_array_equal(both["p_sim"], own["p_sim"])  # the same draws and the same pool
    assert both["expected"].isna().all() and both["variable"].iloc[0] == "turnout ~ lag(turnout)"


def test_bivariate_local_moran_agrees_with_esda_and_ignores_unrelated_noise(turnout, noise, graph):
    table = local_bivariate_moran(turnout, noise, graph, weights_name="queen", permutations=999, seed=8)
    reference = esda.Moran_Local_BV(
        turnout.reindex(graph.unique_ids).to_numpy(), noise.to_numpy(), graph.to_W(), permutations=0
    )
    np.testing.assert_allclose(table["statistic"] * 351 / 352, reference.Is, rtol=1e-12)
    assert (table["cluster_fdr"] != NOT_SIGNIFICANT).sum() <= 2


def test_gi_star_finds_the_planted_hot_spot(planted, graph):
    values, core = planted
    shifted = (values - values.min()).rename("planted")
    table = local_getis_ord_star(shifted, graph, weights_name="queen", permutations=999, seed=9).set_index("code")
    assert (table.loc[list(core), "cluster"] == "hot spot").all()
    assert table.loc[UTRECHT, "cluster_fdr"] == "hot spot"
    assert table["transformation"].iloc[0] == "B (self included)"
    with pytest.raises(ValueError, match="non-negative"):
        local_getis_ord_star(values, graph, weights_name="queen", permutations=9, seed=0)


def test_conditional_reference_keeps_the_units_own_value(graph):
    # A unit's statistic is its neighbours' sum; with all other values equal it cannot vary under permutation.
    rows = neighbour_rows(graph, "b")
    pool = np.ones(352)
    pool[0] = 100.0
    observed = np.array([rows.row(i)[1] @ pool[rows.row(i)[0]] for i in range(352)])
    reference = conditional_reference(
        observed, np.ones(352), np.zeros(352), pool, rows, permutations=50, seed=1, alternative="two-sided"
    )
    assert reference.sd[0] == 0.0 and reference.p_value[0] == 1.0
