"""Snakemake's scatter-gather items, ``"<part>-of-<parts>"``, as numbers for the package's split functions."""

from __future__ import annotations

import re

_ITEM = re.compile(r"^(\d+)-of-(\d+)$")


def scatter_part(item: str) -> tuple[int, int]:
    """``"2-of-4"`` -> ``(2, 4)``; anything else is an error naming the item."""
    match = _ITEM.match(str(item))
    if match is None or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"scatter item {item!r}: expected '<part>-of-<parts>' with 1 <= part <= parts")
    return int(match.group(1)), int(match.group(2))
