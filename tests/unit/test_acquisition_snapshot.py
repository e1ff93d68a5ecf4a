"""Snapshot refresh: download all, then pin; a failure changes nothing."""

from __future__ import annotations

import hashlib
import json

import pytest
from test_acquisition_support import Reply, local_server, quiet_downloader  # noqa: F401 (the fixture)

from afgehaakt.acquisition.errors import HttpStatusError
from afgehaakt.acquisition.snapshot import FetchSpec, format_checksums, read_checksums, refresh_snapshot
from afgehaakt.errors import InputDataError

OLD = b"old boundaries\n"
NEW_BOUNDARIES = b"new boundaries\n"
ELECTIONS = b"RegioCode;Opkomst\n"
KEPT = b"kept\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def data_dir(tmp_path):
    data = tmp_path / "data"
    (data / "boundaries").mkdir(parents=True)
    (data / "boundaries" / "gemeente_2021_rd.topojson").write_bytes(OLD)
    (data / "membership.csv").write_bytes(KEPT)
    (data / "SHA256SUMS").write_text(
        format_checksums({"boundaries/gemeente_2021_rd.topojson": sha(OLD), "membership.csv": sha(KEPT)})
    )
    return data


def test_refresh_downloads_pins_sorted_checksums_and_reports_changes(local_server, data_dir, tmp_path):
    sources = [
        ("elections/tk2021_gemeente.csv", FetchSpec(local_server.route("/tk.csv", Reply(body=ELECTIONS)))),
        ("boundaries/gemeente_2021_rd.topojson", FetchSpec(local_server.route("/b", Reply(body=NEW_BOUNDARIES)))),
    ]
    refresh = refresh_snapshot(sources, data_dir, provenance_dir=tmp_path / "prov", downloader=quiet_downloader())

    assert refresh.added == ["elections/tk2021_gemeente.csv"]
    assert refresh.changed == ["boundaries/gemeente_2021_rd.topojson"]
    assert refresh.unchanged == []
    assert (data_dir / "SHA256SUMS").read_text() == (
        f"{sha(NEW_BOUNDARIES)}  boundaries/gemeente_2021_rd.topojson\n"
        f"{sha(ELECTIONS)}  elections/tk2021_gemeente.csv\n"
        f"{sha(KEPT)}  membership.csv\n"
    )
    assert (data_dir / "elections" / "tk2021_gemeente.csv").read_bytes() == ELECTIONS
    record = json.loads((tmp_path / "prov" / "elections" / "tk2021_gemeente.csv.provenance.json").read_text())
    assert record["sha256"] == sha(ELECTIONS) and record["url"].endswith("/tk.csv")
    every_file = sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*") if p.is_file())
    assert every_file == ["SHA256SUMS", *sorted(read_checksums(data_dir / "SHA256SUMS"))]


def test_an_unchanged_file_is_reported_as_such(local_server, data_dir, tmp_path):
    sources = [("boundaries/gemeente_2021_rd.topojson", FetchSpec(local_server.route("/b", Reply(body=OLD))))]
    refresh = refresh_snapshot(sources, data_dir, provenance_dir=tmp_path / "prov", downloader=quiet_downloader())
    assert refresh.unchanged == ["boundaries/gemeente_2021_rd.topojson"] and refresh.changed == []


def test_one_failed_download_leaves_data_checksums_and_records_untouched(local_server, data_dir, tmp_path):
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    sources = [
        ("boundaries/gemeente_2021_rd.topojson", FetchSpec(local_server.route("/b", Reply(body=NEW_BOUNDARIES)))),
        ("elections/tk2021_gemeente.csv", FetchSpec(local_server.route("/gone", Reply(status=404)))),
    ]
    with pytest.raises(HttpStatusError, match="/gone: HTTP 404"):
        refresh_snapshot(sources, data_dir, provenance_dir=tmp_path / "prov", downloader=quiet_downloader())
    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in data_dir.iterdir()) == ["SHA256SUMS", "boundaries", "membership.csv"]
    assert not (tmp_path / "prov").exists()


@pytest.mark.parametrize("name", ["../outside.csv", "/etc/passwd", "SHA256SUMS", ""])
def test_names_outside_the_data_directory_are_refused(data_dir, tmp_path, name):
    with pytest.raises(ValueError, match="must be a relative path inside the data directory"):
        refresh_snapshot([(name, FetchSpec("http://127.0.0.1:9/x"))], data_dir, provenance_dir=tmp_path / "p")


def test_a_malformed_checksum_line_names_its_line(tmp_path):
    path = tmp_path / "SHA256SUMS"
    path.write_text(f"{sha(OLD)}  a.csv\nnot a checksum line\n")
    with pytest.raises(InputDataError, match=r"SHA256SUMS', row 2: unreadable line"):
        read_checksums(path)


def test_the_committed_checksum_file_is_read_in_its_own_format(repo):
    lines = [line for line in (repo / "data" / "SHA256SUMS").read_text(encoding="utf-8").splitlines() if line]
    pinned = read_checksums(repo / "data" / "SHA256SUMS")
    assert sorted(f"{digest}  {name}" for name, digest in pinned.items()) == sorted(lines)
