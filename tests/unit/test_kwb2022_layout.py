"""KWB 2022 (85318NED) as StatLine serves it over OData: the declared layout reads a download into a municipal
table. Nothing downstream reads 2022 yet, so there is no snapshot file to compare with; the rows below are
built here in the OData v3 shape with illustrative values (not CBS figures), to test the reading only."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_acquisition_support import Reply, local_server, quiet_downloader  # noqa: F401 (the fixture)

from afgehaakt.acquisition.statline import StatlineQuery, download_statline_table, read_statline_table
from afgehaakt.errors import InputDataError
from afgehaakt.io.statline import KWB_2022, municipal_table_from_statline

TABLE_PATH = "/ODataApi/odata/85318NED"
KEYS = ["WijkenEnBuurten", "OpleidingsniveauLaag_64", "GemiddeldInkomenPerInwoner_72",
        "HuishoudensMetEenLaagInkomen_78", "MateVanStedelijkheid_116"]


def row(row_id: int, code: str, low: int, income: float | None, low_income: float | None, urbanity: int) -> dict:
    return dict(zip(["ID", *KEYS], [row_id, code.ljust(10), low, income, low_income, urbanity]))


def properties() -> list[dict]:
    kinds = [("GeoDimension", None), ("Topic", "Long"), ("Topic", "Double"), ("Topic", "Double"), ("Topic", "Long")]
    return [{"ID": i, "Position": i, "Key": key, "Type": kind, **({"Datatype": datatype} if datatype else {})}
            for i, (key, (kind, datatype)) in enumerate(zip(KEYS, kinds))]


def serve(server, rows: list[dict]) -> str:
    body = json.dumps({"odata.metadata": "x", "value": rows}).encode("utf-8")
    server.route(TABLE_PATH + "/TypedDataSet", Reply(body=body, content_type="application/json"))
    server.route(TABLE_PATH + "/DataProperties",
                 Reply(body=json.dumps({"value": properties()}).encode("utf-8"), content_type="application/json"))
    return server.base_url + "/ODataApi/odata/{table}"


def read(server, tmp_path, rows: list[dict]) -> pd.DataFrame:
    query = StatlineQuery("85318NED", base_url=serve(server, rows), filter="substringof('GM',WijkenEnBuurten)",
                          select=KWB_2022.odata_select())
    download_statline_table(query, tmp_path / "kwb2022", downloader=quiet_downloader())
    return municipal_table_from_statline(read_statline_table(tmp_path / "kwb2022").data, KWB_2022,
                                         path=tmp_path / "kwb2022")


def test_the_layout_asks_for_the_verified_keys_only():
    assert KWB_2022.table_id == "85318NED" and KWB_2022.odata_select() == tuple(KEYS)


def test_a_download_reads_into_the_municipal_table(local_server, tmp_path):
    table = read(local_server, tmp_path, [row(0, "GM0363", 170000, 36.1, 12.5, 1),
                                          row(1, "GM0088", 150, None, None, 5)])
    assert table["code"].tolist() == ["0088", "0363"]
    assert table["education_low"].dtype == "Int64" and table["urbanity"].tolist() == [5, 1]
    assert table["income_per_inhabitant"].isna().tolist() == [True, False]
    assert list(table.columns) == ["code", "education_low", "income_per_inhabitant", "low_income_households_pct",
                                   "urbanity"]


def test_a_neighbourhood_row_is_refused_naming_the_code_column(local_server, tmp_path):
    with pytest.raises(InputDataError, match=r"field 'WijkenEnBuurten'.*unreadable municipality code 'WK036300'"):
        read(local_server, tmp_path, [row(0, "GM0363", 1, 1.0, 1.0, 1), row(1, "WK036300", 1, 1.0, 1.0, 1)])
