"""What the committed snapshot holds: each election, boundary set, crosswalk and table, and how to credit it.

The config names elections and the boundary year by id; this catalogue turns an id into files under the data
directory and an attribution line. The config schema enumerates the same ids, and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal


@dataclass(frozen=True)
class ElectionSource:
    id: str
    label: str
    kind: Literal["tk", "ep"]
    date: str
    format: Literal["kiesraad_csv", "osv4_3", "kiesraad_long"]
    files: tuple[str, ...]
    boundary_year: int
    attribution: str

    @property
    def published_names(self) -> tuple[str, ...]:
        """The files' names as the Kiesraad published them (the count files keep their inconsistent spelling)."""
        return tuple(PurePosixPath(path).name for path in self.files)


@dataclass(frozen=True)
class BoundarySource:
    year: int
    file: str
    object_name: str
    crs: str
    attribution: str


_OSV_2023 = tuple(
    f"elections/tk2023_osv4-3/{name}"
    for name in (
        "OSV4-3_telling_tk2023_kieskring_tilburg.csv",
        "osv4-3-telling-tk2023-kieskring-leeuwarden.csv",
        "osv4-3-telling-tk2023-kieskring-leiden.csv",
        "osv4-3_telling_tk2023_gemeente_rotterdam.csv",
        "osv4-3_telling_tk2023_kieskring-1 groningen.csv",
        "osv4-3_telling_tk2023_kieskring_arnhem.csv",
        "osv4-3_telling_tk2023_kieskring_assen.csv",
        "osv4-3_telling_tk2023_kieskring_denhelder.csv",
        "osv4-3_telling_tk2023_kieskring_dordrecht.csv",
        "osv4-3_telling_tk2023_kieskring_haarlem.csv",
        "osv4-3_telling_tk2023_kieskring_lelystad.csv",
        "osv4-3_telling_tk2023_kieskring_maastricht.csv",
        "osv4-3_telling_tk2023_kieskring_middelburg.csv",
        "osv4-3_telling_tk2023_kieskring_nijmegen.csv",
        "osv4-3_telling_tk2023_kieskring_sgravenhage.csv",
        "osv4-3_telling_tk2023_kieskring_shertogenbosch.csv",
        "osv4-3_telling_tk2023_kieskring_utrecht.csv",
        "osv4-3tellingtk2023kieskringzwolle.csv",
        "osv4_3_telling_tk2023_kieskring_amsterdam.csv",
    )
)

ELECTIONS: dict[str, ElectionSource] = {
    **{
        f"tk{date[:4]}": ElectionSource(
            f"tk{date[:4]}", f"Tweede Kamer {date[:4]}", "tk", date, "kiesraad_csv",
            (f"elections/tk{date[:4]}_gemeente.csv",), int(date[:4]),
            f"Kiesraad, uitslag Tweede Kamerverkiezing {date} per gemeente",
        )
        for date in ("1998-05-06", "2002-05-15", "2003-01-22", "2006-11-22", "2010-06-09", "2012-09-12")
    },
    "tk2017": ElectionSource(
        "tk2017", "Tweede Kamer 2017", "tk", "2017-03-15", "kiesraad_csv", ("elections/tk2017_gemeente.csv",), 2017,
        "Kiesraad, uitslag Tweede Kamerverkiezing 15 maart 2017 per gemeente",
    ),
    "ep2019": ElectionSource(
        "ep2019", "Europees Parlement 2019", "ep", "2019-05-23", "kiesraad_csv", ("elections/ep2019_gemeente.csv",),
        2019, "Kiesraad, uitslag verkiezing Europees Parlement 23 mei 2019 per gemeente",
    ),
    "tk2021": ElectionSource(
        "tk2021", "Tweede Kamer 2021", "tk", "2021-03-17", "kiesraad_csv", ("elections/tk2021_gemeente.csv",), 2021,
        "Kiesraad, uitslag Tweede Kamerverkiezing 17 maart 2021 per gemeente",
    ),
    "tk2023": ElectionSource(
        "tk2023", "Tweede Kamer 2023", "tk", "2023-11-22", "osv4_3", _OSV_2023, 2023,
        "Kiesraad, processen-verbaal Osv4-3 Tweede Kamerverkiezing 22 november 2023",
    ),
    "tk2025": ElectionSource(
        "tk2025", "Tweede Kamer 2025", "tk", "2025-10-29", "kiesraad_long", ("elections/tk2025/TK2025_CSV.zip",),
        2025, "Kiesraad, verkiezingsuitslag Tweede Kamer 29 oktober 2025 (CSV), per gemeente",
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

CROSSWALKS: dict[tuple[int, int], str] = {
    (2017, 2021): "crosswalk/grenswijziging_gemeente_van_2017_naar_2021_matrix.csv",
    (2019, 2021): "crosswalk/grenswijziging_gemeente_van_2019_naar_2021_matrix.csv",
    (2020, 2021): "crosswalk/grenswijziging_gemeente_van_2020_naar_2021_matrix.csv",
    (2021, 2023): "crosswalk/grenswijziging_gemeente_van_2021_naar_2023_matrix.csv",
}
"""Address matrices (earlier year, later year) -> file; each can be used in both directions."""

MERGER_HISTORY = {
    "events": "membership/history/herindelingen_1998_2025.csv",
    "municipalities": "membership/history/gemeenten_per_jaar_1998_2025.csv",
    "addresses": "membership/history/crosscheck_grenswijzigen_2016_2024_pairs.csv",
}
"""The merger history 1998-2025 (RvIG Tabel 33) and the yearly address cells that split merged municipalities
when a later boundary year is mapped back onto an earlier one: the route every election takes to the boundary
year (afgehaakt.features.boundary_history). The address matrices above are its independent check."""

HARMONISATION_ATTRIBUTION = ("municipal merger history 1998-2025 from RvIG Landelijke Tabel 33; address weights "
                             "from grenswijzigen (H. Weda, VNG), CC BY-NC-SA 4.0")

# Attributions name sources and licences only, in no language of their own: figures in English and Dutch both
# print them after their translated "Source:" / "Bron:".
CROSSWALK_ATTRIBUTION = "grenswijzigen (H. Weda, VNG), CC BY-NC-SA 4.0"

MUNICIPALITIES_2021 = "membership/gemeenten_alfabetisch_2021.csv"

COUNCIL_ELECTION_FILES = {
    "gr2022": "elections/gr2022/uitslag_GR20220316_Gemeente.csv",
    "gr2026": "elections/gr2026/uitslag_GR20260318_Gemeente.csv",
}
"""Municipal council elections (list votes, local lists included): afgehaakt.io.council."""

COUNCIL_TURNOUT_2022 = "elections/gr2022/gr2022_gemeente_summary.csv"
"""GR2022 eligible voters and ballots from the official count files, with the reason where turnout is missing."""

STATLINE_FILES = {
    "kwb2020": "cbs/kwb2020_gemeente_wbk2020v2_buurtvergelijker_attributes.csv",
    "kwb2021": "cbs/kwb2021_gemeente_wonen_stedelijkheid.csv",
    "population2021": "cbs/rkn70072_bevolking_leeftijd_migratie_2021_gemeente.csv",
    "health2020": "health/rivm50090_gezondheid_2020_18plus_gemeente.csv",
    "health2016": "health/rivm50090_gezondheid_2016_18plus_gemeente.csv",
}

FEATURE_ATTRIBUTION = (
    "CBS Kerncijfers wijken en buurten 2020/2021, CBS Regionale kerncijfers 2021 (CC BY 4.0); RIVM/GGD "
    "Gezondheidsmonitor 2016/2020 (CC BY 4.0)"
)


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


def has_crosswalk(source_year: int, target_year: int) -> bool:
    """Whether the snapshot holds an address crosswalk between two different boundary years."""
    return (min(source_year, target_year), max(source_year, target_year)) in CROSSWALKS


def crosswalk(source_year: int, target_year: int) -> str | None:
    """The matrix that links two boundary years (either direction), or None when the years are equal."""
    if source_year == target_year:
        return None
    pair = (min(source_year, target_year), max(source_year, target_year))
    if pair not in CROSSWALKS:
        raise KeyError(f"no crosswalk between {source_year} and {target_year}; the snapshot holds {sorted(CROSSWALKS)}")
    return CROSSWALKS[pair]


def sources(election_id: str, boundary_year: int) -> str:
    """The attribution of an election's map: its results and the boundaries (a figure's source line names them)."""
    return f"{election(election_id).attribution}; {boundaries(boundary_year).attribution}."
