"""The Kiesraad per-municipality results CSV (``Uitslag_alle_gemeenten_*.csv``) as published.

Layout: one row per municipality (plus the three Caribbean public bodies, codes ``O9001``-``O9003``), ``;``
separated, UTF-8 with a BOM (TK2017, TK2021) or Windows-1252 (EP2019); the columns ``RegioNaam``,
``RegioCode`` (``G0014``), ``OuderRegioCode`` (kieskring or province), ``Kiesgerechtigden``, ``Opkomst`` (ballots
cast), ``OngeldigeStemmen``, ``BlancoStemmen``, ``GeldigeStemmen``, then one column per party list. An empty
party cell means the list was not on the ballot in that kieskring, i.e. zero votes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_codes, to_cbs
from afgehaakt.errors import InputDataError
from afgehaakt.io.text import parse_numbers, read_delimited, require_columns
from afgehaakt.parties import short_party_name

TOTAL_COLUMNS = {
    "Kiesgerechtigden": "eligible",
    "Opkomst": "votes_cast",
    "GeldigeStemmen": "valid",
    "BlancoStemmen": "blank",
    "OngeldigeStemmen": "invalid",
}
REQUIRED_TOTALS = ("eligible", "votes_cast", "valid")
"""Blank and invalid ballots are sometimes empty in older files; these three never may be."""

NON_MUNICIPAL_PREFIX = "O"
"""``RegioCode`` prefix of the Caribbean public bodies (openbare lichamen), which are not municipalities."""
POSTAL_BUREAUS = frozenset({"G9999", "G9010"})
"""``G`` codes of postal-vote bureaus, which are not municipalities: ``G9999`` "Briefstemmen" (TK2006) and
``G9010`` the national postal-vote bureau NBSB (TK2025), both counting votes from abroad."""
EXCLUSION_REASONS = {
    "postal": "postal-vote bureau (votes from abroad), not a municipality",
    "bes": "not a municipality (Caribbean public body)",
}


@dataclass(frozen=True)
class MunicipalResults:
    """One election's results per municipality, as tidy tables.

    ``totals``: one row per municipality (code, gm_code, name, parent_region, eligible, votes_cast, valid,
    blank, invalid). ``party_votes``: one row per municipality and list (code, list_name, party, votes).
    ``excluded``: the rows that are not municipalities, with the reason, so that no row disappears unseen.
    """

    totals: pd.DataFrame
    party_votes: pd.DataFrame
    excluded: pd.DataFrame
    source: str = ""
    """The file (or files) the results were read from, for error messages downstream."""


def read_municipal_results(path: str | Path) -> MunicipalResults:
    """Read and validate a Kiesraad per-municipality CSV; raise :class:`InputDataError` on any inconsistency."""
    raw = read_delimited(path, separators=";")
    require_columns(raw, ["RegioNaam", "RegioCode", "OuderRegioCode", *TOTAL_COLUMNS], path=path)

    kind = region_kinds(raw["RegioCode"])
    is_municipal = kind == "municipality"
    excluded = pd.DataFrame(
        {
            "file_line": raw.index[~is_municipal],
            "region_code": raw.loc[~is_municipal, "RegioCode"].to_numpy(),
            "name": raw.loc[~is_municipal, "RegioNaam"].to_numpy(),
            "reason": kind[~is_municipal].map(EXCLUSION_REASONS).to_numpy(),
        }
    )
    rows = raw.loc[is_municipal]
    if rows.empty:
        raise InputDataError(path, "no municipality rows", field="RegioCode", expected="codes such as G0014")

    totals = _totals(rows, path)
    party_columns = list(raw.columns[list(raw.columns).index("GeldigeStemmen") + 1 :])
    party_votes = _party_votes(rows, totals["code"], party_columns, path)
    check_consistency(totals, party_votes, path)
    return MunicipalResults(totals=totals.reset_index(drop=True), party_votes=party_votes, excluded=excluded,
                            source=str(path))


def region_kinds(codes: pd.Series) -> pd.Series:
    """municipality, postal (a postal-vote bureau) or bes (a Caribbean public body) for each ``RegioCode``."""
    upper = codes.str.upper()
    kind = pd.Series("municipality", index=codes.index)
    kind[upper.isin(POSTAL_BUREAUS)] = "postal"
    kind[upper.str.startswith(NON_MUNICIPAL_PREFIX)] = "bes"
    return kind


def _totals(rows: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    code = normalise_codes(rows["RegioCode"], path=path, field="RegioCode")
    duplicated = code[code.duplicated(keep=False)]
    if not duplicated.empty:
        raise InputDataError(
            path,
            f"municipality code {duplicated.iloc[0]} appears more than once",
            field="RegioCode",
            row=", ".join(str(r) for r in duplicated.index),
            expected="one row per municipality",
        )
    totals = pd.DataFrame(
        {
            "code": code,
            "gm_code": code.map(to_cbs).astype("string"),
            "name": rows["RegioNaam"].astype("string"),
            "parent_region": rows["OuderRegioCode"].astype("string"),
        }
    )
    for published, name in TOTAL_COLUMNS.items():
        counts = parse_numbers(
            rows[published], path=path, field=published, integer=True, allow_missing=name not in REQUIRED_TOTALS
        )
        _require_non_negative(counts, path=path, field=published)
        totals[name] = counts
    return totals


def _party_votes(rows: pd.DataFrame, code: pd.Series, party_columns: list[str], path: str | Path) -> pd.DataFrame:
    if not party_columns:
        raise InputDataError(path, "no party columns after 'GeldigeStemmen'", row=1, expected="one column per list")
    frames = []
    for list_name in party_columns:
        votes = parse_numbers(rows[list_name], path=path, field=list_name, integer=True, allow_missing=True).fillna(0)
        _require_non_negative(votes, path=path, field=list_name)
        frames.append(
            pd.DataFrame(
                {
                    "code": code,
                    "list_name": pd.Series(list_name, index=rows.index, dtype="string"),
                    "party": pd.Series(short_party_name(list_name), index=rows.index, dtype="string"),
                    "votes": votes.astype("int64"),
                }
            )
        )
    return pd.concat(frames).sort_values(["code", "list_name"], kind="stable").reset_index(drop=True)


def _require_non_negative(counts: pd.Series, *, path: str | Path, field: str) -> None:
    negative = counts[counts.fillna(0) < 0]
    if not negative.empty:
        raise InputDataError(
            path, f"negative count {negative.iloc[0]}", field=field, row=int(negative.index[0]), expected="a count >= 0"
        )


def check_consistency(totals: pd.DataFrame, party_votes: pd.DataFrame, path: str | Path) -> None:
    """Valid votes equal the sum over lists, and ballots cast equal valid + blank + invalid where all are given."""
    by_code = totals.set_index("code")
    list_sum = party_votes.groupby("code")["votes"].sum()
    mismatch = by_code.index[by_code["valid"].to_numpy() != list_sum.reindex(by_code.index).to_numpy()]
    if len(mismatch):
        row = totals.index[totals["code"] == mismatch[0]][0]
        raise InputDataError(
            path,
            f"valid votes {by_code.loc[mismatch[0], 'valid']} differ from the sum over lists "
            f"{list_sum.loc[mismatch[0]]} for municipality {mismatch[0]}",
            field="GeldigeStemmen",
            row=int(row),
            expected="GeldigeStemmen = sum of the party columns",
        )
    complete = totals.dropna(subset=["blank", "invalid"])
    parts = complete["valid"] + complete["blank"] + complete["invalid"]
    wrong = complete[complete["votes_cast"] != parts]
    if not wrong.empty:
        raise InputDataError(
            path,
            f"ballots cast {wrong['votes_cast'].iloc[0]} differ from valid + blank + invalid {parts.loc[wrong.index[0]]}",
            field="Opkomst",
            row=int(wrong.index[0]),
            expected="Opkomst = GeldigeStemmen + BlancoStemmen + OngeldigeStemmen",
        )
