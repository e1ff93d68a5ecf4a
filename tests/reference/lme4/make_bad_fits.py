"""Write the catalogue of bad mixed-model fits (issue 20) that bad_fits.R fits with lme4 (fixed seeds).

    .venv/bin/python tests/reference/lme4/make_bad_fits.py      # writes bad_fits/<case>.csv

Each case is a small data set with columns ``group``, ``y`` (0/1), ``trust`` (continuous, for the linear
model), ``x``, ``x2`` and ``z`` (a group-level predictor). ``tests/unit/test_multilevel_bad_fits.py`` fits the same
files and checks the status and warning of each; nothing here is real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "bad_fits"
SEED = 20_261_208


def _frame(rng, groups, x, eta_y, trust_mean, *, x2=None):
    y = (rng.random(len(groups)) < 1.0 / (1.0 + np.exp(-eta_y))).astype(int)
    trust = trust_mean + rng.normal(size=len(groups))
    return pd.DataFrame({"group": groups, "y": y, "trust": trust, "x": x,
                         "x2": rng.normal(size=len(groups)) if x2 is None else x2})


def _balanced(rng, n_groups, size):
    groups = np.repeat(np.arange(n_groups), size)
    return groups, rng.normal(size=n_groups * size)


def _zero_slope(rng) -> pd.DataFrame:
    """A random intercept and the same slope of ``x`` in every group, so the slope variance is estimated at zero.

    Linear outcome: every group holds the same ``x`` and the same residuals, shifted by its own intercept, so the
    within-group slopes are identical. Logistic outcome: drawn with a common slope; the first seed (from
    ``SEED``) whose Laplace fit is singular in the slope (the last diagonal element of the relative Cholesky factor at
    zero, as lme4 judges it) is used.
    """
    n_groups, size = 40, 15
    x_base = rng.normal(size=size)
    residual = rng.normal(size=size)
    shift = rng.normal(scale=0.8, size=n_groups)
    groups = np.repeat(np.arange(n_groups), size)
    x = np.tile(x_base, n_groups)
    trust = 5.0 + shift[groups] + 0.5 * x + np.tile(residual, n_groups)
    u = np.repeat(rng.normal(scale=0.8, size=n_groups), size)
    frame = pd.DataFrame({"group": groups, "trust": trust, "x": x, "x2": rng.normal(size=len(groups))})
    for seed in range(SEED, SEED + 200):
        draw = np.random.default_rng(seed)
        y = (draw.random(len(groups)) < 1.0 / (1.0 + np.exp(-(0.2 + 0.7 * x + u)))).astype(int)
        if _slope_sd_at_bound(frame.assign(y=y)):
            return frame.assign(y=y)[["group", "y", "trust", "x", "x2"]]
    raise RuntimeError("no seed gave a boundary slope variance")


def _slope_sd_at_bound(frame: pd.DataFrame) -> bool:
    from afgehaakt.models.glmm import fit_logistic_mixed

    X = np.column_stack([np.ones(len(frame)), frame["x"], frame["x2"]])
    Z = np.column_stack([np.ones(len(frame)), frame["x"]])
    fit = fit_logistic_mixed(frame["y"].to_numpy(), X, frame["group"].to_numpy(), fixed_names=("intercept", "x", "x2"),
                             Z=Z, random_names=("intercept", "x"))
    return bool(fit.theta[2] < 1e-4)


def cases() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    out = {}
    groups, x = _balanced(rng, 30, 10)
    u = rng.normal(scale=0.8, size=30)
    frame = _frame(rng, groups, x, 0.2 + 0.5 * x + u[groups], 5 + u[groups])
    out["complete_separation"] = frame.assign(y=(frame["x"] > 0).astype(int))
    binary = (rng.random(len(groups)) < 0.4).astype(float)
    quasi = _frame(rng, groups, binary, -0.3 + u[groups], 5 + u[groups])
    # Every respondent with x = 1 has y = 1; those with x = 0 vary: quasi-complete separation.
    out["quasi_separation"] = quasi.assign(y=np.where(binary == 1, 1, quasi["y"]))
    out["all_zero"] = frame.assign(y=0)
    out["all_one"] = frame.assign(y=1)
    single = _frame(rng, np.zeros(200, dtype=int), rng.normal(size=200), 0.3 + 0.5 * x[:200], 5.0)
    out["single_group"] = single
    ones = np.arange(300)
    x_ones = rng.normal(size=300)
    out["groups_of_one"] = _frame(rng, ones, x_ones, 0.2 + 0.5 * x_ones + rng.normal(scale=0.8, size=300),
                                  5 + rng.normal(scale=0.8, size=300))
    out["constant_predictor"] = frame.assign(x2=1.5)
    out["collinear_predictors"] = frame.assign(x2=2.0 * frame["x"] - 1.0)
    # Every group holds the same 15 rows: the group means do not vary at all, so the group variance is
    # estimated at zero (linear and logistic).
    base = _frame(rng, np.zeros(15, dtype=int), rng.normal(size=15), -0.2 + 0.6 * x[:15], 5.0)
    out["zero_group_variance"] = pd.concat([base.assign(group=j) for j in range(40)], ignore_index=True)
    groups, x = _balanced(rng, 300, 2)
    u = rng.normal(scale=4.0, size=300)
    out["pairs_large_sd"] = _frame(rng, groups, x, 0.5 + 0.8 * x + u[groups], 5 + u[groups])
    out["zero_slope_variance"] = _zero_slope(rng)
    return out


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, frame in cases().items():
        frame.to_csv(HERE / f"{name}.csv", index=False, float_format="%.10g", lineterminator="\n")


if __name__ == "__main__":
    main()
