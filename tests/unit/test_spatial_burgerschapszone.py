"""Burgerschapszone tools: residual clusters, the orientation test and the candidate-explanation table."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.burgerschapszone import (
    angular_deviation,
    axis_permutation_test,
    principal_axis,
    residual_clustering_by_candidate,
    residual_clusters,
)
from afgehaakt.spatial.distance_weights import municipal_centroids
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges, queen_weights


@pytest.fixture(scope="module")
def weights(boundaries_2021):
    return queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy())


@pytest.fixture(scope="module")
def graph(weights):
    return graph_from_edges(weights.edges, weights.ids)


@pytest.fixture(scope="module")
def centroids(boundaries_2021):
    return municipal_centroids(boundaries_2021, id_column="code")


@pytest.fixture(scope="module")
def band(centroids):
    """Municipalities within 12 km of the SW-NE line through the centre of the map."""
    x = centroids["x"] - centroids["x"].mean()
    y = centroids["y"] - centroids["y"].mean()
    return pd.Series(np.abs(y - x) / np.sqrt(2) < 12_000, index=centroids.index)


@pytest.fixture(scope="module")
def data(band):
    """An outcome that depends on one covariate, plus a bonus in the band that the covariate does not explain."""
    rng = np.random.default_rng(31)
    covariate = pd.Series(rng.normal(size=len(band)), index=band.index)
    outcome = 0.5 * covariate + 1.5 * band + rng.normal(scale=0.5, size=len(band))
    return pd.DataFrame({"outcome": outcome, "education": covariate, "in_band": band.astype(float)})


def test_principal_axis_measures_angle_from_east_and_elongation():
    t = np.linspace(-1, 1, 21)
    diagonal = pd.DataFrame({"x": t * 1000, "y": t * 1000 + np.tile([-1.0, 1.0], 11)[:21]})
    axis = principal_axis(diagonal)
    assert axis.angle_degrees == pytest.approx(45.0, abs=0.5) and axis.elongation > 1e4
    north_south = principal_axis(pd.DataFrame({"x": np.tile([0.0, 10.0], 10), "y": np.arange(20.0) * 100}))
    assert north_south.angle_degrees == pytest.approx(90.0, abs=0.5)
    north_west = principal_axis(pd.DataFrame({"x": -diagonal["x"], "y": diagonal["y"]}))
    assert north_west.angle_degrees == pytest.approx(135.0, abs=0.5)
    with pytest.raises(ValueError, match="at least three"):
        principal_axis(diagonal.head(2))


def test_angular_deviation_treats_axes_as_undirected():
    assert angular_deviation(170.0, 10.0) == pytest.approx(20.0)
    assert angular_deviation(225.0, 45.0) == pytest.approx(0.0)
    assert angular_deviation(135.0, 45.0) == pytest.approx(90.0)


def test_residual_clusters_find_the_unexplained_band(data, graph, band):
    result = residual_clusters(
        data["outcome"].rename("outcome"), data[["education"]], graph, weights_name="queen", permutations=499, seed=1
    )
    assert result.fit.coefficients["education"] == pytest.approx(0.5, abs=0.15)
    high = set(result.high_units)
    assert len(high) > 10 and np.mean([band[u] for u in high]) > 0.8
    assert set(result.high_units_fdr) <= high
    assert result.lisa["seed"].iloc[0] == 1 and result.lisa["alternative"].iloc[0] == "two-sided"


def test_a_southwest_northeast_band_is_more_oriented_and_elongated_than_random_clusters(band, weights, centroids):
    units = tuple(band[band].index)
    result = axis_permutation_test(units, weights.edges, centroids, draws=99, seed=2)
    assert angular_deviation(result.observed.angle_degrees, 45.0) < 5.0
    assert result.p_both == pytest.approx(0.01) and result.p_angle < 0.05
    assert sum(result.cluster_sizes) == len(units)
    row = result.as_row()
    assert row["draws"] == 99 and row["seed"] == 2 and row["elongation"] == result.observed.elongation


def test_axis_test_repeats_with_its_seed_and_a_compact_blob_is_not_a_band(weights, centroids):
    first = set(weights.edges.loc[weights.edges["focal"] == "0344", "neighbor"]) | {"0344"}
    blob = first | set(weights.edges.loc[weights.edges["focal"].isin(first), "neighbor"])
    result = axis_permutation_test(tuple(blob), weights.edges, centroids, draws=99, seed=3)
    again = axis_permutation_test(tuple(blob), weights.edges, centroids, draws=99, seed=3)
    assert result == again and result.cluster_sizes == (len(blob),)
    assert result.p_elongation > 0.05


def test_candidate_table_shows_how_much_residual_clustering_each_candidate_removes(data, graph):
    noise = pd.Series(np.random.default_rng(4).normal(size=len(data)), index=data.index)
    candidates = pd.DataFrame({"in_band": data["in_band"], "noise": noise})
    table = residual_clustering_by_candidate(
        data["outcome"].rename("outcome"), data[["education"]], candidates, graph, weights_name="queen"
    ).set_index("candidate")
    assert list(table.index) == ["(base)", "in_band", "noise", "(all candidates)"]
    assert table.loc["(base)", "removed"] == 0.0 and table.loc["(base)", "p_value"] < 1e-3
    assert table.loc["in_band", "share_removed"] > 0.7
    assert abs(table.loc["noise", "share_removed"]) < 0.05
    assert table.loc["in_band", "covariates"] == "education + in_band"
