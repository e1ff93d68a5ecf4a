"""Refresh the committed data snapshot: download each file again and rewrite ``SHA256SUMS`` and ``SOURCES.md``.

All files are downloaded into a staging directory inside the data directory first; only when every download
succeeded are they moved into place and the checksum file rewritten (``<sha256>  <relative path>`` lines,
sorted by path, the format of ``sha256sum``). Entries of files that were not refreshed are kept. The
provenance records go to a separate directory, because every file under the data directory must be pinned
and documented in ``SOURCES.md``; ``SOURCES.md`` gets one line per refreshed file in a section of its own.

A file is either fetched as it is served (:class:`FetchSpec`, e.g. a Kiesraad results CSV) or, for a StatLine
table, downloaded page by page through OData and written as one CSV with the OData keys as header and the
padding stripped (:class:`StatlineCsvSpec`), the layout of the committed 70072NED and 50090NED extracts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from afgehaakt.acquisition.http import PROVENANCE_SUFFIX, Downloader, provenance_path
from afgehaakt.acquisition.statline import ROW_ID, StatlineQuery, download_statline_table, read_statline_table
from afgehaakt.errors import InputDataError
from afgehaakt.outputs import atomic_path, write_json
from afgehaakt.provenance import sha256_file

CHECKSUM_FILE = "SHA256SUMS"
_CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


@dataclass(frozen=True)
class FetchSpec:
    """Where one snapshot file comes from."""

    url: str
    params: Mapping[str, Any] | None = None
    expected_content_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class StatlineCsvSpec:
    """A StatLine table, refreshed as one CSV of its TypedDataSet rows (the query's filter and select)."""

    query: StatlineQuery


@dataclass(frozen=True)
class SnapshotRefresh:
    """What a refresh did: the checksums now pinned, and which refreshed files are new, changed or the same."""

    checksums: dict[str, str]
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def read_checksums(path: str | Path) -> dict[str, str]:
    """``SHA256SUMS`` as {relative path: sha256}; a malformed line raises naming its line number."""
    checksums: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        match = _CHECKSUM_LINE.match(line)
        if match is None:
            raise InputDataError(path, f"unreadable line {line!r}", row=number, expected="'<sha256>  <relative path>'")
        checksums[match.group(2)] = match.group(1)
    return checksums


def format_checksums(checksums: Mapping[str, str]) -> str:
    return "".join(f"{checksums[name]}  {name}\n" for name in sorted(checksums))


def refresh_snapshot(
    sources: Sequence[tuple[str, FetchSpec | StatlineCsvSpec]],
    data_dir: str | Path,
    *,
    provenance_dir: str | Path,
    downloader: Downloader | None = None,
    checksum_file: str = CHECKSUM_FILE,
) -> SnapshotRefresh:
    """Download every (relative name, spec) into ``data_dir``, pin the new checksums, and report the changes.

    If any download fails, the data directory, its checksum file and the provenance directory are untouched.
    """
    data_dir = Path(data_dir)
    provenance_dir = Path(provenance_dir)
    names = [_checked_name(name, checksum_file) for name, _ in sources]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ValueError(f"snapshot files listed twice: {duplicated}")
    downloader = downloader or Downloader()
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".snapshot-", suffix=".staging", dir=data_dir))
    try:
        downloaded = {name: _download(spec, staging / name, downloader) for name, (_, spec) in zip(names, sources)}
        checksum_path = data_dir / checksum_file
        pinned = read_checksums(checksum_path) if checksum_path.exists() else {}
        refresh = SnapshotRefresh(
            checksums={**pinned, **downloaded},
            added=sorted(name for name in downloaded if name not in pinned),
            changed=sorted(name for name in downloaded if name in pinned and pinned[name] != downloaded[name]),
            unchanged=sorted(name for name in downloaded if pinned.get(name) == downloaded[name]),
        )
        for name in names:
            target = data_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
            record = provenance_dir / (name + PROVENANCE_SUFFIX)
            record.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(provenance_path(staging / name), record)
        with atomic_path(checksum_path) as temporary:
            temporary.write_text(format_checksums(refresh.checksums), encoding="utf-8")
        sources_path = data_dir / SOURCES_FILE
        if sources_path.exists():
            entries = {name: _source_entry(name, provenance_dir, downloaded[name]) for name in names}
            with atomic_path(sources_path) as temporary:
                text = sources_path.read_text(encoding="utf-8")
                temporary.write_text(update_sources_section(text, entries), encoding="utf-8")
        return refresh
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _download(spec: FetchSpec | StatlineCsvSpec, destination: Path, downloader: Downloader) -> str:
    """Write one snapshot file and its provenance record beside it; return the file's SHA-256."""
    if isinstance(spec, FetchSpec):
        return downloader.fetch(
            spec.url, spec.params, destination, expected_content_types=spec.expected_content_types
        ).sha256
    pages = destination.with_name(f".{destination.name}.pages")
    record = download_statline_table(spec.query, pages, downloader=downloader)
    data = read_statline_table(pages).data.drop(columns=ROW_ID)
    destination.parent.mkdir(parents=True, exist_ok=True)
    data.to_csv(destination, index=False, lineterminator="\n")
    shutil.rmtree(pages)
    record.update({"file": destination.name, "sha256": sha256_file(destination),
                   "bytes": destination.stat().st_size, "retrieved_at": record["data_pages"][-1]["retrieved_at"],
                   "url": spec.query.table_url})
    write_json(record, provenance_path(destination))
    return record["sha256"]


SOURCES_FILE = "SOURCES.md"
SECTION_BEGIN = "<!-- make snapshot: refreshed files (generated; edit the config, not these lines) -->"
SECTION_END = "<!-- make snapshot: end -->"
_SECTION_HEADER = (
    "## Refreshed from the publishers (`make snapshot`)\n\n"
    "These files were downloaded again from the publishers' own services by `make snapshot`; they replace the "
    "copies described above. The full provenance record of each (request URL and parameters, HTTP status, "
    "every page, client versions) is in `resources/snapshot_provenance/<file>.provenance.json`.\n\n"
    "| file | source | retrieved (UTC) | sha256 |\n|---|---|---|---|\n"
)
_ROW = re.compile(r"^\| `(?P<file>[^`]+)` \|")


def _source_entry(name: str, provenance_dir: Path, sha256: str) -> str:
    record = json.loads((provenance_dir / (name + PROVENANCE_SUFFIX)).read_text(encoding="utf-8"))
    source = record.get("request_url") or record["url"]
    if "table" in record:
        source = f"CBS StatLine OData {record['table']} ({record['table_url']}), $filter `{record['filter']}`"
    return f"| `{name}` | {source} | {record['retrieved_at']} | `{sha256}` |"


def update_sources_section(text: str, entries: Mapping[str, str]) -> str:
    """``SOURCES.md`` with its generated section holding ``entries`` (file -> table row) and the rows kept."""
    rows: dict[str, str] = {}
    if SECTION_BEGIN in text:
        before, rest = text.split(SECTION_BEGIN, 1)
        if SECTION_END not in rest:
            raise InputDataError(SOURCES_FILE, "the generated section has no end marker", expected=SECTION_END)
        section, after = rest.split(SECTION_END, 1)
        for line in section.splitlines():
            match = _ROW.match(line)
            if match:
                rows[match.group("file")] = line
    else:
        before, after = text.rstrip("\n") + "\n\n", "\n"
    rows.update(entries)
    body = "".join(rows[name] + "\n" for name in sorted(rows))
    return f"{before}{SECTION_BEGIN}\n{_SECTION_HEADER}{body}{SECTION_END}{after}"


def _checked_name(name: str, checksum_file: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name or name == checksum_file:
        raise ValueError(f"snapshot file name {name!r} must be a relative path inside the data directory")
    return path.as_posix()
