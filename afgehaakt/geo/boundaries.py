"""Municipal boundaries: read, validate and keep in RD New (EPSG:28992)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import Transformer

from afgehaakt.codes import normalise_codes, to_cbs
from afgehaakt.errors import InputDataError
from afgehaakt.io.topojson import read_topojson
from afgehaakt.outputs import atomic_path

RD_NEW = "EPSG:28992"


def read_municipal_boundaries(path: str | Path, *, object_name: str, crs: str = RD_NEW) -> gpd.GeoDataFrame:
    """Municipal polygons with columns code (four digits), gm_code, name and geometry, sorted by code.

    The cartomap TopoJSON names municipalities by ``statcode`` (GMxxxx) and ``statnaam``. Geometries must be
    non-empty and valid; the result is sorted by code so that row order, and everything built on it, is
    stable.
    """
    return _municipal_boundaries(read_topojson(path, object_name=object_name, crs=crs), path)


def read_geojson_boundaries(path: str | Path, *, crs: str = RD_NEW) -> gpd.GeoDataFrame:
    """The same table from PDOK's GeoJSON (``afgehaakt.acquisition.pdok``), transformed to ``crs`` if the file
    declares another one (PDOK serves WGS 84 unless asked for RD New)."""
    try:
        raw = gpd.read_file(path)
    except Exception as error:  # pyogrio raises several kinds; the message says which
        raise InputDataError(
            path, f"not readable as GeoJSON: {error}", expected="a GeoJSON FeatureCollection"
        ) from None
    if raw.crs is None:
        raise InputDataError(path, "no coordinate reference system", field="crs", expected="a declared CRS")
    if not raw.crs.equals(crs):
        raw = raw.to_crs(crs)
    return _municipal_boundaries(raw, path)


def _municipal_boundaries(raw: gpd.GeoDataFrame, path: str | Path) -> gpd.GeoDataFrame:
    for field in ("statcode", "statnaam"):
        if field not in raw.columns:
            raise InputDataError(path, f"geometries lack the property {field!r}", field=field)
    raw.index = pd.Index([f"geometry {i}" for i in range(len(raw))])
    code = normalise_codes(raw["statcode"], path=path, field="statcode")
    duplicated = code[code.duplicated(keep=False)]
    if not duplicated.empty:
        raise InputDataError(
            path, f"code {duplicated.iloc[0]} appears more than once", field="statcode", row=duplicated.index[0]
        )
    _require_within_area_of_use(raw, path)
    invalid = raw.geometry.is_empty | ~raw.geometry.is_valid
    if invalid.any():
        raise InputDataError(
            path,
            f"{int(invalid.sum())} empty or invalid geometries, first {raw.loc[invalid, 'statnaam'].iloc[0]!r}",
            field="arcs",
            row=raw.index[invalid][0],
            expected="valid polygons",
        )
    boundaries = gpd.GeoDataFrame(
        {
            "code": code.to_numpy(),
            "gm_code": [to_cbs(c) for c in code],
            "name": raw["statnaam"].astype("string").to_numpy(),
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    )
    boundaries["code"] = boundaries["code"].astype("string")
    boundaries["gm_code"] = boundaries["gm_code"].astype("string")
    return boundaries.sort_values("code", kind="stable").reset_index(drop=True)


def _require_within_area_of_use(frame: gpd.GeoDataFrame, path: str | Path) -> None:
    """The declared CRS must fit the coordinates: RD metres declared as degrees lie far outside EPSG:4326's use."""
    area = None if frame.crs is None else frame.crs.area_of_use
    if area is None:
        return
    west, south, east, north = (
        Transformer.from_crs("EPSG:4326", frame.crs, always_xy=True).transform_bounds(
            area.west, area.south, area.east, area.north
        )
    )
    minx, miny, maxx, maxy = frame.total_bounds
    if minx < west or maxx > east or miny < south or maxy > north:
        raise InputDataError(
            path,
            f"coordinates {minx:.0f}..{maxx:.0f}, {miny:.0f}..{maxy:.0f} lie outside the area of use of "
            f"{frame.crs.to_string()} ({area.name})",
            field="crs",
            expected="the coordinate reference system the file is written in (RD New, EPSG:28992, for cartomap)",
        )


def write_geoparquet(frame: gpd.GeoDataFrame, path: str | Path) -> None:
    """GeoParquet with the CRS declared in its ``geo`` metadata; refuses a frame without a CRS."""
    if frame.crs is None:
        raise ValueError(f"refusing to write {path}: the frame has no coordinate reference system")
    with atomic_path(path) as temporary:
        frame.to_parquet(temporary, index=False, schema_version="1.0.0", write_covering_bbox=False)
