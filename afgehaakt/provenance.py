"""Hashes: of files, of figures' content, of the config and of source and data trees; seeds among parameters."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


NOT_RESULT_KEYS = ("label", "accept_changed_data")
"""Top-level config keys that describe a run without changing any result: left out of the config hash."""


def config_hash(config: dict) -> str:
    """SHA-256 of the config as canonical JSON (sorted keys, no whitespace): equal configs hash equal.

    Keys in :data:`NOT_RESULT_KEYS` are left out, so that naming a run does not start a new results folder."""
    relevant = {key: value for key, value in config.items() if key not in NOT_RESULT_KEYS}
    canonical = json.dumps(relevant, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def tree_digest(root: str | Path, *, suffixes: tuple[str, ...] | None = None) -> str:
    """SHA-256 over the files under ``root`` (relative paths and contents) in sorted order; ``suffixes`` limits
    which files count (all when None). Equal trees hash equal wherever they are."""
    base = Path(root)
    digest = hashlib.sha256()
    files = sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        if suffixes is None or path.suffix in suffixes:
            digest.update(path.relative_to(base).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def source_digest(package_dir: str | Path) -> str:
    """SHA-256 over the package's source and resource files (paths and contents), in sorted order.

    Snakemake reruns a job when its script changes but not when library code does; passing this digest as a
    parameter makes a change anywhere in the package rerun the jobs that use it.
    """
    return tree_digest(package_dir, suffixes=(".py", ".csv", ".json", ".yaml"))


def content_sha256(path: str | Path) -> str:
    """SHA-256 of what a file shows, leaving out the provenance embedded in figures' metadata.

    PNG: the decoded pixels with mode and size (text chunks ignored). PDF: the bytes with the document
    information dictionary (the object that the trailer's ``/Info`` names), the cross-reference table and the
    trailer left out; those only locate objects, and every drawn object stays in. Anything else, and a PDF whose
    trailer cannot be read this way (cross-reference streams), hashes whole: its content hash is its SHA-256.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        return _png_pixels_sha256(path)
    if suffix == ".pdf":
        return _pdf_body_sha256(Path(path).read_bytes())
    return sha256_file(path)


def _png_pixels_sha256(path: str | Path) -> str:
    from PIL import Image

    with Image.open(path) as image:
        digest = hashlib.sha256(f"{image.mode} {image.size[0]}x{image.size[1]}\0".encode())
        digest.update(image.tobytes())
    return digest.hexdigest()


def checksum_list_summary(path: str | Path) -> str:
    """The SHA-256 of a ``SHA256SUMS`` file and how many files it pins: one line that identifies a data snapshot."""
    from afgehaakt.acquisition.snapshot import read_checksums  # acquisition pulls in HTTP clients; only needed here

    return f"{sha256_file(path)} (SHA256SUMS pinning {len(read_checksums(path))} files)"


_PDF_INFO_REFERENCE = re.compile(rb"/Info\s+(\d+)\s+(\d+)\s+R")


def _pdf_body_sha256(data: bytes) -> str:
    xref = data.rfind(b"\nxref")
    trailer = data.rfind(b"trailer")
    reference = _PDF_INFO_REFERENCE.search(data, trailer) if trailer > xref > 0 else None
    if reference is None:
        return hashlib.sha256(data).hexdigest()
    number, generation = reference.groups()
    start = data.rfind(b"\n" + number + b" " + generation + b" obj", 0, xref)
    end = data.find(b"endobj", start) if start >= 0 else -1
    if start < 0 or end < 0:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(data[:start] + data[end + len(b"endobj"):xref]).hexdigest()


def seeds_in(parameters: Mapping, prefix: str = "") -> dict[str, object]:
    """Every value under a key that names a seed (``seed``, ``random_seed``, ...), keyed by its dotted path."""
    seeds = {}
    for key, value in parameters.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            seeds.update(seeds_in(value, prefix=f"{path}."))
        elif "seed" in str(key).lower():
            seeds[path] = value
    return seeds


REMOVED_TEMPORARY = "removed after use (temporary input)"


def input_digests(paths: Iterable[str | Path], *, temporaries: Iterable[str | Path] = ()) -> dict[str, str]:
    """SHA-256 of each input file, keyed by its path as given.

    ``temporaries`` are inputs that Snakemake deletes once their consumers have run (``temp()``, e.g. the parts
    of a scatter-gather step): when one is already gone it is listed as such, not hashed and not left out.
    """
    removable = {str(path) for path in temporaries}
    return {
        str(path): REMOVED_TEMPORARY if str(path) in removable and not Path(path).exists() else sha256_file(path)
        for path in paths
    }
