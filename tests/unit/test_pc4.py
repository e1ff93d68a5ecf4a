"""The PC4 stage: polling stations read from fixtures cut from the published TK2025 file and placed by postcode,
the reconciliation of totals (fixture and the whole snapshot), the areas' values, the weights policy for areas
without a value, and the fixed-effect regression's within transformation."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import statsmodels.api as sm

from afgehaakt.errors import InputDataError
from afgehaakt.pc4 import analysis
from afgehaakt.pc4.areas import party_group_votes, pc4_values
from afgehaakt.pc4.stations import (
    REASON_MOBILE,
    REASON_NO_POSTCODE,
    REASON_NOT_ON_MAP,
    REASON_POSTAL,
    REASON_SPECIAL,
    STATION_MEMBER,
    SpecialStationRule,
    read_municipal_list_votes,
    read_station_votes,
    reconciliation,
    station_table,
    without_special,
)
from afgehaakt.spatial.weights import IslandPolicy, queen_weights

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests/fixtures/tk2025/TK2025_CSV_fixture.zip"
SNAPSHOT = ROOT / "data/elections/tk2025/TK2025_CSV.zip"
RULE = SpecialStationRule(r"\b(?:gemeentehuis|stadhuis|station|mobiel\w*)\b", 2.0)
GROUPS = {"outsider": ["PVV", "SP", "FvD", "PvdD", "JA21", "50PLUS", "DENK", "BBB", "BIJ1"],
          "orthodox_protestant": ["SGP", "CU", "CU-SGP"]}
# Postcode areas of the fixture's municipalities on the 2020 map (Heerenveen's 8440-8449 left out on purpose).
ON_MAP = {"9161", "9162", "9163", "9164", *(str(code) for code in range(8421, 8436)), "8441", "8442", "8443"}


@pytest.fixture(scope="module")
def votes():
    return read_station_votes(str(FIXTURE))


@pytest.fixture(scope="module")
def stations(votes):
    return station_table(votes, pc4_on_map=ON_MAP, rule=RULE).set_index(["municipality", "station_code"])


def test_a_station_with_a_postcode_is_placed_in_its_area_and_its_votes_read_as_published(votes, stations):
    ballum = stations.loc[("0060", "SB1")]
    assert (ballum["postcode"], ballum["postcode_source"], ballum["pc4"], ballum["status"]) == (
        "9162EA", "column", "9162", "assigned")
    # Published line: 60;Ameland;"9162EA";Stembureau Ballum (postcode: 9162 EA);SB1;BBB;57
    row = votes[(votes["municipality"] == "0060") & (votes["station_code"] == "SB1") & (votes["list_name"] == "BBB")]
    assert row["votes"].tolist() == [57] and row["party"].tolist() == ["BBB"]
    assert ballum["votes"] == 525


def test_stations_without_a_postcode_are_listed_with_the_reason(stations):
    noord_beveland = stations.loc["1695"]
    assert len(noord_beveland) == 6 and (noord_beveland["status"] == "unassigned").all()
    assert (noord_beveland["reason"] == REASON_NO_POSTCODE).all() and (noord_beveland["pc4"] == "").all()
    mobile = stations.loc[("0074", "SB37")]
    assert (mobile["status"], mobile["reason"]) == ("unassigned", REASON_MOBILE)
    assert (stations.loc["9010", "reason"] == REASON_POSTAL).all()
    assert (stations.loc["0074"].query("pc4 == '8446'")["reason"] == REASON_NOT_ON_MAP).all()


def test_a_postcode_written_in_the_station_name_is_used_when_the_column_is_empty(stations):
    oosterwolde = stations.loc[("0085", "SB1")]
    assert oosterwolde["postcode_published"] == "" and oosterwolde["postcode_source"] == "station name"
    assert (oosterwolde["postcode"], oosterwolde["pc4"], oosterwolde["status"]) == ("8431LE", "8431", "assigned")


def test_a_municipality_whose_stations_span_several_areas(stations):
    ameland = stations.loc["0060"]
    assert sorted(ameland["pc4"]) == ["9161", "9162", "9163", "9164"]
    assert ameland["votes"].sum() == 3127


def test_fixture_reconciliation_municipalities_equal_the_result_and_the_national_gap_is_the_cut(stations):
    table = reconciliation(stations.reset_index(), read_municipal_list_votes(str(FIXTURE))).set_index("region")
    municipal = table[table["level"] == "municipality"]
    assert (municipal["difference"] == 0).all() and len(municipal) == 5
    assert (municipal["votes_assigned"] + municipal["votes_unassigned"] == municipal["station_votes"]).all()
    assert table.loc["G1695", ["stations_unassigned", "votes_unassigned"]].tolist() == [6, 5218]
    national = table.loc["L528"]
    assert national["result_votes"] == 10_571_990
    assert national["difference"] == stations["votes"].sum() - 10_571_990


def test_snapshot_every_municipality_and_the_nation_reconcile_and_every_station_is_accounted_for():
    from afgehaakt.pc4.areas import read_pc4_polygons

    polygons, _ = read_pc4_polygons(str(ROOT / "data/pc4/pc4_2020_rd.gpkg"))
    table = station_table(read_station_votes(str(SNAPSHOT)), pc4_on_map=set(polygons["pc4"]), rule=RULE)
    totals = reconciliation(table, read_municipal_list_votes(str(SNAPSHOT)))
    assert (totals["difference"] == 0).all() and len(totals) == 343 + 3 + 1  # gemeenten + NBSB, BES, nation
    national = totals[totals["level"] == "national"].iloc[0]
    assert (national["stations"], national["station_votes"]) == (10_085, 10_571_990)
    assert (national["stations_assigned"], national["votes_assigned"]) == (9_632, 10_041_251)
    assert national["stations_unassigned"] + national["stations_assigned"] == national["stations"]
    assert table.loc[table["status"] == "unassigned", "reason"].value_counts().to_dict() == {
        REASON_NO_POSTCODE: 419, REASON_MOBILE: 18, "Caribbean Netherlands (BES), outside the PC4 map": 10,
        REASON_POSTAL: 4, REASON_NOT_ON_MAP: 2}


def test_a_bad_vote_count_names_the_file_field_and_line(tmp_path):
    with zipfile.ZipFile(FIXTURE) as archive:
        lines = archive.read(STATION_MEMBER).splitlines(keepends=True)
    lines[3] = lines[3].replace(b";57\r\n", b";5x\r\n") if lines[3].endswith(b";57\r\n") else lines[3][:-3] + b"x\r\n"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr(STATION_MEMBER, b"".join(lines))
    with pytest.raises(InputDataError, match="AantalStemmen") as error:
        read_station_votes(str(bad))
    assert "bad.zip" in str(error.value) and "row 4" in str(error.value)


def test_special_stations_by_name_and_size_and_the_sensitivity_table(stations):
    table = stations.reset_index()
    town_hall = table[(table["municipality"] == "0074") & (table["station_code"] == "SB1")].iloc[0]
    assert town_hall["special"] and town_hall["special_reason"] == "name"
    assert not table.loc[table["municipality"] == "9010", "special"].any()  # the postal bureau is no station
    sensitivity = without_special(table)
    left_out = sensitivity[(sensitivity["reason"] == REASON_SPECIAL)]
    assert set(left_out["station_code"]) == set(table.loc[table["special"] & (table["status"] == "assigned"),
                                                          "station_code"])
    assert (sensitivity.loc[~table["special"], "status"] == table.loc[~table["special"], "status"]).all()


def test_areas_without_a_station_have_no_value_and_shares_are_of_the_placed_votes(votes, stations):
    polygons = gpd.GeoDataFrame({"pc4": ["9161", "9162", "9163", "9164", "9165"]},
                                geometry=[shapely.box(k, 0, k + 1, 1) for k in range(5)], crs="EPSG:28992")
    covariates = pd.DataFrame(index=pd.Index(["9161"], name="pc4"), data={"woz": [300.0]})
    areas = pc4_values(stations.reset_index(), party_group_votes(votes, GROUPS), votes, polygons, covariates,
                       party_groups=list(GROUPS)).set_index("pc4")
    assert areas.loc["9165", "stations"] == 0 and not areas.loc["9165", "has_value"]
    assert np.isnan(areas.loc["9165", "outsider_share"]) and np.isnan(areas.loc["9165", "votes"])
    ballum_votes = votes[(votes["municipality"] == "0060") & (votes["station_code"] == "SB1")]
    outsider = ballum_votes.loc[ballum_votes["party"].isin(GROUPS["outsider"]), "votes"].sum()
    assert areas.loc["9162", "outsider_share"] == pytest.approx(outsider / 525)
    assert areas.loc["9162", "votes_BBB"] == 57 and areas.loc["9162", "municipality"] == "0060"


def _strip(values):
    """Three unit squares in a row (A B C) and a fourth (D) far away; ``values`` per area (NaN = no station)."""
    geometry = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(2, 0, 3, 1), shapely.box(10, 0, 11, 1)]
    return gpd.GeoDataFrame({"pc4": ["1001", "1002", "1003", "1004"], "has_value": ~np.isnan(values),
                             "outsider_share": values}, geometry=geometry, crs="EPSG:28992")


def test_an_area_without_a_value_leaves_the_weights_and_links_nobody_through_it():
    areas = _strip(np.array([0.3, np.nan, 0.5, 0.4]))
    weights = analysis.area_weights(areas, analysis.value_sample(areas), policy=IslandPolicy("none"), k=1,
                                    sample_name="test")
    queen = weights.edges["queen"]
    assert weights.ids == ("1001", "1003", "1004") and "1002" not in set(queen["focal"]) | set(queen["neighbor"])
    assert queen.empty  # A and C touched only through B
    summary = weights.summaries["queen"]
    assert (summary["areas_left_out"], summary["components_before"], summary["units"]) == (1, 3, 3)
    assert set(weights.edges["knn"]["focal"]) == {"1001", "1003", "1004"}
    connected = analysis.area_weights(areas, analysis.value_sample(areas), policy=IslandPolicy(), k=1,
                                      sample_name="test")
    assert connected.summaries["queen"]["components_after"] == 1
    assert (connected.edges["queen"]["origin"] == "island_policy").all()


def test_weights_from_the_layer_contiguity_equal_weights_built_from_the_polygons():
    areas = _strip(np.array([0.3, np.nan, 0.5, 0.4]))
    sample = analysis.value_sample(areas)
    layer = analysis.layer_contiguity(areas)
    assert len(layer) == 4  # A-B and B-C, both directions
    rebuilt = analysis.area_weights(areas, sample, policy=IslandPolicy(), k=1, sample_name="t")
    selected = analysis.area_weights(areas, sample, policy=IslandPolicy(), k=1, sample_name="t", contiguity=layer)
    pd.testing.assert_frame_equal(rebuilt.edges["queen"], selected.edges["queen"], check_dtype=False)
    full = queen_weights(areas[["pc4", "geometry"]], id_column="pc4", policy=IslandPolicy(),
                         contiguity=layer)
    assert full.components_before == 2


def test_fixed_effects_by_weighted_within_transformation_equal_wls_with_municipality_dummies():
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame({"municipality": rng.choice(["a", "b", "c", "d", "e"], n), "votes": rng.integers(50, 3000, n),
                          "log_woz": rng.normal(5.5, 0.3, n), "aged_20_34_share": rng.uniform(0.1, 0.3, n),
                          "aged_65_plus_share": rng.uniform(0.1, 0.3, n),
                          **{f"urbanity_{k}": (rng.uniform(size=n) < 0.2).astype(float) for k in (2, 3, 4, 5)}})
    effect = frame["municipality"].map({"a": 0.0, "b": 0.05, "c": -0.04, "d": 0.1, "e": 0.02})
    frame[analysis.OUTCOME] = 1.5 - 0.2 * frame["log_woz"] + effect + rng.normal(0, 0.03, n)
    result = analysis.area_regressions(frame, sample="test")
    fixed = result.coefficients[result.coefficients["model"] == "municipality fixed effects"].set_index("term")
    terms = analysis.design_terms()
    dummies = pd.get_dummies(frame["municipality"], drop_first=True, dtype=float)
    reference = sm.WLS(frame[analysis.OUTCOME], sm.add_constant(pd.concat([frame[terms], dummies], axis=1)),
                       weights=frame["votes"]).fit()
    np.testing.assert_allclose(fixed.loc[terms, "estimate"], reference.params[terms], rtol=1e-10)
    np.testing.assert_allclose(result.residuals.to_numpy(), reference.resid.to_numpy(), atol=1e-12)
    assert fixed.loc["log_woz", "estimate"] == pytest.approx(-0.2, abs=0.02)


def test_the_report_states_placing_results_and_caveats_from_the_tables(stations):
    from afgehaakt.pc4.report import pc4_report

    table = stations.reset_index()
    totals = reconciliation(table, read_municipal_list_votes(str(FIXTURE)))
    moran = pd.DataFrame({"sample": "all stations", "weights": ["queen", "knn"], "statistic": [0.5, 0.4]})
    split = pd.DataFrame([{"sample": "all stations", "between_share": 0.4, "within_share": 0.6, "areas": 10,
                           "municipalities": 3, "method": "REML", "weights": "votes"}])
    sensitivity = pd.DataFrame({"quantity": ["stations"], "all stations": [50], "without special stations": [47]})
    insets = pd.DataFrame([{"name": "Ameland", "areas": 4, "areas_with_value": 4, "outsider_share": 0.3,
                            "area_share_min": 0.2, "area_share_max": 0.4, "fdr_HH": 0, "fdr_LL": 1}])
    text = pc4_report(reconciliation=totals, stations=table, moran=moran, split=split, sensitivity=sensitivity,
                      insets=insets, special_rule=RULE.describe())
    placed = table[table["status"] == "assigned"]
    assert f"{len(placed)} of {len(table)} stations" in text
    assert "published no postcode for any station (5,218 votes): Noord-Beveland." in text
    assert "| Ameland | 4 | 4 | 30.0% | 20.0% | 40.0% | 0 | 1 |" in text and "| stations | 50 | 47 |" in text
    assert "vote *cast\n  in* the area, not the vote *of its residents*" in text


def test_a_bad_special_station_rule_names_its_config_key():
    from afgehaakt.errors import ConfigError

    with pytest.raises(ConfigError, match="pc4.special_stations.name_pattern"):
        SpecialStationRule(r"\b(station", 2.0)
    with pytest.raises(ConfigError, match="size_ratio"):
        SpecialStationRule(r"station", 0.5)
