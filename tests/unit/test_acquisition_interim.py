"""The two routes of the reading step give one interim table per StatLine dataset, and the boundaries agree."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from test_acquisition_support import (  # noqa: F401 (local_server is a fixture)
    FIXTURES,
    Reply,
    local_server,
    quiet_downloader,
    serve_publishers,
)

from afgehaakt import catalogue
from afgehaakt.acquisition.errors import ChecksumMismatchError, HttpStatusError
from afgehaakt.acquisition.interim import STATLINE_DATASETS, dataset_query, interim_statline_table, query_from_config
from afgehaakt.acquisition.pdok import BoundaryQuery, download_municipal_boundaries
from afgehaakt.acquisition.statline import download_statline_table
from afgehaakt.errors import InputDataError
from afgehaakt.geo.boundaries import read_geojson_boundaries
from afgehaakt.io.statline import KWB_2020


@pytest.fixture(scope="module")
def tables_config(repo):
    return yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))["acquisition"]["statline"]


def download(name, base_url, config, directory, **options):
    query = query_from_config(name, {**config["tables"][name], "base_url": base_url})
    return download_statline_table(query, directory, downloader=quiet_downloader(), **options)


@pytest.mark.parametrize("name", sorted(STATLINE_DATASETS))
def test_online_and_snapshot_routes_give_the_same_interim_table(local_server, tmp_path, repo, tables_config, name):
    urls = serve_publishers(local_server)
    download(name, urls[name], tables_config, tmp_path / name)

    online = interim_statline_table(name, "online", tmp_path / name)
    snapshot = interim_statline_table(name, "snapshot", repo / "data" / catalogue.STATLINE_FILES[name])
    assert len(online) >= 5
    overlap = snapshot[snapshot["code"].isin(online["code"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(online, overlap)


def test_the_default_queries_ask_for_what_the_readers_use(tables_config):
    query = query_from_config("kwb2020", tables_config["tables"]["kwb2020"])
    params = query.data_params()
    assert params["$filter"] == "substringof('GM',WijkenEnBuurten)"
    assert params["$select"].split(",") == [
        "WijkenEnBuurten", *(c.odata for c in KWB_2020.columns), "SoortRegio_2"
    ]
    assert query.table_url == "https://opendata.cbs.nl/ODataApi/odata/84799NED"
    health = tables_config["tables"]["health2016"]
    assert health["base_url"].startswith("https://dataderden.cbs.nl/")
    assert "(Perioden eq '2016JJ00')" in health["filter"] and "(Marges eq 'MW00000')" in health["filter"]


def test_schiermonnikoogs_missing_income_is_missing_on_both_routes(local_server, tmp_path, tables_config):
    urls = serve_publishers(local_server)
    download("kwb2020", urls["kwb2020"], tables_config, tmp_path / "kwb2020")
    table = interim_statline_table("kwb2020", "online", tmp_path / "kwb2020").set_index("code")
    assert pd.isna(table.loc["0088", "income_per_inhabitant"])
    assert str(table["inhabitants"].dtype) == "Int64" and table.loc["0363", "inhabitants"] == 872757


def test_a_pinned_statline_checksum_is_checked_and_a_mismatch_keeps_nothing(local_server, tmp_path, tables_config):
    urls = serve_publishers(local_server)
    record = download("kwb2021", urls["kwb2021"], tables_config, tmp_path / "first")
    again = download("kwb2021", urls["kwb2021"], tables_config, tmp_path / "second",
                     expected_sha256=record["content_sha256"])
    assert again["content_sha256"] == record["content_sha256"]
    with pytest.raises(ChecksumMismatchError, match=r"checksum mismatch for .*third: pinned sha256 0{64}"):
        download("kwb2021", urls["kwb2021"], tables_config, tmp_path / "third", expected_sha256="0" * 64)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first", "second"]


def test_a_table_without_a_used_key_is_refused_naming_it(local_server, tmp_path, tables_config):
    page = json.loads((FIXTURES / "odata_85039NED_kwb2021_page2.json").read_text(encoding="utf-8"))
    for row in page["value"]:
        row.pop("MateVanStedelijkheid_116")
    prefix = "/short/ODataApi/odata/85039NED"
    local_server.route(f"{prefix}/TypedDataSet", Reply(body=json.dumps(page).encode(), content_type="application/json"))
    local_server.serve_file(f"{prefix}/DataProperties", "odata_85039NED_kwb2021_dataproperties.json")
    download("kwb2021", local_server.base_url + "/short/ODataApi/odata/{table}", tables_config, tmp_path / "t")
    with pytest.raises(InputDataError, match=r"missing column.*MateVanStedelijkheid_116"):
        interim_statline_table("kwb2021", "online", tmp_path / "t")


def test_a_refused_query_is_a_clear_error(local_server, tmp_path, tables_config):
    local_server.route("/bad/ODataApi/odata/85039NED/TypedDataSet", Reply(status=400, body=b"unknown property"))
    with pytest.raises(HttpStatusError, match=r"HTTP 400.*check the query parameters"):
        download("kwb2021", local_server.base_url + "/bad/ODataApi/odata/{table}", tables_config, tmp_path / "t")
    assert list(tmp_path.iterdir()) == []


def test_pdok_boundaries_equal_the_snapshot_polygons(local_server, tmp_path, boundaries_2021):
    urls = serve_publishers(local_server)
    query = BoundaryQuery(year=2021, url_template=urls["pdok"])
    download_municipal_boundaries(query, tmp_path / "gemeente_2021.geojson", downloader=quiet_downloader())

    online = read_geojson_boundaries(tmp_path / "gemeente_2021.geojson")
    snapshot = boundaries_2021[boundaries_2021["code"].isin(online["code"])].reset_index(drop=True)
    assert online["code"].tolist() == ["0014", "0088", "0197", "0358", "0363", "1680"]
    assert online.crs.to_epsg() == 28992
    pd.testing.assert_frame_equal(pd.DataFrame(online.drop(columns="geometry")),
                                  pd.DataFrame(snapshot.drop(columns="geometry")))
    assert online.geometry.geom_equals_exact(snapshot.geometry, tolerance=0).all()


def test_pdok_boundaries_in_wgs84_are_moved_to_rd_new(tmp_path, boundaries_2021):
    path = tmp_path / "wgs84.geojson"
    published = boundaries_2021.head(3).rename(columns={"gm_code": "statcode", "name": "statnaam"})
    published[["statcode", "statnaam", "geometry"]].to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    table = read_geojson_boundaries(path)
    assert table.crs.to_epsg() == 28992
    assert table.geometry.geom_equals_exact(boundaries_2021.head(3).geometry, tolerance=0.01).all()


def test_a_pinned_pdok_checksum_mismatch_leaves_no_file(local_server, tmp_path):
    urls = serve_publishers(local_server)
    query = BoundaryQuery(year=2021, url_template=urls["pdok"])
    with pytest.raises(ChecksumMismatchError, match="gemeente_2021.geojson"):
        download_municipal_boundaries(query, tmp_path / "gemeente_2021.geojson", downloader=quiet_downloader(),
                                      expected_sha256="f" * 64)
    assert list(tmp_path.iterdir()) == []
