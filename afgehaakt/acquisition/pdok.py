"""Municipal boundaries of one year from PDOK's CBS gebiedsindelingen, as one GeoJSON file.

The default source is PDOK's OGC API Features service for CBS gebiedsindelingen, collection
``gemeente_gegeneraliseerd``, filtered on the year (``jaarcode``) and paged through its ``next`` links. URL
template, collection, year parameter and CRS are configurable: ``{collection}`` and ``{year}`` in the template
are filled in, so a per-year service URL works too (set ``year_parameter=None`` then). The pages are combined
into one ``FeatureCollection``; its provenance record lists every page's URL and SHA-256.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from afgehaakt.acquisition.errors import ChecksumMismatchError
from afgehaakt.acquisition.http import Downloader, client_description, provenance_path
from afgehaakt.acquisition.paged import NextRequest, download_pages
from afgehaakt.errors import InputDataError
from afgehaakt.outputs import atomic_path, write_json
from afgehaakt.provenance import sha256_file

PDOK_FEATURES_URL = "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/{collection}/items"
RD_NEW = "http://www.opengis.net/def/crs/EPSG/0/28992"
GEOJSON_CONTENT_TYPES = ("application/geo+json", "application/json")
PAGED_RECORD_FORMAT = "afgehaakt-paged-download-provenance/1"


@dataclass(frozen=True)
class BoundaryQuery:
    """Which boundaries to fetch. ``crs`` is sent as the OGC API ``crs`` parameter (``None``: the service's
    default, WGS 84 longitude/latitude); :data:`RD_NEW` gives RD New (EPSG:28992) coordinates in metres."""

    year: int
    collection: str = "gemeente_gegeneraliseerd"
    url_template: str = PDOK_FEATURES_URL
    year_parameter: str | None = "jaarcode"
    crs: str | None = RD_NEW
    page_size: int = 1000

    def url(self) -> str:
        return self.url_template.format(collection=self.collection, year=self.year)

    def params(self) -> dict[str, str]:
        params = {"f": "json", "limit": str(self.page_size)}
        if self.year_parameter:
            params[self.year_parameter] = str(self.year)
        if self.crs:
            params["crs"] = self.crs
        return params


def download_municipal_boundaries(
    query: BoundaryQuery,
    destination: str | Path,
    *,
    downloader: Downloader | None = None,
    max_pages: int = 100,
    expected_sha256: str | None = None,
) -> dict[str, Any]:
    """Fetch every page, check the features, write one GeoJSON file and its record; return the record.

    Refused (nothing written): an empty result, a feature whose year property differs from the year asked for
    (a service that ignored the filter), a ``statcode`` that appears twice (pages that overlap), and a file
    whose SHA-256 is not ``expected_sha256`` when that is given (:class:`ChecksumMismatchError`).
    """
    downloader = downloader or Downloader()
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        prefix=f".{destination.name}.", suffix=".pages", dir=destination.parent
    ) as pages_dir:
        pages = download_pages(
            query.url(),
            query.params(),
            Path(pages_dir),
            stem="features",
            items=_features,
            next_request=_next_link,
            downloader=downloader,
            expected_content_types=GEOJSON_CONTENT_TYPES,
            max_pages=max_pages,
        )
        features = _checked_features(query, pages, Path(pages_dir))
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if query.crs:
        # GeoJSON (RFC 7946) assumes WGS 84; the 2008 "crs" member tells GDAL and geopandas otherwise.
        collection["crs"] = {"type": "name", "properties": {"name": query.crs}}
    record = {
        "format": PAGED_RECORD_FORMAT,
        "file": destination.name,
        "url": query.url(),
        "params": query.params(),
        "features": len(features),
        "pages": [page.summary() for page in pages],
        "retrieved_at": pages[-1].record.retrieved_at,
        "client": client_description(),
    }
    with atomic_path(destination) as temporary:
        temporary.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
        record["sha256"] = sha256_file(temporary)
        record["bytes"] = temporary.stat().st_size
        if expected_sha256 and record["sha256"] != expected_sha256.lower():
            raise ChecksumMismatchError(
                query.url(), destination=str(destination), expected=expected_sha256.lower(), actual=record["sha256"]
            )
    try:
        write_json(record, provenance_path(destination))
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return record


def _features(document: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    if document.get("type") != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise InputDataError(path, "not a GeoJSON FeatureCollection", field="features", expected="a features list")
    return document["features"]


def _next_link(document: dict[str, Any], features: list[Any], request: NextRequest) -> NextRequest | None:
    for link in document.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urljoin(request[0], link["href"]), None
    return None


def _checked_features(query: BoundaryQuery, pages, pages_dir: Path) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for page in pages:
        path = pages_dir / page.file
        for number, feature in enumerate(page.items):
            if not isinstance(feature, dict) or not feature.get("geometry"):
                raise InputDataError(
                    path,
                    "a feature without geometry",
                    field="features",
                    row=number,
                    expected="a GeoJSON Feature with a geometry",
                )
            properties = feature.get("properties") or {}
            if query.year_parameter and query.year_parameter in properties:
                if str(properties[query.year_parameter]) != str(query.year):
                    raise InputDataError(
                        path,
                        f"a feature of {query.year_parameter} {properties[query.year_parameter]}",
                        field=query.year_parameter,
                        row=number,
                        expected=f"only {query.year} (was the filter ignored?)",
                    )
            code = properties.get("statcode")
            if code is not None:
                if code in seen:
                    raise InputDataError(
                        path,
                        f"statcode {code} appears again (first in {seen[code]})",
                        field="statcode",
                        row=number,
                        expected="each municipality once",
                    )
                seen[code] = page.file
            features.append(feature)
    if not features:
        raise InputDataError(
            pages_dir / pages[0].file,
            f"no features for {query.year}",
            field="features",
            expected=f"the municipalities of {query.year}",
        )
    return features
