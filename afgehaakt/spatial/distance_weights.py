"""Distance-based weights on municipal centroids, as the same tidy edge list as queen contiguity.

Three constructions, each returning ``PointWeights`` (edge list focal, neighbor, weight, origin plus the
parameters) with a ``summary()`` that states n, links, components, isolates and the neighbour-count
distribution:

- ``knn_weights``: the k nearest centroids, binary. Not symmetric (j can be among i's k nearest without the
  converse); no unit is ever an isolate, but the graph may fall apart into components.
- ``distance_band_weights``: binary links between centroids at most ``threshold_m`` metres apart. A unit whose
  nearest centroid is farther away is an isolate; ``isolates="link_nearest"`` links it (symmetrically) to its
  nearest centroid instead and marks that link ``origin="isolate_nearest"``. On the 2021 map the largest
  nearest-neighbour distance is that of a Wadden island (Terschelling, about 26 km), so a band short enough to
  be local leaves isolates: the policy is recorded in the summary, and ``threshold_without_isolates`` gives
  the smallest whole-metre band with none.
- ``kernel_weights``: triangular or Gaussian kernel of centroid distance, with a fixed bandwidth in metres or
  an adaptive one (the distance to the (k + 1)-th nearest centroid, so exactly the k nearest get positive
  weight); the Gaussian is truncated at the bandwidth. Self-weights are left out, as in the other weights.

Centroids are the polygons' centroids in RD New (EPSG:28992), so distances are in metres. Weights are stored
untransformed; each statistic applies and records its own transformation. The k-nearest and distance-band links
come from libpysal's ``Graph.build_knn`` and ``Graph.build_distance_band``; the isolate policy and the edge list
are this module's. Kernel weights keep their own construction: their adaptive bandwidth is the distance to each
unit's own (k + 1)-th nearest centroid, one bandwidth per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy.spatial import cKDTree

from afgehaakt.spatial.weights import component_count

Kernel = Literal["triangular", "gaussian"]
DistanceBandIsolates = Literal["keep", "link_nearest"]


@dataclass(frozen=True)
class PointWeights:
    """An edge list built from centroid distances, the units it covers and how it was built."""

    edges: pd.DataFrame
    ids: tuple[str, ...]
    kind: str
    parameters: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return edge_list_summary(self.edges, self.ids) | {"weights": self.kind, "parameters": dict(self.parameters)}


def edge_list_summary(edges: pd.DataFrame, ids: tuple[str, ...]) -> dict:
    """n, directed links, components, isolates, symmetry and the distribution of neighbour counts."""
    cardinality = edges.groupby("focal").size().reindex(list(ids), fill_value=0)
    distribution = cardinality.value_counts().sort_index()
    pairs = set(zip(edges["focal"], edges["neighbor"], strict=True))
    return {
        "n": len(ids),
        "directed_links": len(edges),
        "components": component_count(edges, ids),
        "isolates": [unit for unit in ids if cardinality[unit] == 0],
        "symmetric": all((b, a) in pairs for a, b in pairs),
        "neighbour_count_distribution": {str(k): int(v) for k, v in distribution.items()},
        "neighbour_count_mean": round(float(cardinality.mean()), 6),
        "neighbour_count_min": int(cardinality.min()),
        "neighbour_count_max": int(cardinality.max()),
    }


def municipal_centroids(boundaries: gpd.GeoDataFrame, *, id_column: str) -> pd.DataFrame:
    """Centroid x and y (metres, in the boundaries' projected CRS) per unit, sorted by id."""
    if boundaries.crs is None or not boundaries.crs.is_projected:
        raise ValueError("centroid distances need boundaries in a projected CRS (metres), e.g. EPSG:28992")
    frame = boundaries.set_index(id_column).sort_index()
    centroids = frame.geometry.centroid
    return pd.DataFrame({"x": centroids.x.to_numpy(), "y": centroids.y.to_numpy()}, index=frame.index.astype(str))


def knn_weights(boundaries: gpd.GeoDataFrame, *, id_column: str, k: int) -> PointWeights:
    """Binary links from each unit to its ``k`` nearest centroids (ties broken by the KD-tree's order)."""
    centroids = municipal_centroids(boundaries, id_column=id_column)
    if not 1 <= k < len(centroids):
        raise ValueError(f"k must lie between 1 and n - 1 = {len(centroids) - 1}")
    edges = _graph_edges(Graph.build_knn(_points(centroids), k=k), centroids.index, "knn")
    return PointWeights(edges, tuple(centroids.index), "knn", {"k": k})


def distance_band_weights(
    boundaries: gpd.GeoDataFrame, *, id_column: str, threshold_m: float, isolates: DistanceBandIsolates = "keep"
) -> PointWeights:
    """Binary links between centroids at most ``threshold_m`` apart; ``isolates`` says what happens to the rest."""
    if threshold_m <= 0:
        raise ValueError("threshold_m must be positive")
    if isolates not in ("keep", "link_nearest"):
        raise ValueError(f"unknown isolate policy {isolates!r}")
    centroids = municipal_centroids(boundaries, id_column=id_column)
    band = Graph.build_distance_band(_points(centroids), threshold_m, binary=True)
    edges = _graph_edges(band, centroids.index, "distance_band")
    linked = []
    if isolates == "link_nearest":
        lonely = np.setdiff1d(np.arange(len(centroids)), centroids.index.get_indexer(edges["focal"]))
        _, nearest = _nearest(centroids, 1)
        targets = nearest[lonely, 0]
        extra = _edges(
            centroids.index,
            np.concatenate([lonely, targets]),
            np.concatenate([targets, lonely]),
            np.ones(2 * len(lonely)),
            "isolate_nearest",
        )
        edges = _sorted(pd.concat([edges, extra]).drop_duplicates(["focal", "neighbor"]))
        linked = [str(centroids.index[i]) for i in lonely]
    parameters = {"threshold_m": float(threshold_m), "isolates": isolates, "isolates_linked": linked}
    return PointWeights(edges, tuple(centroids.index), "distance_band", parameters)


def threshold_without_isolates(boundaries: gpd.GeoDataFrame, *, id_column: str) -> float:
    """The smallest whole-metre distance band that gives every unit a neighbour (largest nearest distance,
    rounded up, so that rounding in the distance computations cannot leave the farthest unit out)."""
    distances, _ = _nearest(municipal_centroids(boundaries, id_column=id_column), 1)
    return float(np.ceil(distances.max()))


def kernel_weights(
    boundaries: gpd.GeoDataFrame,
    *,
    id_column: str,
    kernel: Kernel,
    bandwidth_m: float | None = None,
    k: int | None = None,
) -> PointWeights:
    """Kernel weights K(d_ij / h_i): fixed h = ``bandwidth_m`` or adaptive h_i from the ``k`` nearest.

    Give exactly one of ``bandwidth_m`` and ``k``. Triangular: 1 - u; Gaussian: exp(-u^2 / 2), for u < 1.
    """
    if (bandwidth_m is None) == (k is None):
        raise ValueError("give exactly one of bandwidth_m (fixed) and k (adaptive)")
    if kernel not in ("triangular", "gaussian"):
        raise ValueError(f"unknown kernel {kernel!r}")
    centroids = municipal_centroids(boundaries, id_column=id_column)
    if k is not None:
        if not 1 <= k < len(centroids) - 1:
            raise ValueError(f"k must lie between 1 and n - 2 = {len(centroids) - 2}")
        distances, positions = _nearest(centroids, k + 1)
        bandwidth = distances[:, k]
        focal = np.repeat(np.arange(len(centroids)), k)
        neighbor, distance = positions[:, :k].ravel(), distances[:, :k].ravel()
        parameters = {"kernel": kernel, "bandwidth": "adaptive", "k": k}
    else:
        if bandwidth_m <= 0:
            raise ValueError("bandwidth_m must be positive")
        pairs = cKDTree(centroids.to_numpy()).query_pairs(bandwidth_m, output_type="ndarray")
        focal = np.concatenate([pairs[:, 0], pairs[:, 1]])
        neighbor = np.concatenate([pairs[:, 1], pairs[:, 0]])
        distance = np.hypot(*(centroids.to_numpy()[focal] - centroids.to_numpy()[neighbor]).T)
        bandwidth = np.full(len(centroids), float(bandwidth_m))
        parameters = {"kernel": kernel, "bandwidth": "fixed", "bandwidth_m": float(bandwidth_m)}
    scaled = distance / bandwidth[focal]
    weight = 1.0 - scaled if kernel == "triangular" else np.exp(-0.5 * scaled**2)
    keep = scaled < 1.0  # ties at the bandwidth get zero (triangular) or are cut (Gaussian truncation)
    edges = _edges(centroids.index, focal[keep], neighbor[keep], weight[keep], "kernel")
    return PointWeights(edges, tuple(centroids.index), "kernel", parameters)


def _nearest(centroids: pd.DataFrame, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and positions of the k nearest other centroids, nearest first."""
    distances, positions = cKDTree(centroids.to_numpy()).query(centroids.to_numpy(), k=k + 1)
    return distances[:, 1:], positions[:, 1:]


def _points(centroids: pd.DataFrame) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(centroids["x"], centroids["y"]), index=centroids.index)


def _graph_edges(graph: Graph, ids: pd.Index, origin: str) -> pd.DataFrame:
    """The libpysal graph as this module's edge list (libpysal's zero-weight self-link of an isolate dropped)."""
    adjacency = graph.adjacency.reset_index()
    focal = ids.get_indexer(adjacency["focal"].astype(str))
    neighbor = ids.get_indexer(adjacency["neighbor"].astype(str))
    linked = focal != neighbor
    return _edges(ids, focal[linked], neighbor[linked], adjacency["weight"].to_numpy(dtype=float)[linked], origin)


def _edges(ids: pd.Index, focal: np.ndarray, neighbor: np.ndarray, weight: np.ndarray, origin: str) -> pd.DataFrame:
    labels = ids.to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "focal": labels[focal].astype(str),
            "neighbor": labels[neighbor].astype(str),
            "weight": weight,
            "origin": origin,
        }
    )
    return _sorted(frame[frame["focal"] != frame["neighbor"]])


def _sorted(edges: pd.DataFrame) -> pd.DataFrame:
    return edges.sort_values(["focal", "neighbor"], kind="stable", ignore_index=True)
