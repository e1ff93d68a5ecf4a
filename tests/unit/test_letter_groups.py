"""Size classes, the spatial block bootstrap and the robust models of the letter's two groups."""

import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph

from afgehaakt.models.letter_groups import (ECOLOGICAL_NOTE, Bootstrap, bootstrap_coefficients, bootstrap_weights,
                                            class_means, correlations, interaction_design, model_groups, robust_ols,
                                            size_class_labels, size_classes, spatial_blocks, weighted_correlation)

CBS_BOUNDS = [5000, 10000, 20000, 50000, 100000, 150000, 250000]
GROUPS = {"small": ["<5,000", "5,000-10,000", "10,000-20,000"], "mid_sized": ["20,000-50,000", "50,000-100,000"],
          "large": ["100,000-150,000", "150,000-250,000", ">=250,000"]}


def test_cbs_size_classes_put_a_lower_bound_in_its_own_class():
    inhabitants = pd.Series([946, 4999, 5000, 19999, 20000, 99999, 100000, 250000, 872757],
                            index=list("abcdefghi"), dtype=float)
    classes = size_classes(inhabitants, CBS_BOUNDS)
    assert list(classes.astype(str)) == ["<5,000", "<5,000", "5,000-10,000", "10,000-20,000", "20,000-50,000",
                                         "50,000-100,000", "100,000-150,000", ">=250,000", ">=250,000"]
    assert list(model_groups(classes, GROUPS)) == ["small"] * 4 + ["mid_sized"] * 2 + ["large"] * 3
    assert len(size_class_labels(CBS_BOUNDS)) == 8


def test_bad_bounds_and_incomplete_groups_stop():
    with pytest.raises(ValueError, match="strictly increasing"):
        size_class_labels([5000, 5000])
    classes = size_classes(pd.Series([1000.0, 30000.0]), CBS_BOUNDS)
    with pytest.raises(ValueError, match="every size class exactly once"):
        model_groups(classes, {"small": ["<5,000"]})


def test_block_bootstrap_draws_whole_blocks_reproducibly():
    blocks = np.array([0, 0, 1, 1, 2, 2, 3])
    first = bootstrap_weights(blocks, replicates=50, seed=7)
    assert np.array_equal(first, bootstrap_weights(blocks, replicates=50, seed=7))
    assert np.array_equal(first[:, 0], first[:, 1]) and np.array_equal(first[:, 4], first[:, 5])
    # Each replicate draws as many blocks as there are.
    per_block = first[:, [0, 2, 4, 6]]
    assert (per_block.sum(axis=1) == 4).all()


def test_spatial_blocks_split_two_distant_clusters():
    x = np.array([0, 1, 2, 1000, 1001, 1002.0])
    labels = spatial_blocks(x, np.zeros(6), blocks=2, seed=1)
    assert len(set(labels[:3])) == 1 and len(set(labels[3:])) == 1 and labels[0] != labels[3]


def test_weighted_correlation_with_unit_weights_is_pearson():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=40), rng.normal(size=40)
    weights = np.ones((2, 40))
    assert weighted_correlation(x, y, weights) == pytest.approx([np.corrcoef(x, y)[0, 1]] * 2)
    doubled = np.r_[x, x[:5]], np.r_[y, y[:5]]
    weights = np.ones((1, 40))
    weights[0, :5] = 2
    assert weighted_correlation(x, y, weights)[0] == pytest.approx(np.corrcoef(*doubled)[0, 1])


def test_class_means_and_correlations_carry_method_and_note():
    frame = pd.DataFrame({"group": pd.Categorical(["a", "a", "b", "b"]), "v": [1.0, 3.0, 5.0, np.nan],
                          "w": [1.0, 2.0, 3.0, 4.5]})
    bootstrap = Bootstrap(np.ones((10, 4)), blocks=2, seed=1, level=0.95)
    means = class_means(frame, "group", ["v"], bootstrap).set_index("group")
    assert means.loc["a", "mean"] == 2.0 and means.loc["b", "municipalities"] == 1
    assert means.loc["a", "ci_low"] == means.loc["a", "ci_high"] == 2.0
    assert "block bootstrap" in means.loc["a", "method"] and "seed 1" in means.loc["a", "method"]
    table = correlations(frame, ["w"], ["v"], bootstrap)
    assert table["municipalities"].item() == 3 and table["note"].item() == ECOLOGICAL_NOTE


def test_hc3_errors_equal_the_sandwich_formula_and_residual_moran_is_reported():
    rng = np.random.default_rng(11)
    n = 36
    ids = [f"{i:04d}" for i in range(n)]
    # A 6 x 6 rook lattice.
    edges = [(ids[r * 6 + c], ids[r * 6 + c + 1]) for r in range(6) for c in range(5)]
    edges += [(ids[r * 6 + c], ids[(r + 1) * 6 + c]) for r in range(5) for c in range(6)]
    focal, neighbour = zip(*(edges + [(b, a) for a, b in edges]), strict=True)
    graph = Graph.from_arrays(np.array(focal), np.array(neighbour), np.ones(len(focal)))
    x = pd.DataFrame({"s": rng.normal(size=n), "g": (np.arange(n) % 3 == 0).astype(float)}, index=ids)
    y = pd.Series(1 + 0.5 * x["s"] + rng.normal(scale=1 + np.abs(x["s"]), size=n), index=ids, name="y")
    coefficients, statistics = robust_ols(y, x, graph, model="m", cov_type="HC3")
    design = np.column_stack([np.ones(n), x.loc[list(graph.unique_ids)].to_numpy()])
    outcome = y.loc[list(graph.unique_ids)].to_numpy()
    beta = np.linalg.lstsq(design, outcome, rcond=None)[0]
    residual = outcome - design @ beta
    bread = np.linalg.inv(design.T @ design)
    leverage = np.einsum("ij,jk,ik->i", design, bread, design)
    meat = design.T @ (design * (residual**2 / (1 - leverage) ** 2)[:, None])
    assert coefficients["std_error"].to_numpy() == pytest.approx(np.sqrt(np.diag(bread @ meat @ bread)))
    assert statistics["observations"] == n and np.isfinite(statistics["residual_moran_z"])


def test_interaction_design_has_a_product_per_non_reference_group():
    table = pd.DataFrame({"stacked": [1.0, -1.0, 0.5], "group": ["small", "mid_sized", "large"]})
    design = interaction_design(table, stacked="stacked", group="group", reference="mid_sized")
    assert list(design.columns) == ["stacked", "size_large", "stacked_x_size_large", "size_small",
                                    "stacked_x_size_small"]
    assert design["stacked_x_size_small"].tolist() == [1.0, 0.0, 0.0]


def test_bootstrap_coefficients_refit_weighted_least_squares():
    rng = np.random.default_rng(5)
    index = pd.Index([f"{i:04d}" for i in range(30)])
    x = pd.DataFrame({"s": rng.normal(size=30)}, index=index)
    y = pd.Series(2 + 3 * x["s"] + rng.normal(scale=0.1, size=30), index=index)
    weights = bootstrap_weights(np.arange(30) // 3, replicates=200, seed=2)
    table = bootstrap_coefficients(y, x, Bootstrap(weights, 10, 2, 0.95), index).set_index("term")
    assert table.loc["s", "boot_ci_low"] < 3 < table.loc["s", "boot_ci_high"]
    assert table.loc["s", "boot_valid_replicates"] == 200
    # One replicate refitted by hand: weighted least squares with the replicate's weights.
    design = np.column_stack([np.ones(30), x["s"]])
    root = np.sqrt(weights[0])
    by_hand = np.linalg.lstsq(design * root[:, None], y.to_numpy() * root, rcond=None)[0]
    single = bootstrap_coefficients(y, x, Bootstrap(weights[:1], 10, 2, 0.95), index)
    assert single["boot_ci_low"].to_numpy() == pytest.approx(by_hand)
    assert single["boot_ci_high"].to_numpy() == pytest.approx(by_hand)
