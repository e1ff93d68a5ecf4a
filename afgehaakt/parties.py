"""Party names: from the list names the Kiesraad prints to the short names used in config and tables.

The Kiesraad writes a party under its registered list name ("PVV (Partij voor de Vrijheid)"), which changes
between elections. The alias table in ``resources/party_aliases.csv`` maps each known list name to one short
name; a list name not in the table keeps its own name, so a new party is never merged into another by accident.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def party_aliases() -> dict[str, str]:
    """List name as published -> short party name."""
    with resources.files("afgehaakt.resources").joinpath("party_aliases.csv").open(encoding="utf-8") as handle:
        return {row["list_name"]: row["party"] for row in csv.DictReader(handle)}


def known_parties() -> frozenset[str]:
    """The short names the alias table defines; configured party lists must use these."""
    return frozenset(party_aliases().values())


def short_party_name(list_name: str) -> str:
    """The short name of a published list name, or the list name itself when it is not in the table."""
    return party_aliases().get(list_name.strip(), list_name.strip())
