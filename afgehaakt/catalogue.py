"""What the committed snapshot holds: each election and boundary set, its file, and how to credit it.

The config names elections and the boundary year by id; this catalogue turns an id into a file under the
data directory and an attribution line. The config schema enumerates the same ids, and a test keeps the two
in step.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ElectionSource:
    id: str
    label: str
    date: str
    file: str
    boundary_year: int
    attribution: str


@dataclass(frozen=True)
class BoundarySource:
    year: int
    file: str
    object_name: str
    crs: str
    attribution: str


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    unit: str
    definition: str


ELECTIONS: dict[str, ElectionSource] = {
    "tk2021": ElectionSource(
        id="tk2021",
        label="Tweede Kamer 2021",
        date="2021-03-17",
        file="elections/tk2021_gemeente.csv",
        boundary_year=2021,
        attribution="Kiesraad, uitslag Tweede Kamerverkiezing 17 maart 2021 per gemeente",
    ),
}

BOUNDARIES: dict[int, BoundarySource] = {
    2021: BoundarySource(
        year=2021,
        file="boundaries/gemeente_2021_rd.topojson",
        object_name="gemeente_2021",
        crs="EPSG:28992",
        attribution="CBS/PDOK gemeentegrenzen 2021 (gegeneraliseerd), CC BY 4.0, via cartomap",
    ),
}

INDICATORS: dict[str, Indicator] = {
    "turnout": Indicator(
        name="turnout",
        label="Turnout",
        unit="share of eligible voters",
        definition="ballots cast / eligible voters registered in the municipality (Opkomst / Kiesgerechtigden)",
    ),
    "outsider_share": Indicator(
        name="outsider_share",
        label="Outsider vote",
        unit="share of valid votes",
        definition="votes for the configured outsider parties / valid votes (GeldigeStemmen)",
    ),
}


def election(election_id: str) -> ElectionSource:
    try:
        return ELECTIONS[election_id]
    except KeyError:
        raise KeyError(f"unknown election {election_id!r}; the snapshot holds {sorted(ELECTIONS)}") from None


def boundaries(year: int) -> BoundarySource:
    try:
        return BOUNDARIES[year]
    except KeyError:
        raise KeyError(f"no boundaries for {year}; the snapshot holds {sorted(BOUNDARIES)}") from None


def source_line(election_id: str, boundary_year: int) -> str:
    return f"Source: {election(election_id).attribution}; {boundaries(boundary_year).attribution}."
