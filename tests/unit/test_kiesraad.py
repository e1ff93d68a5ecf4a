"""The Kiesraad per-municipality CSV, read as published, and the refusal of inconsistent files."""

import pandas as pd
import pytest

from afgehaakt.errors import InputDataError
from afgehaakt.io.kiesraad import read_municipal_results

# Sums over the 352 municipal rows of the published TK2021 file (voters abroad are counted centrally).
TK2021_ELIGIBLE = 13_276_896
TK2021_VOTES_CAST = 10_458_505


def test_tk2021_has_352_municipalities_and_the_file_totals(tk2021):
    totals = tk2021.totals
    assert len(totals) == 352 and totals["code"].is_unique
    assert int(totals["eligible"].sum()) == TK2021_ELIGIBLE
    assert int(totals["votes_cast"].sum()) == TK2021_VOTES_CAST


def test_codes_are_four_digit_and_cbs_form(tk2021):
    row = tk2021.totals.set_index("name").loc["Aa en Hunze"]
    assert row["code"] == "1680" and row["gm_code"] == "GM1680" and row["parent_region"] == "K3"


def test_the_caribbean_public_bodies_are_excluded_and_listed(tk2021):
    excluded = tk2021.excluded
    assert sorted(excluded["region_code"]) == ["O9001", "O9002", "O9003"]
    assert set(excluded["reason"]) == {"not a municipality (Caribbean public body)"}


def test_party_votes_are_long_and_add_up_to_valid_votes(tk2021):
    votes = tk2021.party_votes
    assert list(votes.columns) == ["code", "list_name", "party", "votes"]
    assert votes["list_name"].nunique() == 37
    per_code = votes.groupby("code")["votes"].sum()
    valid = tk2021.totals.set_index("code")["valid"].astype("int64")
    pd.testing.assert_series_equal(per_code.sort_index(), valid.sort_index(), check_names=False)


def test_list_names_map_to_short_names(tk2021):
    names = dict(zip(tk2021.party_votes["list_name"], tk2021.party_votes["party"], strict=True))
    assert names["PVV (Partij voor de Vrijheid)"] == "PVV"
    assert names["Forum voor Democratie"] == "FvD"
    assert names["Partij van de Arbeid (P.v.d.A.)"] == "PvdA"
    # An unknown list keeps its own name rather than being merged into another party.
    assert names["De Groenen"] == "De Groenen"


def test_empty_party_cells_are_zero_votes(tk2021):
    votes = tk2021.party_votes.set_index(["code", "list_name"])["votes"]
    # 'De Groenen' stood in few kieskringen; Aa en Hunze's cell is empty in the file.
    assert votes.loc[("1680", "De Groenen")] == 0


def test_windows_1252_file_reads_the_same(tk2021_csv, tmp_path, tk2021):
    recoded = tmp_path / "cp1252.csv"
    recoded.write_bytes(tk2021_csv.read_bytes().decode("utf-8-sig").encode("cp1252"))
    again = read_municipal_results(recoded)
    pd.testing.assert_frame_equal(again.totals, tk2021.totals)


def _edited(source, tmp_path, edit):
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    edit(lines)
    path = tmp_path / "edited.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _set_cell(lines, line_number, column, value):
    header = lines[0].split(";")
    cells = lines[line_number - 1].split(";")
    cells[header.index(column)] = value
    lines[line_number - 1] = ";".join(cells)


def test_duplicate_municipality_is_refused(tk2021_csv, tmp_path):
    path = _edited(tk2021_csv, tmp_path, lambda lines: lines.append(lines[1]))
    with pytest.raises(InputDataError, match=r"field 'RegioCode'.*1680 appears more than once"):
        read_municipal_results(path)


def test_negative_count_is_refused_with_its_line(tk2021_csv, tmp_path):
    path = _edited(tk2021_csv, tmp_path, lambda lines: _set_cell(lines, 3, "Kiesgerechtigden", "-5"))
    with pytest.raises(InputDataError, match=r"field 'Kiesgerechtigden', row 3: negative count"):
        read_municipal_results(path)


def test_cbs_missing_marker_in_a_required_count_is_refused(tk2021_csv, tmp_path):
    path = _edited(tk2021_csv, tmp_path, lambda lines: _set_cell(lines, 4, "Opkomst", "."))
    with pytest.raises(InputDataError, match=r"field 'Opkomst', row 4: missing value"):
        read_municipal_results(path)


def test_valid_votes_that_do_not_add_up_are_refused(tk2021_csv, tmp_path):
    path = _edited(tk2021_csv, tmp_path, lambda lines: _set_cell(lines, 2, "VVD", "1"))
    with pytest.raises(InputDataError, match=r"field 'GeldigeStemmen', row 2: valid votes"):
        read_municipal_results(path)


def test_ballots_cast_that_do_not_add_up_are_refused(tk2021_csv, tmp_path):
    path = _edited(tk2021_csv, tmp_path, lambda lines: _set_cell(lines, 2, "BlancoStemmen", "0"))
    with pytest.raises(InputDataError, match=r"field 'Opkomst', row 2: ballots cast"):
        read_municipal_results(path)


def test_unreadable_code_is_refused(tk2021_csv, tmp_path):
    path = _edited(tk2021_csv, tmp_path, lambda lines: _set_cell(lines, 5, "RegioCode", "GX12"))
    with pytest.raises(InputDataError, match=r"field 'RegioCode', row 5: unreadable municipality code 'GX12'"):
        read_municipal_results(path)


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "no_turnout.csv"
    path.write_text("RegioNaam;RegioCode;OuderRegioCode;Kiesgerechtigden\nX;G0001;K1;5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"field 'Opkomst'.*missing column"):
        read_municipal_results(path)
