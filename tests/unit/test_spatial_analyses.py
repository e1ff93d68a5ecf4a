"""The workflow's spatial analyses on the real 2021 map: what each table holds and which inference it states."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.analyses import (
    STACKED,
    burgerschapszone,
    gather_lisa_chunks,
    graphs_from_edges,
    lisa_tables,
    robustness_table,
    unit_chunk,
)
from afgehaakt.spatial.weights import IslandPolicy, queen_weights


@pytest.fixture(scope="module")
def setting(boundaries_2021):
    edges = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy()).edges
    ids = sorted(boundaries_2021["code"])
    graph = graphs_from_edges({"queen": edges}, ids)["queen"]
    centroids = boundaries_2021.set_index("code").geometry.centroid
    rng = np.random.default_rng(4)
    # A south-west to north-east gradient plus noise: strongly autocorrelated and oriented along 45 degrees.
    diagonal = (centroids.x + centroids.y - (centroids.x + centroids.y).mean()) / 1e5
    table = pd.DataFrame({
        "name": boundaries_2021.set_index("code")["name"],
        "turnout_tk2021": 0.8 + 0.02 * diagonal + 0.01 * rng.normal(size=len(ids)),
        "outsider_share_tk2021": 0.3 - 0.02 * diagonal + 0.01 * rng.normal(size=len(ids)),
        STACKED: rng.normal(size=len(ids)),
        "low_education_share": 0.3 + 0.02 * rng.normal(size=len(ids)),
        "volunteering_share": 0.25 + 0.02 * rng.normal(size=len(ids)),
        "population": rng.integers(1_000, 900_000, size=len(ids)),
    }).loc[ids]
    return table, graph, edges


def test_robustness_table_states_alternatives(setting):
    table, graph, _ = setting
    result = robustness_table(table, {"queen": graph}, variables=["low_education_share"], elections=["tk2021"],
                              focus_election="tk2021", covariates=["low_education_share"], permutations=99,
                              seed=1, alternative="greater")
    bivariate = result[result["statistic_name"] == "bivariate_moran_i"]
    assert len(bivariate) == 2 and set(bivariate["alternative"]) == {"two-sided"}
    univariate = result[result["statistic_name"] == "moran_i"]
    assert set(univariate["alternative"]) == {"greater"}
    assert set(univariate["variable"]) == {"low_education_share", "turnout_tk2021", "outsider_share_tk2021", STACKED}
    assert univariate.set_index("variable").loc["turnout_tk2021", "statistic"] > 0.3


def test_lisa_tables_skip_gi_star_for_negative_values(setting):
    table, graph, _ = setting
    result = lisa_tables(table, graph, weights_name="queen", variables=["turnout_tk2021", STACKED],
                         bivariate_with=STACKED, permutations=99, seed=2, alpha=0.05)
    pairs = set(zip(result["statistic_name"], result["variable"], strict=True))
    assert ("local_gi_star", "turnout_tk2021") in pairs and ("local_gi_star", STACKED) not in pairs
    bivariate = {v for kind, v in pairs if kind == "local_bivariate_moran"}
    assert bivariate == {f"{STACKED} ~ lag(turnout_tk2021)"}
    assert set(result["alternative"]) == {"two-sided"} and set(result["seed"]) == {2}


def test_burgerschapszone_orients_outcomes_where_lower_is_better(setting, boundaries_2021):
    table, graph, edges = setting
    zone = burgerschapszone(table, graph, edges, boundaries_2021, outcome="outsider_share_tk2021", better="low",
                            covariates=["low_education_share"], candidates=["low_education_share", STACKED, "volunteering_share"],
                            weights_name="queen", permutations=99, seed=3, alpha=0.05, axis_draws=99,
                            bootstrap_draws=99)
    assert set(zone.residual_lisa["orientation"]) == {"sign reversed (lower is better)"}
    # Lower outsider vote in the north-east: the oriented residuals grow towards the north-east.
    residual = zone.residual_lisa.set_index("code")["residual"]
    centroids = boundaries_2021.set_index("code").geometry.centroid
    assert np.corrcoef(residual.loc[centroids.index], centroids.x + centroids.y)[0, 1] > 0.5
    # The covariate itself is not a candidate; the others are added one at a time and all together.
    assert set(zone.candidates["model"]) == {f"base + {STACKED}", "base + volunteering_share",
                                             "base + all candidates"}
    with pytest.raises(ValueError, match="better must be"):
        burgerschapszone(table, graph, edges, boundaries_2021, outcome="turnout_tk2021", better="up",
                         covariates=["low_education_share"], candidates=[STACKED], weights_name="queen",
                         permutations=99, seed=3, alpha=0.05, axis_draws=99)


@pytest.mark.parametrize("parts", [1, 3, 7])
def test_lisa_gathered_from_unit_chunks_equals_one_job(setting, parts):
    table, graph, _ = setting
    settings = {"weights_name": "queen", "variables": ["turnout_tk2021", STACKED], "bivariate_with": STACKED,
                "permutations": 199, "seed": 11, "alpha": 0.05}
    whole = lisa_tables(table, graph, **settings)
    chunks = [lisa_tables(table, graph, **settings, units=unit_chunk(len(table), part, parts))
              for part in range(1, parts + 1)]
    # Reversed: the gather must not depend on the order in which parts arrive.
    gathered = gather_lisa_chunks(chunks[::-1])
    pd.testing.assert_frame_equal(gathered, whole, check_exact=True)
    assert whole["p_sim"].nunique() > 20  # a real comparison: many distinct p-values from 199 permutations


def test_a_lisa_chunk_holds_only_its_units_without_fdr_columns(setting):
    table, graph, _ = setting
    units = unit_chunk(len(table), 2, 4)
    chunk = lisa_tables(table, graph, weights_name="queen", variables=[STACKED], bivariate_with=STACKED,
                        permutations=99, seed=1, alpha=0.05, units=units)
    assert list(chunk["code"]) == list(table.index[units]) and list(chunk["position"]) == list(units)
    assert "cluster_fdr" not in chunk.columns and "fdr_cutoff" not in chunk.columns
    assert chunk["p_sim"].notna().all()


def test_gathering_lisa_chunks_with_a_missing_part_fails(setting):
    table, graph, _ = setting
    settings = {"weights_name": "queen", "variables": [STACKED], "bivariate_with": STACKED, "permutations": 99,
                "seed": 1, "alpha": 0.05}
    chunks = [lisa_tables(table, graph, **settings, units=unit_chunk(len(table), part, 3)) for part in (1, 3)]
    with pytest.raises(ValueError, match="units missing or repeated"):
        gather_lisa_chunks(chunks)


@pytest.mark.parametrize(("part", "parts"), [(0, 3), (4, 3), (1, 400)])
def test_unit_chunk_refuses_impossible_parts(part, parts):
    with pytest.raises(ValueError, match="scatter part|at most one part per unit"):
        unit_chunk(352, part, parts)


def test_unit_chunks_cover_every_unit_once():
    chunks = [unit_chunk(352, part, 5) for part in range(1, 6)]
    assert np.array_equal(np.concatenate(chunks), np.arange(352))
    assert {len(c) for c in chunks} <= {70, 71}
