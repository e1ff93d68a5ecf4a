"""Turnout and outsider share per municipality."""

import pytest

from afgehaakt.elections import analysis_values, election_indicators, parties_absent
from afgehaakt.errors import ConfigError

OUTSIDER = ["PVV", "SP", "FvD", "PvdD", "JA21", "50PLUS", "DENK", "BBB", "BIJ1"]
ORTHODOX = ["SGP", "CU", "CU-SGP"]
GROUPS = {"outsider": OUTSIDER, "orthodox_protestant": ORTHODOX}


@pytest.fixture(scope="module")
def indicators(tk2021):
    return election_indicators(tk2021.totals, tk2021.party_votes, party_groups=GROUPS)


def test_turnout_is_ballots_cast_over_eligible(indicators):
    row = indicators.table.set_index("name").loc["Aa en Hunze"]
    assert row["turnout"] == pytest.approx(17444 / 20921)


def test_outsider_share_counts_the_configured_parties_over_valid_votes(indicators):
    row = indicators.table.set_index("name").loc["Aa en Hunze"]
    # PVV 1482, SP 1290, FvD 691, PvdD 746, JA21 328, 50PLUS 171, DENK 11, BBB 467, BIJ1 35 (file row 2)
    assert row["outsider_votes"] == 1482 + 1290 + 691 + 746 + 328 + 171 + 11 + 467 + 35
    assert row["outsider_share"] == pytest.approx(row["outsider_votes"] / 17387)


def test_turnout_above_one_is_flagged_not_hidden(indicators):
    table = indicators.table.set_index("name")
    assert table.loc["Schiermonnikoog", "turnout"] == pytest.approx(1.1554, abs=1e-4)
    assert set(table.index[table["turnout_above_one"]]) == {"Schiermonnikoog", "Vlieland"}


def test_policy_keep_analyses_observed_values_and_says_so(indicators):
    values, note = analysis_values(indicators.table, "turnout", above_one="keep")
    assert values["0088"] > 1 and "Schiermonnikoog (0088)" in note and "kept as observed" in note


def test_policy_cap_caps_and_says_so(indicators):
    values, note = analysis_values(indicators.table, "turnout", above_one="cap")
    assert values.max() == 1.0 and "capped at 1" in note and "Vlieland (0096)" in note


def test_party_classification_lists_every_list_once(indicators):
    classification = indicators.party_classification
    assert classification["list_name"].is_unique and len(classification) == 37
    outsiders = set(classification.loc[classification["class"] == "outsider", "party"])
    assert set(classification.loc[classification["orthodox_protestant"], "party"]) == {"SGP", "CU"}
    assert outsiders == set(OUTSIDER)
    assert parties_absent(classification, OUTSIDER) == []
    assert parties_absent(classification, ORTHODOX) == ["CU-SGP"]


def test_unknown_outsider_party_is_a_config_error(tk2021):
    with pytest.raises(ConfigError, match=r"config key 'parties.outsider': unknown party name\(s\) \['PVVV'\]"):
        election_indicators(tk2021.totals, tk2021.party_votes, party_groups={"outsider": ["PVVV"]})


def test_orthodox_protestant_share_is_sgp_and_christenunie_over_valid(indicators):
    row = indicators.table.set_index("name").loc["Aa en Hunze"]
    # ChristenUnie 411, SGP 58 (file row 2)
    assert row["orthodox_protestant_votes"] == 411 + 58
    assert row["orthodox_protestant_share"] == pytest.approx((411 + 58) / 17387)
