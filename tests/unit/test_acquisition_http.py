"""fetch(): success with a provenance record, retries, and every failure leaving nothing behind."""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
from datetime import datetime, timezone

import pytest
import requests
from test_acquisition_support import Reply, local_server  # noqa: F401 (the fixture)

import afgehaakt
from afgehaakt.acquisition.errors import (
    ChecksumMismatchError,
    ContentTypeError,
    ContentValidationError,
    DownloadError,
    HttpStatusError,
    TruncatedDownloadError,
)
from afgehaakt.acquisition.http import Downloader, ProvenanceRecord, fetch, provenance_path, request_url
from afgehaakt.acquisition.throttle import HostThrottle

BODY = "RegioCode;Opkomst\nG0014;123\n".encode("utf-8")
FIXED_TIME = datetime(2026, 11, 30, 12, 0, 5, tzinfo=timezone.utc)


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def _fetch(url, destination, **options):
    options.setdefault("sleep", FakeSleep())
    options.setdefault("now", lambda: FIXED_TIME)
    options.setdefault("timeout", 5)
    return fetch(url, options.pop("params", None), destination, **options)


def assert_nothing_left(directory):
    assert sorted(p.name for p in directory.iterdir()) == []


def test_success_writes_the_file_and_a_complete_provenance_record(local_server, tmp_path):
    url = local_server.route(
        "/tk2021.csv", Reply(body=BODY, content_type="text/csv; charset=utf-8", headers={"ETag": '"abc"'})
    )
    destination = tmp_path / "raw" / "tk2021.csv"
    record = _fetch(
        local_server.base_url + "/tk2021.csv",
        destination,
        params={"year": 2021, "$filter": "a eq 'b'"},
        expected_content_types=("text/csv",),
    )

    assert destination.read_bytes() == BODY
    written = json.loads(provenance_path(destination).read_text(encoding="utf-8"))
    assert written == record.to_dict()
    assert ProvenanceRecord.read(provenance_path(destination)) == record
    assert written["url"] == url
    assert written["params"] == {"year": "2021", "$filter": "a eq 'b'"}
    assert written["request_url"] == url + "?year=2021&$filter=a%20eq%20'b'"
    assert written["final_url"] == written["request_url"]
    assert written["status"] == 200
    assert written["sha256"] == hashlib.sha256(BODY).hexdigest()
    assert written["bytes"] == len(BODY)
    assert written["retrieved_at"] == "2026-11-30T12:00:05Z"
    assert written["attempts"] == 1 and written["failed_attempts"] == []
    assert written["content_type"] == "text/csv; charset=utf-8"
    assert written["etag"] == '"abc"'
    assert written["client"]["name"] == "afgehaakt"
    assert written["client"]["version"] == afgehaakt.__version__
    assert written["client"]["requests"] == requests.__version__
    assert local_server.requests == ["/tk2021.csv?year=2021&$filter=a%20eq%20'b'"]
    assert sorted(p.name for p in destination.parent.iterdir()) == ["tk2021.csv", "tk2021.csv.provenance.json"]


def test_503_twice_then_success_is_retried_with_exponential_backoff(local_server, tmp_path):
    url = local_server.route("/flaky", Reply(status=503), Reply(status=503), Reply(body=BODY))
    sleep = FakeSleep()
    record = _fetch(url, tmp_path / "flaky.csv", retries=3, backoff=2.0, sleep=sleep)
    assert record.attempts == 3
    assert [f["attempt"] for f in record.failed_attempts] == [1, 2]
    assert "HTTP 503" in record.failed_attempts[0]["error"]
    assert sleep.calls == [2.0, 4.0]
    assert (tmp_path / "flaky.csv").read_bytes() == BODY
    assert json.loads(provenance_path(tmp_path / "flaky.csv").read_text())["attempts"] == 3


def test_retry_after_is_honoured_when_longer_than_the_backoff(local_server, tmp_path):
    url = local_server.route("/busy", Reply(status=429, headers={"Retry-After": "30"}), Reply(body=BODY))
    sleep = FakeSleep()
    assert _fetch(url, tmp_path / "busy", backoff=1.0, sleep=sleep).attempts == 2
    assert sleep.calls == [30.0]


def test_retry_after_as_an_http_date_is_honoured_and_an_unreadable_one_ignored(local_server, tmp_path):
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = local_server.route("/dated", Reply(status=503, headers={"Retry-After": in_an_hour}), Reply(body=BODY))
    sleep = FakeSleep()
    assert _fetch(url, tmp_path / "dated", backoff=1.0, sleep=sleep).attempts == 2
    assert len(sleep.calls) == 1 and 3500 < sleep.calls[0] <= 3600
    url = local_server.route("/garbled", Reply(status=503, headers={"Retry-After": "soon"}), Reply(body=BODY))
    sleep = FakeSleep()
    assert _fetch(url, tmp_path / "garbled", backoff=1.0, sleep=sleep).attempts == 2
    assert sleep.calls == [1.0]


def test_persistent_503_gives_up_after_the_retries_and_leaves_nothing(local_server, tmp_path):
    url = local_server.route("/down", Reply(status=503))
    sleep = FakeSleep()
    with pytest.raises(HttpStatusError, match=r"/down: HTTP 503.*after 3 attempts") as caught:
        _fetch(url, tmp_path / "down.csv", retries=2, backoff=1.0, max_backoff=1.5, sleep=sleep)
    assert caught.value.status == 503 and caught.value.attempts == 3
    assert sleep.calls == [1.0, 1.5]
    assert len(local_server.requests) == 3
    assert_nothing_left(tmp_path)


def test_404_fails_at_once_naming_url_and_status(local_server, tmp_path):
    url = local_server.base_url + "/ODataApi/odata/99999NED/TypedDataSet"
    sleep = FakeSleep()
    with pytest.raises(
        HttpStatusError,
        match=r"GET http://127\.0\.0\.1:\d+/ODataApi/odata/99999NED/TypedDataSet: "
        r"HTTP 404 Not Found; check the URL",
    ) as caught:
        _fetch(url, tmp_path / "table.json", sleep=sleep)
    assert caught.value.status == 404 and caught.value.attempts == 1
    assert sleep.calls == [] and len(local_server.requests) == 1
    assert_nothing_left(tmp_path)


def test_truncated_body_is_retried_then_reported_with_both_sizes(local_server, tmp_path):
    url = local_server.route("/cut.csv", Reply(body=b"x" * 5000, send_only=100))
    with pytest.raises(TruncatedDownloadError, match=r"truncated body: received \d+ bytes of 5000") as caught:
        _fetch(url, tmp_path / "cut.csv", retries=1)
    assert caught.value.expected == 5000 and caught.value.received < 5000 and caught.value.attempts == 2
    assert_nothing_left(tmp_path)


def test_a_truncated_first_attempt_is_recovered(local_server, tmp_path):
    url = local_server.route("/cut.csv", Reply(body=BODY, send_only=5), Reply(body=BODY))
    record = _fetch(url, tmp_path / "cut.csv", retries=1)
    assert record.attempts == 2 and "truncated" in record.failed_attempts[0]["error"]
    assert (tmp_path / "cut.csv").read_bytes() == BODY


def test_wrong_content_type_is_refused_without_retrying(local_server, tmp_path):
    url = local_server.route("/maintenance", Reply(body=b"<html>Onderhoud</html>", content_type="text/html"))
    with pytest.raises(ContentTypeError, match=r"content type 'text/html', expected one of \['application/json'\]"):
        _fetch(url, tmp_path / "page.json", expected_content_types=("application/json",))
    assert len(local_server.requests) == 1
    assert_nothing_left(tmp_path)


def test_content_type_parameters_and_case_do_not_matter(local_server, tmp_path):
    url = local_server.route("/p.json", Reply(body=b"{}", content_type="Application/JSON;odata=minimalmetadata"))
    assert _fetch(url, tmp_path / "p.json", expected_content_types=("application/json",)).bytes == 2


def test_checksum_mismatch_names_file_both_hashes_and_the_fix(local_server, tmp_path):
    url = local_server.route("/pinned.csv", Reply(body=BODY))
    pinned = "0" * 64
    actual = hashlib.sha256(BODY).hexdigest()
    with pytest.raises(ChecksumMismatchError) as caught:
        _fetch(url, tmp_path / "pinned.csv", expected_sha256=pinned)
    message = str(caught.value)
    assert "pinned.csv" in message and pinned in message and actual in message
    assert "replace the pinned checksum in the config" in message
    assert len(local_server.requests) == 1
    assert_nothing_left(tmp_path)


def test_a_matching_pin_is_recorded(local_server, tmp_path):
    url = local_server.route("/pinned.csv", Reply(body=BODY))
    digest = hashlib.sha256(BODY).hexdigest()
    assert _fetch(url, tmp_path / "pinned.csv", expected_sha256=digest.upper()).expected_sha256 == digest


def test_a_failed_download_keeps_the_previous_file_and_record(local_server, tmp_path):
    url = local_server.route("/data.csv", Reply(body=BODY), Reply(status=404))
    destination = tmp_path / "data.csv"
    _fetch(url, destination)
    record_before = provenance_path(destination).read_text()
    with pytest.raises(HttpStatusError):
        _fetch(url, destination)
    assert destination.read_bytes() == BODY and provenance_path(destination).read_text() == record_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "data.csv.provenance.json"]


def test_a_failing_content_check_leaves_nothing_and_hides_the_temporary_name(local_server, tmp_path):
    url = local_server.route("/data.csv", Reply(body=BODY))

    def refuse(path):
        raise ValueError(f"{path} has no Kiesgerechtigden column")

    with pytest.raises(ContentValidationError, match=r"<downloaded file> has no Kiesgerechtigden"):
        _fetch(url, tmp_path / "data.csv", validate=refuse)
    assert_nothing_left(tmp_path)


def test_connection_refused_is_retried_then_reported(tmp_path):
    with socket_on_free_port() as port:
        url = f"http://127.0.0.1:{port}/nothing"
    sleep = FakeSleep()
    with pytest.raises(DownloadError, match=r"connection failed.*after 3 attempts"):
        _fetch(url, tmp_path / "x", retries=2, sleep=sleep)
    assert sleep.calls == [1.0, 2.0]
    assert_nothing_left(tmp_path)


def test_query_strings_are_appended_to_urls_that_already_have_one():
    assert request_url("http://h/p?a=1", {"$top": 10}) == "http://h/p?a=1&$top=10"
    assert request_url("http://h/p", None) == "http://h/p"


def test_throttle_spaces_requests_per_host_without_real_sleeping():
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    throttle = HostThrottle(2.0, clock=lambda: clock[0], sleep=sleep)
    assert throttle.wait("http://a.example/1") == 0.0
    clock[0] += 0.5
    assert throttle.wait("http://a.example/2") == 1.5
    assert throttle.wait("http://b.example/1") == 0.0  # another host is not held back
    clock[0] += 10
    assert throttle.wait("http://A.example/3") == 0.0
    assert slept == [1.5]


def test_downloader_applies_its_throttle_to_every_request(local_server, tmp_path):
    url = local_server.route("/x", Reply(body=BODY))
    waits: list[float] = []
    throttle = HostThrottle(5.0, clock=lambda: 0.0, sleep=waits.append)
    downloader = Downloader(throttle=throttle, sleep=FakeSleep(), now=lambda: FIXED_TIME, timeout=5)
    downloader.fetch(url, None, tmp_path / "a")
    downloader.fetch(url, None, tmp_path / "b")
    assert waits == [5.0]


class socket_on_free_port:
    """A port that nothing listens on: bind, note the port, close."""

    def __enter__(self) -> int:
        import socket

        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        return self._socket.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def test_a_slow_server_times_out_and_the_retry_succeeds(local_server, tmp_path):
    url = local_server.route("/slow.csv", Reply(body=b"late", delay=1.0), Reply(body=b"a,b\n1,2\n"))
    waits = []
    record = fetch(url, None, tmp_path / "slow.csv", timeout=(1.0, 0.2), sleep=waits.append, backoff=0.5)
    assert (tmp_path / "slow.csv").read_bytes() == b"a,b\n1,2\n"
    assert record.attempts == 2 and waits == [0.5]
    assert record.failed_attempts[0]["error"].startswith("timed out")


def test_a_server_that_stays_slow_is_reported_as_a_time_out_and_leaves_nothing(local_server, tmp_path):
    url = local_server.route("/slow.csv", Reply(body=b"late", delay=1.0))
    with pytest.raises(DownloadError, match=r"slow.csv: timed out.*\(gave up after 2 attempts\)"):
        fetch(url, None, tmp_path / "slow.csv", timeout=(1.0, 0.2), retries=1, sleep=lambda s: None)
    assert list(tmp_path.iterdir()) == []
