"""k-nearest-neighbour, distance-band and kernel weights on the 2021 municipal centroids."""

import numpy as np
import pytest

from afgehaakt.spatial.distance_weights import (
    distance_band_weights,
    edge_list_summary,
    kernel_weights,
    knn_weights,
    municipal_centroids,
    threshold_without_isolates,
)
from afgehaakt.spatial.weights import graph_from_edges

WADDEN = {"0448", "0096", "0093", "0060", "0088"}


@pytest.fixture(scope="module")
def centroids(boundaries_2021):
    return municipal_centroids(boundaries_2021, id_column="code")


def _lengths(edges, centroids):
    start = centroids.loc[edges["focal"], ["x", "y"]].to_numpy()
    end = centroids.loc[edges["neighbor"], ["x", "y"]].to_numpy()
    return np.hypot(*(start - end).T)


def test_centroids_are_in_metres_and_sorted(centroids):
    assert len(centroids) == 352 and centroids.index.is_monotonic_increasing
    # RD New: the Netherlands lies within x 0-300 km and y 300-625 km.
    assert centroids["x"].between(0, 300_000).all() and centroids["y"].between(300_000, 625_000).all()


def test_knn_gives_every_unit_exactly_k_nearest(boundaries_2021, centroids):
    weights = knn_weights(boundaries_2021, id_column="code", k=5)
    counts = weights.edges.groupby("focal").size()
    assert (counts == 5).all() and len(counts) == 352
    summary = weights.summary()
    assert summary["isolates"] == [] and summary["directed_links"] == 352 * 5
    assert summary["neighbour_count_distribution"] == {"5": 352} and summary["parameters"] == {"k": 5}
    # The fifth neighbour of a unit is no farther than any unit that is not among its five.
    edges = weights.edges.assign(length=_lengths(weights.edges, centroids))
    focal = "0363"  # Amsterdam
    farthest = edges.loc[edges["focal"] == focal, "length"].max()
    others = centroids.drop(index=[focal, *edges.loc[edges["focal"] == focal, "neighbor"]])
    distances = np.hypot(others["x"] - centroids.loc[focal, "x"], others["y"] - centroids.loc[focal, "y"])
    assert farthest <= distances.min()


def test_knn_rejects_impossible_k(boundaries_2021):
    with pytest.raises(ValueError, match="k must lie between"):
        knn_weights(boundaries_2021, id_column="code", k=0)


def test_distance_band_links_exactly_the_pairs_within_the_threshold(boundaries_2021, centroids):
    weights = distance_band_weights(boundaries_2021, id_column="code", threshold_m=20_000)
    lengths = _lengths(weights.edges, centroids)
    assert lengths.max() <= 20_000 and (weights.edges["weight"] == 1.0).all()
    summary = weights.summary()
    assert summary["symmetric"]
    # Four Wadden islands lie farther than 20 km from every other centroid; Texel does not.
    assert set(summary["isolates"]) == WADDEN - {"0448"}
    assert summary["components"] == 1 + len(summary["isolates"])
    assert summary["parameters"]["isolates"] == "keep"


def test_distance_band_can_link_isolates_to_their_nearest_centroid(boundaries_2021):
    weights = distance_band_weights(boundaries_2021, id_column="code", threshold_m=20_000, isolates="link_nearest")
    summary = weights.summary()
    assert summary["isolates"] == [] and summary["symmetric"]
    assert set(summary["parameters"]["isolates_linked"]) == WADDEN - {"0448"}
    assert (weights.edges["origin"] == "isolate_nearest").sum() == 2 * 4


def test_threshold_without_isolates_is_the_smallest_such_band(boundaries_2021):
    threshold = threshold_without_isolates(boundaries_2021, id_column="code")
    assert distance_band_weights(boundaries_2021, id_column="code", threshold_m=threshold).summary()["isolates"] == []
    below = distance_band_weights(boundaries_2021, id_column="code", threshold_m=threshold - 1.0)
    assert len(below.summary()["isolates"]) == 1


def test_adaptive_triangular_kernel_weights_the_k_nearest_by_distance(boundaries_2021, centroids):
    weights = kernel_weights(boundaries_2021, id_column="code", kernel="triangular", k=6)
    edges = weights.edges.assign(length=_lengths(weights.edges, centroids))
    assert (edges.groupby("focal").size() == 6).all()
    assert edges["weight"].between(0, 1, inclusive="neither").all()
    for _, row in edges.groupby("focal"):
        ordered = row.sort_values("length")
        assert (np.diff(ordered["weight"].to_numpy()) <= 1e-12).all()
    assert weights.summary()["parameters"] == {"kernel": "triangular", "bandwidth": "adaptive", "k": 6}


def test_fixed_gaussian_kernel_stays_within_the_bandwidth(boundaries_2021, centroids):
    weights = kernel_weights(boundaries_2021, id_column="code", kernel="gaussian", bandwidth_m=25_000)
    lengths = _lengths(weights.edges, centroids)
    assert lengths.max() < 25_000
    np.testing.assert_allclose(weights.edges["weight"], np.exp(-0.5 * (lengths / 25_000) ** 2))
    assert weights.summary()["symmetric"]


def test_kernel_needs_exactly_one_bandwidth_rule(boundaries_2021):
    with pytest.raises(ValueError, match="exactly one"):
        kernel_weights(boundaries_2021, id_column="code", kernel="gaussian")
    with pytest.raises(ValueError, match="exactly one"):
        kernel_weights(boundaries_2021, id_column="code", kernel="gaussian", k=4, bandwidth_m=1e4)
    with pytest.raises(ValueError, match="unknown kernel"):
        kernel_weights(boundaries_2021, id_column="code", kernel="epanechnikov", k=4)


def test_every_construction_becomes_a_graph_over_all_units(boundaries_2021):
    for weights in (
        knn_weights(boundaries_2021, id_column="code", k=4),
        distance_band_weights(boundaries_2021, id_column="code", threshold_m=15_000),
        kernel_weights(boundaries_2021, id_column="code", kernel="triangular", bandwidth_m=30_000),
    ):
        graph = graph_from_edges(weights.edges, weights.ids)
        assert graph.n == 352
        assert graph.sparse.sum() == pytest.approx(weights.edges["weight"].sum())
        assert edge_list_summary(weights.edges, weights.ids)["n"] == 352
