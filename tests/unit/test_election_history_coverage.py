"""Elections whose boundary year no address crosswalk reaches (TK1998-TK2012) are checked where they are read,
against the municipalities on the election day in the merger history."""

from __future__ import annotations

import dataclasses

import pytest

from afgehaakt.errors import InputDataError
from afgehaakt.features.harmonise import read_election, require_election_coverage_on
from afgehaakt.io.merger_history import read_merger_history

HISTORY = ("data/membership/history/herindelingen_1998_2025.csv",
           "data/membership/history/gemeenten_per_jaar_1998_2025.csv")


@pytest.fixture(scope="module")
def history(repo):
    return read_merger_history(*(repo / path for path in HISTORY))


@pytest.mark.parametrize("election,date", [("tk1998", "1998-05-06"), ("tk2010", "2010-06-09")])
def test_the_published_file_covers_the_municipalities_of_its_day(repo, history, election, date):
    results = read_election("kiesraad_csv", [str(repo / f"data/elections/{election}_gemeente.csv")])
    require_election_coverage_on(results, history, date=date)


def test_a_file_that_lacks_a_municipality_is_named_with_the_code(repo, history):
    results = read_election("kiesraad_csv", [str(repo / "data/elections/tk2010_gemeente.csv")])
    totals = results.totals[results.totals["code"] != "0014"]
    with pytest.raises(InputDataError) as error:
        require_election_coverage_on(dataclasses.replace(results, totals=totals), history, date="2010-06-09")
    message = str(error.value)
    assert "tk2010_gemeente.csv" in message and "0014" in message and "RegioCode" in message
