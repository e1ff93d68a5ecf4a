"""Writing outputs so that a failure never leaves a partial file behind."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


TEMPORARY_SUFFIX = ".part"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """CSV or TSV (UTF-8, ``.`` decimals, 12 significant digits) or Parquet by suffix; written atomically."""
    suffix = Path(path).suffix.lower()
    with atomic_path(path) as temporary:
        if suffix in (".csv", ".tsv"):
            separator = "\t" if suffix == ".tsv" else ","
            frame.to_csv(temporary, sep=separator, index=False, lineterminator="\n", float_format="%.12g")
        elif suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            raise ValueError(f"no table writer for {suffix!r} ({path})")


def write_json(document: dict, path: str | Path) -> None:
    """Indented, key-sorted JSON with a final newline; written atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")


def remove_stale_temporaries(directory: str | Path) -> list[str]:
    """Delete temporaries that a killed job left behind (``.<name>.<random>.part``); return their paths.

    :func:`atomic_path` removes its temporary in ``finally``, which a SIGKILL skips. Call this only while no
    job is writing (the workflow calls it on start, under Snakemake's directory lock).
    """
    removed = []
    root = Path(directory)
    if not root.exists():
        return removed
    for path in sorted(root.rglob(f".*{TEMPORARY_SUFFIX}")):
        if path.is_file():
            path.unlink()
            removed.append(path.as_posix())
    return removed
