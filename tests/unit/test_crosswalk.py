"""Harmonisation through the address-based crosswalk: weights, conservation of totals, recomputed shares."""

import pandas as pd
import pytest

from afgehaakt.errors import InputDataError
from afgehaakt.features.crosswalk import (
    AddressMatrix,
    conversion_table,
    identity_table,
    move_counts,
    move_rates,
    read_address_matrix,
)
from afgehaakt.features.harmonise import election_conversion, harmonise_results, read_election, read_municipalities
from afgehaakt import catalogue
from afgehaakt.features.election_schemas import harmonised_totals_schema
from afgehaakt.schemas import SchemaError

DATA = "data/"


@pytest.fixture(scope="module")
def municipalities(repo):
    return read_municipalities(repo / DATA / catalogue.MUNICIPALITIES_2021)


def _results(repo, election):
    source = catalogue.election(election)
    return read_election(source.format, [str(repo / DATA / f) for f in source.files])


def _conversion(repo, results, election, municipalities):
    source = catalogue.election(election)
    path = catalogue.crosswalk(source.boundary_year, 2021)
    return election_conversion(results, source_year=source.boundary_year, target_year=2021,
                               target_codes=list(municipalities["code"]),
                               matrix_path=None if path is None else str(repo / DATA / path))


@pytest.mark.parametrize("election", ["tk2017", "ep2019", "tk2021", "tk2023"])
def test_national_totals_are_conserved(repo, municipalities, election):
    results = _results(repo, election)
    conversion = _conversion(repo, results, election, municipalities)
    harmonised = harmonise_results(results, conversion, municipalities)
    assert len(harmonised.totals) == 352 and set(harmonised.totals["code"]) == set(municipalities["code"])
    for column in ("eligible", "votes_cast", "valid"):
        assert harmonised.totals[column].sum() == pytest.approx(float(results.totals[column].sum()), rel=1e-12)
    assert harmonised.party_votes["votes"].sum() == pytest.approx(float(results.party_votes["votes"].sum()))
    assert conversion.groupby("source")["weight"].sum().to_numpy() == pytest.approx(1.0)
    harmonised_totals_schema(election).validate(harmonised.totals)


def test_schema_refuses_negative_harmonised_counts(repo, municipalities):
    results = _results(repo, "tk2021")
    harmonised = harmonise_results(results, _conversion(repo, results, "tk2021", municipalities), municipalities)
    broken = harmonised.totals.copy()
    broken.loc[7, "valid"] = -1.0
    with pytest.raises(SchemaError, match=r"column 'valid', row 7 \(code=.*below the minimum 0.0"):
        harmonised_totals_schema("tk2021").validate(broken)


def test_tk2017_merged_municipalities_are_summed(repo, municipalities):
    results = _results(repo, "tk2017")
    harmonised = harmonise_results(results, _conversion(repo, results, "tk2017", municipalities), municipalities)
    before = results.totals.set_index("code")["eligible"]
    after = harmonised.totals.set_index("code")["eligible"]
    # Groningen 2021 = Groningen, Haren and Ten Boer of 2017 (whole municipalities, address shares 1).
    assert after["0014"] == pytest.approx(float(before[["0014", "0009", "0017"]].sum()))


def test_tk2023_is_split_back_by_address_shares(repo, municipalities):
    results = _results(repo, "tk2023")
    conversion = _conversion(repo, results, "tk2023", municipalities)
    amsterdam = conversion[conversion["source"] == "0363"].set_index("target")["weight"]
    # Weesp (0457) joined Amsterdam in 2022: 10,490 of Amsterdam-2023's 344,318 addresses lie in old Weesp.
    assert amsterdam["0457"] == pytest.approx(10490 / (333828 + 10490))
    assert set(conversion["kind"]) >= {"identity", "split"}


def test_reading_a_matrix_and_its_orientation(repo):
    matrix = read_address_matrix(repo / DATA / catalogue.crosswalk(2020, 2021), earlier_year=2020, later_year=2021)
    assert matrix.counts.loc["1979", "0003"] == 5363  # Appingedam into Eemsdelta
    with pytest.raises(ValueError, match="converts 2020<->2021, not 2019"):
        conversion_table(matrix, source_year=2019, source_codes=["0003"], target_codes=["1979"])


def test_a_code_outside_matrix_and_target_is_refused():
    matrix = AddressMatrix(2020, 2021, pd.DataFrame({"0001": [5]}, index=pd.Index(["0002"], name="later")), "m.csv")
    matrix.counts.columns.name = "earlier"
    with pytest.raises(InputDataError, match=r"m.csv.*\['0009'\] of 2020 are neither in the crosswalk"):
        conversion_table(matrix, source_year=2020, source_codes=["0001", "0009"], target_codes=["0002"])


def test_a_target_that_receives_nothing_is_refused():
    matrix = AddressMatrix(2020, 2021, pd.DataFrame({"0001": [5]}, index=pd.Index(["0002"], name="later")), "m.csv")
    matrix.counts.columns.name = "earlier"
    with pytest.raises(InputDataError, match=r"target municipalities \['0003'\] receive no source"):
        conversion_table(matrix, source_year=2020, source_codes=["0001"], target_codes=["0002", "0003"])


def test_a_bad_matrix_header_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,0001\n0002,5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"first column is 'code'"):
        read_address_matrix(path, earlier_year=2020, later_year=2021)


def test_counts_split_and_rates_population_weighted():
    conversion = pd.DataFrame({
        "source": ["A", "B", "B"], "target": ["X", "X", "Y"], "addresses": [1, 1, 3], "weight": [1.0, 0.25, 0.75],
        "kind": ["merge", "split", "split"],
    })
    frame = pd.DataFrame({"code": ["A", "B"], "people": [100, 400], "rate": [10.0, 30.0]})
    moved = move_counts(frame[["code", "people"]], conversion, ["people"]).set_index("code")["people"]
    assert moved.to_dict() == {"X": 200.0, "Y": 300.0}
    rates = move_rates(frame, conversion, ["rate"], weight="people").set_index("code")["rate"]
    assert rates["X"] == pytest.approx((10 * 100 + 30 * 100) / 200) and rates["Y"] == pytest.approx(30.0)


def test_missing_rates_do_not_count_their_weight():
    conversion = identity_table(["A", "B"]).assign(target=["X", "X"])
    frame = pd.DataFrame({"code": ["A", "B"], "people": [100, 300], "rate": [10.0, None]})
    rates = move_rates(frame, conversion, ["rate"], weight="people")
    assert rates.set_index("code").loc["X", "rate"] == pytest.approx(10.0)


def test_uncovered_code_is_refused():
    with pytest.raises(ValueError, match=r"no conversion for codes \['C'\]"):
        move_counts(pd.DataFrame({"code": ["C"], "n": [1]}), identity_table(["A"]), ["n"])
