"""Spatial regression tables: OLS with LM diagnostics, ML spatial lag and spatial error (spreg)."""

import numpy as np
import pandas as pd
import pytest

from afgehaakt.spatial.regression import spatial_regression
from afgehaakt.spatial.weights import IslandPolicy, graph_from_edges, queen_weights


@pytest.fixture(scope="module")
def graph(boundaries_2021):
    weights = queen_weights(boundaries_2021, id_column="code", policy=IslandPolicy())
    return graph_from_edges(weights.edges, weights.ids)


@pytest.fixture(scope="module")
def covariates(graph):
    rng = np.random.default_rng(41)
    return pd.DataFrame({"x1": rng.normal(size=352), "x2": rng.normal(size=352)}, index=graph.unique_ids)


def _lag_process(graph, covariates, rho, seed):
    """y = (I - rho W)^-1 (1 + 2 x1 - x2 + e): a spatial lag process with known parameters."""
    w = graph.transform("R").sparse.toarray()
    e = np.random.default_rng(seed).normal(scale=0.5, size=352)
    signal = 1.0 + 2.0 * covariates["x1"] - covariates["x2"] + e
    return pd.Series(np.linalg.solve(np.eye(352) - rho * w, signal), index=covariates.index, name="y")


def test_a_spatial_lag_process_is_recovered_and_diagnosed(graph, covariates):
    result = spatial_regression(_lag_process(graph, covariates, 0.5, 1), covariates, graph, weights_name="queen")
    lag = result.coefficients.query("model == 'ML spatial lag'").set_index("term")
    assert lag.loc["rho", "estimate"] == pytest.approx(0.5, abs=0.1)
    assert lag.loc["x1", "estimate"] == pytest.approx(2.0, abs=0.15)
    assert lag.loc["x2", "estimate"] == pytest.approx(-1.0, abs=0.15)
    lm = result.lagrange_multiplier.set_index("test")
    assert (
        lm.loc["LM lag", "p"] < 1e-6 and lm.loc["robust LM lag", "statistic"] > lm.loc["robust LM error", "statistic"]
    )
    statistics = result.model_statistics.set_index("model")
    assert statistics.loc["ML spatial lag", "aic"] < statistics.loc["OLS", "aic"]


def test_independent_errors_leave_the_diagnostics_quiet(graph, covariates):
    y = pd.Series(1.0 + covariates["x1"] + np.random.default_rng(2).normal(size=352), index=covariates.index, name="y")
    result = spatial_regression(y, covariates, graph, weights_name="queen")
    assert (result.lagrange_multiplier["p"] > 0.01).all()
    assert abs(result.model_statistics.set_index("model").loc["ML spatial error", "spatial_estimate"]) < 0.25


def test_tables_are_tidy_and_state_their_inference(graph, covariates):
    result = spatial_regression(_lag_process(graph, covariates, 0.3, 3), covariates, graph, weights_name="queen")
    coefficients = result.coefficients
    assert list(coefficients.columns) == ["model", "term", "estimate", "se", "z", "p"]
    assert coefficients.groupby("model").size().to_dict() == {"OLS": 3, "ML spatial lag": 4, "ML spatial error": 4}
    np.testing.assert_allclose(coefficients["z"], coefficients["estimate"] / coefficients["se"])
    statistics = result.model_statistics.set_index("model")
    np.testing.assert_allclose(statistics["aic"], -2 * statistics["log_likelihood"] + 2 * statistics["parameters"])
    assert statistics["parameters"].to_dict() == {"OLS": 4, "ML spatial lag": 5, "ML spatial error": 5}
    assert list(result.lagrange_multiplier["df"]) == [1, 1, 1, 1, 2]
    assert set(statistics["weights"]) == {"queen"} and set(statistics["transformation"]) == {"r"}
