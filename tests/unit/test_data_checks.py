"""Data problems caught where they are read: coverage of the boundary year's municipalities (file, count, names),
the data folder and its SHA256SUMS before any job, and a data error printed once without a traceback."""

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from afgehaakt.acquisition.membership import municipality_membership
from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.features.harmonise import read_election, require_election_coverage
from afgehaakt.snapshot_check import check_snapshot, require_data_dir
from afgehaakt.validation import coverage_problems, municipalities_of_year

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
MUNICIPALITIES = DATA / "membership/gemeenten_alfabetisch_2021.csv"


@pytest.fixture(scope="module")
def municipalities_2021():
    return municipality_membership("snapshot", MUNICIPALITIES)


def test_a_cut_election_file_names_the_file_the_count_and_the_names(tmp_path, tk2021_csv, municipalities_2021):
    cut = tmp_path / "tk2021_gemeente.csv"
    cut.write_bytes(b"\n".join(tk2021_csv.read_bytes().split(b"\n")[:101]) + b"\n")
    results = read_election("kiesraad_csv", [str(cut)])
    with pytest.raises(InputDataError) as raised:
        require_election_coverage(results, source_year=2021, boundary_year=2021, boundary_list=municipalities_2021,
                                  reference=str(MUNICIPALITIES), matrix_path=None)
    message = str(raised.value)
    assert message.startswith(f"file '{cut}', field 'RegioCode': 253 of the 352 municipalities of 2021 missing: ")
    assert "0014 Groningen" in message and "and 243 more" in message


@pytest.mark.parametrize("election, crosswalk, year", [
    ("elections/tk2017_gemeente.csv", "crosswalk/grenswijziging_gemeente_van_2017_naar_2021_matrix.csv", 2017),
    ("elections/ep2019_gemeente.csv", "crosswalk/grenswijziging_gemeente_van_2019_naar_2021_matrix.csv", 2019),
])
def test_an_earlier_election_covers_the_municipalities_of_its_own_year(election, crosswalk, year,
                                                                      municipalities_2021, tmp_path):
    results = read_election("kiesraad_csv", [str(DATA / election)])
    require_election_coverage(results, source_year=year, boundary_year=2021, boundary_list=municipalities_2021,
                              reference="list", matrix_path=str(DATA / crosswalk))
    dropped = results.totals.iloc[1:]
    short = type(results)(totals=dropped, party_votes=results.party_votes, excluded=results.excluded,
                          source=results.source)
    with pytest.raises(InputDataError, match=rf"1 of the {len(results.totals)} municipalities of {year} missing"):
        require_election_coverage(short, source_year=year, boundary_year=2021, boundary_list=municipalities_2021,
                                  reference="list", matrix_path=str(DATA / crosswalk))


def test_municipalities_of_another_year_swap_what_the_crosswalk_changed():
    later = pd.DataFrame({"code": ["0001", "0002", "0003"], "name": ["A", "BC", "D"]})
    earlier = municipalities_of_year(later, changed_here=["0002"], codes_of_year=["0004", "0005"])
    assert earlier["code"].tolist() == ["0001", "0003", "0004", "0005"]
    assert coverage_problems(["0001", "0003", "0004"], earlier, year=2017) == [
        "1 of the 4 municipalities of 2017 missing: 0005"]


def test_boundaries_without_one_municipality_name_it(municipalities_2021):
    codes = [code for code in municipalities_2021["code"] if code != "0059"]
    assert coverage_problems(codes, municipalities_2021, year=2021) == [
        "1 of the 352 municipalities of 2021 missing: 0059 Achtkarspelen"]


def test_an_empty_or_wrong_data_dir_says_what_it_must_hold(tmp_path):
    with pytest.raises(ConfigError, match=r"has no SHA256SUMS \(it holds nothing\); it must hold SHA256SUMS"):
        require_data_dir(tmp_path)
    with pytest.raises(ConfigError, match="is not a folder"):
        require_data_dir(tmp_path / "absent")


def test_a_changed_data_file_stops_the_run_unless_accepted(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    assert check_snapshot(copy, accept_changes=False) == []
    with open(copy / "elections/tk2021_gemeente.csv", "ab") as handle:
        handle.write(b"x\n")
    (copy / "health/rivm50090_gezondheid_2016_18plus_gemeente.csv").unlink()
    with pytest.raises(InputDataError, match=r"elections/tk2021_gemeente.csv': SHA-256 differs .*and 1 more"):
        check_snapshot(copy, accept_changes=False)
    assert check_snapshot(copy, accept_changes=True) == [
        "elections/tk2021_gemeente.csv: SHA-256 differs from SHA256SUMS",
        "health/rivm50090_gezondheid_2016_18plus_gemeente.csv: missing"]


def test_a_data_error_is_printed_once_without_traceback_and_the_log_keeps_it(tmp_path):
    log = tmp_path / "step.log"
    program = (
        "from afgehaakt.logs import step_log\n"
        "from afgehaakt.errors import InputDataError\n"
        f"with step_log({str(log)!r}, 'demo'):\n"
        "    raise InputDataError('x.csv', 'bad cell', field='f', row=3)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO)})
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "file 'x.csv', field 'f', row 3: bad cell"
    assert done.stderr.count("bad cell") == 1 and "Traceback" not in done.stderr
    assert "Traceback" in log.read_text()


def test_a_bug_keeps_its_traceback(tmp_path):
    from afgehaakt.logs import step_log

    with pytest.raises(KeyError), step_log(tmp_path / "step.log", "demo"):
        raise KeyError("column")
    logging.getLogger().handlers.clear()


@pytest.mark.parametrize("dataset", ["kwb2020", "kwb2021", "population2021", "health2020", "health2016"])
def test_every_statline_table_covers_the_municipalities_of_its_year(dataset, municipalities_2021):
    from afgehaakt import catalogue
    from afgehaakt.acquisition.interim import STATLINE_DATASETS, interim_statline_table
    from afgehaakt.validation import require_year_coverage

    year = STATLINE_DATASETS[dataset].municipalities_year
    crosswalk = catalogue.crosswalk(year, 2021)
    source = DATA / catalogue.STATLINE_FILES[dataset]
    table = interim_statline_table(dataset, "snapshot", source)
    check = dict(path=source, field="code", year=year, boundary_year=2021, boundary_list=municipalities_2021,
                 reference="list", matrix_path=None if crosswalk is None else DATA / crosswalk)
    require_year_coverage(table["code"], **check)
    with pytest.raises(InputDataError, match=rf"^file '{source}', field 'code': 2 of the {len(table)} "
                                             rf"municipalities of {year} missing: "):
        require_year_coverage(table["code"].iloc[2:], **check)
