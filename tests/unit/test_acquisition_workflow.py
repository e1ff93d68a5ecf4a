"""The checks the workflow runs before any download job, and the downloader a job builds from the config."""

from __future__ import annotations

import pytest
import yaml

from afgehaakt.acquisition.workflow import check_online_elections, downloader_from_settings
from afgehaakt.errors import ConfigError


def test_an_election_without_a_url_is_named_by_its_config_key():
    with pytest.raises(ConfigError, match=r"'acquisition.kiesraad.elections.ep2019.url': empty"):
        check_online_elections(["tk2021", "ep2019"],
                               {"elections": {"tk2021": {"url": "http://x"}, "ep2019": {"url": ""}}})


def test_osv_count_files_need_their_own_urls():
    # tk2023 is published as count files: the URL of a per-municipality CSV does not stand in for them.
    with pytest.raises(ConfigError, match=r"'acquisition.kiesraad.count_files.tk2023.OSV4-3_telling_tk2023_kieskring"
                                          r"_tilburg.csv.url': empty"):
        check_online_elections(["tk2023"], {"elections": {"tk2023": {"url": "http://x"}}, "count_files": {}})


def test_elections_with_urls_pass():
    check_online_elections(["tk2017", "tk2021"],
                           {"elections": {"tk2017": {"url": "http://a"}, "tk2021": {"url": "http://b"}}})


def test_the_downloader_takes_every_http_setting(repo):
    http = yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))["acquisition"]["http"]
    downloader = downloader_from_settings({**http, "retries": 7, "min_interval_seconds": 2.5})
    assert downloader.retries == 7 and downloader.throttle.min_interval == 2.5
    assert downloader.backoff == http["backoff_seconds"] and downloader.max_backoff == http["max_backoff_seconds"]
    assert downloader.timeout == (http["connect_timeout_seconds"], http["read_timeout_seconds"])
