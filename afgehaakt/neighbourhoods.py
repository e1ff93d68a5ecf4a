"""Sub-municipal scale on real geometry: the postcode areas (PC4) with their TK2025 values, at several sizes.

This is the workload whose cost grows with the number of units and permutations, and the scenario that measures
how the heavy rules grow (wall time, peak memory). The units are the real 2020 PC4 polygons (CBS) of the pc4
stage (``afgehaakt/pc4``), with the outsider and orthodox-Protestant shares of the polling stations placed in
them and the area covariates; an area without a value for one of the configured variables is listed and left
out (it has no polling station, or CBS withheld the covariate), never silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from afgehaakt.errors import InputDataError
from afgehaakt.spatial.local import local_getis_ord_star, local_moran
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.weights import graph_from_edges


def area_units(areas: gpd.GeoDataFrame, variables: list[str]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """(units, excluded): the areas with a value for every variable (``code`` = PC4, municipality, the variables,
    geometry), and the other areas with the variables they lack."""
    unknown = [v for v in variables if v not in areas.columns]
    if unknown:
        raise ValueError(f"variables {unknown} are not columns of the PC4 areas")
    missing = areas[variables].isna()
    lacking = missing.any(axis=1)
    excluded = pd.DataFrame({
        "code": areas.loc[lacking, "pc4"].to_numpy(),
        "reason": ["no value for " + ", ".join(missing.columns[row]) for row in missing.to_numpy()[lacking]],
    })
    units = areas.loc[~lacking, ["pc4", "municipality", *variables, "geometry"]].rename(columns={"pc4": "code"})
    return units.sort_values("code", ignore_index=True), excluded


def nearest_units(areas: gpd.GeoDataFrame, size: str, *, centre: tuple[float, float]) -> gpd.GeoDataFrame:
    """The ``size`` areas whose centroids lie nearest to ``centre`` (a compact region), or all for ``"all"``."""
    if size == "all":
        return areas
    count = int(size)
    if not 0 < count <= len(areas):
        raise ValueError(f"size {count} is not between 1 and the {len(areas)} units with values")
    centroids = areas.geometry.centroid
    distance = np.hypot(centroids.x - centre[0], centroids.y - centre[1])
    order = np.lexsort((areas["code"].to_numpy(), distance.to_numpy()))
    return areas.iloc[np.sort(order[:count])].reset_index(drop=True)


def _values_and_graph(areas: pd.DataFrame, edges: pd.DataFrame, variables: list[str]):
    ids = tuple(areas["code"])
    return areas.set_index("code")[variables].astype(float), graph_from_edges(edges, ids)


def global_moran_rows(areas: pd.DataFrame, edges: pd.DataFrame, *, variables: list[str], permutations: int,
                      seed: int, alternative: str) -> pd.DataFrame:
    """Global Moran's I of each variable over the areas, with its analytical and permutation inference."""
    values, graph = _values_and_graph(areas, edges, variables)
    rows = [global_moran(values[v].rename(v), graph, weights_name="queen", permutations=permutations, seed=seed,
                         alternative=alternative).as_row() for v in variables]
    return pd.DataFrame(rows)


def local_statistics(areas: pd.DataFrame, edges: pd.DataFrame, *, variables: list[str], permutations: int,
                     seed: int, alpha: float, units: np.ndarray | None = None) -> pd.DataFrame:
    """Local Moran and Gi* of each variable per area: seeded two-sided conditional permutation, FDR labels.

    With ``units`` (positions in the graph) only those areas are evaluated, without the FDR columns and with a
    ``position`` column: one scatter part, gathered by ``afgehaakt.spatial.analyses.gather_lisa_chunks`` into
    exactly the table of one evaluation.
    """
    values, graph = _values_and_graph(areas, edges, variables)
    shared = {"weights_name": "queen", "permutations": permutations, "seed": seed, "alpha": alpha, "units": units}
    frames = []
    for variable in variables:
        series = values[variable].rename(variable)
        frames.append(local_moran(series, graph, **shared).assign(statistic_name="local_moran"))
        frames.append(local_getis_ord_star(series, graph, **shared).assign(statistic_name="local_gi_star"))
    if units is not None:
        frames = [frame.assign(position=np.asarray(units, dtype=np.int64)) for frame in frames]
    return pd.concat(frames, ignore_index=True)


def benchmark_table(files: list[str], *, summaries: list[str]) -> pd.DataFrame:
    """Snakemake benchmark files of the neighbourhood jobs as one table: job, units, links, permutations, part, cost.

    A file's job and size come from its path: ``neighbourhood_<job>/<size>[_p<permutations>].tsv``, or for a
    scatter part of the LISA ``neighbourhood_lisa_part/<size>_p<permutations>/<part>-of-<parts>.tsv`` (job
    ``lisa_part``; job ``lisa`` is then the gather, which adds the FDR labels); the number of units and links from
    the weights summary of that size.
    """
    sizes = {}
    for path in summaries:
        with open(path, encoding="utf-8") as handle:
            summary = json.load(handle)
        sizes[Path(path).name.removeprefix("queen_").removesuffix("_summary.json")] = summary
    rows = []
    for path in files:
        location = Path(path)
        if location.parent.parent.name == "neighbourhood_lisa_part":
            job, run, part = "lisa_part", location.parent.name, location.stem
        else:
            job, run, part = location.parent.name.removeprefix("neighbourhood_"), location.stem, pd.NA
        size, _, permutations = run.partition("_p")
        measured = pd.read_csv(path, sep="\t")
        if len(measured) != 1 or not {"s", "max_rss", "cpu_time"} <= set(measured.columns):
            raise InputDataError(path, "not a one-run Snakemake benchmark file", expected="columns s, max_rss, cpu_time")
        rows.append({
            "job": job,
            "size": size,
            "units": sizes[size]["units"],
            "directed_links": sizes[size]["directed_links"],
            "permutations": int(permutations) if permutations else pd.NA,
            "part": part,
            "wall_s": float(measured["s"].iloc[0]),
            "cpu_s": float(measured["cpu_time"].iloc[0]),
            "max_rss_mb": float(measured["max_rss"].iloc[0]),
        })
    table = pd.DataFrame(rows).astype({"permutations": "Int64", "part": "string"})
    return table.sort_values(["job", "units", "permutations", "part"], kind="stable", ignore_index=True)
