"""``make snapshot``: refresh the committed snapshot from the publishers, as the config's online route names them.

Refreshed are the snapshot files that the publishers serve in the snapshot's own layout: the Kiesraad
per-municipality results CSVs and Osv4-3 count files whose URL is configured
(``acquisition.kiesraad.elections.<id>.url``, ``acquisition.kiesraad.count_files.<id>.<file>.url``) and the
StatLine tables whose committed file has the OData keys as header (70072NED, 50090NED). The KWB files are
third-party tables with other headers and the boundaries a cartomap TopoJSON; they are listed as not refreshed,
with the reason, and keep their pinned copies. Everything is downloaded before anything is replaced
(:func:`afgehaakt.acquisition.snapshot.refresh_snapshot`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from afgehaakt import catalogue
from afgehaakt.acquisition.interim import STATLINE_DATASETS, query_from_config
from afgehaakt.acquisition.kiesraad import KIESRAAD_CONTENT_TYPES
from afgehaakt.acquisition.snapshot import FetchSpec, StatlineCsvSpec, refresh_snapshot
from afgehaakt.acquisition.workflow import downloader_from_settings

SCHEMA = Path("workflow/schemas/config.schema.yaml")
PROVENANCE_DIR = Path("resources/snapshot_provenance")


def snapshot_sources(acquisition: Mapping[str, Any]) -> tuple[list[tuple[str, Any]], dict[str, str]]:
    """(snapshot file, spec) for every refreshable file, and {snapshot file: why not} for the others."""
    sources: list[tuple[str, Any]] = []
    skipped: dict[str, str] = {}
    statline = acquisition["statline"]
    for name, dataset in STATLINE_DATASETS.items():
        file = catalogue.STATLINE_FILES[name]
        if not dataset.snapshot_in_odata_layout:
            skipped[file] = f"a third-party table with its own headers, not {dataset.table} as StatLine serves it"
            continue
        query = query_from_config(name, statline["tables"][name], page_size=statline["page_size"] or None)
        sources.append((file, StatlineCsvSpec(query)))
    kiesraad = acquisition["kiesraad"]
    for election, download in kiesraad["elections"].items():
        _add_kiesraad_file(catalogue.election(election).files[0], download,
                           f"acquisition.kiesraad.elections.{election}.url", sources, skipped)
    for election, downloads in kiesraad["count_files"].items():
        source = catalogue.election(election)
        for file, name in zip(source.files, source.published_names):
            _add_kiesraad_file(file, downloads.get(name) or {"url": ""},
                               f"acquisition.kiesraad.count_files.{election}.{name}.url", sources, skipped)
    skipped[catalogue.boundaries(2021).file] = "a cartomap TopoJSON; PDOK serves GeoJSON (the online route reads it)"
    return sources, skipped


def _add_kiesraad_file(file: str, download: Mapping[str, str], key: str, sources: list, skipped: dict) -> None:
    """A Kiesraad file is fetched as published when its URL is configured, else listed as skipped naming the key."""
    if download["url"]:
        sources.append((file, FetchSpec(download["url"], expected_content_types=KIESRAAD_CONTENT_TYPES)))
    else:
        skipped[file] = f"no URL in {key}"


def load_config(paths: Sequence[str | Path], schema: str | Path = SCHEMA) -> dict[str, Any]:
    """The config files merged key by key, in order (as Snakemake's --configfile), then validated."""
    config: dict[str, Any] = {}
    for path in paths:
        _merge(config, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
    jsonschema.validate(config, yaml.safe_load(Path(schema).read_text(encoding="utf-8")))
    return config


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", nargs="+", default=["config/config.yaml"])
    parser.add_argument("--provenance-dir", default=str(PROVENANCE_DIR))
    parser.add_argument("--schema", default=str(SCHEMA))
    arguments = parser.parse_args(argv)
    config = load_config(arguments.configfile, arguments.schema)
    sources, skipped = snapshot_sources(config["acquisition"])
    for file, reason in sorted(skipped.items()):
        print(f"not refreshed: {file}: {reason}")
    refresh = refresh_snapshot(
        sources,
        config["data_dir"],
        provenance_dir=arguments.provenance_dir,
        downloader=downloader_from_settings(config["acquisition"]["http"]),
    )
    for label, files in (("added", refresh.added), ("changed", refresh.changed), ("unchanged", refresh.unchanged)):
        for file in files:
            print(f"{label}: {file}")
    print(f"rewrote {config['data_dir']}/SHA256SUMS and SOURCES.md; records in {arguments.provenance_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
