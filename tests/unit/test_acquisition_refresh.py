"""make snapshot: which files the config lets it refresh, and a refresh against the loopback server."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml
from test_acquisition_support import FIXTURES, local_server, serve_publishers  # noqa: F401 (the fixture)

from afgehaakt import catalogue
from afgehaakt.acquisition.interim import interim_statline_table
from afgehaakt.acquisition.refresh import load_config, main, snapshot_sources
from afgehaakt.acquisition.snapshot import SECTION_BEGIN, SECTION_END, FetchSpec, StatlineCsvSpec, read_checksums
from afgehaakt.provenance import sha256_file

REFRESHED_STATLINE = ["population2021", "health2020", "health2016"]


@pytest.fixture(scope="module")
def config(repo):
    return load_config([repo / "config/config.yaml"], repo / "workflow/schemas/config.schema.yaml")


def test_the_default_config_refreshes_the_statline_tables_in_odata_layout(config):
    sources, skipped = snapshot_sources(config["acquisition"])
    specs = dict(sources)
    assert sorted(specs) == sorted(catalogue.STATLINE_FILES[name] for name in REFRESHED_STATLINE)
    assert all(isinstance(spec, StatlineCsvSpec) for spec in specs.values())
    health = specs[catalogue.STATLINE_FILES["health2016"]].query
    assert health.table_url == "https://dataderden.cbs.nl/ODataApi/odata/50090NED"
    assert "(Perioden eq '2016JJ00')" in health.filter
    assert "third-party table" in skipped[catalogue.STATLINE_FILES["kwb2020"]]
    assert "no URL in acquisition.kiesraad.elections.tk2021.url" in skipped["elections/tk2021_gemeente.csv"]
    assert "TopoJSON" in skipped[catalogue.boundaries(2021).file]


def test_a_configured_kiesraad_url_is_refreshed_as_served(config):
    kiesraad = {**config["acquisition"]["kiesraad"], "elections": {"tk2021": {"url": "http://x/u.csv", "sha256": ""}}}
    acquisition = {**config["acquisition"], "kiesraad": kiesraad}
    specs = dict(snapshot_sources(acquisition)[0])
    assert specs["elections/tk2021_gemeente.csv"] == FetchSpec("http://x/u.csv", expected_content_types=specs[
        "elections/tk2021_gemeente.csv"].expected_content_types)


def test_configured_count_files_are_refreshed_as_served_and_the_others_named(config):
    name = "osv4-3-telling-tk2023-kieskring-leeuwarden.csv"
    count_files = {"tk2023": {**config["acquisition"]["kiesraad"]["count_files"]["tk2023"],
                              name: {"url": "http://x/leeuwarden.csv", "sha256": ""}}}
    acquisition = {**config["acquisition"],
                   "kiesraad": {**config["acquisition"]["kiesraad"], "count_files": count_files}}
    sources, skipped = snapshot_sources(acquisition)
    file = f"elections/tk2023_osv4-3/{name}"
    assert dict(sources)[file].url == "http://x/leeuwarden.csv"
    groningen = "osv4-3_telling_tk2023_kieskring-1 groningen.csv"
    assert skipped[f"elections/tk2023_osv4-3/{groningen}"] == (
        f"no URL in acquisition.kiesraad.count_files.tk2023.{groningen}.url")
    assert sum(path.startswith("elections/tk2023_osv4-3/") for path in skipped) == 18


def test_make_snapshot_replaces_pins_and_documents_the_refreshed_files(local_server, tmp_path, repo, capsys):
    urls = serve_publishers(local_server)
    data = tmp_path / "data"
    shutil.copytree(repo / "data", data)
    before = read_checksums(data / "SHA256SUMS")
    overrides = {
        "data_dir": str(data),
        "acquisition": {
            "http": {"retries": 0, "backoff_seconds": 0, "min_interval_seconds": 0},
            "statline": {"tables": {name: {"base_url": urls[name]} for name in REFRESHED_STATLINE}},
            "kiesraad": {"elections": {"tk2021": {"url": urls["tk2021"], "sha256": ""}}},
        },
    }
    (tmp_path / "overrides.yaml").write_text(yaml.safe_dump(overrides), encoding="utf-8")
    arguments = ["--configfile", str(repo / "config/config.yaml"), str(tmp_path / "overrides.yaml"),
                 "--provenance-dir", str(tmp_path / "provenance"),
                 "--schema", str(repo / "workflow/schemas/config.schema.yaml")]
    assert main(arguments) == 0
    assert "changed: health/rivm50090_gezondheid_2020_18plus_gemeente.csv" in capsys.readouterr().out

    # The refreshed CSV is read by the snapshot route into the table the original gave for these municipalities.
    for name in REFRESHED_STATLINE:
        file = catalogue.STATLINE_FILES[name]
        refreshed = interim_statline_table(name, "snapshot", data / file)
        original = interim_statline_table(name, "snapshot", repo / "data" / file)
        assert len(refreshed) >= 5
        pd.testing.assert_frame_equal(refreshed,
                                      original[original["code"].isin(refreshed["code"])].reset_index(drop=True))
    served = (FIXTURES / "tk2021_three_gemeenten.csv").read_bytes()
    assert (data / "elections/tk2021_gemeente.csv").read_bytes() == served

    pinned = read_checksums(data / "SHA256SUMS")
    refreshed_files = {catalogue.STATLINE_FILES[name] for name in REFRESHED_STATLINE}
    refreshed_files.add("elections/tk2021_gemeente.csv")
    assert {name: pinned[name] for name in refreshed_files} == {
        name: sha256_file(data / name) for name in refreshed_files}
    assert {k: v for k, v in pinned.items() if k not in refreshed_files} == {
        k: v for k, v in before.items() if k not in refreshed_files}
    assert (tmp_path / "provenance" / "elections" / "tk2021_gemeente.csv.provenance.json").exists()

    original_text = (repo / "data/SOURCES.md").read_text(encoding="utf-8")
    sources = (data / "SOURCES.md").read_text(encoding="utf-8")
    assert sources.startswith(original_text.rstrip("\n"))
    section = generated_section(sources)
    assert sorted(line.split("`")[1] for line in section.splitlines() if line.startswith("| `")) == sorted(
        refreshed_files)
    assert f"| `elections/tk2021_gemeente.csv` | {urls['tk2021']} | " in section
    assert "CBS StatLine OData 50090NED" in section and f"`{pinned['elections/tk2021_gemeente.csv']}`" in section

    assert main(arguments) == 0  # a second refresh rewrites the section instead of adding another
    again = (data / "SOURCES.md").read_text(encoding="utf-8")
    assert again.count(SECTION_BEGIN) == 1 and generated_section(again).count("tk2021_gemeente.csv") == 1
    assert read_checksums(data / "SHA256SUMS") == pinned


def generated_section(text: str) -> str:
    return text.split(SECTION_BEGIN, 1)[1].split(SECTION_END, 1)[0]
