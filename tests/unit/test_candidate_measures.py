"""Real measures of the candidate explanations (issue 15 items 3 and 7) on the committed snapshot."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt import catalogue
from afgehaakt.acquisition.population import population_from_snapshot
from afgehaakt.errors import InputDataError
from afgehaakt.features.candidate_measures import (MIN_RELIGION_COVERAGE, RELIGION_YEAR, adults, candidate_measures,
                                                   population_change, read_religion, religion_on_target,
                                                   suppressed_religion)
from afgehaakt.features.codebook import CANDIDATE_MEASURES
from afgehaakt.io.merger_history import read_address_pairs, read_merger_history
from afgehaakt.spatial.analyses import candidates_on_observed_units, graphs_from_edges
from afgehaakt.spatial.weights import IslandPolicy, queen_weights

DATA = "data/"
SUPPRESSED_2014 = {"0060", "0088", "0093", "0096", "0277", "0339", "0365", "0458", "0478"}


@pytest.fixture(scope="module")
def inputs(repo):
    paths = catalogue.MERGER_HISTORY
    series = repo / DATA / catalogue.CANDIDATE_MEASURE_FILES["population_series"]
    return dict(
        history=read_merger_history(repo / DATA / paths["events"], repo / DATA / paths["municipalities"]),
        addresses=read_address_pairs(repo / DATA / paths["addresses"]),
        religion=read_religion(repo / DATA / catalogue.CANDIDATE_MEASURE_FILES["religion"]),
        population_2014=population_from_snapshot(series, year=RELIGION_YEAR),
        population_2004=population_from_snapshot(series, year=2004),
        population_2021=population_from_snapshot(series, year=2021),
        kwb2020=pd.read_csv(repo / DATA / catalogue.STATLINE_FILES["kwb2020"]),
        kwb2021=pd.read_csv(repo / DATA / catalogue.STATLINE_FILES["kwb2021"]),
    )


@pytest.fixture(scope="module")
def on_2021(inputs):
    return religion_on_target(inputs["religion"], inputs["population_2014"], inputs["history"], target_year=2021,
                              addresses=inputs["addresses"])


def test_religion_reads_rates_as_fractions_and_keeps_suppression_missing(inputs):
    religion = inputs["religion"]
    assert len(religion) == 403
    suppressed = religion["church_attendance_monthly_share"].isna()
    assert set(religion.loc[suppressed, "code"]) == SUPPRESSED_2014
    urk = religion.set_index("code").loc["0184"]
    assert urk["church_attendance_monthly_share"] == pytest.approx(0.958)
    assert urk["church_membership_share"] == pytest.approx(0.981)


def test_national_adults_are_conserved_by_the_mapping_to_2021(inputs, on_2021):
    source_adults = adults(inputs["population_2014"])
    assert len(on_2021) == 352
    assert on_2021["adults"].sum() == pytest.approx(source_adults.sum(), rel=1e-12)
    published = ~inputs["population_2014"]["code"].isin(SUPPRESSED_2014).to_numpy()
    assert on_2021["adults_covered"].sum() == pytest.approx(source_adults[published].sum(), rel=1e-12)
    # Adults are a plausible share of the 2014 population (16.8 million, about 13.4 million aged 18+).
    assert 13.2e6 < source_adults.sum() < 13.6e6


def test_a_merged_municipality_gets_the_adult_weighted_rate_of_its_parts(inputs, on_2021):
    # Altena (1959) on 1 January 2019 = Aalburg (0738) + Werkendam (0870) + Woudrichem (0874), all published.
    population = inputs["population_2014"].assign(adults=adults(inputs["population_2014"]).to_numpy())
    parts = inputs["religion"].merge(population[["code", "adults"]], on="code").set_index("code").loc[
        ["0738", "0870", "0874"]]
    expected = np.average(parts["church_attendance_monthly_share"], weights=parts["adults"])
    altena = on_2021.set_index("code").loc["1959"]
    assert altena["church_attendance_monthly_share"] == pytest.approx(expected, rel=1e-12)
    assert altena["religion_coverage"] == 1.0
    # An unchanged municipality keeps its published rate.
    assert on_2021.set_index("code").loc["0184", "church_attendance_monthly_share"] == pytest.approx(0.958)


def test_suppressed_municipalities_are_listed_and_never_filled(inputs, on_2021):
    table = suppressed_religion(inputs["religion"], on_2021, inputs["history"], target_year=2021,
                                addresses=inputs["addresses"])
    assert set(table["source_code"]) == SUPPRESSED_2014
    missing = set(table.loc[table["target_rate_missing"], "target_code"])
    assert missing == {"0060", "0088", "0093", "0096", "0277", "0339"}
    by_code = on_2021.set_index("code")
    assert by_code.loc[sorted(missing), "church_attendance_monthly_share"].isna().all()
    # Alkmaar holds Graft-De Rijp and Schermer (suppressed) since 2015: its rate is the published part's, and
    # its coverage says how much of its adults that part holds.
    alkmaar = by_code.loc["0361"]
    assert MIN_RELIGION_COVERAGE < alkmaar["religion_coverage"] < 1
    assert alkmaar["church_attendance_monthly_share"] == pytest.approx(
        inputs["religion"].set_index("code").loc["0361", "church_attendance_monthly_share"], rel=1e-12)
    assert by_code["church_attendance_monthly_share"].notna().sum() == 352 - len(missing)


def test_a_bad_religion_value_names_file_field_and_row(tmp_path):
    path = tmp_path / "religion.csv"
    path.write_text("cbs_code_2014,gemeente,kerkbezoek_maandelijks_pct,kerkelijk_totaal_pct\n"
                    "GM0003,Appingedam,10.3,44.7\nGM0005,Bedum,x,52.5\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="kerkbezoek_maandelijks_pct.*row 3|row 3.*kerkbezoek"):
        read_religion(path)


def test_population_change_sums_2004_municipalities_onto_2021(inputs):
    change = population_change(inputs["population_2004"], inputs["population_2021"], inputs["history"],
                               target_year=2021, addresses=inputs["addresses"]).set_index("code")
    assert len(change) == 352 and change.iloc[:, 0].notna().all()
    population_2004 = inputs["population_2004"].set_index("code")["population"]
    population_2021 = inputs["population_2021"].set_index("code")["population"]
    # Urk kept its boundaries: the change is the raw ratio.
    assert change.loc["0184"].iloc[0] == pytest.approx(population_2021["0184"] / population_2004["0184"] - 1)
    # National: the moved 2004 population is the published 2004 total (16.26 million).
    moved_total = (population_2021.astype(float) / (1 + change.iloc[:, 0])).sum()
    assert moved_total == pytest.approx(float(population_2004.sum()), rel=1e-9)


def test_every_measure_is_in_the_codebook_and_the_table_covers_2021(inputs):
    local = pd.DataFrame({"code": inputs["population_2021"]["code"], "gr2022_local_share": 0.3,
                          "gr2026_local_share": 0.35})
    result = candidate_measures(religion=inputs["religion"], population_religion_year=inputs["population_2014"],
                                population_base=inputs["population_2004"],
                                population_target=inputs["population_2021"], kwb2020=inputs["kwb2020"],
                                kwb2021=inputs["kwb2021"], local_share=local, history=inputs["history"],
                                target_year=2021, addresses=inputs["addresses"])
    measures = result.measures
    assert len(measures) == 352 and measures["code"].is_unique
    assert {d.name for d in CANDIDATE_MEASURES} <= set(measures.columns)
    for column in ("distance_gp_km", "distance_supermarket_km", "distance_primary_school_km",
                   "distance_day_care_km", "home_ownership_share", "population_change_2004_2021"):
        assert measures[column].notna().all(), column
    assert measures["home_ownership_share"].between(0, 1).all()
    assert measures["distance_gp_km"].between(0.1, 10).all()


def test_a_candidate_with_gaps_is_estimated_on_the_units_that_have_it(boundaries_2021):
    edges = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    ids = sorted(boundaries_2021["code"])
    rng = np.random.default_rng(5)
    centroids = boundaries_2021.set_index("code").geometry.centroid.loc[ids]
    zone = (centroids.y > centroids.y.quantile(0.85)).to_numpy()
    table = pd.DataFrame({"education": rng.normal(size=len(ids)), "church": zone + 0.1 * rng.normal(size=len(ids)),
                          "noise": rng.normal(size=len(ids)), "noise2": rng.normal(size=len(ids)),
                          "population": rng.integers(1_000, 900_000, size=len(ids))}, index=ids)
    gaps = ids[:7]
    table.loc[gaps, "church"] = np.nan
    outcome = pd.Series(0.5 * table["education"] + 1.0 * zone + 0.3 * rng.normal(size=len(ids)), index=ids,
                        name="turnout")
    result = candidates_on_observed_units(outcome, table, edges, covariates=["education"],
                                          candidates=["church", "noise", "noise2"], population="population",
                                          zone=tuple(np.array(ids)[zone]), draws=99, seed=3)
    rows = result.set_index("model")
    assert rows.loc["base + noise", "n"] == len(ids) and rows.loc["base + noise", "units_left_out"] == ""
    assert rows.loc["base + church", "n"] == len(ids) - 7
    assert rows.loc["base + church", "units_left_out"] == " ".join(gaps)
    together = result[result["model"] == "base + all candidates"]
    assert set(together["term"]) == {"church", "noise", "noise2"} and (together["n"] == len(ids) - 7).all()
    # The candidates observed everywhere are also estimated together on all units, under a name that says so.
    everywhere = result[result["model"] == "base + all candidates observed everywhere"]
    assert set(everywhere["term"]) == {"noise", "noise2"} and (everywhere["n"] == len(ids)).all()
    assert list(result["model"].str.startswith("base + all candidates")) == [False] * 3 + [True] * 5
    # Still the candidate that carries the zone explains it, on the units that have it.
    assert rows.loc["base + church", "partial_r2_ols"] > 0.4 > 0.02 > abs(rows.loc["base + noise", "partial_r2_ols"])
