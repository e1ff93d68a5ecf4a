"""Download a Kiesraad per-municipality results CSV (``Uitslag_alle_gemeenten_*.csv``) from any URL.

The file is parsed with :func:`afgehaakt.io.kiesraad.read_municipal_results` before it is written, so that a
page that is not a Kiesraad results file (an HTML error page served as ``text/plain``, a file of another
layout) never lands in the data directory.
"""

from __future__ import annotations

from pathlib import Path

from afgehaakt.acquisition.http import Downloader, ProvenanceRecord
from afgehaakt.io.kiesraad import read_municipal_results

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
    downloader = downloader or Downloader()
    return downloader.fetch(
        url,
        None,
        destination,
        expected_sha256=expected_sha256,
        expected_content_types=KIESRAAD_CONTENT_TYPES,
        validate=read_municipal_results,
    )
