"""The robustness table of headline results under the two named outsider classifications."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from afgehaakt.features.classification_robustness import classification_robustness
from afgehaakt.spatial.moran import global_moran
from afgehaakt.spatial.weights import graph_from_edges

SIDE = 5


def _grid():
    codes = [f"{i:04d}" for i in range(1, SIDE * SIDE + 1)]
    edges = []
    for r in range(SIDE):
        for c in range(SIDE):
            for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                if 0 <= r + dr < SIDE and 0 <= c + dc < SIDE:
                    edges.append((codes[r * SIDE + c], codes[(r + dr) * SIDE + c + dc], 1.0, "contiguity"))
    return codes, pd.DataFrame(edges, columns=["focal", "neighbor", "weight", "origin"])


def _table(codes, rng):
    valid = rng.integers(1000, 5000, len(codes)).astype(float)
    gradient = np.linspace(0.1, 0.5, len(codes))
    atlas = np.round(valid * gradient)
    extended = atlas + np.round(valid * rng.uniform(0, 0.1, len(codes)))
    eligible = valid / rng.uniform(0.6, 0.9, len(codes))
    return pd.DataFrame({
        "code": codes, "valid": valid, "eligible": eligible, "votes_cast": valid, "turnout": valid / eligible,
        "turnout_above_one": False,
        "outsider_atlas_votes": atlas, "outsider_atlas_share": atlas / valid,
        "outsider_extended_votes": extended, "outsider_extended_share": extended / valid,
    })


def test_each_classification_gets_its_own_national_share_moran_and_correlations():
    codes, edges = _grid()
    rng = np.random.default_rng(7)
    table = _table(codes, rng)
    stacked = pd.DataFrame({"code": codes, "mean_z": rng.normal(size=len(codes))})
    result = classification_robustness(
        {"tk2099": table}, stacked, edges, classifications=["atlas", "extended"], in_use="extended",
        weights_summary={"contiguity": "queen", "island_policy": "none", "components_after": 1},
        transformation="r", turnout_above_one="keep", permutations=99, seed=3, alternative="greater",
    ).set_index("classification")
    assert result.loc["atlas", "national_share"] == pytest.approx(table["outsider_atlas_votes"].sum()
                                                                  / table["valid"].sum())
    assert bool(result.loc["extended", "in_use"]) and not bool(result.loc["atlas", "in_use"])
    expected = global_moran(table.set_index("code")["outsider_extended_share"], graph_from_edges(edges, codes),
                            weights_name="queen", permutations=99, seed=3, alternative="greater")
    assert result.loc["extended", "moran_i"] == pytest.approx(expected.statistic)
    assert result.loc["extended", "moran_p_permutation"] == pytest.approx(expected.p_permutation)
    r = stats.pearsonr(table["outsider_atlas_share"], stacked["mean_z"]).statistic
    assert result.loc["atlas", "r_stacked_disadvantage"] == pytest.approx(r)
    assert result.loc["atlas", "r_stacked_disadvantage_n"] == SIDE * SIDE
    assert result.loc["atlas", "r_turnout_ci_low"] < result.loc["atlas", "r_turnout"] < result.loc["atlas",
                                                                                                    "r_turnout_ci_high"]
