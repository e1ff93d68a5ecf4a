"""Refresh the committed data snapshot: download each file again and rewrite ``SHA256SUMS``.

All files are downloaded into a staging directory inside the data directory first; only when every download
succeeded are they moved into place and the checksum file rewritten (``<sha256>  <relative path>`` lines,
sorted by path, the format of ``sha256sum``). Entries of files that were not refreshed are kept. The
provenance records go to a separate directory, because every file under the data directory must be pinned
and documented in ``SOURCES.md``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from afgehaakt.acquisition.http import PROVENANCE_SUFFIX, Downloader, provenance_path
from afgehaakt.errors import InputDataError
from afgehaakt.outputs import atomic_path

CHECKSUM_FILE = "SHA256SUMS"
_CHECKSUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


@dataclass(frozen=True)
class FetchSpec:
    """Where one snapshot file comes from."""

    url: str
    params: Mapping[str, Any] | None = None
    expected_content_types: tuple[str, ...] | None = None


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
    sources: Sequence[tuple[str, FetchSpec]],
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
        downloaded = {
            name: downloader.fetch(
                spec.url, spec.params, staging / name, expected_content_types=spec.expected_content_types
            ).sha256
            for name, (_, spec) in zip(names, sources)
        }
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
        return refresh
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _checked_name(name: str, checksum_file: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name or name == checksum_file:
        raise ValueError(f"snapshot file name {name!r} must be a relative path inside the data directory")
    return path.as_posix()
