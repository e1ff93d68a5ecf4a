"""Kiesraad results and PDOK boundaries through the fetcher: checked before they are written."""

from __future__ import annotations

import json

import geopandas
import pytest
from test_acquisition_support import FIXTURES, Reply, local_server, quiet_downloader  # noqa: F401 (the fixture)

from afgehaakt.acquisition.errors import ContentTypeError, ContentValidationError
from afgehaakt.acquisition.http import provenance_path
from afgehaakt.acquisition.kiesraad import download_kiesraad_results
from afgehaakt.acquisition.pdok import BoundaryQuery, download_municipal_boundaries
from afgehaakt.errors import InputDataError
from afgehaakt.io.kiesraad import read_municipal_results
from afgehaakt.provenance import sha256_file

ITEMS = "/ogc/v1/collections/gemeente_gegeneraliseerd/items"


def test_kiesraad_results_are_fetched_with_provenance(local_server, tmp_path):
    body = (FIXTURES / "tk2021_three_gemeenten.csv").read_bytes()
    url = local_server.route("/uitslag.csv", Reply(body=body, content_type="text/csv"))
    destination = tmp_path / "tk2021_gemeente.csv"
    record = download_kiesraad_results(url, destination, downloader=quiet_downloader())
    assert destination.read_bytes() == body
    assert record.sha256 == sha256_file(destination)
    assert read_municipal_results(destination).totals["gm_code"].tolist() == ["GM1680", "GM0358", "GM0197"]
    assert provenance_path(destination).exists()


def test_a_file_that_is_not_kiesraad_results_never_lands(local_server, tmp_path):
    url = local_server.route("/uitslag.csv", Reply(body=b"code;turnout\nG0014;0.8\n", content_type="text/plain"))
    with pytest.raises(
        ContentValidationError,
        match=r"uitslag.csv: the content for .*tk2021_gemeente.csv is not usable: " r".*missing column",
    ):
        download_kiesraad_results(url, tmp_path / "tk2021_gemeente.csv", downloader=quiet_downloader())
    assert list(tmp_path.iterdir()) == []


def test_an_html_page_is_refused_as_kiesraad_results(local_server, tmp_path):
    url = local_server.route("/uitslag.csv", Reply(body=b"<html></html>", content_type="text/html; charset=utf-8"))
    with pytest.raises(ContentTypeError):
        download_kiesraad_results(url, tmp_path / "tk2021_gemeente.csv", downloader=quiet_downloader())
    assert list(tmp_path.iterdir()) == []


def square(code: str, name: str, x: int, year: int = 2021) -> dict:
    ring = [[x, 0], [x + 1000, 0], [x + 1000, 1000], [x, 1000], [x, 0]]
    return {
        "type": "Feature",
        "id": code,
        "properties": {"statcode": code, "statnaam": name, "jaarcode": year},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def serve_boundary_pages(server, second_page_features) -> None:
    page1 = {
        "type": "FeatureCollection",
        "links": [
            {"rel": "self", "href": "__BASE_URL__" + ITEMS + "?f=json"},
            {"rel": "next", "href": "__BASE_URL__" + ITEMS + "?f=json&cursor=abc"},
        ],
        "features": [square("GM0014", "Groningen", 0), square("GM0034", "Almere", 2000)],
    }
    page2 = {"type": "FeatureCollection", "links": [], "features": second_page_features}
    server.route(ITEMS, Reply(body=json.dumps(page1).encode(), content_type="application/geo+json"))
    server.route(
        ITEMS + "?f=json&cursor=abc", Reply(body=json.dumps(page2).encode(), content_type="application/geo+json")
    )


def boundary_query(server, **options) -> BoundaryQuery:
    return BoundaryQuery(year=2021, url_template=server.base_url + "/ogc/v1/collections/{collection}/items", **options)


def test_boundary_pages_are_combined_into_one_geojson_in_rd_new(local_server, tmp_path):
    serve_boundary_pages(local_server, [square("GM0363", "Amsterdam", 4000)])
    destination = tmp_path / "gemeenten_2021.geojson"
    record = download_municipal_boundaries(boundary_query(local_server), destination, downloader=quiet_downloader())

    assert local_server.requests[0] == (
        ITEMS + "?f=json&limit=1000&jaarcode=2021&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F28992"
    )
    assert local_server.requests[1] == ITEMS + "?f=json&cursor=abc"
    frame = geopandas.read_file(destination)
    assert frame["statcode"].tolist() == ["GM0014", "GM0034", "GM0363"]
    assert frame.crs.to_epsg() == 28992
    assert record["features"] == 3 and [page["items"] for page in record["pages"]] == [2, 1]
    assert record["sha256"] == sha256_file(destination)
    assert json.loads(provenance_path(destination).read_text()) == record
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "gemeenten_2021.geojson",
        "gemeenten_2021.geojson.provenance.json",
    ]


def test_features_of_another_year_mean_the_filter_was_ignored(local_server, tmp_path):
    serve_boundary_pages(local_server, [square("GM0363", "Amsterdam", 4000, year=2020)])
    with pytest.raises(
        InputDataError, match=r"features-0002.json', field 'jaarcode', row 0: a feature of jaarcode 2020"
    ):
        download_municipal_boundaries(
            boundary_query(local_server), tmp_path / "g.geojson", downloader=quiet_downloader()
        )
    assert list(tmp_path.iterdir()) == []


def test_a_municipality_on_two_pages_is_refused(local_server, tmp_path):
    serve_boundary_pages(local_server, [square("GM0014", "Groningen", 0)])
    with pytest.raises(InputDataError, match=r"statcode GM0014 appears again \(first in features-0001.json\)"):
        download_municipal_boundaries(
            boundary_query(local_server), tmp_path / "g.geojson", downloader=quiet_downloader()
        )
    assert list(tmp_path.iterdir()) == []
