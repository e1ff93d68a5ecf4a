"""The Kiesraad's long-format results file (``TK2025_uitslag.csv`` in ``TK2025_CSV.zip``) as published.

One row per (region, field): ``Regio;RegioCode;OuderRegioCode;GrootOuderRegioCode;Partij;LijstNummer;LijstNaam;
Kandidaat…;VeldType;Waarde``, ``;``-separated, UTF-8 with a BOM. ``RegioCode`` prefixes: ``L`` the country,
``K`` kieskring, ``P`` province, ``G`` municipality, ``O`` the Caribbean public bodies (BES). ``G9010`` is not a
municipality: it is the national postal-vote bureau (NBSB) that counts the votes from abroad. At municipal level
``VeldType`` is one of Kiesgerechtigden, Opkomst (ballots cast), AantalGeldigeStemmen, AantalBlancoStemmen,
AantalOngeldigeStemmen and LijstAantalStemmen (one row per list on the ballot in the municipality's kieskring; a
list without a row there was not on that ballot: zero votes).

The reader keeps the municipalities, lists the postal-vote bureau and the BES rows as excluded (with the number
of file rows and the ballots they hold), and checks the national row: municipalities + excluded regions add up
to ``L528`` for every count and every list, so no vote is lost or invented.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_codes, to_cbs
from afgehaakt.errors import InputDataError
from afgehaakt.io.kiesraad import EXCLUSION_REASONS, MunicipalResults, check_consistency, region_kinds
from afgehaakt.io.text import parse_numbers, read_zip_member, require_columns
from afgehaakt.parties import short_party_name

TOTAL_FIELDS = {
    "Kiesgerechtigden": "eligible",
    "Opkomst": "votes_cast",
    "AantalGeldigeStemmen": "valid",
    "AantalBlancoStemmen": "blank",
    "AantalOngeldigeStemmen": "invalid",
}
LIST_FIELD = "LijstAantalStemmen"
COLUMNS = ["Regio", "RegioCode", "OuderRegioCode", "LijstNaam", "VeldType", "Waarde"]
NATIONAL_PREFIX = "L"


def read_long_results(path: str | Path, member: str) -> MunicipalResults:
    """Municipal totals and list votes from the long-format file ``member`` of the zip archive ``path``."""
    raw = read_zip_member(path, member, separators=";")
    label = f"{path}!{member}"
    require_columns(raw, COLUMNS, path=label)
    code = raw["RegioCode"].str.upper()
    region_rows = raw[code.str.startswith(("G", "O", NATIONAL_PREFIX))]
    region_rows = region_rows[region_rows["VeldType"].isin([*TOTAL_FIELDS, LIST_FIELD])]
    values = parse_numbers(region_rows["Waarde"], path=label, field="Waarde", integer=True, allow_missing=False)
    negative = values[values < 0]
    if not negative.empty:
        raise InputDataError(label, f"negative count {negative.iloc[0]}", field="Waarde",
                             row=int(negative.index[0]), expected="a count >= 0")
    rows = region_rows.assign(value=values.astype("int64"), code_upper=code.loc[region_rows.index])
    kind = _region_kind(rows["code_upper"])
    municipal = rows[kind == "municipality"]
    if municipal.empty:
        raise InputDataError(label, "no municipality rows", field="RegioCode", expected="codes such as G0014")
    totals = _totals(municipal, label)
    party_votes = _party_votes(municipal, totals, label)
    check_consistency(totals, party_votes, label)
    excluded = _excluded(rows[kind.isin(["postal", "bes"])], kind)
    check_national_totals(rows, kind, label)
    return MunicipalResults(totals=totals, party_votes=party_votes, excluded=excluded, source=label)


def _region_kind(code: pd.Series) -> pd.Series:
    kind = region_kinds(code)
    kind[code.str.startswith(NATIONAL_PREFIX)] = "national"
    return kind


def _totals(rows: pd.DataFrame, label: str) -> pd.DataFrame:
    fields = rows[rows["VeldType"].isin(TOTAL_FIELDS)]
    _require_unique(fields, ["RegioCode", "VeldType"], label)
    wide = fields.pivot(index="RegioCode", columns="VeldType", values="value")
    missing = [field for field in TOTAL_FIELDS if field not in wide.columns]
    if missing or wide.isna().any().any():
        gap = missing[0] if missing else wide.columns[wide.isna().any()][0]
        region = wide.index[0] if missing else wide.index[wide[gap].isna()][0]
        raise InputDataError(label, f"municipality {region} has no {gap} row", field="VeldType",
                             expected=f"one row of each of {list(TOTAL_FIELDS)} per municipality")
    first = rows.drop_duplicates("RegioCode").set_index("RegioCode")
    codes = normalise_codes(pd.Series(wide.index, index=first.loc[wide.index, :].index), path=label,
                            field="RegioCode")
    totals = pd.DataFrame({
        "code": codes.to_numpy(),
        "gm_code": [to_cbs(c) for c in codes],
        "name": first.loc[wide.index, "Regio"].to_numpy(),
        "parent_region": first.loc[wide.index, "OuderRegioCode"].to_numpy(),
    }).astype("string")
    for field, name in TOTAL_FIELDS.items():
        totals[name] = wide[field].to_numpy().astype("int64")
    return totals.sort_values("code", kind="stable").reset_index(drop=True)


def _party_votes(rows: pd.DataFrame, totals: pd.DataFrame, label: str) -> pd.DataFrame:
    lists = rows[rows["VeldType"] == LIST_FIELD]
    if lists["LijstNaam"].eq("").any():
        row = int(lists.index[lists["LijstNaam"].eq("")][0])
        raise InputDataError(label, "a list-vote row without a list name", field="LijstNaam", row=row,
                             expected="the list's name")
    _require_unique(lists, ["RegioCode", "LijstNaam"], label)
    code_of = dict(zip(rows["RegioCode"], normalise_codes(rows["RegioCode"], path=label, field="RegioCode"),
                       strict=False))
    grid = pd.MultiIndex.from_product([totals["code"], sorted(lists["LijstNaam"].unique())],
                                      names=["code", "list_name"])
    votes = lists.assign(code=lists["RegioCode"].map(code_of)).set_index(["code", "LijstNaam"])["value"]
    votes.index.names = ["code", "list_name"]
    # a list absent from a municipality's kieskring ballot has no row: zero votes, as in the wide files
    full = votes.reindex(grid, fill_value=0).reset_index(name="votes")
    full["party"] = full["list_name"].map(short_party_name)
    full = full[["code", "list_name", "party", "votes"]].astype(
        {"code": "string", "list_name": "string", "party": "string", "votes": "int64"})
    return full.sort_values(["code", "list_name"], kind="stable").reset_index(drop=True)


def _excluded(rows: pd.DataFrame, kind: pd.Series) -> pd.DataFrame:
    """One row per excluded region: its first file line, code, name, reason, rows dropped and ballots cast."""
    if rows.empty:
        return pd.DataFrame(columns=["file_line", "region_code", "name", "reason", "file_rows", "votes_cast"])
    grouped = rows.groupby("RegioCode", sort=True)
    cast = rows[rows["VeldType"] == "Opkomst"].groupby("RegioCode")["value"].sum()
    return pd.DataFrame({
        "file_line": grouped.apply(lambda g: int(g.index.min()), include_groups=False),
        "region_code": grouped.size().index,
        "name": grouped["Regio"].first(),
        "reason": [EXCLUSION_REASONS[kind.loc[g.index[0]]] for _, g in grouped],
        "file_rows": grouped.size(),
        "votes_cast": cast.reindex(grouped.size().index).fillna(0).astype("int64"),
    }).reset_index(drop=True)


def check_national_totals(rows: pd.DataFrame, kind: pd.Series, label: str) -> None:
    """Municipalities, postal-vote bureau and BES together equal the national row for every count and list."""
    national = rows[kind == "national"]
    if national.empty:
        raise InputDataError(label, "no national row", field="RegioCode", expected="L528 (Nederland)")
    keys = ["VeldType", "LijstNaam"]
    parts = rows[kind != "national"].groupby(keys)["value"].sum()
    whole = national.groupby(keys)["value"].sum()
    differ = parts.sub(whole, fill_value=0)
    differ = differ[differ != 0]
    if not differ.empty:
        field, name = differ.index[0]
        raise InputDataError(
            label, f"{field} {name!r}: regions add up to {parts.get((field, name), 0)}, the national row says "
            f"{whole.get((field, name), 0)}", field="Waarde",
            expected="municipalities + postal-vote bureau + Caribbean public bodies = national row")


def _require_unique(rows: pd.DataFrame, keys: list[str], label: str) -> None:
    duplicated = rows[rows.duplicated(keys, keep=False)]
    if not duplicated.empty:
        raise InputDataError(label, f"{' / '.join(duplicated.iloc[0][keys])} appears more than once",
                             field="VeldType", row=int(duplicated.index[1]), expected="one row per region and field")


RESULTS_MEMBER_SUFFIX = "_uitslag.csv"


def results_member(path: str | Path) -> str:
    """The archive's one municipal results member (``TK2025_uitslag.csv``); the polling-station member is not it."""
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if name.endswith(RESULTS_MEMBER_SUFFIX)]
    if len(names) != 1:
        raise InputDataError(path, f"{len(names)} members end in {RESULTS_MEMBER_SUFFIX!r}: {names}",
                             expected="exactly one results member, e.g. TK2025_uitslag.csv")
    return names[0]
