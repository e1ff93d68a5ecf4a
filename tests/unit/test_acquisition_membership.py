"""The municipality list on both routes: the snapshot's CBS list and Gebieden in Nederland (84929NED) downloaded
from a loopback server serving OData pages cut from the snapshot give the same rows."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from test_acquisition_support import FIXTURES, Reply, local_server, quiet_downloader, serve_publishers  # noqa: F401

from afgehaakt import catalogue
from afgehaakt.acquisition.interim import query_from_config
from afgehaakt.acquisition.membership import GEBIEDEN_2021, MEMBERSHIP_DATASET, municipality_membership
from afgehaakt.acquisition.statline import download_statline_table
from afgehaakt.errors import InputDataError

CODES = ["0014", "0088", "0197", "0358", "0363", "1680"]


@pytest.fixture(scope="module")
def table_config(repo):
    config = yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))
    return config["acquisition"]["statline"]["tables"][MEMBERSHIP_DATASET]


def download(url: str, table_config: dict, directory) -> dict:
    query = query_from_config(MEMBERSHIP_DATASET, {**table_config, "base_url": url})
    return download_statline_table(query, directory, downloader=quiet_downloader())


def test_the_default_query_selects_the_membership_keys_of_84929NED(table_config):
    query = query_from_config(MEMBERSHIP_DATASET, table_config)
    assert query.table_url == "https://opendata.cbs.nl/ODataApi/odata/84929NED"
    assert query.data_params()["$select"] == "Code_1,Naam_2,Code_26,Naam_27"
    assert "$filter" not in query.data_params()


def test_both_routes_give_the_same_membership_rows(local_server, tmp_path, repo, table_config):
    url = serve_publishers(local_server)[MEMBERSHIP_DATASET]
    record = download(url, table_config, tmp_path / "gebieden")
    assert [page["items"] for page in record["data_pages"]] == [4, 2]
    online = municipality_membership("online", tmp_path / "gebieden")
    snapshot = municipality_membership("snapshot", repo / "data" / catalogue.MUNICIPALITIES_2021)
    assert online["code"].tolist() == CODES
    assert online.set_index("code").loc["0088", "province"] == "Fryslân"  # padding stripped, accent kept
    pd.testing.assert_frame_equal(online, snapshot[snapshot["code"].isin(CODES)].reset_index(drop=True))


def edited_page(key: str, row: int, value: str) -> bytes:
    document = json.loads((FIXTURES / "odata_84929NED_gebieden2021_page1.json").read_text(encoding="utf-8"))
    document["value"][row][key] = value
    return json.dumps(document).encode("utf-8")


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        (GEBIEDEN_2021.province_code, "CR01      ", r"Code_26.*province code 'CR01'.*PV and two digits"),
        (GEBIEDEN_2021.municipality_code, "GM0014    ", r"Code_1.*municipality 0014 appears more than once"),
    ],
)
def test_a_row_that_is_not_one_municipality_in_a_province_is_refused(local_server, tmp_path, table_config, key,
                                                                     value, problem):
    url = serve_publishers(local_server)[MEMBERSHIP_DATASET]
    local_server.route("/gebieden2021/ODataApi/odata/84929NED/TypedDataSet",
                       Reply(body=edited_page(key, 0, value), content_type="application/json"))
    download(url, table_config, tmp_path / "gebieden")
    with pytest.raises(InputDataError, match=problem):
        municipality_membership("online", tmp_path / "gebieden")


def test_an_unknown_route_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown route 'ftp'"):
        municipality_membership("ftp", tmp_path)
