"""Content hashes, the config hash and the manifest of outputs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def config_hash(config: dict) -> str:
    """SHA-256 of the config as canonical JSON (sorted keys, no whitespace): equal configs hash equal."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def source_digest(package_dir: str | Path) -> str:
    """SHA-256 over the package's source and resource files (paths and contents), in sorted order.

    Snakemake reruns a job when its script changes but not when library code does; passing this digest as a
    parameter makes a change anywhere in the package rerun the jobs that use it.
    """
    root = Path(package_dir)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".csv", ".json", ".yaml")):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def checksum_list_summary(path: str | Path) -> str:
    """The SHA-256 of a ``SHA256SUMS`` file and how many files it pins: one line that identifies a data snapshot."""
    from afgehaakt.acquisition.snapshot import read_checksums  # acquisition pulls in HTTP clients; only needed here

    return f"{sha256_file(path)} (SHA256SUMS pinning {len(read_checksums(path))} files)"


def build_manifest(producers: dict[str, list[str]], *, config_digest: str) -> pd.DataFrame:
    """One row per output: path, bytes, SHA-256, the rule that made it and the config hash; sorted by path."""
    rows = []
    for rule, paths in producers.items():
        for path in paths:
            rows.append(
                {
                    "path": str(path),
                    "bytes": Path(path).stat().st_size,
                    "sha256": sha256_file(path),
                    "rule": rule,
                    "config_sha256": config_digest,
                }
            )
    manifest = pd.DataFrame(rows, columns=["path", "bytes", "sha256", "rule", "config_sha256"])
    duplicated = manifest["path"][manifest["path"].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"output {duplicated.iloc[0]} is listed under two rules")
    return manifest.sort_values("path", kind="stable").reset_index(drop=True)

