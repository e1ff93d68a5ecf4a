"""Our spatial statistics against R spdep 1.2 / spatialreg 1.2 on identical inputs (no R needed in CI).

The inputs (queen edge list with the default island policy, six-nearest-neighbour edge list, indicators and
covariates per municipality) and the numbers are committed in tests/reference/spdep/, with the scripts that
made them (make_inputs.py, reference.R) and the R and package versions inside spdep_results.json.

Tolerances: closed-form statistics and moments agree to 1e-9 relative (they agree to about 1e-14; the JSON
keeps 15 significant digits). Maximum-likelihood estimates agree to 1e-6 relative: the concentrated
likelihood is flat at its optimum, and the two one-dimensional optimisers stop about 1e-8 apart in rho/lambda.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from afgehaakt.spatial.geary import global_geary
from afgehaakt.spatial.getis_ord import global_getis_ord
from afgehaakt.spatial.local import local_getis_ord_star, local_moran
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.regression import spatial_regression
from afgehaakt.spatial.residual_moran import residual_moran
from afgehaakt.spatial.weights import graph_from_edges

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "spdep"
CLOSED_FORM = 1e-9
MAXIMUM_LIKELIHOOD = 1e-6
VARIABLES = ["turnout", "outsider_share"]
COVARIATES = ["log_eligible", "blank_share"]


@pytest.fixture(scope="module")
def spdep():
    return json.loads((REFERENCE / "spdep_results.json").read_text())


@pytest.fixture(scope="module")
def values():
    return pd.read_csv(REFERENCE / "municipal_values.csv", dtype={"code": str}).set_index("code")


@pytest.fixture(scope="module")
def graph(values):
    edges = pd.read_csv(REFERENCE / "queen_edges.csv", dtype={"focal": str, "neighbor": str})
    return graph_from_edges(edges, tuple(values.index))


def test_reference_was_made_from_these_inputs(spdep, values):
    assert spdep["n"] == len(values) == 352
    assert spdep["packages"]["spdep"].startswith("1.2") and spdep["r_version"].startswith("R version 4.2")
    assert spdep["local_moran"]["turnout"]["code"] == list(values.index)


@pytest.mark.parametrize("variable", VARIABLES)
def test_global_moran_matches_moran_test(spdep, values, graph, variable):
    ours = global_moran(values[variable], graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    randomisation = spdep["global"][variable]["moran_randomisation"]
    normality = spdep["global"][variable]["moran_normality"]
    assert ours.statistic == pytest.approx(randomisation["statistic"], rel=CLOSED_FORM)
    assert ours.expected == pytest.approx(randomisation["expected"], rel=CLOSED_FORM)
    assert ours.variance_randomisation == pytest.approx(randomisation["variance"], rel=CLOSED_FORM)
    assert ours.z_randomisation == pytest.approx(randomisation["z"], rel=CLOSED_FORM)
    assert ours.p_randomisation == pytest.approx(randomisation["p_value"], rel=1e-6)
    assert ours.variance_normality == pytest.approx(normality["variance"], rel=CLOSED_FORM)
    assert ours.z_normality == pytest.approx(normality["z"], rel=CLOSED_FORM)


@pytest.mark.parametrize("variable", VARIABLES)
def test_geary_matches_geary_test_including_the_sign_of_z(spdep, values, graph, variable):
    ours = global_geary(values[variable], graph, weights_name="queen", permutations=0, seed=0, alternative="greater")
    randomisation = spdep["global"][variable]["geary_randomisation"]
    normality = spdep["global"][variable]["geary_normality"]
    assert ours.statistic == pytest.approx(randomisation["statistic"], rel=CLOSED_FORM)
    assert ours.variance_randomisation == pytest.approx(randomisation["variance"], rel=CLOSED_FORM)
    assert ours.variance_normality == pytest.approx(normality["variance"], rel=CLOSED_FORM)
    assert ours.z_randomisation == pytest.approx(randomisation["z"], rel=CLOSED_FORM)
    assert ours.z_normality == pytest.approx(normality["z"], rel=CLOSED_FORM)
    assert ours.p_randomisation == pytest.approx(randomisation["p_value"], rel=1e-6)
    assert ours.p_normality == pytest.approx(normality["p_value"], rel=1e-6)


@pytest.mark.parametrize("variable", VARIABLES)
def test_getis_ord_matches_global_g_test(spdep, values, graph, variable):
    ours = global_getis_ord(
        values[variable], graph, weights_name="queen", permutations=0, seed=0, alternative="greater"
    )
    reference = spdep["global"][variable]["getis_ord_g"]
    assert ours.statistic == pytest.approx(reference["statistic"], rel=CLOSED_FORM)
    assert ours.expected == pytest.approx(reference["expected"], rel=CLOSED_FORM)
    assert ours.variance_randomisation == pytest.approx(reference["variance"], rel=CLOSED_FORM)
    # z is a difference of two nearly equal numbers over a tiny sd: compare it absolutely.
    assert ours.z_randomisation == pytest.approx(reference["z"], abs=1e-8)
    assert ours.p_randomisation == pytest.approx(reference["p_value"], abs=1e-8)


@pytest.mark.parametrize("variable", VARIABLES)
def test_local_moran_matches_localmoran_conditional(spdep, values, graph, variable):
    ours = local_moran(values[variable], graph, weights_name="queen", permutations=9, seed=0)
    reference = spdep["local_moran"][variable]
    for column, key in [("statistic", "Ii"), ("expected", "E_Ii"), ("variance", "Var_Ii"), ("z", "Z_Ii")]:
        np.testing.assert_allclose(ours[column], reference[key], rtol=CLOSED_FORM, atol=1e-12, err_msg=column)


@pytest.mark.parametrize("variable", VARIABLES)
def test_local_g_star_matches_localg_with_self_included(spdep, values, graph, variable):
    ours = local_getis_ord_star(values[variable], graph, weights_name="queen", permutations=9, seed=0)
    np.testing.assert_allclose(ours["z"], spdep["local_moran"][variable]["local_g_star_z"], rtol=1e-8, atol=1e-10)


def test_residual_moran_matches_lm_morantest(spdep, values, graph):
    ours = residual_moran(
        values["outsider_share"], values[COVARIATES], graph, weights_name="queen", alternative="greater"
    )
    reference = spdep["regression"]["ols"]["residual_moran"]
    assert ours.statistic == pytest.approx(reference["statistic"], rel=CLOSED_FORM)
    assert ours.expected == pytest.approx(reference["expected"], rel=CLOSED_FORM)
    assert ours.variance == pytest.approx(reference["variance"], rel=CLOSED_FORM)
    assert ours.z == pytest.approx(reference["z"], rel=CLOSED_FORM)
    assert ours.p_value == pytest.approx(reference["p_value"], rel=1e-6)


@pytest.fixture(scope="module")
def regression(values, graph):
    return spatial_regression(values["outsider_share"], values[COVARIATES], graph, weights_name="queen")


def test_ols_and_lagrange_multiplier_tests_match_lm_lmtests(spdep, regression):
    ols = spdep["regression"]["ols"]
    ours = regression.coefficients.query("model == 'OLS'")
    np.testing.assert_allclose(ours["estimate"], ols["coefficients"], rtol=CLOSED_FORM)
    lm = regression.lagrange_multiplier.set_index("test")
    names = {"LMerr": "LM error", "LMlag": "LM lag", "RLMerr": "robust LM error", "RLMlag": "robust LM lag"}
    names["SARMA"] = "SARMA"
    for r_name, our_name in names.items():
        reference = ols["lagrange_multiplier"][r_name]
        assert lm.loc[our_name, "statistic"] == pytest.approx(reference["statistic"], rel=CLOSED_FORM)
        assert lm.loc[our_name, "df"] == reference["df"]
        # spdep reports 1 - pchisq(): 0 below 1e-16 and about 1e-11 off elsewhere; ours is the survival function.
        expected_p = stats.chi2.sf(reference["statistic"], reference["df"])
        assert lm.loc[our_name, "p"] == pytest.approx(expected_p, rel=1e-9)
        assert lm.loc[our_name, "p"] == pytest.approx(reference["p_value"], abs=1e-10)


@pytest.mark.parametrize(
    ("model", "key", "spatial"), [("ML spatial lag", "lag", "rho"), ("ML spatial error", "error", "lambda")]
)
def test_ml_models_match_spatialreg_eigen(spdep, regression, model, key, spatial):
    reference = spdep["regression"][key]
    ours = regression.coefficients.query("model == @model").set_index("term")
    assert list(ours.index) == [*reference["term"], spatial]
    terms = reference["term"]
    np.testing.assert_allclose(ours.loc[terms, "estimate"], reference["estimate"], rtol=MAXIMUM_LIKELIHOOD)
    np.testing.assert_allclose(ours.loc[terms, "se"], reference["se"], rtol=MAXIMUM_LIKELIHOOD)
    np.testing.assert_allclose(ours.loc[terms, "z"], reference["z"], rtol=MAXIMUM_LIKELIHOOD)
    np.testing.assert_allclose(ours.loc[terms, "p"], reference["p"], rtol=1e-5)
    assert ours.loc[spatial, "estimate"] == pytest.approx(reference[spatial], rel=MAXIMUM_LIKELIHOOD)
    assert ours.loc[spatial, "se"] == pytest.approx(reference[f"{spatial}_se"], rel=MAXIMUM_LIKELIHOOD)
    statistics = regression.model_statistics.set_index("model").loc[model]
    assert statistics["log_likelihood"] == pytest.approx(reference["log_likelihood"], rel=1e-10)
    assert statistics["aic"] == pytest.approx(reference["aic"], rel=1e-10)
    assert statistics["sigma2_ml"] == pytest.approx(reference["sigma2"], rel=MAXIMUM_LIKELIHOOD)


@pytest.fixture(scope="module")
def knn6_graph(values):
    edges = pd.read_csv(REFERENCE / "knn6_edges.csv", dtype={"focal": str, "neighbor": str})
    return graph_from_edges(edges, tuple(values.index))


@pytest.mark.parametrize("variable", VARIABLES)
def test_asymmetric_knn_weights_match_spdep(spdep, values, knn6_graph, variable):
    reference = spdep["knn6"][variable]
    moran = global_moran(
        values[variable], knn6_graph, weights_name="knn6", permutations=0, seed=0, alternative="greater"
    )
    assert moran.z_randomisation == pytest.approx(reference["moran_randomisation"]["z"], rel=CLOSED_FORM)
    geary = global_geary(
        values[variable], knn6_graph, weights_name="knn6", permutations=0, seed=0, alternative="greater"
    )
    assert geary.statistic == pytest.approx(reference["geary_randomisation"]["statistic"], rel=CLOSED_FORM)
    assert geary.z_randomisation == pytest.approx(reference["geary_randomisation"]["z"], rel=CLOSED_FORM)
    assert geary.z_normality == pytest.approx(reference["geary_normality"]["z"], rel=CLOSED_FORM)
    local = local_moran(values[variable], knn6_graph, weights_name="knn6", permutations=9, seed=0)
    np.testing.assert_allclose(local["statistic"], reference["local_Ii"], rtol=CLOSED_FORM, atol=1e-12)
    np.testing.assert_allclose(local["z"], reference["local_Z_Ii"], rtol=CLOSED_FORM, atol=1e-12)


def test_residual_moran_symmetrises_asymmetric_weights_like_spdep(spdep, values, knn6_graph):
    ours = residual_moran(
        values["outsider_share"], values[COVARIATES], knn6_graph, weights_name="knn6", alternative="greater"
    )
    reference = spdep["knn6"]["residual_moran"]
    assert ours.statistic == pytest.approx(reference["statistic"], rel=CLOSED_FORM)
    assert ours.variance == pytest.approx(reference["variance"], rel=CLOSED_FORM)
    assert ours.z == pytest.approx(reference["z"], rel=CLOSED_FORM)


def test_lag_impacts_match_spatialreg_impacts(regression):
    """Direct, indirect and total impacts against spatialreg::impacts (tests/reference/spdep/impacts.R)."""
    reference = json.loads((REFERENCE / "impacts.json").read_text())
    ours = regression.impacts.set_index("term").loc[reference["terms"]]
    for column in ("direct", "indirect", "total"):
        np.testing.assert_allclose(ours[column], reference[column], rtol=MAXIMUM_LIKELIHOOD)
    assert ours["rho"].iloc[0] == pytest.approx(reference["rho"], rel=MAXIMUM_LIKELIHOOD)
