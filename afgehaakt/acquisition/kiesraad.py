"""Download the Kiesraad's files from any URL: the per-municipality results CSV (``Uitslag_alle_gemeenten_*.csv``)
and the official Osv4-3 count files (one per kieskring, plus Rotterdam).

Each file is parsed with the reader the snapshot route uses before it is written, so that a page that is not a
Kiesraad file of the expected kind (an HTML error page served as ``text/plain``, a file of another layout, count
rows that do not add up) never lands in the data directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from afgehaakt.acquisition.http import Downloader, ProvenanceRecord
from afgehaakt.io.kiesraad import read_municipal_results
from afgehaakt.io.kiesraad_osv import read_count_file

KIESRAAD_CONTENT_TYPES = (
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
)
"""What web servers send for a CSV file; ``text/html`` (an error or landing page) is deliberately absent."""


def download_kiesraad_results(
    url: str,
    destination: str | Path,
    *,
    expected_sha256: str | None = None,
    downloader: Downloader | None = None,
) -> ProvenanceRecord:
    """Fetch the CSV at ``url`` into ``destination`` (with its provenance record) if it parses as results."""
    return _download_checked(url, destination, read_municipal_results, expected_sha256, downloader)


def download_count_file(
    url: str,
    destination: str | Path,
    *,
    expected_sha256: str | None = None,
    downloader: Downloader | None = None,
) -> ProvenanceRecord:
    """Fetch the Osv4-3 count file at ``url`` into ``destination`` (with its record) if its counts read and add up."""
    return _download_checked(url, destination, read_count_file, expected_sha256, downloader)


DOWNLOADS = {"results": download_kiesraad_results, "count_file": download_count_file}
"""The two kinds of Kiesraad file, each with the check its download must pass."""


def download_configured(kind: str, download: Mapping[str, str], destination: str | Path, *,
                        downloader: Downloader) -> ProvenanceRecord:
    """Download one Kiesraad file of ``kind`` as its config entry (``url``, optional ``sha256`` pin) names it."""
    return DOWNLOADS[kind](download["url"], destination, expected_sha256=download["sha256"] or None,
                           downloader=downloader)


def _download_checked(
    url: str,
    destination: str | Path,
    validate: Callable[[Path], Any],
    expected_sha256: str | None,
    downloader: Downloader | None,
) -> ProvenanceRecord:
    return (downloader or Downloader()).fetch(
        url,
        None,
        destination,
        expected_sha256=expected_sha256,
        expected_content_types=KIESRAAD_CONTENT_TYPES,
        validate=validate,
    )
