"""Dutilleul's modified t-test against an independent base-R implementation and its limiting cases.

Reference: tests/reference/dutilleul/dutilleul.R (base R, full matrices B = I - J/n, pair loops) implements
Dutilleul, P. (1993) "Modifying the t test for assessing the correlation between two spatial processes",
Biometrics 49: 305-314, with Moran's I in 13 equal-width distance classes as the correlation estimates (Clifford,
Richardson & Hemon 1989, Biometrics 45: 123-134; SpatialPack's ``modified.ttest`` default). Its numbers on
tests/reference/dutilleul/input.csv are in expected.csv.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from afgehaakt.features.correlations import correlation_table
from afgehaakt.spatial.dutilleul import distance_classes, modified_t_test

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "dutilleul"


def test_matches_the_independent_r_implementation():
    data = pd.read_csv(REFERENCE / "input.csv")
    expected = pd.read_csv(REFERENCE / "expected.csv").set_index("quantity")["value"]
    test = modified_t_test(data["x"].to_numpy(), data["y"].to_numpy(), data[["xpos", "ypos"]].to_numpy())
    assert test.correlation == pytest.approx(expected["correlation"], rel=1e-10)
    assert test.effective_n == pytest.approx(expected["effective_n"], rel=1e-10)
    assert test.f_statistic == pytest.approx(expected["f_statistic"], rel=1e-10)
    assert test.p_value == pytest.approx(expected["p_value"], rel=1e-9)
    # Far fewer effective units than the 150 observations: both maps are autocorrelated.
    assert 30 < test.effective_n < 120 and test.ci_high - test.ci_low > 2 * 1.96 / np.sqrt(150 - 3)


def test_without_autocorrelation_the_effective_n_is_close_to_n():
    rng = np.random.default_rng(5)
    coordinates = rng.uniform(size=(300, 2))
    test = modified_t_test(rng.normal(size=300), rng.normal(size=300), coordinates)
    assert test.effective_n == pytest.approx(300, rel=0.15)


def test_distance_classes_cover_every_pair_once():
    classes = distance_classes(np.array([[0, 0], [1, 0], [3, 0], [13, 0]]), n_classes=13)
    assert classes[0, 1] == 0 and classes[0, 3] == 12 and classes[1, 3] == 11 and (np.diag(classes) == -1).all()
    with pytest.raises(ValueError, match="coincide"):
        distance_classes(np.zeros((3, 2)))


def test_correlation_table_shows_the_effective_n_beside_the_naive_interval():
    data = pd.read_csv(REFERENCE / "input.csv")
    table = data.assign(code=[f"{k:04d}" for k in range(len(data))])
    centroids = table.set_index("code")[["xpos", "ypos"]].rename(columns={"xpos": "x", "ypos": "y"})
    result = correlation_table(table, ["x"], ["y"], centroids=centroids).set_index("method")
    expected = pd.read_csv(REFERENCE / "expected.csv").set_index("quantity")["value"]
    assert result.loc["pearson", "effective_n"] == pytest.approx(expected["effective_n"], rel=1e-10)
    assert result.loc["pearson", "p_value_dutilleul"] > result.loc["pearson", "p_value"]
    width = result["ci_high_dutilleul"] - result["ci_low_dutilleul"]
    assert (width > result["ci_high"] - result["ci_low"]).all()
    with pytest.raises(ValueError, match="no centroid"):
        correlation_table(table, ["x"], ["y"], centroids=centroids.iloc[1:])
