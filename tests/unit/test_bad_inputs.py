"""A catalogue of bad inputs: each builds a broken file in ``tmp_path`` and checks the error a researcher sees.

Every case builds its input from the committed snapshot in ``data/`` (edited) or from a minimal synthetic file,
and asserts the exception type and that the message names the file and the field or row (by regex). Where a
reader writes something, it also asserts that no output and no ``*.part`` file is left. A case whose behaviour
is not (yet) a clear, named error is marked ``xfail(strict=True)`` with the reason saying what happens and what
should; the eight cases marked *fixed* were such xfails until the readers were changed in commit b5a9716 (before
it: plain ValueErrors without the file for K3/K4, a cell-count error for UTF-16, an uncaught UnicodeDecodeError,
a SchemaError without the file, a crosswalk error without field or row, an error naming "TK2023 count files",
and a silently accepted wrong CRS).

Exceptions: ``IDE`` = :class:`afgehaakt.errors.InputDataError`, ``SE`` = :class:`afgehaakt.schemas.SchemaError`,
``CE`` = :class:`afgehaakt.errors.ConfigError`, ``WE`` = Snakemake's ``WorkflowError`` from
``snakemake.utils.validate`` (what the Snakefile runs on the config), ``DE`` = subclasses of
:class:`afgehaakt.acquisition.errors.DownloadError`.

====  ==============================================================  ======================================  ======
 #    bad input                                                       behaviour                               status
====  ==============================================================  ======================================  ======
K1    TK2021 CSV: a municipality row repeated                         IDE field RegioCode, both file lines    pass
K2    TK2021 CSV: unreadable code ``GX358``                           IDE field RegioCode, row                pass
K3    TK2021 CSV: code ``G9999`` (well formed, not a 2021 gemeente)   read; ``election_conversion``: IDE      fixed
                                                                      names file, field RegioCode, the code
K4    TK2021 CSV: a municipality row missing                          same, names the missing code            fixed
K5    TK2021 CSV re-saved as UTF-16 (Excel "Unicode text")            IDE names file and UTF-16 (refused)     fixed
K6    TK2021 CSV: UTF-8 with BOM, one line in Windows-1252            IDE names file and line 6               fixed
K7    TK2021 CSV re-encoded as Windows-1252 (a published encoding)    accepted, names decoded identically     pass
K8    TK2021 CSV written with ``,`` instead of ``;``                  IDE missing field RegioNaam, row 1      pass
K9    TK2021 CSV: CBS marker ``.`` in Kiesgerechtigden                IDE field, row: missing value '.'       pass
K10   TK2021 CSV: negative party count                                IDE field = party column, row           pass
K11   TK2021 CSV: decimal count ``21386,5`` in Kiesgerechtigden       IDE field, row: not a whole number      pass
K12   TK2021 CSV: GeldigeStemmen != sum of party columns              IDE field GeldigeStemmen, row           pass
K13   TK2021 CSV: Opkomst != valid + blank + invalid                  IDE field Opkomst, row                  pass
K14   TK2021 CSV: ballots cast > eligible in Aalsmeer (not an island) IDE field Opkomst, municipality 0358     pass
                                                                      (islands in expected_above_one: flagged)
K15   TK2021 CSV: column Opkomst renamed                              IDE field Opkomst, row 1                pass
K16   TK2021 CSV: a row with one cell too many                        IDE row, expected cell count            pass
K17   empty file                                                      IDE "the file is empty"                 pass
S1    KWB 2020: GM_CODE repeated                                      IDE field GM_CODE, row                  pass
S2    KWB 2020: ``.`` in count column "Aantal inwoners"               IDE field, row: missing value '.'       pass
S3    KWB 2020: ``.`` in income (may be missing)                      accepted as NA (documented)             pass
S4    KWB 2020: negative "Aantal inwoners"                            IDE field, row: negative count          pass
S5    KWB 2021 tab-separated                                          IDE missing field gwb_code, row 1       pass
S6    RIVM 2020: ``.`` in a percentage that may not be missing        IDE field, row                          pass
S7    70072NED: men negative, women raised so the sum holds           IDE file, field Mannen_2, row 2         fixed
S8    the interim population schema on its own                        SE table, column, row with its key      pass
S9    70072NED: men + women != population                             IDE field TotaleBevolking_1, row        pass
C1    crosswalk: an empty cell                                        IDE field (column code), row            pass
C2    crosswalk: a negative cell                                      IDE field (column code), row            fixed
C3    crosswalk: first column not ``to_code``                         IDE field, row 1                        pass
C4    crosswalk: a changed municipality missing from the matrix       IDE names the matrix and the codes      pass
O1    TK2023 Osv4-3: count row ``opgeroepenen`` missing               IDE names file and ``eligible``         pass
O2    TK2023 Osv4-3: count cell ``-5``                                IDE field = row label, row              pass
O3    TK2023 Osv4-3: unreadable Gebiednummer                          IDE field Gebiednummer (name), row      pass
O4    TK2023 Osv4-3: one municipality in two files                    IDE names both files, Gebiednummer      pass
O5    TK2023 Osv4-3: list totals != geldige stembiljetten             IDE names the count file                fixed
T1    TopoJSON: wrong object name                                     IDE field objects, lists the names      pass
T2    TopoJSON: self-intersecting polygon                             IDE field arcs, row "geometry k"        pass
T3    TopoJSON: polygon without rings (empty)                         IDE field arcs, row "geometry k"        pass
T4    TopoJSON: null geometry                                         IDE field type, row "geometry k"        pass
T5    TopoJSON: arc index out of range                                IDE field arcs, row "geometry k"        pass
T6    TopoJSON: statcode missing / repeated                           IDE field statcode (row)                pass
T7    TopoJSON: truncated (not JSON) and UTF-16 encoded               IDE "not valid JSON"                    pass
T8    boundaries read without a CRS, then written                     ValueError names the file; nothing left pass
T9    boundaries declared EPSG:4326 while coordinates are RD metres   IDE names file and EPSG:4326            fixed
G1-8  config: typos at top level and nested; out-of-range values      WE names the key path                   pass
      (k, worst_quantile, permutations, links_per_component), wrong
      type, empty election list
G9    config: unknown party ``PVVV``                                  CE names ``parties.outsider``           pass
D1    download truncated (every attempt)                              TruncatedDownloadError names the URL;   pass
                                                                      no file, no ``.part``
D2    download with a checksum other than the pinned one              ChecksumMismatchError names the file;   pass
                                                                      no file, no ``.part``
D3    download answered with an HTML page                             ContentTypeError; nothing written       pass
====  ==============================================================  ======================================  ======
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_acquisition_support import Reply, local_server  # noqa: F401 (the fixture)

from afgehaakt.acquisition.errors import ChecksumMismatchError, ContentTypeError, TruncatedDownloadError
from afgehaakt.acquisition.http import fetch
from afgehaakt.acquisition.population import interim_population_table
from afgehaakt.elections import check_turnout_plausible, election_indicators
from afgehaakt.parties import classification_from_config
from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.features.crosswalk import conversion_table, read_address_matrix
from afgehaakt.features.harmonise import election_conversion, read_municipalities
from afgehaakt.geo.boundaries import read_municipal_boundaries, write_geoparquet
from afgehaakt.io.kiesraad import read_municipal_results
from afgehaakt.io.kiesraad_osv import read_count_files
from afgehaakt.io.statline import KWB_2020, KWB_2021, health_monitor_layout, read_municipal_table
from afgehaakt.schemas import SchemaError

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
TK2021 = DATA / "elections/tk2021_gemeente.csv"
KWB2020 = DATA / "cbs/kwb2020_gemeente_wbk2020v2_buurtvergelijker_attributes.csv"
KWB2021 = DATA / "cbs/kwb2021_gemeente_wonen_stedelijkheid.csv"
HEALTH2020 = DATA / "health/rivm50090_gezondheid_2020_18plus_gemeente.csv"
POPULATION = DATA / "cbs/rkn70072_bevolking_leeftijd_migratie_2021_gemeente.csv"
CROSSWALK2020 = DATA / "crosswalk/grenswijziging_gemeente_van_2020_naar_2021_matrix.csv"
OSV = DATA / "elections/tk2023_osv4-3"
OSV_ASSEN = OSV / "osv4-3_telling_tk2023_kieskring_assen.csv"
TOPOJSON = DATA / "boundaries/gemeente_2021_rd.topojson"
MUNICIPALITIES = DATA / "membership/gemeenten_alfabetisch_2021.csv"
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
CONFIG = REPO / "config/config.yaml"


def _file(path: Path) -> str:
    """The regex for 'the message names this file'."""
    return re.escape(path.name)


# ----------------------------------------------------------------------------------------------------------------
# Kiesraad per-municipality CSV (TK2021): ';'-separated, UTF-8 with BOM; line 1 header, Aalsmeer (G0358) is line 3.


def _tk2021_lines() -> list[str]:
    return TK2021.read_bytes().decode("utf-8-sig").splitlines()


def _write_tk2021(tmp_path: Path, lines: list[str], name: str = "tk2021_gemeente.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def _edit_cell(lines: list[str], line: int, column: str, value: str) -> list[str]:
    """Set one cell (by header name) on a 1-based file line."""
    header = lines[0].split(";")
    cells = lines[line - 1].split(";")
    cells[header.index(column)] = value
    edited = list(lines)
    edited[line - 1] = ";".join(cells)
    return edited


def _cell(lines: list[str], line: int, column: str) -> str:
    return lines[line - 1].split(";")[lines[0].split(";").index(column)]


def test_k1_repeated_municipality_row(tmp_path):
    lines = _tk2021_lines()
    path = _write_tk2021(tmp_path, [*lines, lines[2]])
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'RegioCode', row 3, {len(lines) + 1}: "
                                             r"municipality code 0358 appears more than once"):
        read_municipal_results(path)


def test_k2_unreadable_municipality_code(tmp_path):
    path = _write_tk2021(tmp_path, _edit_cell(_tk2021_lines(), 3, "RegioCode", "GX358"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'RegioCode', row 3: unreadable municipality "
                                             r"code 'GX358'"):
        read_municipal_results(path)


def _target_codes() -> list[str]:
    return list(read_municipalities(MUNICIPALITIES)["code"])


def test_k3_unknown_municipality_code(tmp_path):
    path = _write_tk2021(tmp_path, _edit_cell(_tk2021_lines(), 3, "RegioCode", "G9998"))
    results = read_municipal_results(path)  # the reader cannot know the year's list; this is accepted
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'RegioCode'.*9998"):
        election_conversion(results, source_year=2021, target_year=2021, target_codes=_target_codes(),
                            matrix_path=None)


def test_k4_missing_municipality_row(tmp_path):
    lines = _tk2021_lines()
    path = _write_tk2021(tmp_path, lines[:2] + lines[3:])
    results = read_municipal_results(path)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'RegioCode'.*0358"):
        election_conversion(results, source_year=2021, target_year=2021, target_codes=_target_codes(),
                            matrix_path=None)


def test_k5_utf16_file_is_refused_with_an_encoding_message(tmp_path):
    path = tmp_path / "tk2021_gemeente.csv"
    path.write_bytes(("\n".join(_tk2021_lines()) + "\n").encode("utf-16"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*UTF-16"):
        read_municipal_results(path)


def test_k6_mixed_encoding_after_a_utf8_bom(tmp_path):
    lines = _tk2021_lines()
    path = tmp_path / "tk2021_gemeente.csv"
    bad = lines[5].replace(lines[5].split(";")[0], "Caf\xe9", 1).encode("cp1252")
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines[:5]).encode() + b"\n" + bad + b"\n"
                     + "\n".join(lines[6:]).encode() + b"\n")
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*row 6"):
        read_municipal_results(path)


def test_k7_windows_1252_is_a_published_encoding_and_reads_identically(tmp_path):
    path = tmp_path / "tk2021_cp1252.csv"
    path.write_bytes(("\n".join(_tk2021_lines()) + "\n").encode("cp1252"))
    as_cp1252 = read_municipal_results(path).totals
    as_published = read_municipal_results(TK2021).totals
    pd.testing.assert_frame_equal(as_cp1252, as_published)
    assert "Súdwest-Fryslân" in set(as_cp1252["name"])


def test_k8_wrong_separator(tmp_path):
    lines = [line.replace(";", ",") for line in _tk2021_lines()]
    path = _write_tk2021(tmp_path, lines)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'RegioNaam', row 1: missing column"):
        read_municipal_results(path)


def test_k9_cbs_missing_marker_in_a_required_count(tmp_path):
    path = _write_tk2021(tmp_path, _edit_cell(_tk2021_lines(), 3, "Kiesgerechtigden", "."))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Kiesgerechtigden', row 3: missing value '\.'"):
        read_municipal_results(path)


def test_k10_negative_party_count(tmp_path):
    path = _write_tk2021(tmp_path, _edit_cell(_tk2021_lines(), 3, "VVD", "-6301"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'VVD', row 3: negative count -6301"):
        read_municipal_results(path)


def test_k11_decimal_count(tmp_path):
    path = _write_tk2021(tmp_path, _edit_cell(_tk2021_lines(), 4, "Kiesgerechtigden", "21386,5"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Kiesgerechtigden', row 4: not a whole number"):
        read_municipal_results(path)


def test_k12_valid_votes_differ_from_the_party_sum(tmp_path):
    lines = _tk2021_lines()
    path = _write_tk2021(tmp_path, _edit_cell(lines, 3, "VVD", str(int(_cell(lines, 3, "VVD")) + 1)))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'GeldigeStemmen', row 3: valid votes 19505 "
                                             r"differ from the sum over lists 19506"):
        read_municipal_results(path)


def test_k13_ballots_cast_differ_from_their_parts(tmp_path):
    lines = _tk2021_lines()
    path = _write_tk2021(tmp_path, _edit_cell(lines, 3, "Opkomst", str(int(_cell(lines, 3, "Opkomst")) + 7)))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Opkomst', row 3: ballots cast"):
        read_municipal_results(path)


def test_k14_votes_cast_above_eligible_outside_the_islands_stops_the_run(tmp_path):
    """Aalsmeer with more ballots than eligible voters: the readers accept it (ballots cast may exceed the
    register through kiezerspassen), the indicators flag it, and the plausibility check run by the
    election_results rule refuses it because Aalsmeer is not among ``indicators.expected_above_one``."""
    lines = _tk2021_lines()
    path = _write_tk2021(tmp_path, _edit_cell(lines, 3, "Kiesgerechtigden", "15000"))  # Opkomst is 19563
    results = read_municipal_results(path)
    table = election_indicators(results.totals, results.party_votes, party_groups={"outsider": ["PVV"]}).table
    assert sorted(table.loc[table["turnout_above_one"], "name"]) == ["Aalsmeer", "Schiermonnikoog", "Vlieland"]
    islands = ["0448", "0096", "0093", "0060", "0088"]
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Opkomst', row municipality 0358: 19563 "
                                             r"ballots cast but 15000 eligible voters in Aalsmeer"):
        check_turnout_plausible(results.totals, expected_above_one=islands, source=results.source)
    published = read_municipal_results(TK2021)
    assert check_turnout_plausible(published.totals, expected_above_one=islands,
                                   source=published.source) == ["0088", "0096"]


def test_k15_missing_column(tmp_path):
    lines = _tk2021_lines()
    lines[0] = lines[0].replace(";Opkomst;", ";Opkomst2;")
    path = _write_tk2021(tmp_path, lines)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Opkomst', row 1: missing column"):
        read_municipal_results(path)


def test_k16_ragged_row(tmp_path):
    lines = _tk2021_lines()
    lines[9] += ";17"
    path = _write_tk2021(tmp_path, lines)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*row 10: the row has 48 cells but the header has 47"):
        read_municipal_results(path)


def test_k17_empty_file(tmp_path):
    path = tmp_path / "tk2021_gemeente.csv"
    path.write_bytes(b"\xef\xbb\xbf\n\n")
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*the file is empty"):
        read_municipal_results(path)


# ----------------------------------------------------------------------------------------------------------------
# CBS and RIVM StatLine exports (quoted, ','-separated).


def _read_csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def _write_csv_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _edit_rows(rows: list[list[str]], line: int, column: str, value: str) -> list[list[str]]:
    edited = [list(row) for row in rows]
    edited[line - 1][rows[0].index(column)] = value
    return edited


def test_s1_repeated_kwb_code(tmp_path):
    rows = _read_csv_rows(KWB2020)
    path = _write_csv_rows(tmp_path / KWB2020.name, [*rows, rows[1]])
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'GM_CODE', row {len(rows) + 1}: "
                                             r"municipality 0003 appears more than once"):
        read_municipal_table(path, KWB_2020)


def test_s2_cbs_missing_marker_in_a_count(tmp_path):
    path = _write_csv_rows(tmp_path / KWB2020.name, _edit_rows(_read_csv_rows(KWB2020), 2, "Aantal inwoners", "."))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Aantal inwoners', row 2: missing value '\.'"):
        read_municipal_table(path, KWB_2020)


def test_s3_cbs_missing_marker_where_missing_is_allowed_becomes_na(tmp_path):
    column = "Gemiddeld inkomen per inwoner (x1000 euro)"
    path = _write_csv_rows(tmp_path / KWB2020.name, _edit_rows(_read_csv_rows(KWB2020), 2, column, "."))
    table = read_municipal_table(path, KWB_2020).set_index("code")
    assert pd.isna(table.loc["0003", "income_per_inhabitant"])


def test_s4_negative_count(tmp_path):
    path = _write_csv_rows(tmp_path / KWB2020.name, _edit_rows(_read_csv_rows(KWB2020), 3, "Aantal inwoners", "-5"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Aantal inwoners', row 3: negative count"):
        read_municipal_table(path, KWB_2020)


def test_s5_tab_separated_statline_file(tmp_path):
    path = _write_csv_rows(tmp_path / KWB2021.name, _read_csv_rows(KWB2021), delimiter="\t")
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'gwb_code', row 1: missing column"):
        read_municipal_table(path, KWB_2021)


def test_s6_cbs_missing_marker_in_a_health_percentage(tmp_path):
    rows = _read_csv_rows(HEALTH2020)
    line = next(k for k, row in enumerate(rows, start=1)
                if row[rows[0].index("WijkenEnBuurten")].strip() == "GM0358"
                and row[rows[0].index("Perioden")] == "2020JJ00" and row[rows[0].index("Leeftijd")] == "20300")
    path = _write_csv_rows(tmp_path / HEALTH2020.name, _edit_rows(rows, line, "Eenzaam_28", "."))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Eenzaam_28', row {line}: missing value"):
        read_municipal_table(path, health_monitor_layout(2020))


def _population_with_negative_men(tmp_path: Path) -> Path:
    rows = _read_csv_rows(POPULATION)
    men, women = rows[0].index("Mannen_2"), rows[0].index("Vrouwen_3")
    edited = [list(row) for row in rows]
    edited[1][men], edited[1][women] = "-5", str(int(rows[1][men]) + int(rows[1][women]) + 5)
    return _write_csv_rows(tmp_path / POPULATION.name, edited)


def test_s7_negative_count_that_keeps_the_sum_is_refused_by_the_schema(tmp_path):
    """The partition check passes (men + women = population), so the interim schema catches the negative count."""
    path = _population_with_negative_men(tmp_path)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Mannen_2', row 2: value -5 below the minimum 0"):
        interim_population_table("snapshot", path, year=2021)


def test_s8_the_schema_itself_names_table_column_and_key(tmp_path):
    """What the schema raises before the reader translates it: table, column and the row's key values."""
    from afgehaakt.acquisition.population import INTERIM_POPULATION_SCHEMA

    table = interim_population_table("snapshot", POPULATION, year=2021)
    table.loc[3, "women"] = -1
    with pytest.raises(SchemaError, match=rf"table 'interim_population', column 'women', row 3 \(code="
                                          rf"{table.loc[3, 'code']}, year=2021\): value -1 below the minimum 0"):
        INTERIM_POPULATION_SCHEMA.validate(table)


def test_s9_breakdown_does_not_add_up(tmp_path):
    rows = _read_csv_rows(POPULATION)
    path = _write_csv_rows(tmp_path / POPULATION.name,
                           _edit_rows(rows, 3, "Mannen_2", str(int(rows[2][rows[0].index("Mannen_2")]) + 1)))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'TotaleBevolking_1', row 3: Mannen_2 \+ "
                                             r"Vrouwen_3"):
        interim_population_table("snapshot", path, year=2021)


# ----------------------------------------------------------------------------------------------------------------
# Crosswalk matrices (first column to_code, one column per earlier code).


def test_c1_crosswalk_with_an_empty_cell(tmp_path):
    path = _write_csv_rows(tmp_path / CROSSWALK2020.name, _edit_rows(_read_csv_rows(CROSSWALK2020), 2, "0010", ""))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field '0010', row 2: missing value ''"):
        read_address_matrix(path, earlier_year=2020, later_year=2021)


def test_c2_crosswalk_with_a_negative_cell(tmp_path):
    path = _write_csv_rows(tmp_path / CROSSWALK2020.name, _edit_rows(_read_csv_rows(CROSSWALK2020), 2, "0010", "-3"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field '0010', row 2: negative"):
        read_address_matrix(path, earlier_year=2020, later_year=2021)


def test_c3_crosswalk_with_the_wrong_first_column(tmp_path):
    rows = _read_csv_rows(CROSSWALK2020)
    rows[0][0] = "naar_code"
    path = _write_csv_rows(tmp_path / CROSSWALK2020.name, rows)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'naar_code', row 1: first column"):
        read_address_matrix(path, earlier_year=2020, later_year=2021)


def test_c4_changed_municipality_missing_from_the_crosswalk(tmp_path):
    rows = _read_csv_rows(CROSSWALK2020)
    drop = rows[0].index("0003")  # Appingedam, merged into Eemsdelta in 2021
    path = _write_csv_rows(tmp_path / CROSSWALK2020.name, [row[:drop] + row[drop + 1:] for row in rows])
    matrix = read_address_matrix(path, earlier_year=2020, later_year=2021)
    kwb = read_municipal_table(KWB2020, KWB_2020)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*codes \['0003'\] of 2020 are neither in the "
                                             r"crosswalk nor in the target year"):
        conversion_table(matrix, source_year=2020, source_codes=list(kwb["code"]), target_codes=_target_codes())


# ----------------------------------------------------------------------------------------------------------------
# TK2023 Osv4-3 count files (Kieskring Assen: header on line 6, Gebiednummer line 7, opgeroepenen line 8).


def _osv_lines() -> list[str]:
    return OSV_ASSEN.read_bytes().decode("utf-8-sig").splitlines()


def _write_osv(tmp_path: Path, lines: list[str], name: str = OSV_ASSEN.name) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def test_o1_missing_count_row(tmp_path):
    lines = _osv_lines()
    assert '"opgeroepenen"' in lines[7]
    path = _write_osv(tmp_path, lines[:7] + lines[8:])
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*count rows missing: \['eligible'\]"):
        read_count_files([path])


def test_o2_negative_count_cell(tmp_path):
    lines = _osv_lines()
    lines[10] = lines[10].replace('"42482"', '"-5"', 1)
    assert '"geldige stembiljetten"' in lines[10] and '"-5"' in lines[10]
    path = _write_osv(tmp_path, lines)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'geldige stembiljetten', row 11: not a count"):
        read_count_files([path])


def test_o3_unreadable_gebiednummer(tmp_path):
    lines = _osv_lines()
    lines[6] = lines[6].replace('"0106"', '"GX106"', 1)
    path = _write_osv(tmp_path, lines)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'Gebiednummer \(Assen\)', row 7: unreadable"):
        read_count_files([path])


def test_o4_municipality_in_two_files(tmp_path):
    first = _write_osv(tmp_path, _osv_lines(), "a_assen.csv")
    second = _write_osv(tmp_path, _osv_lines(), "b_assen_copy.csv")
    with pytest.raises(InputDataError, match=rf"{_file(second)}.*field 'Gebiednummer': municipality 0106 also "
                                             rf"appears in .*{_file(first)}"):
        read_count_files([first, second])


def test_o5_list_totals_differ_from_valid_ballots(tmp_path):
    lines = _osv_lines()
    list_line = next(k for k, line in enumerate(lines) if re.match(r'^"?1"?;', line))
    cells = lines[list_line].split(";")
    cells[5] = f'"{int(cells[5].strip(chr(34))) + 1}"'  # Assen's votes for list 1
    lines[list_line] = ";".join(cells)
    path = _write_osv(tmp_path, lines)
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*GeldigeStemmen|{_file(path)}.*geldige"):
        read_count_files([path])


# ----------------------------------------------------------------------------------------------------------------
# TopoJSON boundaries: minimal synthetic topologies in RD metres, and the published file.


def _square(x: float, y: float, size: float = 1000.0) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _topology(geometries: list[dict], arcs: list, name: str = "gemeente_2021") -> dict:
    return {"type": "Topology", "objects": {name: {"type": "GeometryCollection", "geometries": geometries}},
            "arcs": arcs}


def _polygon(arc: int, code: str, name: str) -> dict:
    return {"type": "Polygon", "arcs": [[arc]], "properties": {"statcode": code, "statnaam": name}}


def _write_json(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


GOOD_ARCS = [_square(150_000, 450_000), _square(151_000, 450_000)]


def test_t1_wrong_object_name(tmp_path):
    path = _write_json(tmp_path / "b.topojson",
                       _topology([_polygon(0, "GM0014", "Groningen")], GOOD_ARCS, name="gemeente_2020"))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'objects': no object 'gemeente_2021'; the file "
                                             r"has \['gemeente_2020'\]"):
        read_municipal_boundaries(path, object_name="gemeente_2021")


def test_t2_self_intersecting_polygon(tmp_path):
    bowtie = [[150_000, 450_000], [151_000, 451_000], [151_000, 450_000], [150_000, 451_000], [150_000, 450_000]]
    path = _write_json(tmp_path / "b.topojson", _topology(
        [_polygon(0, "GM0014", "Groningen"), _polygon(1, "GM0034", "Almere")], [GOOD_ARCS[0], bowtie]))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'arcs', row geometry 1: 1 empty or invalid "
                                             r"geometries, first 'Almere'"):
        read_municipal_boundaries(path, object_name="gemeente_2021")


def test_t3_polygon_without_rings(tmp_path):
    empty = {"type": "Polygon", "arcs": [], "properties": {"statcode": "GM0034", "statnaam": "Almere"}}
    path = _write_json(tmp_path / "b.topojson", _topology([_polygon(0, "GM0014", "Groningen"), empty], GOOD_ARCS))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'arcs', row geometry 1: cannot build"):
        read_municipal_boundaries(path, object_name="gemeente_2021")


def test_t4_null_geometry(tmp_path):
    null = {"type": None, "properties": {"statcode": "GM0034", "statnaam": "Almere"}}
    path = _write_json(tmp_path / "b.topojson", _topology([_polygon(0, "GM0014", "Groningen"), null], GOOD_ARCS))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'type', row geometry 1: geometry type None"):
        read_municipal_boundaries(path, object_name="gemeente_2021")


def test_t5_arc_index_out_of_range(tmp_path):
    path = _write_json(tmp_path / "b.topojson",
                       _topology([_polygon(0, "GM0014", "Groningen"), _polygon(7, "GM0034", "Almere")], GOOD_ARCS))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'arcs', row geometry 1: cannot build"):
        read_municipal_boundaries(path, object_name="gemeente_2021")


def test_t6_statcode_missing_or_repeated(tmp_path):
    no_code = {"type": "Polygon", "arcs": [[1]], "properties": {"statnaam": "Almere"}}
    path = _write_json(tmp_path / "a.topojson", _topology([_polygon(0, "GM0014", "Groningen"), no_code], GOOD_ARCS))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'statcode', row geometry 1: unreadable "
                                             r"municipality code nan"):
        read_municipal_boundaries(path, object_name="gemeente_2021")
    path = _write_json(tmp_path / "b.topojson", _topology(
        [_polygon(0, "GM0014", "Groningen"), _polygon(1, "GM0014", "Groningen 2")], GOOD_ARCS))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*field 'statcode', row geometry 0: code 0014 appears "
                                             r"more than once"):
        read_municipal_boundaries(path, object_name="gemeente_2021")


def test_t7_truncated_or_utf16_topojson(tmp_path):
    published = TOPOJSON.read_bytes()
    truncated = tmp_path / "truncated.topojson"
    truncated.write_bytes(published[: len(published) // 2])
    with pytest.raises(InputDataError, match=rf"{_file(truncated)}': not valid JSON"):
        read_municipal_boundaries(truncated, object_name="gemeente_2021")
    utf16 = tmp_path / "utf16.topojson"
    utf16.write_bytes(json.dumps(_topology([_polygon(0, "GM0014", "Gr\u00f6ningen")], GOOD_ARCS)).encode("utf-16"))
    with pytest.raises(InputDataError, match=rf"{_file(utf16)}': not valid JSON"):
        read_municipal_boundaries(utf16, object_name="gemeente_2021")


def test_t8_boundaries_without_a_crs_are_not_written(tmp_path):
    path = _write_json(tmp_path / "b.topojson", _topology([_polygon(0, "GM0014", "Groningen")], GOOD_ARCS))
    boundaries = read_municipal_boundaries(path, object_name="gemeente_2021", crs=None)
    assert boundaries.crs is None
    out = tmp_path / "results" / "gemeenten_2021.parquet"
    with pytest.raises(ValueError, match=rf"refusing to write .*{_file(out)}: the frame has no coordinate reference"):
        write_geoparquet(boundaries, out)
    assert not out.exists()
    assert list(tmp_path.rglob("*.part")) == []


def test_t9_wrong_crs_is_refused(tmp_path):
    path = _write_json(tmp_path / "b.topojson", _topology([_polygon(0, "GM0014", "Groningen")], GOOD_ARCS))
    with pytest.raises(InputDataError, match=rf"{_file(path)}.*EPSG:4326"):
        read_municipal_boundaries(path, object_name="gemeente_2021", crs="EPSG:4326")


# ----------------------------------------------------------------------------------------------------------------
# Config: validated as the Snakefile does (snakemake.utils.validate against the schema), then the package checks.


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def _validate(config: dict) -> None:
    from snakemake.utils import validate

    validate(config, str(SCHEMA))


@pytest.mark.parametrize(
    ("case", "edit", "named"),
    [
        ("G1 top-level typo", lambda c: c.update(weigths=c["weights"]), r"'weigths' was unexpected"),
        ("G2 nested typo", lambda c: c["weights"]["island_policy"].update(link_per_component=1),
         r"'link_per_component' was unexpected.*\['weights'\]\['properties'\]\['island_policy'\]"),
        ("G3 k out of range", lambda c: c["maps"].update(k=12), r"On instance\['maps'\]\['k'\]"),
        ("G4 quantile out of range", lambda c: c["stacked_disadvantage"].update(worst_quantile=1.5),
         r"On instance\['stacked_disadvantage'\]\['worst_quantile'\]"),
        ("G5 negative permutations", lambda c: c["moran"].update(permutations=-1),
         r"On instance\['moran'\]\['permutations'\]"),
        ("G6 zero links", lambda c: c["weights"]["island_policy"].update(links_per_component=0),
         r"On instance\['weights'\]\['island_policy'\]\['links_per_component'\]"),
        ("G7 wrong type", lambda c: c.update(boundary_year="2021"), r"On instance\['boundary_year'\]"),
        ("G8 no elections", lambda c: c.update(elections=[]), r"On instance\['elections'\]"),
    ],
    ids=["G1", "G2", "G3", "G4", "G5", "G6", "G7", "G8"],
)
def test_g_config_errors_name_the_key(config, case, edit, named):
    from snakemake_interface_common.exceptions import WorkflowError

    broken = copy.deepcopy(config)
    edit(broken)
    with pytest.raises(WorkflowError, match=re.compile(rf"Error validating config file.*{named}", re.DOTALL)):
        _validate(broken)


def test_g0_the_default_config_validates(config):
    _validate(copy.deepcopy(config))


def test_g9_unknown_party_is_a_config_error(config):
    parties = copy.deepcopy(config["parties"])
    parties["outsider_classifications"]["atlas"].append("PVVV")
    with pytest.raises(ConfigError, match=r"config key 'parties.outsider_classifications.atlas': unknown party "
                                          r"name\(s\) \['PVVV'\]"):
        classification_from_config(parties)


# ----------------------------------------------------------------------------------------------------------------
# Downloads: the local server of the acquisition tests; nothing may be left in the destination directory.

BODY = TK2021.read_bytes()[:4000]


def _fetch(url: str, destination: Path, **options):
    options.setdefault("sleep", lambda seconds: None)
    options.setdefault("timeout", 5)
    return fetch(url, None, destination, **options)


def test_d1_truncated_download_leaves_nothing(local_server, tmp_path):
    url = local_server.route("/tk2021_gemeente.csv", Reply(body=BODY, send_only=100))
    destination = tmp_path / "raw" / "tk2021_gemeente.csv"
    with pytest.raises(TruncatedDownloadError, match=rf"GET {re.escape(url)}: truncated body: received \d+ bytes of "
                                                     rf"{len(BODY)} announced \(gave up after 3 attempts\)"):
        _fetch(url, destination, retries=2)
    assert list(destination.parent.iterdir()) == []


def test_d2_checksum_mismatch_leaves_nothing(local_server, tmp_path):
    url = local_server.route("/tk2021_gemeente.csv", Reply(body=BODY, content_type="text/csv"))
    destination = tmp_path / "raw" / "tk2021_gemeente.csv"
    pinned = hashlib.sha256(b"the file as it was published").hexdigest()
    with pytest.raises(ChecksumMismatchError, match=rf"checksum mismatch for .*{_file(destination)}: pinned sha256 "
                                                    rf"{pinned}, downloaded sha256 {hashlib.sha256(BODY).hexdigest()}"):
        _fetch(url, destination, expected_sha256=pinned)
    assert list(destination.parent.iterdir()) == []


def test_d3_html_error_page_instead_of_csv_leaves_nothing(local_server, tmp_path):
    url = local_server.route("/tk2021_gemeente.csv", Reply(body=b"<html>maintenance</html>", content_type="text/html"))
    destination = tmp_path / "raw" / "tk2021_gemeente.csv"
    with pytest.raises(ContentTypeError, match=rf"GET {re.escape(url)}: content type 'text/html'"):
        _fetch(url, destination, expected_content_types=("text/csv",))
    assert list(destination.parent.iterdir()) == []
