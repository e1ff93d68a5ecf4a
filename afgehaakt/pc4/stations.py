"""TK2025 polling stations: read as published, placed in their postcode area (PC4), reconciled with the result.

The Kiesraad's station file (``TK2025_Stemmen_Per_Lijst_Per_Stembureau.csv`` in ``TK2025_CSV.zip``) has one row
per list per station with the station's postcode. A station's PC4 is the first four digits of

1. the ``Postcode`` column when it holds a Dutch postcode (``1234AB``, a space allowed), else
2. a postcode the municipality wrote into the station name as ``(postcode: 1234 AB)`` (Ooststellingwerf, Boekel
   and a few single stations do this), else
3. none: the station is unassigned, with the reason (the postal-vote bureau for voters abroad, the Caribbean
   islands outside the PC4 map, a mobile or drive-through station, or a station published without postcode,
   which is the case for every station of some municipalities). A postcode whose area is not in the 2020 PC4
   geometry is unassigned too. Nothing is dropped: every station is in the station table with its status.

Since 2014 a voter may vote at any station in the municipality, so a station's result mixes residents of nearby
areas with commuters and passers-by. :func:`special_stations` marks the stations whose name (railway station,
city hall, hospital, ...) or size (far more votes than the municipality's typical station) says so; the
sensitivity analysis leaves them out.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.parties import short_party_name

STATION_MEMBER = "TK2025_Stemmen_Per_Lijst_Per_Stembureau.csv"
RESULT_MEMBER = "TK2025_uitslag.csv"
_STATION_COLUMNS = {
    "GemeenteCode": "municipality",
    "GemeenteNaam": "municipality_name",
    "Postcode": "postcode_published",
    "StembureauNaam": "station_name",
    "StembureauCode": "station_code",
    "PartijNaam": "list_name",
    "AantalStemmen": "votes",
}
_POSTCODE = re.compile(r"^\s*(\d{4})\s?([A-Za-z]{2})\s*$")
_POSTCODE_IN_NAME = re.compile(r"\(postcode:\s*(\d{4})\s?([A-Za-z]{2})\)", re.IGNORECASE)
_MOBILE = re.compile(r"\b(?:mobiel\w*|drive[- ]?through)\b", re.IGNORECASE)
# Municipality codes of the station file that are not Dutch municipalities on the PC4 map.
POSTAL_BUREAU = "9010"
CARIBBEAN = ("9001", "9002", "9003")

REASON_POSTAL = "postal-vote bureau (votes from abroad, not a municipality)"
REASON_CARIBBEAN = "Caribbean Netherlands (BES), outside the PC4 map"
REASON_MOBILE = "mobile or drive-through station without postcode"
REASON_NO_POSTCODE = "no postcode in the file (column empty, none in the station name)"
REASON_NOT_ON_MAP = "postcode area not in the 2020 PC4 geometry"
REASON_SPECIAL = "special station (left out of the sensitivity run)"


@dataclass(frozen=True)
class SpecialStationRule:
    """Stations whose results mostly reflect passers-by: a name matching ``name_pattern`` (case-insensitive)
    or more than ``size_ratio`` times the median votes of the stations of their municipality."""

    name_pattern: str
    size_ratio: float

    def __post_init__(self) -> None:
        try:
            re.compile(self.name_pattern)
        except re.error as error:
            raise ConfigError("pc4.special_stations.name_pattern", f"not a regular expression: {error}") from None
        if not self.size_ratio > 1:
            raise ConfigError("pc4.special_stations.size_ratio", "must be above 1 (times the municipal median)")

    def describe(self) -> str:
        return f"name matches /{self.name_pattern}/i or votes > {self.size_ratio:g} x municipal median station"


def read_station_votes(zip_path: str) -> pd.DataFrame:
    """The station file as a long table: municipality (4 digits), names, station code, postcode, list, votes.

    ``party`` is the short name of the list (``afgehaakt.parties``). Refuses a missing column, a vote count that
    is not a non-negative integer and a (municipality, station, list) that appears twice.
    """
    source = f"{zip_path}:{STATION_MEMBER}"
    raw = _read_member(zip_path, STATION_MEMBER)
    missing = [c for c in _STATION_COLUMNS if c not in raw.columns]
    if missing:
        raise InputDataError(source, f"columns {missing} are missing", field=missing[0],
                             expected="the Kiesraad's station layout (README_TK2025.txt)")
    table = raw[list(_STATION_COLUMNS)].rename(columns=_STATION_COLUMNS).fillna("")
    table.index = table.index + 2  # file line numbers (header is line 1), for error messages
    bad_votes = table.loc[~table["votes"].str.fullmatch(r"\d+"), "votes"]
    if not bad_votes.empty:
        raise InputDataError(source, f"vote count {bad_votes.iloc[0]!r}", field="AantalStemmen",
                             row=int(bad_votes.index[0]), expected="a non-negative integer")
    bad_codes = table.loc[~table["municipality"].str.fullmatch(r"\d{1,4}"), "municipality"]
    if not bad_codes.empty:
        raise InputDataError(source, f"municipality code {bad_codes.iloc[0]!r}", field="GemeenteCode",
                             row=int(bad_codes.index[0]), expected="CBS code without leading zeros")
    table["municipality"] = table["municipality"].str.zfill(4)
    table["votes"] = table["votes"].astype("int64")
    twice = table[table.duplicated(["municipality", "station_code", "list_name"])]
    if not twice.empty:
        row = twice.iloc[0]
        raise InputDataError(source, f"list {row['list_name']!r} appears twice for station {row['station_code']} "
                             f"of municipality {row['municipality']}", field="StembureauCode",
                             row=int(twice.index[0]), expected="one row per list per station")
    table["party"] = table["list_name"].map(short_party_name)
    return table.reset_index(drop=True)


def read_municipal_list_votes(zip_path: str) -> pd.DataFrame:
    """Valid list votes per region of ``TK2025_uitslag.csv``: ``region`` (the RegioCode) and ``votes``.

    Only the rows the reconciliation needs (``VeldType`` LijstAantalStemmen at gemeente ``G``, BES ``O`` and
    national ``L`` level) are read.
    """
    source = f"{zip_path}:{RESULT_MEMBER}"
    raw = _read_member(zip_path, RESULT_MEMBER)
    for column in ("RegioCode", "Regio", "VeldType", "Waarde"):
        if column not in raw.columns:
            raise InputDataError(source, f"column {column} is missing", field=column, expected="the long result layout")
    rows = raw[(raw["VeldType"] == "LijstAantalStemmen") & raw["RegioCode"].str.match(r"^[GOL]\d+$")]
    votes = pd.to_numeric(rows["Waarde"], errors="coerce")
    if votes.isna().any():
        bad = rows.loc[votes.isna()].index[0]
        raise InputDataError(source, f"value {rows.loc[bad, 'Waarde']!r}", field="Waarde", row=int(bad) + 2,
                             expected="an integer number of votes")
    totals = rows.assign(votes=votes.astype("int64")).groupby(["RegioCode", "Regio"], as_index=False)["votes"].sum()
    return totals.rename(columns={"RegioCode": "region", "Regio": "region_name"})


def station_table(votes: pd.DataFrame, *, pc4_on_map: set[str], rule: SpecialStationRule) -> pd.DataFrame:
    """One row per station: its votes, resolved postcode and where it came from, PC4, status and reason.

    ``status`` is ``assigned`` or ``unassigned``; ``reason`` says why a station is unassigned (empty when it
    is assigned). ``special`` marks the stations :class:`SpecialStationRule` leaves out of the sensitivity run,
    with ``special_reason`` (name, size or both).
    """
    keys = ["municipality", "station_code"]
    stations = votes.groupby(keys, as_index=False, sort=True).agg(
        municipality_name=("municipality_name", "first"),
        station_name=("station_name", "first"),
        postcode_published=("postcode_published", "first"),
        votes=("votes", "sum"),
    )
    from_column = stations["postcode_published"].str.extract(_POSTCODE)
    from_name = stations["station_name"].str.extract(_POSTCODE_IN_NAME)
    use_column = from_column[0].notna()
    use_name = ~use_column & from_name[0].notna()
    pc4 = from_column[0].where(use_column, from_name[0])
    letters = from_column[1].where(use_column, from_name[1])
    stations["postcode"] = (pc4 + letters.str.upper()).fillna("")
    stations["postcode_source"] = np.select([use_column, use_name], ["column", "station name"], default="")
    stations["pc4"] = pc4.fillna("")
    stations["reason"] = _unassigned_reason(stations, pc4_on_map)
    stations["status"] = np.where(stations["reason"] == "", "assigned", "unassigned")
    stations = stations.join(_special(stations, rule))
    return stations[["municipality", "municipality_name", "station_code", "station_name", "postcode_published",
                     "postcode", "postcode_source", "pc4", "votes", "status", "reason", "special",
                     "special_reason"]]


def _unassigned_reason(stations: pd.DataFrame, pc4_on_map: set[str]) -> pd.Series:
    no_postcode = stations["pc4"] == ""
    conditions = [
        stations["municipality"] == POSTAL_BUREAU,
        stations["municipality"].isin(CARIBBEAN),
        no_postcode & stations["station_name"].str.contains(_MOBILE),
        no_postcode,
        ~stations["pc4"].isin(pc4_on_map),
    ]
    choices = [REASON_POSTAL, REASON_CARIBBEAN, REASON_MOBILE, REASON_NO_POSTCODE, REASON_NOT_ON_MAP]
    return pd.Series(np.select(conditions, choices, default=""), index=stations.index)


def _special(stations: pd.DataFrame, rule: SpecialStationRule) -> pd.DataFrame:
    by_name = stations["station_name"].map(lambda name: bool(re.search(rule.name_pattern, name, re.IGNORECASE)))
    median = stations.groupby("municipality")["votes"].transform("median")
    # The postal-vote bureau and the Caribbean islands are not municipal stations: never "special".
    municipal = ~stations["municipality"].isin([POSTAL_BUREAU, *CARIBBEAN])
    by_name = by_name & municipal
    by_size = (stations["votes"] > rule.size_ratio * median) & municipal
    reason = np.select([by_name & by_size, by_name, by_size], ["name and size", "name", "size"], default="")
    return pd.DataFrame({"special": by_name | by_size, "special_reason": reason}, index=stations.index)


def without_special(stations: pd.DataFrame) -> pd.DataFrame:
    """The station table of the sensitivity run: assigned special stations become unassigned, with the reason."""
    leave_out = stations["special"] & (stations["status"] == "assigned")
    return stations.assign(status=stations["status"].where(~leave_out, "unassigned"),
                           reason=stations["reason"].where(~leave_out, REASON_SPECIAL))


def reconciliation(stations: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Votes per municipality (and nationally) in the result file against the stations: assigned, unassigned
    per reason, and the difference between the stations' total and the result (zero when they reconcile).

    Station municipality codes map to result regions as ``G`` + code, except the Caribbean islands (``O`` +
    code); the national row compares all stations with the ``L`` region.
    """
    region = np.where(stations["municipality"].isin(CARIBBEAN), "O", "G") + stations["municipality"]
    frame = stations.assign(region=region)
    per_region = frame.groupby("region").agg(
        municipality_name=("municipality_name", "first"), stations=("station_code", "size"),
        station_votes=("votes", "sum"))
    assigned = frame[frame["status"] == "assigned"]
    per_region["stations_assigned"] = assigned.groupby("region").size()
    per_region["votes_assigned"] = assigned.groupby("region")["votes"].sum()
    unassigned = frame[frame["status"] == "unassigned"]
    per_region["stations_unassigned"] = unassigned.groupby("region").size()
    per_region["votes_unassigned"] = unassigned.groupby("region")["votes"].sum()
    per_region["unassigned_reasons"] = unassigned.groupby("region")["reason"].agg(
        lambda reasons: "; ".join(f"{reason} ({count})" for reason, count in reasons.value_counts().sort_index().items()))
    per_region = per_region.fillna({c: 0 for c in per_region.columns if c.startswith(("stations_", "votes_"))})
    per_region["unassigned_reasons"] = per_region["unassigned_reasons"].fillna("")
    national = results[results["region"].str.startswith("L")]
    if len(national) != 1:
        raise ValueError(f"expected one national (L) region in the result file, found {len(national)}")
    totals = per_region.drop(columns=["municipality_name", "unassigned_reasons"]).sum()
    reasons = unassigned["reason"].value_counts().sort_index()
    national_row = pd.DataFrame([{**totals.to_dict(), "municipality_name": national["region_name"].iloc[0],
                                  "unassigned_reasons": "; ".join(f"{r} ({n})" for r, n in reasons.items())}],
                                index=[national["region"].iloc[0]])
    table = pd.concat([per_region, national_row]).rename_axis("region").reset_index()
    table["result_votes"] = table["region"].map(results.set_index("region")["votes"]).astype("Int64")
    table["difference"] = table["station_votes"] - table["result_votes"]
    table["level"] = np.where(table["region"].str.startswith("L"), "national", "municipality")
    counts = [c for c in table.columns if c.startswith(("stations", "votes_", "station_votes"))]
    table[counts] = table[counts].astype("int64")
    return table[["level", "region", "municipality_name", "result_votes", "station_votes", "difference", "stations",
                  "stations_assigned", "votes_assigned", "stations_unassigned", "votes_unassigned",
                  "unassigned_reasons"]]


def _read_member(zip_path: str, member: str) -> pd.DataFrame:
    with zipfile.ZipFile(zip_path) as archive:
        if member not in archive.namelist():
            raise InputDataError(zip_path, f"member {member} is missing", expected=f"a zip holding {member}")
        with archive.open(member) as handle:
            return pd.read_csv(handle, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
