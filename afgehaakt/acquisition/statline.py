"""CBS StatLine OData v3: download a table's ``TypedDataSet`` and ``DataProperties``, and read them as a frame.

CBS serves its own tables at ``https://opendata.cbs.nl/ODataApi/odata/{table}``; tables that CBS publishes for
others (RIVM's health monitor 50090NED) at ``https://dataderden.cbs.nl/ODataApi/odata/{table}``. A response
holds its rows under ``value`` and, when there are more, an ``odata.nextLink``; the ODataApi also accepts
``$top``/``$skip``, used here when ``page_size`` is set. Keys and codes come padded with spaces
(``"GM0014  "``), numbers typed as JSON numbers or ``null``.

Download and reading are separate steps, so that the download can be its own Snakemake job (holding the
``http_connections`` resource) and everything after it runs offline from the saved pages. The download is a
directory::

    <directory>/
      statline.json                          table record: query, and every page's URL, SHA-256, size, rows
      typeddataset-0001.json (+ .provenance.json) ...
      dataproperties-0001.json (+ .provenance.json)
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pandas as pd

from afgehaakt.acquisition.errors import ChecksumMismatchError
from afgehaakt.acquisition.http import Downloader, client_description
from afgehaakt.acquisition.paged import NextRequest, Page, atomic_directory, download_pages, read_json_page
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import CBS_MISSING_MARKERS
from afgehaakt.provenance import sha256_file

CBS_OPENDATA_URL = "https://opendata.cbs.nl/ODataApi/odata/{table}"
CBS_DATADERDEN_URL = "https://dataderden.cbs.nl/ODataApi/odata/{table}"
"""The catalogue of tables CBS publishes for third parties, such as RIVM's 50090NED."""

TABLE_RECORD = "statline.json"
TABLE_RECORD_FORMAT = "afgehaakt-statline-download/1"
ODATA_CONTENT_TYPES = ("application/json",)

DIMENSION_TYPES = frozenset({"Dimension", "GeoDimension", "TimeDimension"})
INTEGER_DATATYPES = frozenset({"Long", "Integer", "Short", "Byte"})
FLOAT_DATATYPES = frozenset({"Double", "Float", "Decimal"})
STRING_DATATYPES = frozenset({"String", "Char"})
ROW_ID = "ID"
"""Every TypedDataSet row has an integer ``ID``, which DataProperties does not describe."""


@dataclass(frozen=True)
class StatlineQuery:
    """A table id and the rows and columns wanted from it.

    ``filter`` is an OData ``$filter`` expression, e.g. ``"(Perioden eq '2021JJ00') and substringof('GM',RegioS)"``
    (codes are compared with their padding, hence ``substringof`` rather than ``eq`` on region codes);
    ``select`` the keys to keep (include the dimensions). ``base_url`` is a template with ``{table}``.
    """

    table: str
    filter: str | None = None
    select: tuple[str, ...] = ()
    base_url: str = CBS_OPENDATA_URL
    page_size: int | None = None

    def __post_init__(self) -> None:
        if "{table}" not in self.base_url:
            raise ValueError(f"base_url {self.base_url!r} has no {{table}} placeholder")
        if self.page_size is not None and self.page_size < 1:
            raise ValueError(f"page_size must be positive, got {self.page_size}")

    @property
    def table_url(self) -> str:
        return self.base_url.format(table=self.table).rstrip("/")

    def data_params(self) -> dict[str, str]:
        params = {"$format": "json"}
        if self.filter:
            params["$filter"] = self.filter
        if self.select:
            params["$select"] = ",".join(self.select)
        if self.page_size is not None:
            params["$top"] = str(self.page_size)
        return params


@dataclass(frozen=True)
class StatlineTable:
    """A downloaded table: the rows (OData keys as column names), the column metadata, and the table record."""

    data: pd.DataFrame
    properties: pd.DataFrame
    record: dict[str, Any]


def download_statline_table(
    query: StatlineQuery,
    directory: str | Path,
    *,
    downloader: Downloader | None = None,
    max_pages: int = 1000,
    expected_sha256: str | None = None,
) -> dict[str, Any]:
    """Download the table's data pages and DataProperties into ``directory`` (replaced as a whole, atomically).

    Returns the table record that is also written as ``statline.json``. Its ``content_sha256`` is the SHA-256 of
    every page's bytes in order (data pages, then DataProperties): one checksum for the whole download, which
    ``expected_sha256`` pins (:class:`ChecksumMismatchError`, and the previous download is kept).
    """
    downloader = downloader or Downloader()
    with atomic_directory(directory) as staging:
        data_pages = download_pages(
            f"{query.table_url}/TypedDataSet",
            query.data_params(),
            staging,
            stem="typeddataset",
            items=_odata_rows,
            next_request=_next_odata_request(query.page_size),
            downloader=downloader,
            expected_content_types=ODATA_CONTENT_TYPES,
            max_pages=max_pages,
        )
        property_pages = download_pages(
            f"{query.table_url}/DataProperties",
            {"$format": "json"},
            staging,
            stem="dataproperties",
            items=_odata_rows,
            next_request=_next_odata_request(None),
            downloader=downloader,
            expected_content_types=ODATA_CONTENT_TYPES,
            max_pages=max_pages,
        )
        record = {
            "format": TABLE_RECORD_FORMAT,
            "table": query.table,
            "table_url": query.table_url,
            "filter": query.filter,
            "select": list(query.select),
            "page_size": query.page_size,
            "rows": sum(len(page.items) for page in data_pages),
            "content_sha256": _content_sha256(staging, data_pages + property_pages),
            "data_pages": [page.summary() for page in data_pages],
            "property_pages": [page.summary() for page in property_pages],
            "client": client_description(),
        }
        _check_pin(query, directory, record["content_sha256"], expected_sha256)
        (staging / TABLE_RECORD).write_text(
            json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return record


def _content_sha256(directory: Path, pages: list[Page]) -> str:
    digest = hashlib.sha256()
    for page in pages:
        digest.update((directory / page.file).read_bytes())
    return digest.hexdigest()


def _check_pin(query: StatlineQuery, directory: str | Path, actual: str, expected: str | None) -> None:
    if expected and actual != expected.lower():
        raise ChecksumMismatchError(
            query.table_url, destination=str(directory), expected=expected.lower(), actual=actual
        )


def _odata_rows(document: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    rows = document.get("value")
    if not isinstance(rows, list):
        raise InputDataError(path, "no 'value' list in the OData response", field="value", expected="a list of rows")
    for number, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputDataError(
                path, f"a {type(row).__name__} in 'value'", field="value", row=number, expected="an object"
            )
    return rows


def _next_odata_request(page_size: int | None):
    def next_request(document: dict[str, Any], rows: list[Any], request: NextRequest) -> NextRequest | None:
        url, params = request
        link = document.get("odata.nextLink") or document.get("@odata.nextLink")
        if link:
            # The link carries the whole query (including a $skiptoken), so it is followed as it is.
            return urljoin(url, link), None
        if page_size is not None and params is not None and len(rows) == page_size:
            following = dict(params)
            following["$skip"] = str(int(following.get("$skip", 0)) + page_size)
            return url, following
        return None

    return next_request


def read_statline_table(directory: str | Path) -> StatlineTable:
    """Read a download made by :func:`download_statline_table`: one typed frame of all its pages.

    Every page is checked against the SHA-256 in ``statline.json`` first. Columns keep their OData keys
    (``RegioS``, ``Perioden``, ``TotaleBevolking_1``); dimension codes are stripped of padding and become
    ``string``; topics become ``Int64`` (Long, Integer, Short, Byte), ``float64`` (Double, Float, Decimal) or
    ``string``, as DataProperties declares; ``ID`` becomes ``Int64``. ``null`` becomes missing.
    """
    directory = Path(directory)
    record_path = directory / TABLE_RECORD
    if not record_path.exists():
        raise InputDataError(record_path, "no table record", expected="a directory written by download_statline_table")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    if record.get("format") != TABLE_RECORD_FORMAT:
        raise InputDataError(
            record_path, f"unknown format {record.get('format')!r}", field="format", expected=TABLE_RECORD_FORMAT
        )
    data_pages = [_verified_page(directory, page) for page in record["data_pages"]]
    property_pages = [_verified_page(directory, page) for page in record["property_pages"]]
    properties = [row for path in property_pages for row in _odata_rows(read_json_page(path), path)]
    rows, origins = [], []
    for path in data_pages:
        page_rows = _odata_rows(read_json_page(path), path)
        rows.extend(page_rows)
        origins.extend((path, number) for number in range(len(page_rows)))
    data = statline_frame(
        rows, origins, properties, properties_source=property_pages[0] if property_pages else record_path
    )
    return StatlineTable(data=data, properties=pd.DataFrame(properties), record=record)


def _verified_page(directory: Path, page: dict[str, Any]) -> Path:
    path = directory / page["file"]
    if not path.exists():
        raise InputDataError(path, "page listed in statline.json is missing", expected="every downloaded page")
    actual = sha256_file(path)
    if actual != page["sha256"]:
        raise InputDataError(
            path, f"changed since it was downloaded: sha256 {actual}", expected=f"sha256 {page['sha256']} (re-download)"
        )
    return path


def statline_frame(
    rows: list[dict[str, Any]],
    origins: list[tuple[Path, int]],
    properties: list[dict[str, Any]],
    *,
    properties_source: Path,
) -> pd.DataFrame:
    """Typed frame from TypedDataSet rows; ``origins`` (page file, row in page) name the row in any error."""
    if not rows:
        return pd.DataFrame()
    columns = list(rows[0])
    for (path, number), row in zip(origins, rows):
        if list(row) != columns:
            raise InputDataError(path, f"the row has keys {list(row)}", row=number, expected=f"the keys {columns}")
    described = {entry.get("Key"): entry for entry in properties if entry.get("Key")}
    frame = {}
    for key in columns:
        values = [row[key] for row in rows]
        if key == ROW_ID:
            frame[key] = _integers(values, origins, key)
            continue
        entry = described.get(key)
        if entry is None:
            raise InputDataError(
                properties_source,
                f"the data has a column {key!r} that DataProperties does not describe",
                field=key,
                expected="a DataProperties entry for every selected key",
            )
        kind, datatype = entry.get("Type"), entry.get("Datatype")
        if kind in DIMENSION_TYPES or datatype in STRING_DATATYPES or datatype is None:
            frame[key] = _strings(values, origins, key)
        elif datatype in INTEGER_DATATYPES:
            frame[key] = _integers(values, origins, key)
        elif datatype in FLOAT_DATATYPES:
            frame[key] = _floats(values, origins, key)
        else:
            raise InputDataError(
                properties_source,
                f"unknown Datatype {datatype!r}",
                field=key,
                expected=f"one of {sorted(INTEGER_DATATYPES | FLOAT_DATATYPES | STRING_DATATYPES)}",
            )
    return pd.DataFrame(frame)


def _number(value: Any, origin: tuple[Path, int], key: str) -> float | None:
    path, number = origin
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputDataError(path, f"boolean {value!r}", field=key, row=number, expected="a number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise InputDataError(path, f"not a finite number: {value!r}", field=key, row=number, expected="a number")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in CBS_MISSING_MARKERS:
            return None
        try:
            return float(text)
        except ValueError:
            raise InputDataError(path, f"not a number: {value!r}", field=key, row=number, expected="a number") from None
    raise InputDataError(path, f"a {type(value).__name__}", field=key, row=number, expected="a number")


def _integers(values: list[Any], origins: list[tuple[Path, int]], key: str) -> pd.Series:
    parsed = []
    for value, origin in zip(values, origins):
        number = _number(value, origin, key)
        if number is not None and float(number) != int(number):
            raise InputDataError(
                origin[0],
                f"not a whole number: {value!r}",
                field=key,
                row=origin[1],
                expected="a whole number (Datatype Long)",
            )
        parsed.append(None if number is None else int(number))
    return pd.Series(pd.array(parsed, dtype="Int64"))


def _floats(values: list[Any], origins: list[tuple[Path, int]], key: str) -> pd.Series:
    parsed = [_number(value, origin, key) for value, origin in zip(values, origins)]
    return pd.Series([math.nan if number is None else float(number) for number in parsed], dtype="float64")


def _strings(values: list[Any], origins: list[tuple[Path, int]], key: str) -> pd.Series:
    parsed = []
    for value, (path, number) in zip(values, origins):
        if value is not None and not isinstance(value, str):
            raise InputDataError(
                path, f"a {type(value).__name__} ({value!r})", field=key, row=number, expected="a code or text"
            )
        parsed.append(None if value is None else value.strip())
    return pd.Series(pd.array(parsed, dtype="string"))
