"""Contiguity weights as a tidy edge list, with an explicit policy for municipalities that touch no other.

The 2021 map is not one connected piece under queen contiguity: the five Wadden islands are isolates and
Zeeuws-Vlaanderen (Hulst, Terneuzen, Sluis) is cut off by the Westerschelde. Leaving them out, or leaving them
without neighbours, is a modelling choice, so the choice is a named policy, recorded in every result.

The edge list has one row per directed link (focal, neighbor, weight, origin): ``origin`` is ``contiguity`` for a
shared border or corner and ``island_policy`` for a link the policy added. Weights are binary here; the
transformation (row-standardisation, ...) belongs to each statistic and is recorded there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

IslandMethod = Literal["connect_to_largest", "none"]


@dataclass(frozen=True)
class IslandPolicy:
    """How disconnected components are treated.

    ``connect_to_largest``: every component other than the largest is linked, symmetrically, to the
    ``links_per_component`` municipalities of the largest component nearest to it (boundary-to-boundary
    distance), each through the member of the component nearest to that municipality. ``none``: components
    stay disconnected and isolates keep no neighbours.
    """

    method: IslandMethod = "connect_to_largest"
    links_per_component: int = 1

    def __post_init__(self) -> None:
        if self.method not in ("connect_to_largest", "none"):
            raise ValueError(f"unknown island policy {self.method!r}")
        if self.links_per_component < 1:
            raise ValueError("links_per_component must be at least 1")

    def describe(self) -> str:
        if self.method == "none":
            return "none"
        return f"{self.method}(links_per_component={self.links_per_component})"


@dataclass(frozen=True)
class ContiguityWeights:
    """The edge list and what the island policy did to it."""

    edges: pd.DataFrame
    ids: tuple[str, ...]
    added_links: pd.DataFrame
    components_before: int
    components_after: int
    policy: IslandPolicy

    def summary(self) -> dict:
        cardinality = self.edges.groupby("focal").size().reindex(list(self.ids), fill_value=0)
        distribution = cardinality.value_counts().sort_index()
        return {
            "contiguity": "queen",
            "units": len(self.ids),
            "directed_links": len(self.edges),
            "island_policy": self.policy.describe(),
            "components_before": self.components_before,
            "components_after": self.components_after,
            "links_added": self.added_links.to_dict(orient="records"),
            "isolates_after": [i for i in self.ids if cardinality[i] == 0],
            "neighbour_count_distribution": {str(k): int(v) for k, v in distribution.items()},
            "neighbour_count_mean": round(float(cardinality.mean()), 6),
        }


def queen_weights(boundaries: gpd.GeoDataFrame, *, id_column: str, policy: IslandPolicy,
                  contiguity: pd.DataFrame | None = None) -> ContiguityWeights:
    """Queen contiguity (shared border or corner) among the polygons, then the island policy.

    ``contiguity``, when given, is the queen edge list of a superset of these polygons (before any island
    policy): the links among a subset are exactly the superset's links between its members, so they are
    selected instead of recomputed (the PC4 stage builds weights for several samples of one layer).
    """
    frame = boundaries.set_index(id_column).sort_index()
    ids = tuple(str(i) for i in frame.index)
    if contiguity is None:
        edges = _edges_from_graph(Graph.build_contiguity(frame.geometry, rook=False))
    else:
        members = set(ids)
        among = contiguity["focal"].isin(members) & contiguity["neighbor"].isin(members)
        edges = contiguity.loc[among & (contiguity["origin"] == "contiguity")].reset_index(drop=True)
    before = _component_labels(edges, ids)
    added = _no_links()
    if policy.method == "connect_to_largest":
        added = _links_to_largest(frame, before, policy.links_per_component)
        mirrored = added.rename(columns={"focal": "neighbor", "neighbor": "focal"})
        extra = pd.concat([added, mirrored])[["focal", "neighbor"]].assign(weight=1.0, origin="island_policy")
        edges = pd.concat([edges, extra]).drop_duplicates(["focal", "neighbor"])
        edges = edges.sort_values(["focal", "neighbor"], kind="stable").reset_index(drop=True)
    after = _component_labels(edges, ids)
    return ContiguityWeights(
        edges=edges,
        ids=ids,
        added_links=added.reset_index(drop=True),
        components_before=int(before.nunique()),
        components_after=int(after.nunique()),
        policy=policy,
    )


def graph_from_edges(edges: pd.DataFrame, ids: list[str] | tuple[str, ...]) -> Graph:
    """A libpysal Graph over ``ids`` (in that order) from an edge list; units without links become isolates."""
    present = set(edges["focal"])
    isolates = [i for i in ids if i not in present]
    focal = np.concatenate([edges["focal"].to_numpy(dtype=object), np.array(isolates, dtype=object)])
    neighbor = np.concatenate([edges["neighbor"].to_numpy(dtype=object), np.array(isolates, dtype=object)])
    weight = np.concatenate([edges["weight"].to_numpy(dtype=float), np.zeros(len(isolates))])
    order = pd.Index(ids)
    sort = np.lexsort((order.get_indexer(neighbor), order.get_indexer(focal)))
    return Graph.from_arrays(focal[sort], neighbor[sort], weight[sort])


def component_count(edges: pd.DataFrame, ids: list[str] | tuple[str, ...]) -> int:
    return int(_component_labels(edges, tuple(ids)).nunique())


def _edges_from_graph(graph: Graph) -> pd.DataFrame:
    adjacency = graph.adjacency.reset_index()
    adjacency = adjacency[adjacency["focal"] != adjacency["neighbor"]]
    return pd.DataFrame(
        {
            "focal": adjacency["focal"].astype(str).to_numpy(),
            "neighbor": adjacency["neighbor"].astype(str).to_numpy(),
            "weight": 1.0,
            "origin": "contiguity",
        }
    ).sort_values(["focal", "neighbor"], kind="stable", ignore_index=True)


def _component_labels(edges: pd.DataFrame, ids: tuple[str, ...]) -> pd.Series:
    position = {unit: k for k, unit in enumerate(ids)}
    rows = edges["focal"].map(position).to_numpy()
    cols = edges["neighbor"].map(position).to_numpy()
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
    _, labels = connected_components(matrix, directed=False)
    return pd.Series(labels, index=list(ids))


def _no_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "component": pd.Series(dtype="int64"),
            "focal": pd.Series(dtype="str"),
            "neighbor": pd.Series(dtype="str"),
            "distance_m": pd.Series(dtype="float64"),
        }
    )


def _links_to_largest(frame: gpd.GeoDataFrame, labels: pd.Series, links: int) -> pd.DataFrame:
    sizes = labels.value_counts()
    # Ties in size are broken by the smallest code in the component, so the choice never depends on order.
    first_code = pd.Series(labels.index, index=labels.index).groupby(labels).min()
    largest = sorted(sizes.index, key=lambda c: (-sizes[c], first_code[c]))[0]
    mainland = frame.loc[labels[labels == largest].index]
    rows = []
    components = sorted((c for c in sizes.index if c != largest), key=lambda c: first_code[c])
    for number, component in enumerate(components, start=1):
        members = frame.loc[labels[labels == component].index]
        nearest = _nearest_units(mainland.geometry, members.geometry.union_all(), links)
        for target in sorted(nearest):
            member_distances = members.geometry.distance(mainland.geometry[target]).sort_index()
            source = member_distances.idxmin()
            rows.append(
                {
                    "component": number,
                    "focal": str(source),
                    "neighbor": str(target),
                    "distance_m": float(member_distances[source]),
                }
            )
    return pd.DataFrame(rows) if rows else _no_links()


def _nearest_units(candidates: gpd.GeoSeries, target, count: int) -> pd.Index:
    """The ``count`` candidates nearest to ``target``, ties broken by their order (as a stable sort would).

    Exact distances are computed in order of a cheap lower bound (the distance between bounding boxes) and
    only until no candidate left could come closer than (or tie with) the ``count``-th found: with thousands of
    detailed polygons (postcode areas) this avoids measuring the distance to every one of them.
    """
    target_box = gpd.GeoSeries([target]).envelope.iloc[0]
    lower = candidates.envelope.distance(target_box).to_numpy()
    order = np.argsort(lower, kind="stable")
    exact = np.full(len(candidates), np.inf)
    done = 0
    while done < len(order):
        batch = order[done : done + max(count, 64)]
        exact[batch] = candidates.iloc[batch].distance(target).to_numpy()
        done += len(batch)
        kth = np.sort(exact)[min(count, len(exact)) - 1]
        if done == len(order) or kth < lower[order[done]]:
            break
    ranking = np.argsort(exact, kind="stable")[:count]
    return candidates.index[ranking]
