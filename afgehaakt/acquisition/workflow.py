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


def check_online_elections(elections: list[str], downloads: Mapping[str, Mapping[str, str]]) -> None:
    """Every election analysed must have a per-municipality CSV to download; raise naming the config key."""
    for election in elections:
        key = f"acquisition.kiesraad.elections.{election}"
        if catalogue.election(election).format != "kiesraad_csv":
            raise ConfigError(
                key,
                f"{election} is published as {catalogue.election(election).format} count files, which are read "
                "from the snapshot only; set acquisition.kiesraad.source to snapshot or leave it out of 'elections'",
            )
        if not (downloads.get(election) or {}).get("url"):
            raise ConfigError(f"{key}.url", "empty, but acquisition.kiesraad is online: give the results CSV's URL")


def downloader_from_settings(http: Mapping[str, Any]) -> Downloader:
    """One job's downloader from ``acquisition.http`` (retries, backoff, time-outs, minimum interval)."""
    return Downloader(
        throttle=HostThrottle(float(http["min_interval_seconds"])),
        retries=int(http["retries"]),
        backoff=float(http["backoff_seconds"]),
        max_backoff=float(http["max_backoff_seconds"]),
        timeout=(float(http["connect_timeout_seconds"]), float(http["read_timeout_seconds"])),
    )
