"""Municipal council elections (gemeenteraadsverkiezingen, GR2022 and GR2026): list votes and GR2022 turnout.

Two published layouts (``data/elections/gr2022/``, ``data/elections/gr2026/``, see ``data/SOURCES.md``):

* ``uitslag_GR<date>_Gemeente.csv`` (Kiesraad export, republished by squell/electionchecker):
  ``Gemeente;Code;AmsterdamseCode;Partij;AantalStemmen;AantalZetels;`` with a trailing ``;`` on every line, so the
  header ends in an empty column name. One row per list and municipality, local lists included; a list without
  a registered name appears as ``Blanco (<first candidate>)`` or ``Blanco (lijst <n>)``. The republisher wrote a
  flag (``1``) into the trailing field of one Enkhuizen row of GR2022; it is kept as ``source_flag``, no count
  was changed. No eligible voters: turnout is not in this file.
* ``gr2022_gemeente_summary.csv`` (derived from the official EML count files): one row per municipality with
  eligible voters and ballots where the count file gave them, and ``turnout_status`` saying why not otherwise.

Codes are normalised to four digits (``G0518`` -> ``0518``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_codes
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import parse_numbers, read_delimited, require_columns

RESULT_COLUMNS = ["Gemeente", "Code", "AmsterdamseCode", "Partij", "AantalStemmen", "AantalZetels"]
SUMMARY_COLUMNS = ["gm_code", "gemeente", "geldige_stemmen_kiesraad", "eml_opkomst", "eml_kiesgerechtigden",
                   "opkomst_pct", "turnout_status"]

TURNOUT_OK = "ok"
TURNOUT_REASONS = {
    "telling_eml_missing_from_snapshot": "count file not in the snapshot (too large to copy: the largest cities)",
    "no_kiesgerechtigden_in_eml": "count file gives no eligible voters (Cast = 0)",
    "suspect_kiesgerechtigden_summed_over_stembureaus": (
        "eligible voters summed over polling stations in the count file (implausibly high)"),
}
"""The summary file's ``turnout_status`` prefixes (the part before any parenthesis) -> the reason in words."""


def read_council_results(path: str | Path, *, election: str) -> pd.DataFrame:
    """List votes and seats per municipality: code, name, list_name, votes, seats, source_flag, election.

    The header's trailing ``;`` must be there (the published layout); empty seats (the seatless lists of GR2026) stay missing; a list row without a name, a negative or
    non-integer count, or two rows of one list in one municipality stops with the file and line.
    """
    frame = read_delimited(path, separators=";")
    require_columns(frame, RESULT_COLUMNS, path=path)
    if list(frame.columns) != [*RESULT_COLUMNS, ""]:
        raise InputDataError(path, f"columns {list(frame.columns)}", row=1,
                             expected=f"{RESULT_COLUMNS} and the published trailing ';'")
    unnamed = frame.index[frame["Partij"] == ""]
    if len(unnamed):
        raise InputDataError(path, "a list without a name", field="Partij", row=int(unnamed[0]),
                             expected="the list name (or 'Blanco (...)')")
    results = pd.DataFrame({
        "code": normalise_codes(frame["Code"], path=path, field="Code"),
        "name": frame["Gemeente"],
        "list_name": frame["Partij"],
        "votes": parse_numbers(frame["AantalStemmen"], path=path, field="AantalStemmen", integer=True,
                               allow_missing=False),
        # GR2026 leaves the seats of seatless lists empty (269 rows); they stay missing, nothing reads seats.
        "seats": parse_numbers(frame["AantalZetels"], path=path, field="AantalZetels", integer=True,
                               allow_missing=True),
        "source_flag": frame[""],
    }, index=frame.index)
    negative = results.index[(results["votes"] < 0) | (results["seats"] < 0)]
    if len(negative):
        raise InputDataError(path, "a negative count", row=int(negative[0]), expected="counts of zero or more")
    duplicated = results.index[results.duplicated(["code", "list_name"], keep="first")]
    if len(duplicated):
        raise InputDataError(path, "a list appears twice in one municipality", field="Partij",
                             row=int(duplicated[0]), expected="one row per list and municipality")
    results["votes"] = results["votes"].astype("int64")
    return results.assign(election=election).reset_index(drop=True)


def read_council_turnout(path: str | Path) -> pd.DataFrame:
    """GR2022 turnout per municipality: code, name, valid_kiesraad, eligible, ballots, turnout, turnout_status,
    turnout_missing_reason.

    ``eligible``, ``ballots`` (valid + blank + invalid from the count file) and ``turnout`` are given only where
    ``turnout_status`` is ``ok``; elsewhere they are missing (never imputed) and ``turnout_missing_reason`` says
    why. An unknown status stops the run naming the line.
    """
    frame = read_delimited(path, separators=",")
    require_columns(frame, SUMMARY_COLUMNS, path=path)
    ok = frame["turnout_status"] == TURNOUT_OK
    reasons = pd.Series([_missing_reason(status, path=path, row=row) for row, status in frame["turnout_status"].items()],
                        index=frame.index, dtype=object)
    numbers = {column: parse_numbers(frame[column].where(ok, ""), path=path, field=column, integer=False,
                                     allow_missing=True)
               for column in ("eml_kiesgerechtigden", "eml_opkomst")}
    turnout = pd.DataFrame({
        "code": normalise_codes(frame["gm_code"], path=path, field="gm_code"),
        "name": frame["gemeente"],
        "valid_kiesraad": parse_numbers(frame["geldige_stemmen_kiesraad"], path=path,
                                        field="geldige_stemmen_kiesraad", integer=False, allow_missing=False),
        "eligible": numbers["eml_kiesgerechtigden"],
        "ballots": numbers["eml_opkomst"],
        "turnout_status": frame["turnout_status"],
        "turnout_missing_reason": reasons,
    }, index=frame.index)
    turnout["turnout"] = turnout["ballots"] / turnout["eligible"]
    published = parse_numbers(frame["opkomst_pct"].where(ok, ""), path=path, field="opkomst_pct", integer=False,
                              allow_missing=True) / 100
    disagree = turnout.index[ok & ((turnout["turnout"] - published).abs() > 5e-5)]
    if len(disagree):
        raise InputDataError(path, "opkomst_pct differs from eml_opkomst / eml_kiesgerechtigden", field="opkomst_pct",
                             row=int(disagree[0]), expected="the turnout the counts give")
    return turnout.reset_index(drop=True)


def _missing_reason(status: str, *, path: str | Path, row: int) -> str:
    if status == TURNOUT_OK:
        return ""
    prefix = status.split("(", 1)[0]
    if prefix not in TURNOUT_REASONS:
        raise InputDataError(path, f"unknown turnout_status {status!r}", field="turnout_status", row=row,
                             expected=f"'ok' or one of {sorted(TURNOUT_REASONS)}")
    return TURNOUT_REASONS[prefix]
