"""The merger history 1998-2025: reading, cross-checks, forward and backward conversion, conservation of totals."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.errors import InputDataError
from afgehaakt.features.crosswalk import move_counts
from afgehaakt.io.merger_history import read_address_pairs, read_merger_history

HISTORY = "data/membership/history/"
EVENTS = HISTORY + "herindelingen_1998_2025.csv"
LISTS = HISTORY + "gemeenten_per_jaar_1998_2025.csv"
PAIRS = HISTORY + "crosscheck_grenswijzigen_2016_2024_pairs.csv"


@pytest.fixture(scope="module")
def history(repo):
    return read_merger_history(repo / EVENTS, repo / LISTS)


@pytest.fixture(scope="module")
def pairs(repo):
    return read_address_pairs(repo / PAIRS)


@pytest.mark.parametrize("year, count", [(1998, 548), (2014, 403), (2016, 390), (2017, 388), (2019, 355),
                                         (2021, 352), (2022, 345), (2023, 342), (2025, 342)])
def test_yearly_lists_have_the_cbs_counts(history, year, count):
    assert len(history.codes(year)) == count


def test_events_with_a_date_after_new_year_belong_to_the_next_list(history):
    budel = history.events[history.events["old_code"] == "0759"].iloc[0]
    assert budel["new_code"] == "1706" and budel["list_year"] == 1999
    assert "0759" in history.codes(1998) and "1706" in history.codes(1999)


@pytest.mark.parametrize("year", range(1998, 2026))
def test_forward_to_2021_and_2025_conserves_national_totals(history, year):
    codes = history.codes(year)
    rng = np.random.default_rng(year)
    counts = pd.DataFrame({"code": codes, "votes": rng.integers(100, 100_000, len(codes)).astype(float)})
    for target in (2021, 2025):
        if target < year:
            continue
        conversion = history.conversion(year, target)
        moved = move_counts(counts, conversion, ["votes"])
        assert sorted(moved["code"]) == history.codes(target)
        assert moved["votes"].sum() == pytest.approx(counts["votes"].sum(), rel=1e-12)
        assert conversion.groupby("source")["weight"].sum().to_numpy() == pytest.approx(1.0)


def test_a_1998_municipality_reaches_its_2021_successor_through_two_changes(history):
    # Zuidlaren absorbed Eelde and Vries on 1 January 1998 and was renamed Tynaarlo (1730) on 1 December 1999
    links = history.successors(1998, 2021).set_index("source")
    assert links.loc["0136", "target"] == "1730"
    # Middenveld (1998 merger) became Midden-Drenthe (1731) in 2000
    assert links.loc["1697", "target"] == "1731"


def test_splits_with_address_shares_use_them(history):
    haaren = history.successors(2020, 2021).query("source == '0788'").set_index("target")["weight"]
    total = 840 + 2369 + 469 + 1916
    assert haaren.to_dict() == pytest.approx({"0757": 840 / total, "0824": 2369 / total, "0855": 469 / total,
                                              "0865": 1916 / total})


def test_splits_before_2016_go_whole_to_the_named_successor(history):
    """Documented limitation: Boarnsterhim (2014) was split over four municipalities; the history names one."""
    boarnsterhim = history.successors(2013, 2014).query("source == '0055'")
    assert boarnsterhim[["target", "weight"]].values.tolist() == [["0080", 1.0]]


def test_backward_needs_address_counts(history):
    with pytest.raises(ValueError, match="address counts"):
        history.conversion(2023, 2021)


def test_backward_2025_to_2021_splits_mergers_by_addresses_and_conserves_totals(history, pairs):
    conversion = history.conversion(2025, 2021, addresses=pairs)
    voorne = conversion[conversion["source"] == "1992"].set_index("target")["weight"]
    total = 8268 + 18695 + 6943
    assert voorne.to_dict() == pytest.approx({"0501": 8268 / total, "0530": 18695 / total, "0614": 6943 / total})
    counts = pd.DataFrame({"code": history.codes(2025), "votes": 1000.0})
    moved = move_counts(counts, conversion, ["votes"])
    assert sorted(moved["code"]) == history.codes(2021)
    assert moved["votes"].sum() == pytest.approx(342 * 1000.0)


def test_changes_of_lists_the_timing_of_each_merger(history):
    changes = history.changes_of(2021)
    groningen = changes[changes["code"] == "0014"]
    assert sorted(groningen["old_code"]) == ["0009", "0017"] and set(groningen["list_year"]) == {2019}
    eemsdelta = changes[changes["code"] == "1979"]
    assert sorted(eemsdelta["old_code"]) == ["0003", "0010", "0024"]
    # every 2021 municipality listed was reshaped; the untouched ones do not appear
    assert "0363" not in set(changes["code"])  # Amsterdam: unchanged until Weesp joined in 2022


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


LISTS_TEXT = "jaar,gemeentecode,cbs_code,naam\n2000,0001,GM0001,A\n2000,0002,GM0002,B\n2001,0003,GM0003,C\n"
HEADER = ("datum,jaar_lijst,oude_code,oude_naam,nieuwe_code,nieuwe_naam,nieuwe_gemeente_begin,type,bron,"
          "verdeling_adressen_cbs_pc6\n")


def test_events_that_do_not_produce_the_next_list_are_refused(tmp_path):
    lists = _write(tmp_path / "lists.csv", LISTS_TEXT)
    events = _write(tmp_path / "events.csv", HEADER + "2001-01-01,2001,0001,A,0003,C,,samenvoeging,x,\n")
    with pytest.raises(InputDataError, match="events.csv.*jaar_lijst.*not listed.*0002"):
        read_merger_history(events, lists)


def test_a_list_year_that_does_not_follow_the_date_is_refused(tmp_path):
    lists = _write(tmp_path / "lists.csv", LISTS_TEXT)
    events = _write(tmp_path / "events.csv", HEADER + "2000-06-01,2000,0001,A,0003,C,,samenvoeging,x,\n"
                    "2001-01-01,2001,0002,B,0003,C,,samenvoeging,x,\n")
    with pytest.raises(InputDataError, match="row 2.*does not follow the date"):
        read_merger_history(events, lists)


def test_an_unreadable_address_split_names_its_row(tmp_path):
    lists = _write(tmp_path / "lists.csv", LISTS_TEXT)
    events = _write(tmp_path / "events.csv", HEADER + "2001-01-01,2001,0001,A,0003,C,,samenvoeging,x,0003:-5\n"
                    "2001-01-01,2001,0002,B,0003,C,,samenvoeging,x,\n")
    with pytest.raises(InputDataError, match="verdeling_adressen_cbs_pc6.*row 2"):
        read_merger_history(events, lists)
