"""Election results moved to the target boundary year: counts through the merger history, then indicators."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from afgehaakt.codes import normalise_codes, to_cbs
from afgehaakt.errors import InputDataError
from afgehaakt.features.crosswalk import conversion_table, identity_table, move_counts, read_address_matrix
from afgehaakt.io.kiesraad import MunicipalResults, read_municipal_results
from afgehaakt.io.kiesraad_long import read_long_results, results_member
from afgehaakt.io.kiesraad_osv import read_count_files
from afgehaakt.io.merger_history import MergerHistory
from afgehaakt.io.text import read_delimited
from afgehaakt.validation import require_year_coverage

TOTALS = ["eligible", "votes_cast", "valid", "blank", "invalid"]


def read_election(format_name: str, paths: list[str]) -> MunicipalResults:
    """Results per municipality from the Kiesraad per-municipality CSV, the Osv4-3 count files or the long-format
    zip archive (TK2025)."""
    if format_name == "kiesraad_csv":
        if len(paths) != 1:
            raise ValueError(f"a Kiesraad CSV election has one file, not {len(paths)}")
        return read_municipal_results(paths[0])
    if format_name == "osv4_3":
        return read_count_files(paths)
    if format_name == "kiesraad_long":
        if len(paths) != 1:
            raise ValueError(f"a Kiesraad long-format election is one zip archive, not {len(paths)} files")
        return read_long_results(paths[0], results_member(paths[0]))
    raise ValueError(f"unknown election file format {format_name!r}")


def read_municipalities(path: str | Path) -> pd.DataFrame:
    """The CBS list of municipalities of one year: code, gm_code, name, province."""
    raw = read_delimited(path)
    code = normalise_codes(raw["Gemeentecode"], path=path, field="Gemeentecode")
    return municipality_table(code, raw["Gemeentenaam"], raw["Provincienaam"])


def municipality_table(code: pd.Series, name: pd.Series, province: pd.Series) -> pd.DataFrame:
    """The municipality list every route produces: code, gm_code, name, province as strings, sorted by code."""
    return pd.DataFrame(
        {
            "code": code.to_numpy(),
            "gm_code": [to_cbs(c) for c in code],
            "name": name.to_numpy(),
            "province": province.to_numpy(),
        }
    ).astype("string").sort_values("code", kind="stable").reset_index(drop=True)


def require_election_coverage(results: MunicipalResults, *, source_year: int, boundary_year: int,
                              boundary_list: pd.DataFrame, reference: str, matrix_path: str | None) -> None:
    """Stop with the election file, the number of municipalities of ``source_year`` it lacks and their names,
    unless it has exactly one row per municipality of that year
    (:func:`afgehaakt.validation.require_year_coverage`)."""
    require_year_coverage(results.totals["code"], path=results.source, field="RegioCode", year=source_year,
                          boundary_year=boundary_year, boundary_list=boundary_list, reference=reference,
                          matrix_path=matrix_path)


def require_election_coverage_on(results: MunicipalResults, history: MergerHistory, *, date: str) -> None:
    """Stop with the election file and the codes that differ from the municipalities on ``date`` in the merger
    history (:meth:`afgehaakt.io.merger_history.MergerHistory.conversion_on`), for an election whose boundary
    year no address crosswalk reaches."""
    try:
        history.conversion_on(sorted(results.totals["code"]), date, int(date[:4]))
    except ValueError as problem:
        raise InputDataError(results.source, str(problem), field="RegioCode",
                             expected=f"the municipalities of {date} in the merger history "
                                      f"({', '.join(history.paths)})") from None


def election_conversion(
    results: MunicipalResults,
    *,
    source_year: int,
    target_year: int,
    target_codes: list[str],
    matrix_path: str | None,
) -> pd.DataFrame:
    """The conversion through the address crosswalk (the check on :func:`election_history_conversion`)."""
    codes = sorted(results.totals["code"])
    if matrix_path is None:
        unknown, missing = sorted(set(codes) - set(target_codes)), sorted(set(target_codes) - set(codes))
        if unknown or missing:
            raise InputDataError(
                results.source,
                f"municipalities differ from those of {target_year}: not municipalities of {target_year} "
                f"{unknown[:5]}, missing {missing[:5]}",
                field="RegioCode",
                expected=f"exactly the municipalities of {target_year}",
            )
        return identity_table(codes)
    earlier, later = sorted((source_year, target_year))
    matrix = read_address_matrix(matrix_path, earlier_year=earlier, later_year=later)
    return conversion_table(matrix, source_year=source_year, source_codes=codes, target_codes=target_codes)


def election_history_conversion(
    results: MunicipalResults,
    *,
    election_date: str,
    target_year: int,
    target_codes: list[str],
    history: MergerHistory,
    addresses: pd.DataFrame,
) -> pd.DataFrame:
    """The conversion of this election's municipalities (as on election day) to the target year through the
    merger history."""
    reached = set(history.codes(target_year))
    if reached != set(target_codes):
        raise ValueError(f"the merger history's {target_year} list differs from the target municipalities: "
                         f"{sorted(reached ^ set(target_codes))[:5]}")
    try:
        return history.conversion_on(sorted(results.totals["code"]), election_date, target_year, addresses=addresses)
    except ValueError as error:
        raise InputDataError(results.source, str(error), field="RegioCode",
                             expected=f"the municipalities in force on {election_date}") from None


def harmonise_results(
    results: MunicipalResults, conversion: pd.DataFrame, municipalities: pd.DataFrame
) -> MunicipalResults:
    """Totals and party votes on the target municipalities; names and CBS codes from the target year's list."""
    totals = move_counts(results.totals[["code", *TOTALS]], conversion, TOTALS)
    totals = municipalities[["code", "gm_code", "name"]].merge(totals, on="code", how="left", validate="1:1")
    if totals[TOTALS[:3]].isna().any().any():
        missing = totals.loc[totals["eligible"].isna(), "name"].tolist()
        raise ValueError(f"no results after harmonisation for {missing[:5]}")
    votes = move_counts(results.party_votes[["code", "list_name", "party", "votes"]], conversion, ["votes"])
    totals = totals.astype({"code": "string", "gm_code": "string", "name": "string"})
    votes = votes.astype({"code": "string", "list_name": "string", "party": "string"})
    return MunicipalResults(totals=totals, party_votes=votes, excluded=results.excluded, source=results.source)
