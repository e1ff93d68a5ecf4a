"""TopoJSON as published by cartomap (CBS/PDOK generalised municipal boundaries), decoded exactly.

The file stores shared borders once, as quantised, delta-encoded arcs; polygons refer to arcs by index, a
negative index ``~i`` meaning arc ``i`` reversed. Because two neighbours decode the same arc to the same
coordinates, contiguity computed on the result is exact. The file does not declare its coordinate reference
system; the caller states it (RD New for this snapshot).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import MultiPolygon, Polygon

from afgehaakt.errors import InputDataError


def read_topojson(path: str | Path, *, object_name: str, crs: str) -> gpd.GeoDataFrame:
    """Decode one GeometryCollection of (Multi)Polygons into a GeoDataFrame with its properties as columns."""
    try:
        topology = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputDataError(path, f"not valid JSON: {error}", expected="a TopoJSON Topology") from None
    if topology.get("type") != "Topology":
        raise InputDataError(path, f"type is {topology.get('type')!r}", field="type", expected="'Topology'")
    objects = topology.get("objects", {})
    if object_name not in objects:
        raise InputDataError(path, f"no object {object_name!r}; the file has {sorted(objects)}", field="objects")
    arcs = _decode_arcs(topology, path)
    records, geometries = [], []
    for position, item in enumerate(objects[object_name].get("geometries", [])):
        geometries.append(_geometry(item, arcs, path=path, position=position))
        records.append(dict(item.get("properties") or {}))
    if not geometries:
        raise InputDataError(path, f"object {object_name!r} has no geometries", field="objects")
    return gpd.GeoDataFrame(records, geometry=geometries, crs=crs)


def _decode_arcs(topology: dict, path: str | Path) -> list[np.ndarray]:
    transform = topology.get("transform")
    decoded = []
    for arc in topology.get("arcs", []):
        points = np.asarray(arc, dtype=float)
        if points.ndim != 2 or points.shape[1] < 2 or len(points) < 2:
            raise InputDataError(path, "an arc is not a list of at least two positions", field="arcs")
        points = points[:, :2]
        if transform is not None:
            points = np.cumsum(points, axis=0) * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        decoded.append(points)
    return decoded


def _ring(indices: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    pieces = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        pieces.append(points if not pieces else points[1:])
    return np.concatenate(pieces)


def _geometry(item: dict, arcs: list[np.ndarray], *, path: str | Path, position: int) -> Polygon | MultiPolygon:
    kind = item.get("type")
    try:
        if kind == "Polygon":
            return Polygon(*_rings(item["arcs"], arcs))
        if kind == "MultiPolygon":
            return MultiPolygon([Polygon(*_rings(part, arcs)) for part in item["arcs"]])
    except (IndexError, KeyError, ValueError) as error:
        raise InputDataError(path, f"cannot build the geometry: {error}", field="arcs", row=f"geometry {position}")
    raise InputDataError(path, f"geometry type {kind!r}", field="type", row=f"geometry {position}", expected="Polygon")


def _rings(polygon: list[list[int]], arcs: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    shell, *holes = (_ring(ring, arcs) for ring in polygon)
    return shell, holes
