"""Party names: from the list names the Kiesraad prints to the short names used in config and tables.

The Kiesraad writes a party under its registered list name ("PVV (Partij voor de Vrijheid)"), which changes
between elections. The alias table in ``resources/party_aliases.csv`` maps each known list name to one short
name; a list name not in the table keeps its own name, so a new party is never merged into another by accident.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from afgehaakt.errors import ConfigError


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


@dataclass(frozen=True)
class PartyClassification:
    """Every party of every analysed ballot, classified explicitly (config key ``parties``).

    ``outsider_classifications`` names alternative sets of outsider parties (the Atlas van afgehaakt
    Nederland's own six, and the extended set in use); ``outsider_classification`` says which one the analyses
    use; ``established`` lists every other party. A party in none of them stops the run
    (:meth:`require_classified`), so a new list is never counted as established by default.
    """

    in_use: str
    outsider: dict[str, tuple[str, ...]]
    established: tuple[str, ...]
    orthodox_protestant: tuple[str, ...]

    def groups(self) -> dict[str, list[str]]:
        """Party groups for the indicator tables: ``outsider`` (the classification in use), one
        ``outsider_<name>`` per named classification, and ``orthodox_protestant``."""
        groups = {"outsider": list(self.outsider[self.in_use])}
        groups.update({f"outsider_{name}": list(parties) for name, parties in self.outsider.items()})
        groups["orthodox_protestant"] = list(self.orthodox_protestant)
        return groups

    def classified(self) -> frozenset[str]:
        return frozenset(self.established).union(*self.outsider.values())

    def require_classified(self, list_names: pd.Series, *, election: str) -> None:
        """Stop on a list whose party is in no classification, naming the list and the election."""
        classified = self.classified()
        for list_name in sorted(set(list_names)):
            party = short_party_name(list_name)
            if party not in classified:
                raise ConfigError(
                    "parties.established",
                    f"list {list_name!r} (party {party!r}) of election {election} is not classified: add {party!r} "
                    "to parties.established or to an outsider classification (and, if it is a renamed party, its "
                    "list name to afgehaakt/resources/party_aliases.csv)")


def classification_from_config(parties: dict, *, key: str = "parties") -> PartyClassification:
    """The classification of config key ``parties``, checked: known short names, the classification in use
    named, and no party both outsider and established."""
    named = {name: tuple(members) for name, members in parties["outsider_classifications"].items()}
    if parties["outsider_classification"] not in named:
        raise ConfigError(f"{key}.outsider_classification",
                          f"{parties['outsider_classification']!r} is not one of {sorted(named)}")
    lists = {**{f"outsider_classifications.{n}": m for n, m in named.items()},
             "established": tuple(parties["established"]), "orthodox_protestant": tuple(parties["orthodox_protestant"])}
    for name, members in lists.items():
        unknown = sorted(set(members) - known_parties())
        if unknown:
            raise ConfigError(f"{key}.{name}", f"unknown party name(s) {unknown}; known: {sorted(known_parties())}")
    for name, members in named.items():
        both = sorted(set(members) & set(parties["established"]))
        if both:
            raise ConfigError(f"{key}.established", f"{both} are also outsider parties in classification {name!r}")
    return PartyClassification(in_use=parties["outsider_classification"], outsider=named,
                               established=tuple(parties["established"]),
                               orthodox_protestant=tuple(parties["orthodox_protestant"]))
