"""The acquisition stage of the workflow on both routes: the online route, downloading from a loopback server that
serves the recorded fixtures, gives the snapshot route's interim tables for the municipalities it serves; a
pinned checksum that does not match stops the run and leaves no download behind. tk2023 is read from its 19
Osv4-3 count files, three of them cut to a few municipalities and the others served as the snapshot holds them.

Only the reading steps' outputs are built (not the whole DAG), so the test takes about a minute.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import geopandas
import pandas as pd
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_acquisition_support import FIXTURES, KIESRAAD_TK2021, LocalServer, Reply, serve_publishers  # noqa: E402

from afgehaakt import catalogue  # noqa: E402
from afgehaakt.acquisition.http import provenance_path  # noqa: E402
from afgehaakt.acquisition.interim import STATLINE_DATASETS, STATLINE_DOWNLOADS  # noqa: E402
from afgehaakt.provenance import sha256_file  # noqa: E402

pytestmark = pytest.mark.slow

# Relative to the run's results folder (results/<version>/, which differs between the two routes' configs).
STATLINE_TABLES = [f"interim/statline/{name}.parquet" for name in STATLINE_DATASETS]
BOUNDARIES = "interim/boundaries/gemeenten_2021.parquet"
MUNICIPALITIES = "interim/municipalities_2021.parquet"
ELECTION_TABLES = ["interim/elections/tk2021_totals.parquet", "interim/elections/tk2021_party_votes.parquet"]
COUNT_FILE_TABLES = ["interim/elections/tk2023_totals.parquet", "interim/elections/tk2023_party_votes.parquet"]
TARGETS = [*STATLINE_TABLES, BOUNDARIES, MUNICIPALITIES, *ELECTION_TABLES, *COUNT_FILE_TABLES]
# The municipalities of the three cut count files (tests/fixtures/acquisition/osv4-3).
CUT_COUNT_FILE_CODES = {"0080", "0088", "0106", "0599", "1680"}


DEFAULT_CONFIG = ()
"""These runs layer their own overrides on config/config.yaml (not on the test scenario)."""

# tk2017 as the panel needs a second election; its tables are not built, so its URL is never fetched.
# The elections of the long series and of the amalgamation study (TK1998-TK2012, TK2025) are snapshot-only, so the
# online route is tested on the three elections that have one.
ONLINE_ELECTIONS = ["tk2017", "tk2021", "tk2023"]
ELECTIONS = {"elections": ONLINE_ELECTIONS, "panel": {"elections": ["tk2017", "tk2021"]},
             "spatial": {"focus_election": "tk2021"}, "series": {"elections": ONLINE_ELECTIONS},
             "amalgamation": {"elections": ONLINE_ELECTIONS}}


def online_config(urls: dict[str, str], *, tk2021_sha256: str = "") -> dict:
    """Everything online, pointed at the loopback server, with no waiting between attempts."""
    return {
        **ELECTIONS,
        "acquisition": {
            "source": "online",
            "http": {"retries": 2, "backoff_seconds": 0, "max_backoff_seconds": 0, "connect_timeout_seconds": 5,
                     "read_timeout_seconds": 5, "min_interval_seconds": 0},
            "statline": {"tables": {name: {"base_url": urls[name]} for name in STATLINE_DOWNLOADS}},
            "kiesraad": {"elections": {"tk2017": {"url": urls["tk2021"] + "?not-fetched", "sha256": ""},
                                       "tk2021": {"url": urls["tk2021"], "sha256": tk2021_sha256}},
                         "count_files": {"tk2023": {name: {"url": url, "sha256": ""}
                                                    for name, url in urls["tk2023"].items()}}},
            "pdok": {"url_template": urls["pdok"]},
        },
    }


def run(workflow, overrides: dict, *targets: str):
    """Snakemake with ``overrides`` merged into the default config (a --configfile updates, key by key), building
    ``targets`` in the run's results folder; returns the completed process and that folder."""
    directory = workflow.directory
    path = directory / "config" / "test_overrides.yaml"
    path.write_text(yaml.safe_dump(overrides), encoding="utf-8")
    configfiles = ("config/config.yaml", str(path.relative_to(directory)))
    results = workflow.results_folder(configfiles)
    paths = [str((results / target).relative_to(directory)) for target in targets]
    return workflow.snakemake(*paths, configfiles=configfiles), results


@pytest.fixture(scope="module")
def server():
    with LocalServer() as local:
        yield local


@pytest.fixture(scope="module")
def routes(new_workflow, tmp_path_factory, server):
    """The same targets built by the online route (from the loopback server) and by the snapshot route."""
    urls = serve_publishers(server)
    # The Kiesraad server fails once: the download job retries and records the failure.
    server.route(KIESRAAD_TK2021, Reply(status=500, body=b"busy", content_type="text/plain"),
                 Reply(body=(FIXTURES / "tk2021_three_gemeenten.csv").read_bytes(), content_type="text/csv"))
    online = new_workflow(tmp_path_factory.mktemp("online") / "afgehaakt", DEFAULT_CONFIG)
    completed, online_results = run(online, online_config(urls), *TARGETS)
    assert completed.returncode == 0, completed.stderr[-4000:]
    snapshot = new_workflow(tmp_path_factory.mktemp("snapshot") / "afgehaakt", DEFAULT_CONFIG)
    completed, snapshot_results = run(snapshot, ELECTIONS, *TARGETS)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return {"online": online.directory, "online_results": online_results, "snapshot_results": snapshot_results}


def overlap(snapshot: pd.DataFrame, online: pd.DataFrame, key: str = "code") -> pd.DataFrame:
    assert set(online[key]) <= set(snapshot[key])
    return snapshot[snapshot[key].isin(online[key])].reset_index(drop=True)


@pytest.mark.parametrize("table", STATLINE_TABLES)
def test_statline_interim_tables_are_the_same_on_both_routes(routes, table):
    assert len(online_and_snapshot(routes, table)) >= 5


def test_boundaries_are_the_same_on_both_routes(routes):
    online_dir, snapshot_dir = routes["online_results"], routes["snapshot_results"]
    online = geopandas.read_parquet(online_dir / BOUNDARIES)
    snapshot = overlap(geopandas.read_parquet(snapshot_dir / BOUNDARIES), online)
    assert len(online) == 6 and online.crs == snapshot.crs
    pd.testing.assert_frame_equal(pd.DataFrame(online.drop(columns="geometry")),
                                  pd.DataFrame(snapshot.drop(columns="geometry")))
    assert online.geometry.geom_equals_exact(snapshot.geometry, tolerance=0).all()


def online_and_snapshot(routes, table: str) -> pd.DataFrame:
    """The online route's ``table``, checked equal to the snapshot route's rows of the same municipalities."""
    online = pd.read_parquet(routes["online_results"] / table)
    snapshot = overlap(pd.read_parquet(routes["snapshot_results"] / table), online)
    pd.testing.assert_frame_equal(online.reset_index(drop=True), snapshot)
    return online


def test_the_municipality_list_is_the_same_on_both_routes(routes):
    # Online from Gebieden in Nederland (84929NED), checked against the online boundaries of the same six.
    assert len(online_and_snapshot(routes, MUNICIPALITIES)) == 6


@pytest.mark.parametrize("table", ELECTION_TABLES)
def test_election_tables_are_the_same_on_both_routes(routes, table):
    assert sorted(set(online_and_snapshot(routes, table)["code"])) == ["0197", "0358", "1680"]


@pytest.mark.parametrize("table", COUNT_FILE_TABLES)
def test_count_file_tables_are_the_same_on_both_routes(routes, table):
    codes = set(online_and_snapshot(routes, table)["code"])
    # 16 files served whole and 3 cut: every municipality but those cut away.
    assert CUT_COUNT_FILE_CODES <= codes and 300 < len(codes) < 342


def test_every_download_has_its_provenance_record(routes, server):
    raw = routes["online"] / "resources" / "raw"
    kiesraad = json.loads((raw / "kiesraad" / "tk2021_gemeente.csv.provenance.json").read_text())
    assert kiesraad["url"] == server.base_url + "/kiesraad/Uitslag_alle_gemeenten_TK20210317.csv"
    assert kiesraad["status"] == 200 and kiesraad["bytes"] == (raw / "kiesraad" / "tk2021_gemeente.csv").stat().st_size
    assert kiesraad["attempts"] == 2 and kiesraad["failed_attempts"][0]["error"].startswith("HTTP 500")
    for name in STATLINE_DOWNLOADS:
        record = json.loads((raw / "statline" / name / "statline.json").read_text())
        assert [page["items"] for page in record["data_pages"]] in ([4, 2], [3, 3]), name
        for page in record["data_pages"]:
            assert (raw / "statline" / name / (page["file"] + ".provenance.json")).exists()
    count_files = sorted((raw / "kiesraad" / "tk2023_osv4-3").glob("*.csv"))
    assert [path.name for path in count_files] == sorted(catalogue.election("tk2023").published_names)
    for path in count_files:
        record = json.loads(provenance_path(path).read_text())
        assert record["sha256"] == sha256_file(path) and record["url"].endswith("/kiesraad/tk2023/" + quote(path.name))
    pdok = json.loads((raw / "pdok" / "gemeente_2021.geojson.provenance.json").read_text())
    assert pdok["features"] == 6 and len(pdok["pages"]) == 2


def test_a_pinned_checksum_that_does_not_match_stops_the_run_and_leaves_no_file(new_workflow, tmp_path, server):
    urls = serve_publishers(server)
    workflow = new_workflow(tmp_path / "afgehaakt", DEFAULT_CONFIG)
    directory = workflow.directory
    completed, results = run(workflow, online_config(urls, tk2021_sha256="0" * 64), ELECTION_TABLES[0])
    assert completed.returncode != 0
    assert f"checksum mismatch for resources/raw/kiesraad/tk2021_gemeente.csv: pinned sha256 {'0' * 64}" in (
        completed.stderr + completed.stdout
    )
    kiesraad = directory / "resources" / "raw" / "kiesraad"
    assert not kiesraad.exists() or list(kiesraad.iterdir()) == []
    assert not (results / ELECTION_TABLES[0]).exists()
