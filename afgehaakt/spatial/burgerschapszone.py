"""Tools to test the *burgerschapszone*: a south-west to north-east band that does better than predicted.

The Atlas van afgehaakt Nederland reported a SW-NE zone where turnout and trust exceed what education and
income predict. Three questions, each answered by a function; the lead wires the data:

1. Where are the clusters of high residuals? ``residual_clusters``: OLS of the outcome on the covariates,
   local Moran of the residuals (seeded two-sided conditional permutation), and the units labelled HH,
   unadjusted and FDR-controlled.
2. Do those units lie along a SW-NE axis, more than chance would give? ``principal_axis`` gives the
   orientation (degrees counter-clockwise from east, in [0, 180); SW-NE is about 45) and the elongation
   (ratio of the larger to the smaller eigenvalue of the centroids' covariance). ``axis_permutation_test``
   compares them with clusters of the same sizes grown at random on the contiguity graph.
3. How much of the residual clustering does each candidate explanation remove? ``residual_clustering_by_candidate``:
   residual Moran's I (``lm.morantest`` moments) before and after adding each candidate covariate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from libpysal.graph import Graph

from afgehaakt.spatial.conditional_permutation import Draws
from afgehaakt.spatial.local import local_moran
from afgehaakt.spatial.ols import OlsFit, fit_ols
from afgehaakt.spatial.residual_moran import residual_moran_of_fit

SOUTHWEST_NORTHEAST_DEGREES = 45.0
MIN_AXIS_UNITS = 5
"""Fewest units the orientation test (and the map's axis) is run on: the axis of three or four centroids is set by
one or two of them, and random clusters of that size reach any angle and elongation easily."""
_GROWTH_ATTEMPTS = 100
"""Fresh starts allowed for one random cluster before the test gives up (the graph cannot hold it)."""


@dataclass(frozen=True)
class ResidualClusters:
    """OLS fit, the LISA table of its residuals and the units in significant high-residual (HH) clusters."""

    fit: OlsFit
    lisa: pd.DataFrame
    high_units: tuple[str, ...]
    high_units_fdr: tuple[str, ...]


@dataclass(frozen=True)
class PrincipalAxis:
    """Orientation (degrees from east, counter-clockwise, in [0, 180)) and elongation of a set of points."""

    angle_degrees: float
    elongation: float
    n: int


@dataclass(frozen=True)
class AxisTestResult:
    """The observed axis of a set of units against random connected placements of the same cluster sizes.

    ``share_*`` count the random placements at least as close to ``target_degrees`` (angle), at least as
    elongated, and both; the p-values add one to numerator and denominator, as for permutation tests.
    """

    units: tuple[str, ...]
    cluster_sizes: tuple[int, ...]
    observed: PrincipalAxis
    target_degrees: float
    observed_deviation_degrees: float
    draws: int
    seed: int
    share_angle: float
    share_elongation: float
    share_both: float
    p_angle: float
    p_elongation: float
    p_both: float

    def as_row(self) -> dict:
        return {
            "units": len(self.units),
            "cluster_sizes": " ".join(str(s) for s in self.cluster_sizes),
            "angle_degrees": self.observed.angle_degrees,
            "elongation": self.observed.elongation,
            "target_degrees": self.target_degrees,
            "deviation_degrees": self.observed_deviation_degrees,
            "draws": self.draws,
            "seed": self.seed,
            "share_angle": self.share_angle,
            "share_elongation": self.share_elongation,
            "share_both": self.share_both,
            "p_angle": self.p_angle,
            "p_elongation": self.p_elongation,
            "p_both": self.p_both,
            "alternative": "closer to target and more elongated than random connected clusters",
        }


def residual_clusters(
    outcome: pd.Series,
    covariates: pd.DataFrame,
    graph: Graph,
    *,
    weights_name: str,
    permutations: int,
    seed: int,
    alpha: float = 0.05,
    draws: Draws = "independent",
) -> ResidualClusters:
    """Fit OLS, run a two-sided local Moran on its residuals and list the significant HH units."""
    fit = fit_ols(outcome, covariates, graph)
    lisa = local_moran(
        fit.residuals, graph, weights_name=weights_name, permutations=permutations, seed=seed, alpha=alpha, draws=draws
    )
    return ResidualClusters(
        fit=fit,
        lisa=lisa,
        high_units=tuple(lisa.loc[lisa["cluster"] == "HH", "code"]),
        high_units_fdr=tuple(lisa.loc[lisa["cluster_fdr"] == "HH", "code"]),
    )


def principal_axis(coordinates: pd.DataFrame) -> PrincipalAxis:
    """Major axis of the points' covariance (columns x, y in a projected CRS with y to the north)."""
    if len(coordinates) < 3:
        raise ValueError("an axis needs at least three points")
    return _axis(coordinates[["x", "y"]].to_numpy(dtype=float))


def angular_deviation(angle_degrees: float, target_degrees: float) -> float:
    """Distance between two undirected axes in degrees, in [0, 90]."""
    difference = abs(angle_degrees - target_degrees) % 180.0
    return min(difference, 180.0 - difference)


def axis_permutation_test(
    units: tuple[str, ...] | list[str],
    edges: pd.DataFrame,
    centroids: pd.DataFrame,
    *,
    draws: int,
    seed: int,
    target_degrees: float = SOUTHWEST_NORTHEAST_DEGREES,
) -> AxisTestResult:
    """Is the axis of ``units`` closer to ``target_degrees`` and more elongated than chance?

    The units are split into their connected clusters on the contiguity ``edges``; each random placement
    grows, for every cluster, a connected set of the same size from a random start, adding a uniformly
    chosen neighbour of the set at each step (Eden growth), disjoint from the sets already placed. Draws
    come from ``numpy.random.default_rng(seed)``. ``centroids`` has columns x and y indexed by unit code.
    """
    units = tuple(sorted(units))
    if draws < 1:
        raise ValueError("draws must be >= 1")
    adjacency = _adjacency(edges, tuple(centroids.index))
    position = {code: k for k, code in enumerate(centroids.index)}
    sizes = tuple(sorted((len(c) for c in _clusters([position[u] for u in units], adjacency)), reverse=True))
    points = centroids[["x", "y"]].to_numpy(dtype=float)
    observed = _axis(points[[position[u] for u in units]])
    deviation = angular_deviation(observed.angle_degrees, target_degrees)
    rng = np.random.default_rng(seed)
    closer = longer = both = 0
    for _ in range(draws):
        placed = _random_placement(sizes, adjacency, rng)
        axis = _axis(points[placed])
        is_closer = angular_deviation(axis.angle_degrees, target_degrees) <= deviation
        is_longer = axis.elongation >= observed.elongation
        closer += is_closer
        longer += is_longer
        both += is_closer and is_longer
    return AxisTestResult(
        units=units,
        cluster_sizes=sizes,
        observed=observed,
        target_degrees=target_degrees,
        observed_deviation_degrees=deviation,
        draws=draws,
        seed=seed,
        share_angle=closer / draws,
        share_elongation=longer / draws,
        share_both=both / draws,
        p_angle=(1 + closer) / (1 + draws),
        p_elongation=(1 + longer) / (1 + draws),
        p_both=(1 + both) / (1 + draws),
    )


def residual_clustering_by_candidate(
    outcome: pd.Series,
    base_covariates: pd.DataFrame,
    candidates: pd.DataFrame,
    graph: Graph,
    *,
    weights_name: str,
    transformation: str = "r",
) -> pd.DataFrame:
    """Residual Moran's I of the base model and of the base model plus each candidate (and all candidates).

    ``removed`` is I(base) - I(with candidate) and ``share_removed`` that over I(base). The tests are
    one-sided (``greater``: positive residual autocorrelation), with spdep's ``lm.morantest`` moments.
    """
    models = {"(base)": base_covariates}
    models |= {name: base_covariates.join(candidates[[name]]) for name in candidates.columns}
    if len(candidates.columns) > 1:
        models["(all candidates)"] = base_covariates.join(candidates)
    results = {
        candidate: residual_moran_of_fit(
            fit_ols(outcome, design, graph),
            graph,
            weights_name=weights_name,
            transformation=transformation,
            alternative="greater",
        )
        for candidate, design in models.items()
    }
    base = results["(base)"].statistic
    rows = [
        {
            "candidate": candidate,
            **result.as_row(),
            "removed": base - result.statistic,
            "share_removed": (base - result.statistic) / base,
        }
        for candidate, result in results.items()
    ]
    return pd.DataFrame(rows)


def _axis(points: np.ndarray) -> PrincipalAxis:
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(points, rowvar=False))
    major = eigenvectors[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0])) % 180.0)
    elongation = float(eigenvalues[1] / eigenvalues[0]) if eigenvalues[0] > 0 else float("inf")
    return PrincipalAxis(angle_degrees=angle, elongation=elongation, n=len(points))


def _adjacency(edges: pd.DataFrame, ids: tuple[str, ...]) -> list[np.ndarray]:
    position = pd.Index(ids)
    focal = position.get_indexer(edges["focal"])
    neighbor = position.get_indexer(edges["neighbor"])
    if (focal < 0).any() or (neighbor < 0).any():
        raise ValueError("the edge list names units that have no centroid")
    order = np.lexsort((neighbor, focal))
    focal, neighbor = focal[order], neighbor[order]
    splits = np.searchsorted(focal, np.arange(1, len(ids)))
    return np.split(neighbor, splits)


def _clusters(members: list[int], adjacency: list[np.ndarray]) -> list[set[int]]:
    remaining, clusters = set(members), []
    while remaining:
        start = min(remaining)
        cluster, stack = {start}, [start]
        while stack:
            for neighbour in adjacency[stack.pop()]:
                if neighbour in remaining and neighbour not in cluster:
                    cluster.add(int(neighbour))
                    stack.append(int(neighbour))
        remaining -= cluster
        clusters.append(cluster)
    return clusters


def _random_placement(sizes: tuple[int, ...], adjacency: list[np.ndarray], rng: np.random.Generator) -> list[int]:
    taken: set[int] = set()
    for size in sizes:
        taken |= _grow(size, adjacency, taken, rng)
    return sorted(taken)


def _grow(size: int, adjacency: list[np.ndarray], taken: set[int], rng: np.random.Generator) -> set[int]:
    free = np.array([u for u in range(len(adjacency)) if u not in taken])
    for _ in range(_GROWTH_ATTEMPTS):
        cluster = {int(rng.choice(free))}
        frontier = {int(v) for v in adjacency[next(iter(cluster))]} - taken - cluster
        while len(cluster) < size and frontier:
            chosen = sorted(frontier)[rng.integers(len(frontier))]  # sorted: the draw depends on the seed only
            cluster.add(chosen)
            frontier |= {int(v) for v in adjacency[chosen]}
            frontier -= cluster | taken
        if len(cluster) == size:
            return cluster
    raise ValueError(f"could not grow a connected cluster of {size} units in {_GROWTH_ATTEMPTS} attempts")
