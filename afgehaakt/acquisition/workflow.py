"""What the workflow's download rules need from the config: checks before any job, and the job's downloader.

Kept apart from the rule files so that the checks are unit-tested and the rule files stay declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from afgehaakt import catalogue
from afgehaakt.acquisition.http import Downloader
from afgehaakt.acquisition.throttle import HostThrottle
from afgehaakt.errors import ConfigError


def check_online_elections(elections: list[str], kiesraad: Mapping[str, Any]) -> None:
    """Every election analysed must have a URL for each file it is published in; raise naming the config key.

    ``kiesraad`` is ``acquisition.kiesraad``: per-municipality CSVs under ``elections``, the Osv4-3 count files
    under ``count_files.<election>``, one entry per file of the snapshot, keyed by its published name.
    """
    for election in elections:
        source = catalogue.election(election)
        if source.format == "kiesraad_long":
            raise ConfigError("acquisition.kiesraad", f"{election} is read from the snapshot's zip archive only; "
                                                      "set acquisition.kiesraad.source to snapshot")
        if source.format == "kiesraad_csv":
            _check_url(f"acquisition.kiesraad.elections.{election}", (kiesraad["elections"].get(election) or {}),
                       "the results CSV's URL")
            continue
        key = f"acquisition.kiesraad.count_files.{election}"
        configured = kiesraad.get("count_files", {}).get(election) or {}
        unknown = sorted(set(configured) - set(source.published_names))
        if unknown:
            raise ConfigError(key, f"{unknown} are not count files of {election}; "
                                   f"the snapshot holds {sorted(source.published_names)}")
        for name in source.published_names:
            _check_url(f"{key}.{name}", configured.get(name) or {}, "the URL of this count file")


def _check_url(key: str, download: Mapping[str, str], what: str) -> None:
    if not download.get("url"):
        raise ConfigError(f"{key}.url", f"empty, but acquisition.kiesraad is online: give {what}")


def downloader_from_settings(http: Mapping[str, Any]) -> Downloader:
    """One job's downloader from ``acquisition.http`` (retries, backoff, time-outs, minimum interval)."""
    return Downloader(
        throttle=HostThrottle(float(http["min_interval_seconds"])),
        retries=int(http["retries"]),
        backoff=float(http["backoff_seconds"]),
        max_backoff=float(http["max_backoff_seconds"]),
        timeout=(float(http["connect_timeout_seconds"]), float(http["read_timeout_seconds"])),
    )
