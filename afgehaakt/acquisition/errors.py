"""Errors raised while downloading: each names the URL (and the file, where one is involved) and what to do."""

from __future__ import annotations


class DownloadError(RuntimeError):
    """A download failed; nothing was written to the destination.

    ``attempts`` is how many requests were made before giving up (1 when the error is not worth retrying).
    """

    def __init__(self, url: str, problem: str, *, attempts: int = 1) -> None:
        self.url = url
        self.problem = problem
        self.attempts = attempts
        tries = "" if attempts == 1 else f" (gave up after {attempts} attempts)"
        super().__init__(f"GET {url}: {problem}{tries}")


class HttpStatusError(DownloadError):
    """The server answered with an error status: 4xx at once, 5xx after the retries ran out."""

    def __init__(self, url: str, status: int, reason: str, *, attempts: int = 1) -> None:
        self.status = status
        self.reason = reason
        hint = ""
        if status == 404:
            hint = "; check the URL, table id or year in the config"
        elif 400 <= status < 500:
            hint = "; the request itself was refused, so retrying will not help (check the query parameters)"
        super().__init__(url, f"HTTP {status} {reason}".rstrip() + hint, attempts=attempts)


class TruncatedDownloadError(DownloadError):
    """The body ended before the length the server announced (a dropped connection)."""

    def __init__(self, url: str, *, received: int, expected: int | None, attempts: int = 1) -> None:
        self.received = received
        self.expected = expected
        announced = "an unknown number of" if expected is None else str(expected)
        super().__init__(url, f"truncated body: received {received} bytes of {announced} announced", attempts=attempts)


class ContentTypeError(DownloadError):
    """The server sent another kind of document than asked for (often an HTML error or maintenance page)."""

    def __init__(self, url: str, *, received: str, expected: tuple[str, ...]) -> None:
        self.received = received
        self.expected = expected
        super().__init__(url, f"content type {received!r}, expected one of {list(expected)}")


class ChecksumMismatchError(DownloadError):
    """The downloaded bytes are not the ones pinned in the config: the publisher changed the file."""

    def __init__(self, url: str, *, destination: str, expected: str, actual: str) -> None:
        self.destination = destination
        self.expected = expected
        self.actual = actual
        super().__init__(
            url,
            f"checksum mismatch for {destination}: pinned sha256 {expected}, downloaded sha256 {actual}. "
            f"Nothing was written. If the publisher changed the data on purpose, review the new file "
            f"(download it without a pin) and then replace the pinned checksum in the config with {actual}",
        )


class ContentValidationError(DownloadError):
    """The bytes arrived intact but do not hold what the caller expects (checked before anything is written)."""

    def __init__(self, url: str, *, destination: str, problem: str) -> None:
        self.destination = destination
        super().__init__(url, f"the content for {destination} is not usable: {problem}")


class PagingError(DownloadError):
    """A paged download did not end: a next link repeated itself or the page limit was reached."""
