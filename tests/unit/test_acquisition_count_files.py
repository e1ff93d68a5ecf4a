"""The Kiesraad's Osv4-3 count files on the online route: downloaded from a loopback server that serves files cut
from the snapshot in the published format, checked by the reader before they land, and read into the same
interim rows as the snapshot route gives for the municipalities they hold."""

from __future__ import annotations

import sys
from urllib.parse import quote

import pandas as pd
import pytest
from test_acquisition_support import (  # noqa: F401 (the fixture)
    COUNT_FILE_FIXTURES,
    Reply,
    local_server,
    quiet_downloader,
    serve_count_files,
)

from afgehaakt import catalogue
from afgehaakt.acquisition.errors import ChecksumMismatchError, ContentValidationError
from afgehaakt.acquisition.http import ProvenanceRecord, provenance_path
from afgehaakt.acquisition.kiesraad import download_count_file
from afgehaakt.acquisition.workflow import check_online_elections
from afgehaakt.errors import ConfigError
from afgehaakt.features.harmonise import read_election
from afgehaakt.provenance import sha256_file

COUNT_FILES = COUNT_FILE_FIXTURES
SERVED = sorted(path.name for path in COUNT_FILES.glob("*.csv"))
CODES = ["0080", "0088", "0106", "0599", "1680"]
"""Leeuwarden and Schiermonnikoog (short codes in their file), Assen, Rotterdam (its own file), Aa en Hunze."""


@pytest.fixture(scope="module")
def snapshot_route(repo):
    return read_election("osv4_3", [str(repo / "data" / path) for path in catalogue.election("tk2023").files])


def download_all(server, directory) -> list[str]:
    urls = serve_count_files(server)
    paths = []
    for name in SERVED:
        download_count_file(urls[name], directory / name, downloader=quiet_downloader())
        paths.append(str(directory / name))
    return paths


def test_the_fixtures_are_three_published_count_files():
    assert len(SERVED) == 3 and set(SERVED) <= set(catalogue.election("tk2023").published_names)
    for name in SERVED:
        assert (COUNT_FILES / name).read_bytes().startswith(b"\xef\xbb\xbf"), name


def test_online_count_files_give_the_snapshot_routes_rows(local_server, tmp_path, snapshot_route):
    online = read_election("osv4_3", download_all(local_server, tmp_path))
    assert online.totals["code"].tolist() == CODES
    tables = ((online.totals, snapshot_route.totals, ["code"]),
              (online.party_votes, snapshot_route.party_votes, ["code", "list_name"]))
    for table, snapshot, keys in tables:
        expected = snapshot[snapshot["code"].isin(CODES)].sort_values(keys, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(table.reset_index(drop=True), expected)
    assert sorted(set(online.party_votes["code"])) == CODES


def test_each_download_has_its_provenance_record(local_server, tmp_path):
    download_all(local_server, tmp_path)
    for name in SERVED:
        record = ProvenanceRecord.read(provenance_path(tmp_path / name))
        assert record.url == f"{local_server.base_url}/kiesraad/tk2023/{quote(name)}"
        assert record.sha256 == sha256_file(tmp_path / name) and record.status == 200
        assert record.content_type == "text/csv"


def test_a_count_file_that_does_not_add_up_never_lands(local_server, tmp_path):
    name = "osv4-3_telling_tk2023_kieskring_assen.csv"
    text = (COUNT_FILES / name).read_text(encoding="utf-8-sig")
    broken = text.replace(';"blanco stembiljetten";;;"111";"78";"33"', ';"blanco stembiljetten";;;"112";"79";"33"')
    assert broken != text
    url = local_server.route("/assen.csv", Reply(body=broken.encode("utf-8-sig"), content_type="text/csv"))
    with pytest.raises(ContentValidationError, match=r"valid \+ blank \+ invalid = .* municipality 0106"):
        download_count_file(url, tmp_path / name, downloader=quiet_downloader())
    assert list(tmp_path.iterdir()) == []


def test_a_count_file_that_is_not_one_never_lands(local_server, tmp_path):
    url = local_server.route("/x.csv", Reply(body=b"RegioNaam;Kiesgerechtigden\nAssen;1\n", content_type="text/csv"))
    with pytest.raises(ContentValidationError, match="no header row starting with 'Lijstnummer'"):
        download_count_file(url, tmp_path / "x.csv", downloader=quiet_downloader())
    assert list(tmp_path.iterdir()) == []


def test_a_pinned_count_file_that_changed_upstream_stops(local_server, tmp_path):
    name = SERVED[0]
    url = serve_count_files(local_server)[name]
    with pytest.raises(ChecksumMismatchError, match=f"pinned sha256 {'0' * 64}"):
        download_count_file(url, tmp_path / name, expected_sha256="0" * 64, downloader=quiet_downloader())
    assert list(tmp_path.iterdir()) == []


def count_file_config(**urls: str) -> dict:
    names = catalogue.election("tk2023").published_names
    return {"elections": {}, "count_files": {"tk2023": {
        name: {"url": urls.get(name, f"http://x/{name}"), "sha256": ""} for name in names}}}


def test_online_tk2023_needs_a_url_for_every_count_file():
    check_online_elections(["tk2023"], count_file_config())
    name = "osv4-3_telling_tk2023_kieskring-1 groningen.csv"
    with pytest.raises(ConfigError, match=rf"'acquisition.kiesraad.count_files.tk2023.{name}.url': empty"):
        check_online_elections(["tk2023"], count_file_config(**{name: ""}))


def test_a_count_file_the_snapshot_does_not_hold_is_refused():
    kiesraad = count_file_config()
    kiesraad["count_files"]["tk2023"]["kieskring_atlantis.csv"] = {"url": "http://x", "sha256": ""}
    with pytest.raises(ConfigError, match=r"\['kieskring_atlantis.csv'\] are not count files of tk2023"):
        check_online_elections(["tk2023"], kiesraad)


def test_the_fixtures_are_what_the_cutter_writes(repo):
    sys.path.insert(0, str(COUNT_FILES.parent))
    try:
        import cut_fixtures
    finally:
        sys.path.remove(str(COUNT_FILES.parent))
    for name, codes in cut_fixtures.COUNT_FILES.items():
        assert (COUNT_FILES / name).read_bytes() == cut_fixtures.cut_count_file(name, codes).encode("utf-8-sig")

