"""Local parties in the municipal council elections: the one rule that tells a local list from a national party.

A council list is **national** when it is a list of a party that stands in the national elections, i.e. a party
the national classification knows (config ``parties``: every party of every analysed TK/EP election, reached
through the list-name aliases of ``resources/party_aliases.csv``), or a joint list of such parties only
("PvdA / GROENLINKS", "SGP-ChristenUnie"). It is **local** when no part of its name is a national party: the
municipal parties (Gemeentebelangen, Leefbaar ..., Hart voor Den Haag) and every ``Blanco`` list (a list without
a registered name cannot be a national party's list). A name that mixes a national party with anything else
("CDA/Lokaal Belang", "PvdA Lokaal") fits neither and must be settled by hand in config
``local_democracy.list_overrides`` (list name -> local | national); a list this rule cannot classify stops the
run naming the list, the municipality and the election.

Matching ignores case and spacing, so the Kiesraad's spelling variants ("SP (Socialistische partij)") are the
same party. Everything that needs the local-party share (the local-democracy tables here and the zone analysis
of the burgerschapszone) calls :func:`classify_council_lists` / :func:`local_party_shares`; nothing else
decides what a local party is.
"""

from __future__ import annotations

import re

import pandas as pd

from afgehaakt.errors import ConfigError
from afgehaakt.parties import PartyClassification, party_aliases

LOCAL = "local"
NATIONAL = "national"
KINDS = (LOCAL, NATIONAL)
OVERRIDE_KEY = "local_democracy.list_overrides"

_BLANK_LIST = re.compile(r"^blanco(\s*\(.*\))?$")
_JOINT_SEPARATORS = re.compile(r"\s*[/+&|,]\s*|\s+-\s+|(?<=\w)-(?=\w)")


def _normal(text: str) -> str:
    """Case, spaces, dots and the brackets around an abbreviation ignored: "P.v.d.A." is "pvda"."""
    text = re.sub(r"[()]", " ", text.replace(".", ""))
    return re.sub(r"\s+", " ", text).strip().casefold()


def national_names(classification: PartyClassification) -> dict[str, str]:
    """Every spelling of a national party (its short name and each aliased list name, normalised) -> party."""
    parties = classification.classified()
    names = {_normal(party): party for party in parties}
    names.update({_normal(list_name): party for list_name, party in party_aliases().items() if party in parties})
    return names


def classify_council_list(list_name: str, names: dict[str, str], overrides: dict[str, str]) -> tuple[str, str] | None:
    """(kind, party) of one list name, or None when the rule cannot tell (see the module docstring).

    ``party`` is the national party's short name (joint lists: the short names joined by '+'), else ''.
    """
    if list_name in overrides:
        return overrides[list_name], ""
    normal = _normal(list_name)
    if _BLANK_LIST.match(list_name.strip().casefold()):
        return LOCAL, ""
    if normal in names:
        return NATIONAL, names[normal]
    parts = [part for part in _JOINT_SEPARATORS.split(normal) if part]
    national_parts = [names[part] for part in parts if part in names]
    if len(parts) > 1 and len(national_parts) == len(parts):
        return NATIONAL, "+".join(sorted(set(national_parts)))
    if national_parts or _mentions_national_party(normal, names):
        return None
    return LOCAL, ""


def _mentions_national_party(normal: str, names: dict[str, str]) -> bool:
    """True when a national party's name appears as a whole word inside the list name ("cda vaals")."""
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", normal) for name in names if len(name) > 1)


def overrides_from_config(entries: list[dict]) -> dict[str, str]:
    """Config ``local_democracy.list_overrides`` (a list of {list, kind}) as list name -> kind; a list named
    twice stops the run."""
    overrides: dict[str, str] = {}
    for entry in entries:
        if entry["list"] in overrides:
            raise ConfigError(OVERRIDE_KEY, f"{entry['list']!r} is listed twice")
        overrides[entry["list"]] = entry["kind"]
    return overrides


def classify_council_lists(results: pd.DataFrame, classification: PartyClassification,
                           overrides: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per (election, list name): kind (local | national), party, municipalities, votes.

    ``results`` holds the rows of :func:`afgehaakt.io.council.read_council_results` (code, name, list_name,
    votes, election). A list the rule cannot classify stops the run naming the list, a municipality and the
    election; an override with another kind than local/national stops it too.
    """
    overrides = dict(overrides or {})
    bad = {name: kind for name, kind in overrides.items() if kind not in KINDS}
    if bad:
        raise ConfigError(OVERRIDE_KEY, f"{bad}: every override must be one of {KINDS}")
    names = national_names(classification)
    rows = []
    for (election, list_name), group in results.groupby(["election", "list_name"], sort=True):
        classified = classify_council_list(list_name, names, overrides)
        if classified is None:
            first = group.iloc[0]
            raise ConfigError(
                OVERRIDE_KEY,
                f"council list {list_name!r} (municipality {first['name']} {first['code']}, election {election}) "
                "names a national party together with something else: add it to "
                f"{OVERRIDE_KEY} as local or national")
        rows.append({"election": election, "list_name": list_name, "kind": classified[0], "party": classified[1],
                     "overridden": list_name in overrides, "municipalities": group["code"].nunique(),
                     "votes": int(group["votes"].sum())})
    return pd.DataFrame(rows)


def local_party_shares(results: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Per election and municipality: valid (all list votes), local_votes, national_votes, local_share,
    local_lists (number of local lists on the ballot)."""
    kinds = results.merge(lists[["election", "list_name", "kind"]], on=["election", "list_name"], how="left",
                          validate="m:1")
    if kinds["kind"].isna().any():
        raise ValueError(f"unclassified council lists: {sorted(kinds.loc[kinds['kind'].isna(), 'list_name'])[:5]}")
    kinds["local_votes"] = kinds["votes"].where(kinds["kind"] == LOCAL, 0)
    kinds["national_votes"] = kinds["votes"].where(kinds["kind"] == NATIONAL, 0)
    kinds["local_list"] = (kinds["kind"] == LOCAL).astype(int)
    shares = (kinds.groupby(["election", "code"], sort=True)
              .agg(name=("name", "first"), valid=("votes", "sum"), local_votes=("local_votes", "sum"),
                   national_votes=("national_votes", "sum"), local_lists=("local_list", "sum"))
              .reset_index())
    shares["local_share"] = shares["local_votes"] / shares["valid"]
    return shares
