"""StatLine OData: paging by next link and by $top/$skip, typing, and the two routes to the population table."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_acquisition_support import FIXTURES, Reply, local_server, quiet_downloader  # noqa: F401 (the fixture)

from afgehaakt.acquisition.errors import HttpStatusError, PagingError
from afgehaakt.acquisition.http import provenance_path
from afgehaakt.acquisition.population import (
    INTERIM_POPULATION_SCHEMA,
    SOURCE_COLUMNS,
    interim_population_table,
    population_statline_query,
)
from afgehaakt.acquisition.statline import StatlineQuery, download_statline_table, read_statline_table
from afgehaakt.errors import InputDataError
from afgehaakt.provenance import sha256_file

TABLE_PATH = "/ODataApi/odata/70072NED"
SECOND_PAGE = TABLE_PATH + "/TypedDataSet?$format=json&$skiptoken=2433"


def serve_70072(server) -> str:
    server.serve_file(TABLE_PATH + "/TypedDataSet", "odata_70072NED_typeddataset_page1.json")
    server.serve_file(SECOND_PAGE, "odata_70072NED_typeddataset_page2.json")
    server.serve_file(TABLE_PATH + "/DataProperties", "odata_70072NED_dataproperties.json")
    return server.base_url + "/ODataApi/odata/{table}"


def test_pages_are_followed_by_next_link_and_recorded(local_server, tmp_path):
    base_url = serve_70072(local_server)
    query = population_statline_query(2021, base_url=base_url)
    record = download_statline_table(query, tmp_path / "70072NED", downloader=quiet_downloader())

    first_request = local_server.requests[0]
    assert first_request.startswith(TABLE_PATH + "/TypedDataSet?$format=json&$filter=")
    assert "(Perioden%20eq%20'2021JJ00')%20and%20substringof('GM',RegioS)" in first_request
    assert "$select=RegioS,Perioden,TotaleBevolking_1," in first_request
    assert local_server.requests[1:] == [SECOND_PAGE, TABLE_PATH + "/DataProperties?$format=json"]

    directory = tmp_path / "70072NED"
    assert record == json.loads((directory / "statline.json").read_text(encoding="utf-8"))
    assert record["table"] == "70072NED" and record["rows"] == 6
    assert [page["items"] for page in record["data_pages"]] == [3, 3]
    assert record["data_pages"][1]["request_url"] == local_server.base_url + SECOND_PAGE
    for page in record["data_pages"] + record["property_pages"]:
        assert sha256_file(directory / page["file"]) == page["sha256"]
        assert json.loads(provenance_path(directory / page["file"]).read_text())["sha256"] == page["sha256"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["70072NED"]


def test_the_frame_keeps_odata_keys_strips_codes_and_types_numbers(local_server, tmp_path):
    base_url = serve_70072(local_server)
    download_statline_table(StatlineQuery("70072NED", base_url=base_url), tmp_path / "t", downloader=quiet_downloader())
    table = read_statline_table(tmp_path / "t")
    data = table.data
    assert list(data.columns) == ["ID", "RegioS", "Perioden", *SOURCE_COLUMNS]
    assert data["RegioS"].tolist() == ["GM1680", "GM0358", "GM0363", "GM0003", "GM0014", "GM0088"]
    assert str(data["RegioS"].dtype) == "string" and str(data["TotaleBevolking_1"].dtype) == "Int64"
    assert data["TotaleBevolking_1"].iloc[2] == 873338
    assert data.loc[3, list(SOURCE_COLUMNS)].isna().all()  # GM0003 no longer existed in 2021
    assert set(table.properties["Key"]) >= set(SOURCE_COLUMNS)


def test_top_and_skip_paging_when_the_server_sends_no_next_link(local_server, tmp_path):
    rows = json.loads((FIXTURES / "odata_70072NED_typeddataset_page1.json").read_text())["value"]
    rows += json.loads((FIXTURES / "odata_70072NED_typeddataset_page2.json").read_text())["value"]
    path = TABLE_PATH + "/TypedDataSet"
    for skip in (0, 4):
        query = "?$format=json&$top=4" + (f"&$skip={skip}" if skip else "")
        local_server.route(
            path + query,
            Reply(body=json.dumps({"value": rows[skip : skip + 4]}).encode(), content_type="application/json"),
        )
    local_server.serve_file(TABLE_PATH + "/DataProperties", "odata_70072NED_dataproperties.json")
    query = StatlineQuery("70072NED", base_url=local_server.base_url + "/ODataApi/odata/{table}", page_size=4)
    record = download_statline_table(query, tmp_path / "t", downloader=quiet_downloader())
    assert [page["items"] for page in record["data_pages"]] == [4, 2]
    assert len(read_statline_table(tmp_path / "t").data) == 6


def test_a_next_link_that_points_back_stops_the_download_and_leaves_nothing(local_server, tmp_path):
    page = {"value": [], "odata.nextLink": "__BASE_URL__" + TABLE_PATH + "/TypedDataSet?$skiptoken=1"}
    local_server.route(
        TABLE_PATH + "/TypedDataSet", Reply(body=json.dumps(page).encode(), content_type="application/json")
    )
    query = StatlineQuery("70072NED", base_url=local_server.base_url + "/ODataApi/odata/{table}")
    with pytest.raises(PagingError, match="points back to an earlier page"):
        download_statline_table(query, tmp_path / "t", downloader=quiet_downloader())
    assert list(tmp_path.iterdir()) == []


def test_a_failing_page_keeps_the_previous_download(local_server, tmp_path):
    base_url = serve_70072(local_server)
    download_statline_table(StatlineQuery("70072NED", base_url=base_url), tmp_path / "t", downloader=quiet_downloader())
    before = {p.name: p.read_bytes() for p in (tmp_path / "t").iterdir()}
    local_server.route(SECOND_PAGE, Reply(status=404))
    with pytest.raises(HttpStatusError, match="HTTP 404"):
        download_statline_table(
            StatlineQuery("70072NED", base_url=base_url), tmp_path / "t", downloader=quiet_downloader()
        )
    assert {p.name: p.read_bytes() for p in (tmp_path / "t").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


def test_a_page_changed_after_download_is_refused(local_server, tmp_path):
    base_url = serve_70072(local_server)
    download_statline_table(StatlineQuery("70072NED", base_url=base_url), tmp_path / "t", downloader=quiet_downloader())
    page = tmp_path / "t" / "typeddataset-0002.json"
    page.write_text(page.read_text().replace("233273", "233274"))
    with pytest.raises(InputDataError, match=r"typeddataset-0002.json.*changed since it was downloaded"):
        read_statline_table(tmp_path / "t")


def test_a_fractional_count_names_page_row_and_key(local_server, tmp_path):
    page = json.loads((FIXTURES / "odata_70072NED_typeddataset_page1.json").read_text())
    page.pop("odata.nextLink")
    page["value"][1]["Mannen_2"] = 15913.5
    local_server.route(
        TABLE_PATH + "/TypedDataSet", Reply(body=json.dumps(page).encode(), content_type="application/json")
    )
    local_server.serve_file(TABLE_PATH + "/DataProperties", "odata_70072NED_dataproperties.json")
    query = StatlineQuery("70072NED", base_url=local_server.base_url + "/ODataApi/odata/{table}")
    download_statline_table(query, tmp_path / "t", downloader=quiet_downloader())
    with pytest.raises(InputDataError, match=r"typeddataset-0001.json', field 'Mannen_2', row 1: not a whole number"):
        read_statline_table(tmp_path / "t")


def test_both_routes_give_the_identical_population_table(local_server, tmp_path):
    base_url = serve_70072(local_server)
    download_statline_table(
        population_statline_query(2021, base_url=base_url), tmp_path / "70072NED", downloader=quiet_downloader()
    )

    online = interim_population_table("online", tmp_path / "70072NED", year=2021)
    snapshot = interim_population_table("snapshot", FIXTURES / "rkn70072_2021_five_gemeenten.csv", year=2021)
    published = interim_population_table("snapshot", FIXTURES / "rkn70072_2020_2021_published_layout.csv", year=2021)

    pd.testing.assert_frame_equal(online, snapshot)
    pd.testing.assert_frame_equal(published, snapshot)
    assert list(snapshot.columns) == INTERIM_POPULATION_SCHEMA.column_names
    assert snapshot["code"].tolist() == ["0014", "0088", "0358", "0363", "1680"]  # GM0003 (merged) is dropped
    assert snapshot.loc[snapshot["code"] == "0363", "population"].item() == 873338


def test_the_published_layout_gives_other_years_too():
    table = interim_population_table("snapshot", FIXTURES / "rkn70072_2020_2021_published_layout.csv", year=2020)
    assert table["code"].tolist() == ["0003", "0014", "0088", "0358", "0363", "1680"]
    assert (table["year"] == 2020).all()


def test_a_year_without_rows_is_an_error_naming_the_period():
    with pytest.raises(InputDataError, match=r"no municipality rows \(RegioS GM...\) for 2019JJ00"):
        interim_population_table("snapshot", FIXTURES / "rkn70072_2021_five_gemeenten.csv", year=2019)


def test_a_breakdown_that_does_not_add_up_names_file_field_and_line(tmp_path):
    lines = (FIXTURES / "rkn70072_2021_five_gemeenten.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",433550,", ",433551,")  # Amsterdam's men, line 4 of the file
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(
        InputDataError,
        match=r"broken.csv', field 'TotaleBevolking_1', row 4: "
        r"Mannen_2 \+ Vrouwen_3 = 873339 but TotaleBevolking_1 = 873338",
    ):
        interim_population_table("snapshot", path, year=2021)


def test_an_unknown_route_is_refused():
    with pytest.raises(ValueError, match=r"unknown route 'web'.*\['snapshot', 'online'\]"):
        interim_population_table("web", FIXTURES / "rkn70072_2021_five_gemeenten.csv", year=2021)


def test_a_second_download_replaces_the_first_whole(local_server, tmp_path):
    base_url = serve_70072(local_server)
    query = StatlineQuery("70072NED", base_url=base_url)
    download_statline_table(query, tmp_path / "t", downloader=quiet_downloader())
    (tmp_path / "t" / "stale-page.json").write_text("{}")
    download_statline_table(query, tmp_path / "t", downloader=quiet_downloader())
    assert "stale-page.json" not in {p.name for p in (tmp_path / "t").iterdir()}
    assert [p.name for p in tmp_path.iterdir()] == ["t"]
    assert len(read_statline_table(tmp_path / "t").data) == 6
