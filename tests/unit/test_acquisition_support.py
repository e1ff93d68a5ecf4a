"""A local HTTP server for the acquisition tests, and tests that it misbehaves the way the tests need.

The server listens on 127.0.0.1 on a random port in a thread. Each route (path plus optional query string, as
sent) holds a queue of replies served in turn; the last reply repeats. ``__BASE_URL__`` in a body is replaced by
the server's address, so that fixture files can carry absolute next links. No test contacts another host.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from afgehaakt import catalogue

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "acquisition"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    send_only: int | None = None
    """Announce the full Content-Length but send only this many bytes, then close the connection."""
    delay: float = 0.0
    """Seconds to wait before answering (a slow server, for time-outs)."""


class LocalServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                reply = server._next_reply(self.path)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self._answer(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as the time-out tests intend

            def _answer(self, reply: Reply) -> None:
                body = reply.body.replace(b"__BASE_URL__", server.base_url.encode("ascii"))
                self.send_response(reply.status)
                if reply.content_type is not None:
                    self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.send_only is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if reply.send_only is not None:
                    self.wfile.write(body[: reply.send_only])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_WR)
                    return
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def route(self, path: str, *replies: Reply) -> str:
        """Serve ``replies`` in turn at ``path`` (with its query string, if any); return the absolute URL."""
        self.routes[path] = list(replies)
        return self.base_url + path

    def serve_file(self, path: str, fixture: str, content_type: str = "application/json; charset=utf-8") -> str:
        return self.route(path, Reply(body=(FIXTURES / fixture).read_bytes(), content_type=content_type))

    def _next_reply(self, raw_path: str) -> Reply:
        with self._lock:
            self.requests.append(raw_path)
            queue = self.routes.get(raw_path) or self.routes.get(raw_path.split("?", 1)[0])
            if queue is None:
                return Reply(status=404, body=b"no such fixture: " + raw_path.encode(), content_type="text/plain")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _odata_fixtures(table: str, dataset: str) -> tuple[str, str, str, str, str]:
    """The fixture files of a dataset cut by cut_fixtures.py, whose second page's next link names the dataset."""
    stem = f"odata_{table}_{dataset}"
    return (table, f"{stem}_page1.json", f"$skiptoken={dataset}", f"{stem}_page2.json", f"{stem}_dataproperties.json")


STATLINE_FIXTURES = {
    # dataset: (table, first page, query of the second page as its next link names it, second page, properties)
    **{dataset: _odata_fixtures(table, dataset) for dataset, table in (
        ("kwb2020", "84799NED"), ("kwb2021", "85039NED"), ("health2020", "50090NED"), ("health2016", "50090NED"),
        ("gebieden2021", "84929NED"))},
    # 70072NED's pages were cut first, from the published layout, with a numeric skip token as CBS serves it
    "population2021": ("70072NED", "odata_70072NED_typeddataset_page1.json", "$skiptoken=2433",
                       "odata_70072NED_typeddataset_page2.json", "odata_70072NED_dataproperties.json"),
}
PDOK_ITEMS = "/ogc/v1/collections/gemeente_gegeneraliseerd/items"
KIESRAAD_TK2021 = "/kiesraad/Uitslag_alle_gemeenten_TK20210317.csv"
COUNT_FILE_FIXTURES = FIXTURES / "osv4-3"
SNAPSHOT = FIXTURES.parents[2] / "data"


def serve_statline_dataset(server: LocalServer, dataset: str) -> str:
    """Serve one dataset's fixtures under its own prefix (two datasets share 50090NED); return its base_url."""
    table, first, second_query, second, properties = STATLINE_FIXTURES[dataset]
    prefix = f"/{dataset}/ODataApi/odata/{table}"
    server.serve_file(f"{prefix}/TypedDataSet", first)
    # Next links are absolute and carry no prefix, as CBS's do; the skip token tells the datasets apart.
    server.serve_file(f"/ODataApi/odata/{table}/TypedDataSet?$format=json&{second_query}", second)
    server.serve_file(f"{prefix}/DataProperties", properties)
    return f"{server.base_url}/{dataset}/ODataApi/odata/{{table}}"


def serve_publishers(server: LocalServer) -> dict[str, str]:
    """Every fixture, as CBS, RIVM, PDOK and the Kiesraad serve it; return the URLs a config needs."""
    urls = {dataset: serve_statline_dataset(server, dataset) for dataset in STATLINE_FIXTURES}
    server.serve_file(PDOK_ITEMS, "pdok_gemeente_2021_page1.json", "application/geo+json")
    server.serve_file(PDOK_ITEMS + "?f=json&cursor=page2", "pdok_gemeente_2021_page2.json", "application/geo+json")
    urls["pdok"] = server.base_url + "/ogc/v1/collections/{collection}/items"
    urls["tk2021"] = server.serve_file(KIESRAAD_TK2021, "tk2021_three_gemeenten.csv", "text/csv")
    urls["tk2023"] = serve_count_files(server)
    return urls


def serve_count_files(server: LocalServer) -> dict[str, str]:
    """tk2023's Osv4-3 count files, {published name: URL}: the three cut fixtures, the others as in the snapshot."""
    source = catalogue.election("tk2023")
    urls = {}
    for path, name in zip(source.files, source.published_names):
        fixture = COUNT_FILE_FIXTURES / name
        body = (fixture if fixture.exists() else SNAPSHOT / path).read_bytes()
        # A URL is written percent-encoded (the Groningen file's name has a space).
        urls[name] = server.route(f"/kiesraad/tk2023/{quote(name)}", Reply(body=body, content_type="text/csv"))
    return urls


def quiet_downloader():
    """A downloader for tests: no throttle, no real waiting, a fixed retrieval time."""
    from afgehaakt.acquisition.http import Downloader

    return Downloader(
        throttle=None,
        sleep=lambda seconds: None,
        now=lambda: datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc),
        timeout=5,
    )


@pytest.fixture
def local_server():
    with LocalServer() as server:
        yield server


def test_the_server_really_truncates_and_the_client_notices(local_server):
    import requests

    url = local_server.route("/cut", Reply(body=b"x" * 1000, send_only=10))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, timeout=5).content


def test_a_delayed_reply_makes_a_short_read_timeout_expire(local_server):
    import requests

    url = local_server.route("/slow", Reply(body=b"late", delay=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=(1, 0.2))


def test_replies_are_served_in_turn_and_the_last_one_repeats(local_server):
    import requests

    url = local_server.route("/seq", Reply(status=503), Reply(status=200, body=b"ok"))
    assert [requests.get(url, timeout=5).status_code for _ in range(3)] == [503, 200, 200]
    assert local_server.requests == ["/seq"] * 3
