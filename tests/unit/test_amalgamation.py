"""Amalgamations as a staggered treatment, read from the committed merger history 1998-2025."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from afgehaakt.features.amalgamation import NEVER_MERGED, assign_treatment, merger_partners, merger_sizes

BOARNSTERHIM = {code: "Boarnsterhim (0055) split in 2014" for code in ("0080", "0074", "1940", "1900")}


@pytest.fixture(scope="module")
def history(merger_history):
    return merger_history


@pytest.fixture(scope="module")
def treatment(history, tk_series_dates):
    return assign_treatment(history, boundary_year=2021, elections=tk_series_dates,
                            unrepresentable_splits=BOARNSTERHIM)


def _unit(treatment, code):
    return treatment.units.set_index("code").loc[code]


def test_every_2021_municipality_is_a_unit_or_excluded_with_a_reason(treatment):
    assert len(treatment.units) + len(treatment.excluded) == 352
    assert treatment.excluded["reason"].str.len().gt(20).all()
    assert set(treatment.units["code"]).isdisjoint(treatment.excluded["code"])


def test_first_merger_date_cohort_and_size(treatment):
    groningen = _unit(treatment, "0014")  # Groningen + Haren + Ten Boer on 2019-01-01: first election TK2021
    assert groningen["merger_date"] == pd.Timestamp("2019-01-01")
    assert (groningen["cohort_election"], groningen["cohort"], groningen["n_predecessors"]) == ("tk2021", 8, 3)
    coevorden = _unit(treatment, "0109")  # Dalen, Oosterhesselen, Sleen, Zweeloo into Coevorden on 1998-01-01
    assert (coevorden["cohort_election"], coevorden["cohort"], coevorden["n_predecessors"]) == ("tk1998", 1, 5)


def test_renaming_is_not_a_merger(treatment):
    dantumadiel = _unit(treatment, "1891")  # Dantumadeel -> Dantumadiel (2009): a new code, the same territory
    assert dantumadiel["cohort"] == NEVER_MERGED and pd.isna(dantumadiel["merger_date"])
    assert dantumadiel["n_merger_dates"] == 0


def test_split_receivers_count_the_split_part(history, treatment):
    # Haaren (0788) was split on 2021-01-01 over Oisterwijk, Vught, Tilburg and Boxtel (address shares)
    partners = merger_partners(history, date=pd.Timestamp("2021-01-01"), receiver="0757")
    assert set(partners) == {"0757", "0788"} and 0 < partners["0788"] < 1 and partners["0757"] == 1
    assert _unit(treatment, "0757")["n_predecessors"] == 2


def test_exclusions_name_the_reason(treatment):
    reasons = treatment.excluded.set_index("code")["reason"]
    assert reasons["0080"].startswith("history cannot be represented: Boarnsterhim")
    assert "merged after the boundary year 2021 (2022-03-24)" in reasons["0457"]  # Weesp into Amsterdam
    assert "merged after the boundary year 2021 (2023-01-01)" in reasons["0501"]  # Brielle into Voorne aan Zee
    assert len(reasons) == 4 + 16  # Boarnsterhim receivers; 2022 and 2023 mergers


def test_unknown_split_codes_are_an_error(history, tk_series_dates):
    with pytest.raises(ValueError, match="not municipalities of 2021"):
        assign_treatment(history, boundary_year=2021, elections=tk_series_dates,
                         unrepresentable_splits={"0055": "x"})


def test_merger_sizes_from_the_electorate_before_the_merger(history, treatment):
    codes_2017 = history.codes(2017)
    electorate = pd.DataFrame({"code": codes_2017, "electorate": 1000.0})
    electorate.loc[electorate["code"] == "0014", "electorate"] = 8000.0  # Groningen city
    sizes = merger_sizes(treatment, history, {"tk2017": (2017, electorate)}).set_index("code")
    # Groningen 8000 with Haren and Ten Boer 1000 each: the largest has 0.8 of the merged electorate
    assert sizes.loc["0014", "largest_predecessor_share"] == pytest.approx(0.8)
    assert sizes.loc["0014", "size_election"] == "tk2017"
    early = sizes.loc["0109"]  # merged before TK2017, the only election given
    assert np.isnan(early["largest_predecessor_share"]) and early["size_note"] == "no election before the merger"
