"""The Kiesraad's official count files "Osv4-3" (TK2023), one per kieskring plus Rotterdam, as published.

Each file opens with a metadata block (``Verkiezing``, ``Datum``, ``Gebied``, ``Nummer``), then a header row
``Lijstnummer;Aanduiding;Volgnummer;Naam kandidaat;Totaal;<areas>``. In a kieskring file the areas are
municipalities and the next row, ``Gebiednummer``, holds their CBS codes (without leading zeros in the Leeuwarden
file). The Rotterdam file (``Gebied`` = ``Gemeente Rotterdam``) has one column per polling station instead; there
the municipality is the file's ``Nummer`` and its ``Totaal`` column is used. Count rows follow
(``opgeroepenen`` = eligible voters, ``geldige stembiljetten``, ``blanco stembiljetten``, ``ongeldige
stembiljetten``, ``aangetroffen stembiljetten``), then list totals (rows with a ``Lijstnummer`` and no
``Volgnummer``) and candidate rows, which are not needed here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_code, to_cbs
from afgehaakt.errors import InputDataError
from afgehaakt.io.kiesraad import MunicipalResults
from afgehaakt.io.text import decode_published_text
from afgehaakt.parties import short_party_name

COUNT_ROWS = {
    "opgeroepenen": "eligible",
    "aangetroffen stembiljetten": "votes_cast",
    "geldige stembiljetten": "valid",
    "blanco stembiljetten": "blank",
    "ongeldige stembiljetten": "invalid",
}


def read_count_files(paths: list[str | Path]) -> MunicipalResults:
    """Read every count file and combine them into one result per municipality; a code seen twice is an error."""
    totals, votes = [], []
    seen: dict[str, str] = {}
    for path in sorted(paths, key=str):
        file_totals, file_votes = read_count_file(path)
        for code in file_totals["code"]:
            if code in seen:
                raise InputDataError(path, f"municipality {code} also appears in {seen[code]}", field="Gebiednummer")
            seen[code] = str(path)
        totals.append(file_totals)
        votes.append(file_votes)
    all_totals = pd.concat(totals, ignore_index=True).sort_values("code", kind="stable").reset_index(drop=True)
    all_votes = pd.concat(votes, ignore_index=True).sort_values(["code", "list_name"], kind="stable")
    all_votes = all_votes.reset_index(drop=True)
    excluded = pd.DataFrame(columns=["file_line", "region_code", "name", "reason"])
    return MunicipalResults(totals=all_totals, party_votes=all_votes, excluded=excluded,
                            source=", ".join(sorted(str(p) for p in paths)))


def read_count_file(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One count file's (totals, party votes), with its counts checked; the online route validates a download
    with it before the file lands."""
    text, _ = decode_published_text(path)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    metadata = {row[0].strip(): (row[2].strip() if len(row) > 2 else "") for row in rows[:8] if row and row[0]}
    header_at = next((k for k, row in enumerate(rows) if row and row[0].strip() == "Lijstnummer"), None)
    if header_at is None:
        raise InputDataError(path, "no header row starting with 'Lijstnummer'", expected="an Osv4-3 count file")
    header = [cell.strip() for cell in rows[header_at]]
    if "Totaal" not in header:
        raise InputDataError(path, "no 'Totaal' column", row=header_at + 1, expected="an Osv4-3 count file")
    total_at = header.index("Totaal")
    areas = _areas(path, metadata, rows, header_at, header, total_at)
    counts: dict[str, list[int]] = {}
    count_lines: dict[str, int] = {}
    list_rows = []
    for line, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        label = cells[1]
        if not cells[0] and label in COUNT_ROWS:
            counts[COUNT_ROWS[label]] = [_count(cells[k], path, line, label) for k in areas.values()]
            count_lines[COUNT_ROWS[label]] = line
        elif cells[0].isdigit() and not cells[2]:
            list_rows.append((label, [_count(cells[k], path, line, label) for k in areas.values()]))
    missing = sorted(set(COUNT_ROWS.values()) - set(counts))
    if missing:
        raise InputDataError(path, f"count rows missing: {missing}", expected=f"rows {sorted(COUNT_ROWS)}")
    _check_counts(path, header, areas, counts, count_lines, list_rows)
    codes = list(areas)
    totals = pd.DataFrame({"code": codes, "gm_code": [to_cbs(c) for c in codes]})
    totals["name"] = [header[k] if metadata.get("Gebied", "").startswith("Kieskring") else
                      metadata["Gebied"].removeprefix("Gemeente ") for k in areas.values()]
    totals["parent_region"] = metadata.get("Gebied", "")
    for name in COUNT_ROWS.values():
        totals[name] = pd.array(counts[name], dtype="Int64")
    votes = pd.DataFrame(
        [
            {"code": code, "list_name": list_name, "party": short_party_name(list_name), "votes": per_area[k]}
            for list_name, per_area in list_rows
            for k, code in enumerate(codes)
        ]
    )
    for column in ("code", "gm_code", "name", "parent_region"):
        totals[column] = totals[column].astype("string")
    for column in ("code", "list_name", "party"):
        votes[column] = votes[column].astype("string")
    votes["votes"] = votes["votes"].astype("int64")
    return totals, votes


def _check_counts(path, header, areas, counts, count_lines, list_rows) -> None:
    """Per municipality: list totals add up to the valid ballots, and valid + blank + invalid to those found."""
    for position, (code, column) in enumerate(areas.items()):
        valid = counts["valid"][position]
        listed = sum(per_area[position] for _, per_area in list_rows)
        if listed != valid:
            raise InputDataError(path, f"list totals add up to {listed}, not the {valid} valid ballots of "
                                 f"municipality {code}", field=f"geldige stembiljetten ({header[column]})",
                                 row=count_lines["valid"], expected="valid ballots = sum of the list totals")
        parts = valid + counts["blank"][position] + counts["invalid"][position]
        if parts != counts["votes_cast"][position]:
            raise InputDataError(path, f"valid + blank + invalid = {parts}, not the {counts['votes_cast'][position]} "
                                 f"ballots found in municipality {code}",
                                 field=f"aangetroffen stembiljetten ({header[column]})", row=count_lines["votes_cast"],
                                 expected="ballots found = valid + blank + invalid")


def _areas(path, metadata, rows, header_at, header, total_at) -> dict[str, int]:
    """Municipality code -> column index holding its counts."""
    if metadata.get("Gebied", "").startswith("Gemeente"):
        return {_code(metadata.get("Nummer", ""), path, "Nummer", 4): total_at}
    codes_row = rows[header_at + 1] if header_at + 1 < len(rows) else []
    if not codes_row or codes_row[0].strip() != "Gebiednummer":
        raise InputDataError(path, "no 'Gebiednummer' row after the header", row=header_at + 2)
    return {
        _code(codes_row[k], path, f"Gebiednummer ({header[k]})", header_at + 2): k
        for k in range(total_at + 1, len(header))
        if header[k]
    }


def _code(value: str, path, field: str, line: int) -> str:
    try:
        return normalise_code(value.strip())
    except ValueError:
        raise InputDataError(path, f"unreadable municipality code {value!r}", field=field, row=line) from None


def _count(cell: str, path, line: int, label: str) -> int:
    if cell == "":
        return 0
    if not cell.isdigit():
        raise InputDataError(path, f"not a count: {cell!r}", field=label, row=line, expected="a whole number >= 0")
    return int(cell)
