"""Download one URL to one file, with retries, integrity checks and a provenance record beside it.

The body is streamed to a temporary file in the destination's directory and renamed onto the destination only
after every check passed (status, content type, announced length, pinned checksum, optional content check), so
a failed download never leaves a partial or unverified file. Beside the file goes ``<file>.provenance.json``
(see :class:`ProvenanceRecord`) saying where the bytes came from, when, with which client, and their SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests
from urllib3.exceptions import InvalidHeader, MaxRetryError
from urllib3.util.retry import Retry

import afgehaakt
from afgehaakt.acquisition.errors import (
    ChecksumMismatchError,
    ContentTypeError,
    ContentValidationError,
    DownloadError,
    HttpStatusError,
    TruncatedDownloadError,
)
from afgehaakt.acquisition.throttle import HostThrottle

PROVENANCE_SUFFIX = ".provenance.json"
PROVENANCE_FORMAT = "afgehaakt-download-provenance/1"

RETRIED_STATUSES = frozenset({*range(500, 600), 408, 429})
"""Server errors, and of the 4xx only Request Timeout and Too Many Requests: the server asking to come back later."""

_CHUNK = 1 << 16


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(moment: datetime) -> str:
    """``2026-11-30T11:04:12Z``: UTC, whole seconds."""
    if moment.tzinfo is None:
        raise ValueError(f"a retrieval time must carry a time zone, got {moment!r}")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def client_description() -> dict[str, str]:
    return {
        "name": "afgehaakt",
        "version": afgehaakt.__version__,
        "requests": requests.__version__,
        "python": platform.python_version(),
    }


def user_agent() -> str:
    return f"afgehaakt/{afgehaakt.__version__} python-requests/{requests.__version__}"


def provenance_path(destination: str | Path) -> Path:
    destination = Path(destination)
    return destination.with_name(destination.name + PROVENANCE_SUFFIX)


def request_url(url: str, params: Mapping[str, Any] | None) -> str:
    """The URL with ``params`` appended as a query string, exactly as it is sent.

    OData's ``$`` and the quotes, commas and parentheses of ``$filter`` expressions stay readable; spaces become
    ``%20`` (not ``+``), which every server reads the same way.
    """
    if not params:
        return url
    query = urlencode({key: str(value) for key, value in params.items()}, quote_via=quote, safe="$',()")
    return f"{url}{'&' if '?' in url else '?'}{query}"


@dataclass(frozen=True)
class ProvenanceRecord:
    """Where a downloaded file came from. Written as ``<file>.provenance.json``, keys sorted.

    ``url`` and ``params`` are what the caller asked for, ``request_url`` is what was sent and ``final_url`` is
    where the bytes came from after redirects. ``failed_attempts`` lists what went wrong before the successful
    attempt, so that a flaky source shows up in the record.
    """

    file: str
    url: str
    params: dict[str, str]
    request_url: str
    final_url: str
    status: int
    content_type: str | None
    sha256: str
    bytes: int
    retrieved_at: str
    attempts: int
    failed_attempts: list[dict[str, Any]]
    expected_sha256: str | None
    etag: str | None
    last_modified: str | None
    client: dict[str, str] = field(default_factory=client_description)
    format: str = PROVENANCE_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def read(cls, path: str | Path) -> ProvenanceRecord:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(**document)


class _RetryableFailure(Exception):
    """One attempt failed in a way that may succeed later; ``error`` is what to raise when retries run out."""

    def __init__(self, error: DownloadError, *, retry_after: str | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        """The server's Retry-After header, if it sent one."""


def retry_policy(retries: int, *, backoff: float, max_backoff: float) -> Retry:
    """urllib3's retry policy of a download: ``retries`` retries after the first attempt, of a GET only, with
    exponential backoff (``backoff`` x 2 ** (n - 1) before the n-th retry from the second on, at most
    ``max_backoff``) and the server's Retry-After honoured (seconds or an HTTP date)."""
    return Retry(total=retries, allowed_methods={"GET"}, status_forcelist=RETRIED_STATUSES,
                 backoff_factor=backoff, backoff_max=max_backoff, respect_retry_after_header=True,
                 raise_on_status=False, raise_on_redirect=False)


def fetch(
    url: str,
    params: Mapping[str, Any] | None,
    destination: str | Path,
    *,
    expected_sha256: str | None = None,
    expected_content_types: tuple[str, ...] | None = None,
    validate: Callable[[Path], None] | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    timeout: float | tuple[float, float] = (10.0, 120.0),
    session: requests.Session | None = None,
    throttle: HostThrottle | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = utc_now,
) -> ProvenanceRecord:
    """GET ``url`` with ``params`` into ``destination`` and write its provenance record; return the record.

    Retried under urllib3's ``Retry`` policy (:func:`retry_policy`), with waits of ``backoff``, 2x, 4x ...
    seconds (at most ``max_backoff``, or longer if the server sends ``Retry-After``): 5xx, 408, 429, connection
    errors, time-outs and truncated bodies, ``retries`` times after the first attempt. Every attempt passes the
    ``throttle`` and is recorded, so the retries run here rather than inside the connection pool. Not retried: other 4xx (:class:`HttpStatusError`), a content type outside
    ``expected_content_types`` (:class:`ContentTypeError`; compared without parameters such as ``charset``), a
    SHA-256 other than ``expected_sha256`` (:class:`ChecksumMismatchError`) and a ``validate`` callback that
    raises on the downloaded temporary file (:class:`ContentValidationError`). On any error the destination and
    its record are left as they were and no temporary file remains.
    """
    if retries < 0:
        raise ValueError(f"retries must be zero or more, got {retries}")
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    sent_url = request_url(url, params)
    expected_types = None if expected_content_types is None else tuple(t.lower() for t in expected_content_types)
    own_session = session is None
    http = requests.Session() if own_session else session
    failures: list[dict[str, Any]] = []
    policy = retry_policy(retries, backoff=backoff, max_backoff=max_backoff)
    try:
        for attempt in range(1, retries + 2):
            if throttle is not None:
                throttle.wait(sent_url)
            try:
                return _attempt(
                    http,
                    url=url,
                    params=params,
                    sent_url=sent_url,
                    destination=destination,
                    expected_sha256=expected_sha256,
                    expected_types=expected_types,
                    validate=validate,
                    timeout=timeout,
                    now=now,
                    attempt=attempt,
                    failures=failures,
                )
            except _RetryableFailure as failure:
                failures.append({"attempt": attempt, "error": failure.error.problem})
                try:
                    policy = policy.increment(method="GET", url=sent_url, error=failure)
                except MaxRetryError:
                    raise _with_attempts(failure.error, attempt) from None
                sleep(_wait_before_retry(policy, failure.retry_after, backoff=backoff, max_backoff=max_backoff))
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
    finally:
        if own_session:
            http.close()


def _wait_before_retry(policy: Retry, retry_after: str | None, *, backoff: float, max_backoff: float) -> float:
    """urllib3's backoff, or ``backoff`` before the first retry (urllib3 retries a first failure at once; a
    statistics office's server that just failed gets a pause), and at least the server's Retry-After."""
    delay = policy.get_backoff_time() or min(backoff, max_backoff)
    if retry_after is not None:
        try:
            delay = max(delay, policy.parse_retry_after(retry_after))
        except InvalidHeader:
            pass  # an unreadable Retry-After: the backoff applies
    return delay


def _with_attempts(error: DownloadError, attempts: int) -> DownloadError:
    """Rebuild the error so that its message says how many attempts were made."""
    if isinstance(error, HttpStatusError):
        return HttpStatusError(error.url, error.status, error.reason, attempts=attempts)
    if isinstance(error, TruncatedDownloadError):
        return TruncatedDownloadError(error.url, received=error.received, expected=error.expected, attempts=attempts)
    return DownloadError(error.url, error.problem, attempts=attempts)


def _attempt(
    http: requests.Session,
    *,
    url: str,
    params: Mapping[str, Any] | None,
    sent_url: str,
    destination: Path,
    expected_sha256: str | None,
    expected_types: tuple[str, ...] | None,
    validate: Callable[[Path], None] | None,
    timeout: float | tuple[float, float],
    now: Callable[[], datetime],
    attempt: int,
    failures: list[dict[str, Any]],
) -> ProvenanceRecord:
    try:
        response = http.get(sent_url, stream=True, timeout=timeout, headers={"User-Agent": user_agent()})
    except requests.Timeout as error:
        raise _RetryableFailure(DownloadError(sent_url, f"timed out: {error}")) from None
    except requests.ConnectionError as error:
        raise _RetryableFailure(DownloadError(sent_url, f"connection failed: {error}")) from None

    with response:
        status = response.status_code
        if status in RETRIED_STATUSES:
            raise _RetryableFailure(
                HttpStatusError(sent_url, status, response.reason or ""),
                retry_after=response.headers.get("Retry-After"),
            )
        if not 200 <= status < 300:
            raise HttpStatusError(sent_url, status, response.reason or "")

        content_type = response.headers.get("Content-Type")
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        if expected_types is not None and media_type not in expected_types:
            raise ContentTypeError(sent_url, received=content_type or "(none)", expected=expected_types)

        handle, temporary_name = tempfile.mkstemp(
            prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
        )
        temporary = Path(temporary_name)
        record_temporary: Path | None = None
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(handle, "wb") as sink:
                try:
                    for chunk in response.iter_content(chunk_size=_CHUNK):
                        sink.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError, requests.Timeout):
                    # urllib3 raises this when the connection closes before Content-Length bytes arrived.
                    raise _RetryableFailure(
                        TruncatedDownloadError(sent_url, received=size, expected=_content_length(response))
                    ) from None
            _check_length(sent_url, response, size)
            sha256 = digest.hexdigest()
            if expected_sha256 is not None and sha256 != expected_sha256.lower():
                raise ChecksumMismatchError(
                    sent_url, destination=str(destination), expected=expected_sha256.lower(), actual=sha256
                )
            if validate is not None:
                try:
                    validate(temporary)
                except Exception as error:  # any reason the content is unusable; the cause is chained
                    problem = str(error).replace(str(temporary), "<downloaded file>")
                    raise ContentValidationError(sent_url, destination=str(destination), problem=problem) from error

            record = ProvenanceRecord(
                file=destination.name,
                url=url,
                params={key: str(value) for key, value in (params or {}).items()},
                request_url=sent_url,
                final_url=response.url,
                status=status,
                content_type=content_type,
                sha256=sha256,
                bytes=size,
                retrieved_at=iso_utc(now()),
                attempts=attempt,
                failed_attempts=list(failures),
                expected_sha256=None if expected_sha256 is None else expected_sha256.lower(),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
            record_temporary = _write_record_temporary(record, destination)
            os.replace(temporary, destination)
            try:
                os.replace(record_temporary, provenance_path(destination))
            except BaseException:
                # A file without its record is not trusted downstream; take the file away again.
                destination.unlink(missing_ok=True)
                raise
            return record
        finally:
            temporary.unlink(missing_ok=True)
            if record_temporary is not None:
                record_temporary.unlink(missing_ok=True)


def _write_record_temporary(record: ProvenanceRecord, destination: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".provenance.part", dir=destination.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as sink:
        sink.write(json.dumps(record.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return Path(name)


def _content_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


def _check_length(url: str, response: requests.Response, decoded_size: int) -> None:
    """Compare the bytes read off the wire with Content-Length (for compressed bodies the two sizes differ)."""
    announced = _content_length(response)
    if announced is None:
        return
    tell = getattr(response.raw, "tell", None)
    on_the_wire = tell() if callable(tell) else decoded_size
    if on_the_wire < announced:
        raise _RetryableFailure(TruncatedDownloadError(url, received=on_the_wire, expected=announced))


@dataclass
class Downloader:
    """The settings every download in a job shares: one session, one throttle, one retry policy.

    The higher-level functions (StatLine, PDOK, Kiesraad, snapshot refresh) take a ``Downloader`` so that a
    job pages through a table with one connection pool and one throttle, and tests inject a fake ``sleep``.
    """

    session: requests.Session | None = None
    throttle: HostThrottle | None = field(default_factory=lambda: HostThrottle(1.0))
    retries: int = 4
    backoff: float = 1.0
    max_backoff: float = 60.0
    timeout: float | tuple[float, float] = (10.0, 120.0)
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = requests.Session()

    def fetch(
        self,
        url: str,
        params: Mapping[str, Any] | None,
        destination: str | Path,
        *,
        expected_sha256: str | None = None,
        expected_content_types: tuple[str, ...] | None = None,
        validate: Callable[[Path], None] | None = None,
    ) -> ProvenanceRecord:
        return fetch(
            url,
            params,
            destination,
            expected_sha256=expected_sha256,
            expected_content_types=expected_content_types,
            validate=validate,
            retries=self.retries,
            backoff=self.backoff,
            max_backoff=self.max_backoff,
            timeout=self.timeout,
            session=self.session,
            throttle=self.throttle,
            sleep=self.sleep,
            now=self.now,
        )
