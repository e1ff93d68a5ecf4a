"""TopoJSON decoding and the 2021 municipal boundaries."""

import json

import pyogrio
import pytest
import shapely

from afgehaakt.errors import InputDataError
from afgehaakt.geo.boundaries import read_municipal_boundaries, write_geoparquet
from afgehaakt.io.topojson import read_topojson


def test_352_municipalities_with_codes_names_and_rd_new(boundaries_2021):
    assert len(boundaries_2021) == 352 and boundaries_2021["code"].is_unique
    assert boundaries_2021.crs.to_epsg() == 28992
    assert boundaries_2021.set_index("code").loc["0014", "name"] == "Groningen"
    assert boundaries_2021.geometry.is_valid.all()


def test_decoding_agrees_with_gdal(boundaries_topojson, boundaries_2021):
    gdal = pyogrio.read_dataframe(boundaries_topojson).set_index("statcode").sort_index()
    ours = boundaries_2021.set_index("gm_code").sort_index()
    assert list(gdal.index) == list(ours.index)
    difference = [ours.geometry[c].symmetric_difference(gdal.geometry[c]).area for c in ours.index]
    assert max(difference) < 1e-6


def test_quantised_arcs_and_reversed_arc_indices(tmp_path):
    # Two unit squares sharing the arc x=1; the second polygon uses it reversed (~0 == -1).
    topology = {
        "type": "Topology",
        "transform": {"scale": [1, 1], "translate": [100, 200]},
        "arcs": [[[1, 0], [0, 1]], [[1, 1], [-1, 0], [0, -1], [1, 0]], [[1, 0], [1, 0], [0, 1], [-1, 0]]],
        "objects": {
            "squares": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"id": "a"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"id": "b"}},
                ],
            }
        },
    }
    path = tmp_path / "squares.topojson"
    path.write_text(json.dumps(topology), encoding="utf-8")
    frame = read_topojson(path, object_name="squares", crs="EPSG:28992")
    assert frame["id"].tolist() == ["a", "b"]
    assert shapely.equals(frame.geometry[0], shapely.box(100, 200, 101, 201))
    assert shapely.equals(frame.geometry[1], shapely.box(101, 200, 102, 201))
    assert frame.geometry[0].touches(frame.geometry[1])


def test_wrong_object_name_is_named(boundaries_topojson):
    with pytest.raises(InputDataError, match=r"no object 'gemeente_2020'; the file has \['gemeente_2021'\]"):
        read_topojson(boundaries_topojson, object_name="gemeente_2020", crs="EPSG:28992")


def test_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.topojson"
    path.write_text('{"type": "Topology", "arcs": [', encoding="utf-8")
    with pytest.raises(InputDataError, match="not valid JSON"):
        read_topojson(path, object_name="x", crs="EPSG:28992")


def test_invalid_geometry_is_refused(tmp_path):
    bowtie = {
        "type": "Topology",
        "arcs": [[[150000, 450000], [151000, 451000], [151000, 450000], [150000, 451000], [150000, 450000]]],
        "objects": {
            "g": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0]], "properties": {"statcode": "GM0001", "statnaam": "X"}}
                ],
            }
        },
    }
    path = tmp_path / "bowtie.topojson"
    path.write_text(json.dumps(bowtie), encoding="utf-8")
    with pytest.raises(InputDataError, match="invalid geometries, first 'X'"):
        read_municipal_boundaries(path, object_name="g")


def test_coordinates_outside_the_declared_crs_are_refused(boundaries_topojson):
    with pytest.raises(InputDataError, match=r"field 'crs': coordinates .* outside the area of use of EPSG:4326"):
        read_municipal_boundaries(boundaries_topojson, object_name="gemeente_2021", crs="EPSG:4326")


def test_geoparquet_declares_rd_new(boundaries_2021, tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "b.parquet"
    write_geoparquet(boundaries_2021, path)
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    crs = geo["columns"]["geometry"]["crs"]
    assert crs["id"] == {"authority": "EPSG", "code": 28992}


def test_geoparquet_without_crs_is_refused(boundaries_2021, tmp_path):
    with pytest.raises(ValueError, match="no coordinate reference system"):
        write_geoparquet(boundaries_2021.set_crs(None, allow_override=True), tmp_path / "x.parquet")
    assert not list(tmp_path.iterdir())
