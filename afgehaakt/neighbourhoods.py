"""Neighbourhood scale (about 13,000 buurten): real RIVM health estimates on synthetic neighbourhood geometry.

This is the workload that does not fit on a laptop once permutations and replicates multiply, and the scenario
that measures how the heavy rules grow with the number of units and permutations.

Values are real: RIVM StatLine 50090NED, GGD Gezondheidsmonitor 2020, small-area estimates per buurt (indeling
2020). Buurten whose estimates RIVM suppressed ('.') are listed and left out, never silently.

Geometry is SYNTHETIC: the snapshot holds no buurt boundaries (PDOK publishes them online; the offline run must
not need the network). Each buurt with values gets one Voronoi cell inside the real 2021 polygon of the
municipality it lies in (its code's 2020 municipality, moved to 2021 by the address crosswalk's largest share),
generated from seeded random points. Cell sizes and shapes are not the real ones, so neighbourhood-level
statistics here measure cost and exercise the code paths; they are not findings about real neighbourhoods.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from afgehaakt.errors import InputDataError
from afgehaakt.features.crosswalk import AddressMatrix
from afgehaakt.io.statline import health_monitor_layout
from afgehaakt.io.text import parse_numbers
from afgehaakt.spatial.local import local_getis_ord_star, local_moran
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.weights import graph_from_edges

# The same indicators, under the same names, as the municipal health table.
HEALTH_COLUMNS = health_monitor_layout(2020).columns
_ROW_KIND, _CODE = "SoortRegio_2", "Codering_3"


def read_neighbourhood_health(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Buurt rows of the 50090NED xlsx: (values, excluded).

    ``values``: one row per buurt with every indicator published: ``code`` (BUxxxxxxxx), ``municipality_2020``
    (the four digits after BU) and the indicators. ``excluded``: the buurten with a suppressed indicator and why.
    """
    raw = pd.read_excel(path, dtype=str).fillna("")
    missing = [c for c in [_ROW_KIND, _CODE, *(c.published for c in HEALTH_COLUMNS)] if c not in raw.columns]
    if missing:
        raise InputDataError(path, f"columns {missing} are missing", field=missing[0], expected="50090NED layout")
    raw.index = raw.index + 2  # spreadsheet row numbers (header is row 1), for error messages
    buurten = raw[raw[_ROW_KIND].str.strip() == "Buurt"]
    if buurten.empty:
        raise InputDataError(path, "no rows with SoortRegio_2 = Buurt", field=_ROW_KIND, expected="buurt rows")
    codes = buurten[_CODE].str.strip()
    malformed = codes[~codes.str.fullmatch(r"BU\d{8}")]
    if not malformed.empty:
        raise InputDataError(path, f"buurt code {malformed.iloc[0]!r}", field=_CODE, row=int(malformed.index[0]),
                             expected="BU followed by 8 digits")
    duplicated = codes[codes.duplicated()]
    if not duplicated.empty:
        raise InputDataError(path, f"buurt {duplicated.iloc[0]} appears twice", field=_CODE,
                             row=int(duplicated.index[0]))
    table = pd.DataFrame({"code": codes, "municipality_2020": codes.str[2:6]})
    for column in HEALTH_COLUMNS:
        table[column.name] = parse_numbers(buurten[column.published], path=path, field=column.published,
                                           integer=False, allow_missing=True)
    indicators = [c.name for c in HEALTH_COLUMNS]
    suppressed = table[indicators].isna().any(axis=1)
    excluded = table.loc[suppressed, ["code", "municipality_2020"]].assign(
        reason="an indicator is suppressed by RIVM ('.' in 50090NED)"
    )
    values = table[~suppressed].sort_values("code", kind="stable").reset_index(drop=True)
    return values, excluded.sort_values("code", kind="stable").reset_index(drop=True)


def host_municipalities(codes_2020: pd.Series, crosswalk: AddressMatrix) -> pd.Series:
    """The 2021 municipality that received most addresses of each 2020 municipality (itself if unchanged)."""
    moved = crosswalk.counts.idxmax(axis=0)
    return codes_2020.map(lambda code: moved.get(code, code))


def synthetic_cells(units: pd.DataFrame, boundaries: gpd.GeoDataFrame, *, seed: int) -> gpd.GeoDataFrame:
    """One Voronoi cell per unit inside the polygon of its ``host`` municipality (``boundaries`` by ``code``).

    Generator points are uniform in the polygon, drawn from a generator seeded by (seed, municipality code),
    so each municipality's cells do not depend on which other municipalities are present.
    """
    polygons = boundaries.set_index("code").geometry
    unknown = sorted(set(units["host"]) - set(polygons.index))
    if unknown:
        raise ValueError(f"units lie in municipalities without a boundary polygon: {unknown[:5]}")
    pieces = []
    for host, members in units.groupby("host", sort=True):
        cells = _voronoi_cells(polygons[host], len(members), np.random.default_rng([seed, int(host)]))
        pieces.append(gpd.GeoDataFrame(members.reset_index(drop=True), geometry=cells, crs=boundaries.crs))
    cells = pd.concat(pieces, ignore_index=True)
    return gpd.GeoDataFrame(cells, geometry="geometry", crs=boundaries.crs).sort_values("code", ignore_index=True)


def _voronoi_cells(polygon, count: int, rng: np.random.Generator) -> list:
    if count == 1:
        return [polygon]
    points = _points_inside(polygon, count, rng)
    regions = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=polygon, ordered=True)
    return [shapely.intersection(region, polygon) for region in shapely.get_parts(regions)]


def _points_inside(polygon, count: int, rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = polygon.bounds
    accepted = np.empty((0, 2))
    while len(accepted) < count:
        candidates = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * count, 2))
        inside = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        accepted = np.vstack([accepted, candidates[inside]])
    return accepted[:count]


def nearest_units(cells: gpd.GeoDataFrame, size: str, *, centre: tuple[float, float]) -> gpd.GeoDataFrame:
    """The ``size`` cells whose centroids lie nearest to ``centre`` (a compact region), or all for ``"all"``."""
    if size == "all":
        return cells
    count = int(size)
    if not 0 < count <= len(cells):
        raise ValueError(f"size {count} is not between 1 and the {len(cells)} units with values")
    centroids = cells.geometry.centroid
    distance = np.hypot(centroids.x - centre[0], centroids.y - centre[1])
    order = np.lexsort((cells["code"].to_numpy(), distance.to_numpy()))
    return cells.iloc[np.sort(order[:count])].reset_index(drop=True)


def _values_and_graph(cells: pd.DataFrame, edges: pd.DataFrame, variables: list[str]):
    ids = tuple(cells["code"])
    return cells.set_index("code")[variables].astype(float), graph_from_edges(edges, ids)


def global_moran_rows(cells: pd.DataFrame, edges: pd.DataFrame, *, variables: list[str], permutations: int,
                      seed: int, alternative: str) -> pd.DataFrame:
    """Global Moran's I of each variable over the cells, with its analytical and permutation inference."""
    values, graph = _values_and_graph(cells, edges, variables)
    rows = [global_moran(values[v].rename(v), graph, weights_name="queen", permutations=permutations, seed=seed,
                         alternative=alternative).as_row() for v in variables]
    return pd.DataFrame(rows)


def local_statistics(cells: pd.DataFrame, edges: pd.DataFrame, *, variables: list[str], permutations: int,
                     seed: int, alpha: float) -> pd.DataFrame:
    """Local Moran and Gi* of each variable per cell: seeded two-sided conditional permutation, FDR labels."""
    values, graph = _values_and_graph(cells, edges, variables)
    shared = {"weights_name": "queen", "permutations": permutations, "seed": seed, "alpha": alpha}
    frames = []
    for variable in variables:
        series = values[variable].rename(variable)
        frames.append(local_moran(series, graph, **shared).assign(statistic_name="local_moran"))
        frames.append(local_getis_ord_star(series, graph, **shared).assign(statistic_name="local_gi_star"))
    return pd.concat(frames, ignore_index=True)


def benchmark_table(files: list[str], *, summaries: list[str]) -> pd.DataFrame:
    """Snakemake benchmark files of the neighbourhood jobs as one table: job, units, links, permutations, cost.

    A file's job and size come from its path (``neighbourhood_<job>/<size>[_p<permutations>].tsv``); the
    number of units and links from the weights summary of that size.
    """
    sizes = {}
    for path in summaries:
        with open(path, encoding="utf-8") as handle:
            summary = json.load(handle)
        sizes[Path(path).name.removeprefix("queen_").removesuffix("_summary.json")] = summary
    rows = []
    for path in files:
        job = Path(path).parent.name.removeprefix("neighbourhood_")
        size, _, permutations = Path(path).stem.partition("_p")
        measured = pd.read_csv(path, sep="\t")
        if len(measured) != 1 or not {"s", "max_rss", "cpu_time"} <= set(measured.columns):
            raise InputDataError(path, "not a one-run Snakemake benchmark file", expected="columns s, max_rss, cpu_time")
        rows.append({
            "job": job,
            "size": size,
            "units": sizes[size]["units"],
            "directed_links": sizes[size]["directed_links"],
            "permutations": int(permutations) if permutations else pd.NA,
            "wall_s": float(measured["s"].iloc[0]),
            "cpu_s": float(measured["cpu_time"].iloc[0]),
            "max_rss_mb": float(measured["max_rss"].iloc[0]),
        })
    table = pd.DataFrame(rows).astype({"permutations": "Int64"})
    return table.sort_values(["job", "units", "permutations"], kind="stable", ignore_index=True)
