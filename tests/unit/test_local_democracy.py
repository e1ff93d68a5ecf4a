"""Council-election readers (fixtures cut from the published files), the local-party rule and the boundary moves."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.features.local_democracy import (COUNCIL_ELECTIONS, move_complete, turnout_gap,
                                                turnout_on_target)
from afgehaakt.features.local_parties import (LOCAL, NATIONAL, classify_council_list, classify_council_lists,
                                              local_party_shares, national_names,
                                              overrides_from_config)
from afgehaakt.io.council import read_council_results, read_council_turnout
from afgehaakt.parties import classification_from_config

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "council"
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
CLASSIFICATION = classification_from_config(CONFIG["parties"])
OVERRIDES = overrides_from_config(CONFIG["local_democracy"]["list_overrides"])


@pytest.fixture(scope="module")
def gr2022():
    return read_council_results(FIXTURES / "uitslag_GR20220316_Gemeente_cut.csv", election="gr2022")


def test_reader_keeps_blanco_lists_and_the_trailing_flag(gr2022):
    enkhuizen = gr2022[gr2022["code"] == "0388"]
    assert len(enkhuizen) == 11 and enkhuizen["votes"].sum() == 7553
    flagged = gr2022[gr2022["source_flag"] != ""]
    assert list(flagged["list_name"]) == ["Blanco (Segerius, C.H.)"] and list(flagged["source_flag"]) == ["1"]
    assert set(gr2022["code"]) == {"0388", "0037"}


def test_reader_keeps_empty_seats_of_gr2026_missing():
    gr2026 = read_council_results(FIXTURES / "uitslag_GR20260318_Gemeente_cut.csv", election="gr2026")
    assert gr2026["seats"].isna().sum() == 3
    assert gr2026.loc[gr2026["list_name"] == "Hart voor Den Haag / Groep de Mos", "seats"].item() == 16


def test_reader_requires_the_published_trailing_separator(tmp_path):
    path = tmp_path / "no_trailing.csv"
    path.write_text("Gemeente;Code;AmsterdamseCode;Partij;AantalStemmen;AantalZetels\nX;G0014;1;CDA;5;1\n",
                    encoding="utf-8")
    with pytest.raises(InputDataError, match="trailing"):
        read_council_results(path, election="gr2022")


def test_turnout_reasons_and_no_imputation():
    turnout = read_council_turnout(FIXTURES / "gr2022_gemeente_summary_cut.csv").set_index("code")
    assert turnout.loc["0037", "turnout"] == pytest.approx(10924 / 26068)
    assert turnout.loc["0388", "turnout"] == pytest.approx(7585 / 15037)
    assert "largest cities" in turnout.loc["0014", "turnout_missing_reason"]
    assert "Cast = 0" in turnout.loc["0050", "turnout_missing_reason"]
    assert "summed over polling stations" in turnout.loc["0216", "turnout_missing_reason"]
    # Culemborg's count file has an eligible count (16x too high): it is not used.
    assert turnout.loc[["0014", "0050", "0216"], ["eligible", "turnout"]].isna().all().all()


def test_unknown_turnout_status_stops_naming_the_line(tmp_path):
    text = (FIXTURES / "gr2022_gemeente_summary_cut.csv").read_text(encoding="utf-8").replace(",ok,", ",fine,", 1)
    path = tmp_path / "summary.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputDataError, match="unknown turnout_status 'fine'"):
        read_council_turnout(path)


@pytest.mark.parametrize("list_name, kind", [
    ("CDA", NATIONAL), ("Partij van de Arbeid (P.v.d.A.)", NATIONAL), ("SP ( Socialistische Partij)", NATIONAL),
    ("Partij van de Arbeid (PvdA) / GROENLINKS", NATIONAL), ("SGP-ChristenUnie", NATIONAL),
    ("Blanco (Segerius, C.H.)", LOCAL), ("Blanco (lijst 17)", LOCAL), ("Blanco", LOCAL),
    ("Enkhuizen Vooruit!", LOCAL), ("Hart voor Den Haag / Groep de Mos", LOCAL),
])
def test_rule_classifies_lists(list_name, kind):
    assert classify_council_list(list_name, national_names(CLASSIFICATION), {})[0] == kind


def test_mixed_list_needs_an_override():
    names = national_names(CLASSIFICATION)
    assert classify_council_list("Wij Zijn Someren / VVD", names, {}) is None
    assert classify_council_list("Jong Zandvoort", names, {}) is None
    assert classify_council_list("Jong Zandvoort", names, OVERRIDES) == (LOCAL, "")


def test_unknown_list_stops_the_run_naming_list_municipality_and_election():
    results = pd.DataFrame({"code": ["0388"], "name": ["Enkhuizen"], "list_name": ["CDA Enkhuizen"],
                            "votes": [10], "election": ["gr2022"]})
    with pytest.raises(ConfigError, match=r"'CDA Enkhuizen' \(municipality Enkhuizen 0388, election gr2022\)"):
        classify_council_lists(results, CLASSIFICATION, OVERRIDES)


@pytest.mark.parametrize("election", ["gr2022", "gr2026"])
def test_every_published_list_is_classified(election):
    path = ROOT / "data" / "elections" / election / {"gr2022": "uitslag_GR20220316_Gemeente.csv",
                                                      "gr2026": "uitslag_GR20260318_Gemeente.csv"}[election]
    results = read_council_results(path, election=election)
    lists = classify_council_lists(results, CLASSIFICATION, OVERRIDES)
    assert len(lists) == results["list_name"].nunique()
    assert set(lists["kind"]) == {LOCAL, NATIONAL}
    shares = local_party_shares(results, lists)
    assert shares["valid"].sum() == results["votes"].sum()
    assert shares["local_share"].between(0, 1).all()


def test_local_share_of_the_fixture(gr2022):
    lists = classify_council_lists(gr2022, CLASSIFICATION, OVERRIDES)
    shares = local_party_shares(gr2022, lists).set_index("code")
    # Enkhuizen: Enkhuizen Vooruit!, Blanco (Segerius), Het Enkhuizer Alternatief, Nieuw Enkhuizen are local.
    assert shares.loc["0388", "local_votes"] == 1184 + 716 + 606 + 601
    assert shares.loc["0388", "local_share"] == pytest.approx(3107 / 7553)


CONVERSION = pd.DataFrame({"source": ["A", "B", "B", "C"], "target": ["a", "a", "b", "c"],
                           "weight": [1.0, 0.25, 0.75, 1.0]})


def test_move_complete_leaves_targets_with_a_missing_part_unmapped():
    frame = pd.DataFrame({"code": ["A", "C"], "eligible": [100.0, 50.0], "ballots": [60.0, 20.0]})
    moved, unmapped = move_complete(frame, ["eligible", "ballots"], CONVERSION, {"B": "no result"})
    assert list(moved["code"]) == ["c"] and moved["ballots"].item() == 20.0
    assert list(unmapped["code"]) == ["a", "b"] and set(unmapped["reason"]) == {"no result"}


def test_turnout_is_recomputed_from_moved_counts_and_gap_has_reasons():
    turnout = pd.DataFrame({"code": ["A", "B", "C"], "eligible": [100.0, 200.0, None],
                            "ballots": [50.0, 150.0, None], "turnout": [0.5, 0.75, None],
                            "turnout_missing_reason": ["", "", "count file gives no eligible voters (Cast = 0)"]})
    moved, unmapped = turnout_on_target(turnout, CONVERSION, ["A", "B", "C"], "no election")
    assert moved.set_index("code").loc["a", "turnout"] == pytest.approx((50 + 0.25 * 150) / (100 + 0.25 * 200))
    municipalities = pd.DataFrame({"code": ["a", "b", "c"], "gm_code": ["GMa", "GMb", "GMc"], "name": list("abc")})
    national = {"tk2021": pd.DataFrame({"code": ["a", "b", "c"], "turnout": [0.8, 0.8, 0.8]})}
    gap = turnout_gap(moved, national, municipalities, unmapped).set_index("code")
    assert gap.loc["b", "tk2021_minus_gr"] == pytest.approx(5.0)
    assert "Cast = 0" in gap.loc["c", "gr_turnout_missing_reason"] and pd.isna(gap.loc["c", "gr_turnout"])


def test_council_elections_are_coded_on_the_lists_their_codes_belong_to():
    assert COUNCIL_ELECTIONS["gr2022"].coded_year == 2023 and COUNCIL_ELECTIONS["gr2026"].coded_year == 2025


def test_an_override_named_twice_or_with_another_kind_stops():
    with pytest.raises(ConfigError, match="listed twice"):
        overrides_from_config([{"list": "Jong Zandvoort", "kind": "local"}, {"list": "Jong Zandvoort", "kind": "local"}])
    results = pd.DataFrame({"code": ["0473"], "name": ["Zandvoort"], "list_name": ["Jong Zandvoort"], "votes": [1],
                            "election": ["gr2022"]})
    with pytest.raises(ConfigError, match="local_democracy.list_overrides"):
        classify_council_lists(results, CLASSIFICATION, {"Jong Zandvoort": "regional"})
