"""Turnout above 100% under each policy, and the weights rebuilt when units are excluded (real 2021 map)."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.analyses import policy_inputs, turnout_policy_robustness
from afgehaakt.spatial.turnout_policy import VOTER_PASS_SOURCES, turnout_under_policy, weights_without
from afgehaakt.spatial.weights import IslandPolicy, component_count, queen_weights

VLIELAND, SCHIERMONNIKOOG, HARLINGEN = "0096", "0088", "0072"


@pytest.fixture(scope="module")
def setting(boundaries_2021):
    """Turnout around 0.8 with no pattern, except two islands at 1.15 and 1.05, as in TK2021."""
    ids = sorted(boundaries_2021["code"])
    rng = np.random.default_rng(15)
    table = pd.DataFrame({"name": boundaries_2021.set_index("code")["name"],
                          "turnout_tk2021": 0.8 + 0.02 * rng.normal(size=len(ids)),
                          "low_education_share": 0.3 + 0.02 * rng.normal(size=len(ids)),
                          "population": rng.integers(1_000, 900_000, size=len(ids))}).loc[ids]
    table.loc[SCHIERMONNIKOOG, "turnout_tk2021"] = 1.15
    table.loc[VLIELAND, "turnout_tk2021"] = 1.05
    edges = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    return table, edges


def test_each_policy_treats_ballots_above_the_electorate_as_named():
    turnout = pd.Series({"a": 0.7, "b": 1.15, "c": 1.05, "d": 0.9}, name="turnout")
    observed = turnout_under_policy(turnout, "observed")
    assert observed.values.equals(turnout) and observed.above_one == ("b", "c") and observed.excluded == ()
    capped = turnout_under_policy(turnout, "capped")
    assert capped.values.tolist() == [0.7, 1.0, 1.0, 0.9] and capped.excluded == ()
    excluded = turnout_under_policy(turnout, "excluded")
    assert excluded.values.index.tolist() == ["a", "d"] and excluded.excluded == ("b", "c")
    passes = pd.Series({"a": 0.01, "b": 0.30, "c": 0.20, "d": 0.0})
    corrected = turnout_under_policy(turnout, "corrected", voter_pass_share=passes)
    assert np.allclose(corrected.values, [0.69, 0.85, 0.85, 0.9]) and corrected.excluded == ()


def test_corrected_needs_kiezerspas_counts_and_unknown_policies_stop():
    turnout = pd.Series({"a": 1.1}, name="turnout_tk2021")
    with pytest.raises(ValueError, match="kiezerspas"):
        turnout_under_policy(turnout, "corrected")
    with pytest.raises(ValueError, match="corrected turnout outside"):
        turnout_under_policy(turnout, "corrected", voter_pass_share=pd.Series({"a": 0.01}))
    with pytest.raises(ValueError, match="unknown turnout policy"):
        turnout_under_policy(turnout, "dropped")
    # Only TK2023's Osv4-3 count files have the "geldige kiezerspas" row.
    assert [e for e, has in VOTER_PASS_SOURCES.items() if has] == ["tk2023"]


def test_excluded_units_leave_the_rebuilt_weights(boundaries_2021, setting):
    full = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    assert ((full["focal"] == VLIELAND) & (full["neighbor"] == HARLINGEN)).any()  # the island link to remove
    rebuilt = weights_without(boundaries_2021, (VLIELAND, SCHIERMONNIKOOG), island_policy=IslandPolicy())
    linked = set(rebuilt.edges["focal"]) | set(rebuilt.edges["neighbor"])
    assert not linked & {VLIELAND, SCHIERMONNIKOOG}
    assert component_count(rebuilt.edges, rebuilt.ids) == 1 and len(rebuilt.ids) == 350
    table, edges = setting
    inputs = policy_inputs(table, boundaries_2021, edges, column="turnout_tk2021", policy="excluded",
                           island_policy=IslandPolicy())
    neighbours = inputs.graph.adjacency.reset_index()
    assert not set(neighbours["neighbor"]) & {VLIELAND, SCHIERMONNIKOOG}
    assert len(inputs.table) == 350 and set(inputs.boundaries["code"]) == set(inputs.table.index)
    with pytest.raises(ValueError, match="not in the boundaries"):
        weights_without(boundaries_2021, ("9999",), island_policy=IslandPolicy())


def test_robustness_table_has_a_row_per_policy_and_no_hot_spot_through_an_excluded_unit(boundaries_2021, setting):
    table, edges = setting
    result = turnout_policy_robustness(
        table, boundaries_2021, edges, column="turnout_tk2021",
        policies=["observed", "capped", "excluded", "corrected"], island_policy=IslandPolicy(),
        voter_pass_share=None, covariates=["low_education_share"], weights_name="queen", permutations=199,
        seed=7, alpha=0.05, alternative="greater", axis_draws=99).set_index("policy")
    assert list(result.index) == ["observed", "capped", "excluded", "corrected"]
    assert "no kiezerspas counts" in result.loc["corrected", "note"]
    assert result.loc["excluded", "units"] == 350
    assert result.loc["excluded", "excluded"] == "Schiermonnikoog; Vlieland"
    assert result.loc["observed", "ballots_above_electorate"] == "Schiermonnikoog; Vlieland"
    # Harlingen's only high neighbour is Vlieland (linked by the island policy): a hot spot only through that
    # link when Vlieland is kept at 1.05, never once it is excluded.
    assert "Harlingen" in result.loc["observed", "gi_hot_spots"]
    assert "Harlingen" not in result.loc["excluded", "gi_hot_spots"]
    assert result.loc["excluded", "weights"] == "queen (rebuilt without the excluded units)"
