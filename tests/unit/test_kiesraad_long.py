"""The TK2025 long-format results (``TK2025_uitslag.csv`` inside the Kiesraad's zip archive), as published."""

import zipfile

import pytest

from afgehaakt import catalogue
from afgehaakt.elections import check_turnout_plausible
from afgehaakt.errors import InputDataError
from afgehaakt.features.harmonise import read_election
from afgehaakt.io.kiesraad_long import read_long_results, results_member

ARCHIVE = "data/elections/tk2025/TK2025_CSV.zip"
MEMBER = "TK2025_uitslag.csv"
TOTAL_FIELDS = ("Kiesgerechtigden", "Opkomst", "AantalGeldigeStemmen", "AantalBlancoStemmen", "AantalOngeldigeStemmen")


@pytest.fixture(scope="module")
def tk2025(repo):
    source = catalogue.election("tk2025")
    return read_election(source.format, [str(repo / "data" / f) for f in source.files])


@pytest.fixture(scope="module")
def published_lines(repo):
    with zipfile.ZipFile(repo / ARCHIVE) as archive:
        return archive.read(MEMBER).decode("utf-8-sig").splitlines()


def test_municipal_totals_are_the_files_own(tk2025):
    """The file's national row minus the postal-vote bureau and the BES equals the 342 municipalities."""
    totals = tk2025.totals
    assert len(totals) == 342
    assert totals["eligible"].sum() == 13_437_050 and totals["votes_cast"].sum() == 10_549_607
    assert tk2025.party_votes["votes"].sum() == totals["valid"].sum() == 10_481_804
    assert tk2025.party_votes["list_name"].nunique() == 27


def test_postal_bureau_and_bes_are_excluded_and_counted(tk2025):
    excluded = tk2025.excluded.set_index("region_code")
    assert list(excluded.index) == ["G9010", "O9001", "O9002", "O9003"]
    assert excluded.loc["G9010", "votes_cast"] == 86_894
    assert excluded.loc[["O9001", "O9002", "O9003"], "votes_cast"].sum() == 3_823
    assert "postal-vote bureau" in excluded.loc["G9010", "reason"]
    # municipalities + excluded = the national row of the file (10,640,324 ballots)
    assert tk2025.totals["votes_cast"].sum() + excluded["votes_cast"].sum() == 10_640_324
    assert excluded["file_rows"].sum() == 31 + 3 * 24


def test_the_four_islands_above_one_are_flagged_and_expected(tk2025):
    expected = check_turnout_plausible(tk2025.totals, expected_above_one=["0448", "0096", "0093", "0060", "0088"],
                                       source="tk2025")
    assert expected == ["0060", "0088", "0093", "0096"]


def test_lists_not_on_a_kieskrings_ballot_count_zero(tk2025):
    # Partij voor de Rechtsstaat stood in one kieskring only: 151 votes nationally
    rechtsstaat = tk2025.party_votes[tk2025.party_votes["list_name"] == "Partij voor de Rechtsstaat"]
    assert len(rechtsstaat) == 342 and rechtsstaat["votes"].sum() == 151 and (rechtsstaat["votes"] == 0).sum() > 300


def _cut(published_lines, codes):
    """Rows of the published file for ``codes``, with a national row that is their sum (as the file's is)."""
    header = published_lines[0]
    rows = [line for line in published_lines[1:] if line.split(";")[1] in codes]
    sums: dict[tuple[str, str], int] = {}
    for line in rows:
        cells = line.split(";")
        if cells[14] in (*TOTAL_FIELDS, "LijstAantalStemmen"):
            key = (cells[14], cells[6])
            sums[key] = sums.get(key, 0) + int(cells[15])
    national = [f"Nederland;L528;;;;;{name};;;;;;;;{field};{value}" for (field, name), value in sorted(sums.items())]
    return [header, *national, *rows]


def _archive(tmp_path, lines, *, polling_station=True):
    path = tmp_path / "TK2025_CSV.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MEMBER, ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
        if polling_station:
            archive.writestr("TK2025_Stemmen_Per_Lijst_Per_Stembureau.csv",
                             "GemeenteCode;GemeenteNaam;Postcode;StembureauNaam;StembureauCode;PartijNaam;AantalStemmen\n"
                             "88;Schiermonnikoog;9166LB;Gemeentehuis;SB1;PVV (Partij voor de Vrijheid);120\n")
    return path


def test_a_fixture_cut_from_the_file_reads_with_a_polling_station_member_beside_it(tmp_path, published_lines):
    path = _archive(tmp_path, _cut(published_lines, {"G0088", "G9010", "O9003"}))
    assert results_member(path) == MEMBER
    results = read_long_results(path, MEMBER)
    assert list(results.totals["code"]) == ["0088"]
    schiermonnikoog = results.totals.iloc[0]
    assert (schiermonnikoog["eligible"], schiermonnikoog["votes_cast"]) == (792, 1050)
    assert list(results.excluded["region_code"]) == ["G9010", "O9003"]


def test_a_national_row_that_does_not_add_up_stops_the_run(tmp_path, published_lines):
    lines = _cut(published_lines, {"G0088", "O9003"})
    lines = [line.replace("Kiesgerechtigden;1", "Kiesgerechtigden;9") if line.startswith("Nederland") else line
             for line in lines]
    with pytest.raises(InputDataError, match="Kiesgerechtigden.*national row"):
        read_long_results(_archive(tmp_path, lines), MEMBER)


def test_a_duplicated_row_is_named(tmp_path, published_lines):
    lines = _cut(published_lines, {"G0088"})
    duplicate = next(line for line in lines if ";G0088;" in line and "Opkomst" in line)
    with pytest.raises(InputDataError, match="G0088 / Opkomst appears more than once"):
        read_long_results(_archive(tmp_path, [*lines, duplicate]), MEMBER)


def test_valid_votes_must_equal_the_sum_over_lists(tmp_path, published_lines):
    lines = _cut(published_lines, {"G0088"})
    lines = [line.replace(";LijstAantalStemmen;", ";LijstAantalStemmen;1", 1) if (";G0088;" in line and
             "PVV" in line) else line for line in lines]
    lines = [line for line in lines if not line.startswith("Nederland")]
    lines = _cut(lines, {"G0088"})
    with pytest.raises(InputDataError, match="sum over lists"):
        read_long_results(_archive(tmp_path, lines), MEMBER)


def test_an_archive_without_a_results_member_is_refused(tmp_path):
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "x")
    with pytest.raises(InputDataError, match="0 members end in '_uitslag.csv'"):
        results_member(path)
