"""The municipal features table on the 2021 boundaries, built from the real snapshot."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt import catalogue
from afgehaakt.elections import election_indicators
from afgehaakt.features.features_table import build_features_table, features_schema
from afgehaakt.features.harmonise import election_conversion, harmonise_results, read_election, read_municipalities
from afgehaakt.features.municipal import indicator_columns
from afgehaakt.io.statline import KWB_2020, read_municipal_table
from afgehaakt.schemas import SchemaError
from afgehaakt.spatial.weights import IslandPolicy, queen_weights

GROUPS = {"outsider": ["PVV", "SP", "FvD", "PvdD", "JA21", "50PLUS", "DENK", "BBB", "BIJ1"],
          "orthodox_protestant": ["SGP", "CU", "CU-SGP"]}


@pytest.fixture(scope="module")
def inputs(repo, boundaries_2021):
    data = repo / "data"
    municipalities = read_municipalities(data / catalogue.MUNICIPALITIES_2021)
    elections = {}
    for election in ("tk2021", "tk2023"):
        source = catalogue.election(election)
        results = read_election(source.format, [str(data / f) for f in source.files])
        path = catalogue.crosswalk(source.boundary_year, 2021)
        conversion = election_conversion(results, source_year=source.boundary_year, target_year=2021,
                                         target_codes=list(municipalities["code"]),
                                         matrix_path=None if path is None else str(data / path))
        harmonised = harmonise_results(results, conversion, municipalities)
        elections[election] = election_indicators(harmonised.totals, harmonised.party_votes,
                                                  party_groups=GROUPS).table
    edges = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    paths = {f"{name}_path": str(data / path) for name, path in catalogue.STATLINE_FILES.items()}
    return dict(municipalities=municipalities, edges=edges, elections=elections,
                crosswalk2020_path=str(data / catalogue.crosswalk(2020, 2021)), **paths)


@pytest.fixture(scope="module")
def built(inputs):
    return build_features_table(**inputs, missing_values="neighbour_mean")


def test_one_row_per_2021_municipality(built, inputs):
    features, _ = built
    assert len(features.table) == 352
    assert set(features.table["code"]) == set(inputs["municipalities"]["code"])


def test_inhabitants_are_conserved_by_harmonisation(built, repo):
    features, _ = built
    kwb = read_municipal_table(repo / "data" / catalogue.STATLINE_FILES["kwb2020"], KWB_2020)
    assert features.table["inhabitants_2020"].sum() == pytest.approx(float(kwb["inhabitants"].sum()), rel=1e-12)


def test_eemsdelta_low_education_is_recomputed_from_moved_counts(built, repo):
    features, _ = built
    kwb = read_municipal_table(repo / "data" / catalogue.STATLINE_FILES["kwb2020"], KWB_2020).set_index("code")
    parts = kwb.loc[["0003", "0010", "0024"]]  # Appingedam, Delfzijl, Loppersum (wholly in Eemsdelta)
    expected = parts["education_low"].sum() / parts[["education_low", "education_middle", "education_high"]].sum().sum()
    value = features.table.set_index("code").loc["1979", "low_education_share"]
    assert value == pytest.approx(expected, rel=1e-12)


def test_missing_income_is_treated_and_listed(built):
    features, _ = built
    treated = features.imputed
    assert set(treated["name"]) == {"Schiermonnikoog", "Vlieland", "Rozendaal"}
    assert set(treated["indicator"]) == {"income_per_inhabitant"}
    assert features.table["income_per_inhabitant"].notna().all()
    rozendaal = treated.set_index("code").loc["0277"]
    neighbours = rozendaal["neighbours_used"].split(";")
    table = features.table.set_index("code")
    assert rozendaal["value_used"] == pytest.approx(table.loc[neighbours, "income_per_inhabitant"].mean())


def test_policy_none_keeps_missing_values(inputs):
    features, _ = build_features_table(**inputs, missing_values="none")
    assert features.table["income_per_inhabitant"].isna().sum() == 3
    assert features.imputed["value_used"].isna().all() and len(features.imputed) == 3


def test_every_codebook_indicator_is_a_column_and_in_range(built):
    features, _ = built
    for column in indicator_columns():
        values = features.table[column]
        assert values.notna().all(), column
    shares = [c for c in indicator_columns() if c.endswith("_share")]
    assert ((features.table[shares] >= 0) & (features.table[shares] <= 1)).all().all()


def test_schema_names_column_and_row_of_a_bad_value(built):
    features, _ = built
    broken = features.table.copy()
    broken.loc[5, "poor_health_share"] = 1.7
    with pytest.raises(SchemaError, match=r"column 'poor_health_share', row 5 \(code=.*above the maximum 1.0"):
        features_schema(["tk2021", "tk2023"], allow_missing=False).validate(broken)


def test_schema_refuses_a_duplicated_municipality(built):
    features, _ = built
    broken = pd.concat([features.table, features.table.iloc[[0]]], ignore_index=True)
    with pytest.raises(SchemaError, match="appears more than once"):
        features_schema(["tk2021", "tk2023"], allow_missing=False).validate(broken)


def test_conversion_log_names_every_merged_municipality(built):
    _, conversions = built
    changed = conversions[conversions["kind"] != "identity"]
    assert {"0003", "0010", "0024", "0788"} <= set(changed["source"])
    assert set(conversions["dataset"]) == {"84799NED 2020", "50090NED 2020", "50090NED 2016"}


def test_correlation_of_poor_health_with_turnout_is_strongly_negative(built):
    features, _ = built
    r = np.corrcoef(features.table["poor_health_share"], features.table["turnout_tk2021"])[0, 1]
    assert r < -0.6
