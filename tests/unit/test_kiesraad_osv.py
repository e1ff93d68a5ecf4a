"""The TK2023 Osv4-3 count files, read as published."""

import pytest

from afgehaakt import catalogue
from afgehaakt.errors import InputDataError
from afgehaakt.io.kiesraad_osv import read_count_files


@pytest.fixture(scope="module")
def tk2023(repo):
    return read_count_files([repo / "data" / f for f in catalogue.election("tk2023").files])


def test_all_342_municipalities_of_2023_once(tk2023):
    assert len(tk2023.totals) == 342 and tk2023.totals["code"].is_unique


def test_rotterdam_comes_from_its_own_file_total_column(tk2023):
    rotterdam = tk2023.totals.set_index("code").loc["0599"]
    assert rotterdam["name"] == "Rotterdam" and rotterdam["eligible"] == 461855


def test_leeuwarden_file_codes_without_leading_zeros_are_normalised(tk2023):
    names = tk2023.totals.set_index("code")["name"]
    assert names["0059"] == "Achtkarspelen" and names["0080"] == "Leeuwarden"


def test_counts_are_consistent(tk2023):
    totals = tk2023.totals
    assert (totals["votes_cast"] == totals["valid"] + totals["blank"] + totals["invalid"]).all()
    by_code = tk2023.party_votes.groupby("code")["votes"].sum()
    assert (by_code.reindex(totals["code"]).to_numpy() == totals["valid"].to_numpy()).all()
    assert "NSC" in set(tk2023.party_votes["party"]) and "GL-PvdA" in set(tk2023.party_votes["party"])


def test_aa_en_hunze_as_in_the_assen_file(tk2023):
    row = tk2023.totals.set_index("code").loc["1680"]
    assert (row["eligible"], row["valid"], row["votes_cast"]) == (21059, 17864, 17918)


def _copy(repo, tmp_path, name):
    source = repo / "data/elections/tk2023_osv4-3" / name
    target = tmp_path / name
    target.write_bytes(source.read_bytes())
    return source, target


def test_a_municipality_in_two_files_is_refused(repo, tmp_path):
    source, _ = _copy(repo, tmp_path, "osv4-3_telling_tk2023_kieskring_assen.csv")
    twin = tmp_path / "assen_again.csv"
    twin.write_bytes(source.read_bytes())
    with pytest.raises(InputDataError, match="also appears in"):
        read_count_files([tmp_path / "osv4-3_telling_tk2023_kieskring_assen.csv", twin])


def test_a_missing_count_row_is_named(repo, tmp_path):
    source, target = _copy(repo, tmp_path, "osv4-3_telling_tk2023_kieskring_assen.csv")
    text = source.read_text(encoding="utf-8-sig").replace('"opgeroepenen"', '"opgeroepen"')
    target.write_text(text, encoding="utf-8")
    with pytest.raises(InputDataError, match=r"count rows missing: \['eligible'\]"):
        read_count_files([target])


def test_a_non_count_names_line_and_row_label(repo, tmp_path):
    source, target = _copy(repo, tmp_path, "osv4-3_telling_tk2023_kieskring_assen.csv")
    text = source.read_text(encoding="utf-8-sig").replace(';"geldige stembiljetten";;;"324893";"42482"',
                                                          ';"geldige stembiljetten";;;"324893";"4x482"')
    target.write_text(text, encoding="utf-8")
    with pytest.raises(InputDataError, match=r"field 'geldige stembiljetten', row 11: not a count: '4x482'"):
        read_count_files([target])
