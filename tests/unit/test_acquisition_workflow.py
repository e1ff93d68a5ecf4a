"""The checks the workflow runs before any download job, and the downloader a job builds from the config."""

from __future__ import annotations

import pytest
import yaml

from afgehaakt.acquisition.workflow import check_online_elections, downloader_from_settings
from afgehaakt.errors import ConfigError


def test_an_election_without_a_url_is_named_by_its_config_key():
    with pytest.raises(ConfigError, match=r"'acquisition.kiesraad.elections.ep2019.url': empty"):
        check_online_elections(["tk2021", "ep2019"], {"tk2021": {"url": "http://x"}, "ep2019": {"url": ""}})


def test_osv_count_files_are_snapshot_only():
    with pytest.raises(ConfigError, match=r"tk2023 is published as osv4_3 count files.*acquisition.kiesraad.source"):
        check_online_elections(["tk2023"], {})


def test_elections_with_urls_pass():
    check_online_elections(["tk2017", "tk2021"], {"tk2017": {"url": "http://a"}, "tk2021": {"url": "http://b"}})


def test_the_downloader_takes_every_http_setting(repo):
    http = yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))["acquisition"]["http"]
    downloader = downloader_from_settings({**http, "retries": 7, "min_interval_seconds": 2.5})
    assert downloader.retries == 7 and downloader.throttle.min_interval == 2.5
    assert downloader.backoff == http["backoff_seconds"] and downloader.max_backoff == http["max_backoff_seconds"]
    assert downloader.timeout == (http["connect_timeout_seconds"], http["read_timeout_seconds"])
