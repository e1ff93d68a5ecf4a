"""Paged downloads: follow next links page by page, each page through :func:`fetch`, all or nothing.

StatLine OData and OGC API Features both split a result into pages joined by a link to the next one. The pages
go into a staging directory beside the target, each with its own provenance record; the staging directory
replaces the target only when every page arrived, so a failure halfway leaves the previous download intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from afgehaakt.acquisition.errors import PagingError
from afgehaakt.acquisition.http import Downloader, ProvenanceRecord
from afgehaakt.errors import InputDataError

NextRequest = tuple[str, Mapping[str, Any] | None]
"""The URL and query parameters of the next page (``None`` parameters: the URL is complete, as next links are)."""


@dataclass(frozen=True)
class Page:
    """One downloaded page: its file (relative to the download directory), its items and its record."""

    file: str
    items: list[Any]
    document: dict[str, Any]
    record: ProvenanceRecord

    def summary(self) -> dict[str, Any]:
        """What a table-level record lists per page."""
        return {
            "file": self.file,
            "request_url": self.record.request_url,
            "sha256": self.record.sha256,
            "bytes": self.record.bytes,
            "items": len(self.items),
            "retrieved_at": self.record.retrieved_at,
            "attempts": self.record.attempts,
        }


@contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """Yield an empty staging directory beside ``path``; it replaces ``path`` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".staging", dir=target.parent))
    try:
        yield staging
        if target.exists():
            # A directory cannot be renamed onto a non-empty one: move the old one aside first, then drop it.
            previous = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".previous", dir=target.parent))
            os.replace(target, previous / target.name)
            os.replace(staging, target)
            shutil.rmtree(previous)
        else:
            os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def read_json_page(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputDataError(path, f"not valid JSON: {error}", expected="a JSON document") from None
    if not isinstance(document, dict):
        raise InputDataError(path, f"the document is a {type(document).__name__}", expected="a JSON object")
    return document


def download_pages(
    url: str,
    params: Mapping[str, Any] | None,
    directory: Path,
    *,
    stem: str,
    items: Callable[[dict[str, Any], Path], list[Any]],
    next_request: Callable[[dict[str, Any], list[Any], NextRequest], NextRequest | None],
    downloader: Downloader,
    expected_content_types: tuple[str, ...] = ("application/json",),
    max_pages: int = 1000,
) -> list[Page]:
    """Download pages into ``directory`` as ``<stem>-0001.json``, ``<stem>-0002.json``... until no next page.

    ``items(document, path)`` returns a page's items (raising :class:`InputDataError` if the page is malformed);
    ``next_request(document, items, this_request)`` returns the next page's request or ``None``. A next request
    seen before, or more than ``max_pages`` pages, raises :class:`PagingError` rather than looping forever.
    """
    pages: list[Page] = []
    request: NextRequest | None = (url, params)
    seen: set[str] = set()
    while request is not None:
        request_url, request_params = request
        identity = json.dumps([request_url, dict(request_params or {})], sort_keys=True, default=str)
        if identity in seen:
            raise PagingError(request_url, f"the next link of page {len(pages)} points back to an earlier page")
        if len(pages) >= max_pages:
            raise PagingError(request_url, f"more than {max_pages} pages; raise max_pages if the table is that big")
        seen.add(identity)
        name = f"{stem}-{len(pages) + 1:04d}.json"
        record = downloader.fetch(
            request_url, request_params, directory / name, expected_content_types=expected_content_types
        )
        document = read_json_page(directory / name)
        page_items = items(document, directory / name)
        pages.append(Page(file=name, items=page_items, document=document, record=record))
        request = next_request(document, page_items, request)
    return pages
