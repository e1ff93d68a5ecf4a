"""Power of a follow-up survey to detect a municipal context effect, simulated through the multilevel model.

The question: with ``n`` respondents in each surveyed municipality, how often does the linear multilevel model
detect a municipal context effect of a given size?

Data-generating model of one replicate (balanced design: ``m`` municipalities, ``n`` respondents each)::

    y_ij = effect * x_j + u_j + e_ij,    u_j ~ N(0, icc),    e_ij ~ N(0, 1 - icc)

``x_j`` is the real municipal context variable (the stacked-disadvantage index of the 2021 municipalities),
standardised over the surveyed municipalities (mean 0, sample sd 1). The outcome's variance given the context is
one, so ``effect`` is standardised: outcome SDs per SD of context; ``icc`` is the residual intra-municipality
correlation. Surveyed municipalities are all of them, or a simple random sample of ``municipalities`` drawn once
from the seed (the same sample in every replicate).

Each replicate is fitted with :func:`afgehaakt.models.multilevel.fit_linear_mixed` (ML, MixedLM with BFGS,
gradient and Hessian checked, fixed effects and their standard errors by GLS) as
``y ~ 1 + context + (1 | municipality)``, and the context effect is tested with a two-sided Wald z-test at
``alpha``. A fit whose gradient check fails is a convergence failure: it is counted in the table and counted as
not rejecting (a survey whose model does not converge detects nothing), never dropped. Singular fits (municipal
variance estimated at zero) are counted too; their GLS test is valid and kept.

Random numbers: replicate ``r`` of grid cell ``c`` draws from
``numpy.random.SeedSequence(seed, spawn_key=(1, c, r))`` and the municipal sample from ``spawn_key=(0,)``. A
replicate's data are therefore a pure function of (seed, cell, replicate), so splitting the replicates over any
number of scatter parts gives exactly the replicates of a single job.

Analytical check: with a balanced design and known variances the GLS estimate of a purely municipal covariate
is OLS on the municipal means, whose variance is ``(icc + (1 - icc) / n) / sum_j (x_j - mean x)^2`` (the design
effect ``1 + (n - 1) icc`` on ``1 / (n Sxx)``), so a two-sided z-test has power
``Phi(|effect| / se - z) + Phi(-|effect| / se - z)`` with ``z = Phi^-1(1 - alpha / 2)``. The table gives it beside
the simulated power; simulation differs from it only by Monte Carlo error and variance estimation.
"""

from __future__ import annotations

import warnings

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from afgehaakt.errors import ConfigError, InputDataError
from afgehaakt.models.diagnostics import FitStatusWarning
from afgehaakt.models.multilevel import ModelSpec, fit_linear_mixed

CONTEXT = "context"
MODEL = ModelSpec("power_context", (CONTEXT,))
ESTIMATOR = "ML linear mixed model y ~ 1 + context + (1 | municipality) (MixedLM bfgs; GLS fixed effects)"
TEST = "Wald z of the context effect, two-sided"
_SAMPLE_STREAM, _REPLICATE_STREAM = 0, 1


@dataclass(frozen=True)
class PowerDesign:
    """The simulation grid and its settings (config key ``power``)."""

    respondents: tuple[int, ...]
    effects: tuple[float, ...]
    icc: float
    alpha: float
    replicates: int
    seed: int
    municipalities: int | None = None

    def __post_init__(self) -> None:
        _require(len(self.respondents) > 0 and all(_is_int(n) and n >= 2 for n in self.respondents),
                 "respondents_per_municipality", f"integers >= 2, not {list(self.respondents)}")
        _require(len(set(self.respondents)) == len(self.respondents), "respondents_per_municipality",
                 f"distinct values, not {list(self.respondents)}")
        _require(len(self.effects) > 0 and all(np.isfinite(e) for e in self.effects)
                 and len(set(self.effects)) == len(self.effects), "effects",
                 f"distinct finite numbers, not {list(self.effects)}")
        _require(0 < self.icc < 1, "icc", f"a number strictly between 0 and 1, not {self.icc!r}")
        _require(0 < self.alpha < 1, "alpha", f"a number strictly between 0 and 1, not {self.alpha!r}")
        _require(_is_int(self.replicates) and self.replicates >= 1, "replicates",
                 f"an integer >= 1, not {self.replicates!r}")
        _require(_is_int(self.seed) and self.seed >= 0, "seed", f"a non-negative integer, not {self.seed!r}")
        _require(self.municipalities is None or (_is_int(self.municipalities) and self.municipalities >= 3),
                 "municipalities", f"null (all) or an integer >= 3, not {self.municipalities!r}")

    @classmethod
    def from_config(cls, settings: dict) -> PowerDesign:
        return cls(
            respondents=tuple(settings["respondents_per_municipality"]),
            effects=tuple(float(e) for e in settings["effects"]),
            icc=float(settings["icc"]),
            alpha=float(settings["alpha"]),
            replicates=settings["replicates"],
            seed=settings["seed"],
            municipalities=settings["municipalities"],
        )

    def cells(self) -> pd.DataFrame:
        """One row per grid cell: ``cell`` (its index, part of every replicate's seed), respondents, effect."""
        grid = [(n, e) for n in self.respondents for e in self.effects]
        return pd.DataFrame({"cell": range(len(grid)), "respondents_per_municipality": [n for n, _ in grid],
                             "effect": [e for _, e in grid]})

    def tasks(self, part: int = 1, parts: int = 1) -> pd.DataFrame:
        """The (cell, replicate) pairs of scatter part ``part`` of ``parts`` (1-based), interleaved for balance."""
        if not (_is_int(parts) and parts >= 1 and _is_int(part) and 1 <= part <= parts):
            raise ValueError(f"scatter part {part!r} of {parts!r}: need 1 <= part <= parts")
        cells = self.cells()
        every = cells.loc[cells.index.repeat(self.replicates)].reset_index(drop=True)
        every["replicate"] = np.tile(np.arange(self.replicates), len(cells))
        return every.iloc[part - 1 :: parts].reset_index(drop=True)


def context_values(stacked: pd.DataFrame, design: PowerDesign, *, source: str = "stacked table") -> pd.Series:
    """The standardised context variable of the surveyed municipalities, indexed by code in code order."""
    for column in ("code", "mean_z"):
        if column not in stacked.columns:
            raise InputDataError(source, f"no column {column!r}", field=column)
    values = pd.to_numeric(stacked["mean_z"], errors="coerce")
    bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
    if len(bad):
        raise InputDataError(source, "missing or non-numeric context value", field="mean_z",
                             row=str(stacked["code"].iloc[bad[0]]), expected="a finite number")
    context = pd.Series(values.to_numpy(dtype=float), index=stacked["code"].astype(str), name=CONTEXT).sort_index()
    if design.municipalities is not None:
        if design.municipalities > len(context):
            raise ConfigError("power.municipalities",
                              f"{design.municipalities} exceeds the {len(context)} municipalities in {source}")
        rng = np.random.default_rng(np.random.SeedSequence(design.seed, spawn_key=(_SAMPLE_STREAM,)))
        chosen = rng.choice(len(context), size=design.municipalities, replace=False)
        context = context.iloc[np.sort(chosen)]
    return (context - context.mean()) / context.std(ddof=1)


def simulate_survey(context: pd.Series, respondents: int, effect: float, icc: float,
                    rng: np.random.Generator) -> pd.DataFrame:
    """One balanced survey from the data-generating model of the module docstring."""
    m = len(context)
    municipal = rng.standard_normal(m) * np.sqrt(icc)
    position = np.repeat(np.arange(m), respondents)
    individual = rng.standard_normal(m * respondents) * np.sqrt(1.0 - icc)
    x = context.to_numpy()[position]
    return pd.DataFrame({"municipality": context.index.to_numpy()[position], CONTEXT: x,
                         "y": effect * x + municipal[position] + individual})


def replicate_generator(seed: int, cell: int, replicate: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_REPLICATE_STREAM, int(cell), int(replicate))))


def wald_test_of_context(survey: pd.DataFrame, alpha: float) -> dict:
    """Fit the model to one survey and test the context effect; the fit's diagnostics come along."""
    with warnings.catch_warnings():
        # Thousands of replicates: each fit's status is a column of the replicate table and the summary counts
        # the failures, so the per-fit FitStatusWarning would only flood the log.
        warnings.simplefilter("ignore", FitStatusWarning)
        fit = fit_linear_mixed(survey, MODEL, outcome="y", group="municipality", source="simulated survey")
    position = fit.fixed_names.index(CONTEXT)
    estimate, se = float(fit.fixed_effects[position]), float(fit.fixed_se[position])
    z = estimate / se
    p = float(2.0 * stats.norm.sf(abs(z)))
    return {"estimate": estimate, "se": se, "z": z, "p": p, "reject": bool(fit.converged and p < alpha),
            "converged": bool(fit.converged), "singular": bool(fit.singular), "gradient_norm": fit.gradient_norm,
            "icc_estimate": fit.icc, "status": fit.status}


def simulate_part(context: pd.Series, design: PowerDesign, *, part: int = 1, parts: int = 1) -> pd.DataFrame:
    """Every replicate of scatter part ``part`` of ``parts``: one row each, with its test and fit diagnostics."""
    rows = []
    for task in design.tasks(part, parts).itertuples(index=False):
        survey = simulate_survey(context, task.respondents_per_municipality, task.effect, design.icc,
                                 replicate_generator(design.seed, task.cell, task.replicate))
        rows.append({"cell": task.cell, "respondents_per_municipality": task.respondents_per_municipality,
                     "effect": task.effect, "replicate": task.replicate,
                     **wald_test_of_context(survey, design.alpha)})
    columns = ["cell", "respondents_per_municipality", "effect", "replicate", "estimate", "se", "z", "p", "reject",
               "converged", "singular", "gradient_norm", "icc_estimate", "status"]
    return pd.DataFrame(rows, columns=columns)


def gather_parts(parts: list[pd.DataFrame], design: PowerDesign) -> pd.DataFrame:
    """Concatenate the scatter parts in (cell, replicate) order; every replicate must appear exactly once."""
    replicates = pd.concat(parts, ignore_index=True).sort_values(["cell", "replicate"], kind="stable")
    expected = design.tasks()[["cell", "replicate"]]
    found = replicates[["cell", "replicate"]].reset_index(drop=True)
    if len(found) != len(expected) or not (found.to_numpy() == expected.to_numpy()).all():
        missing = expected.merge(found, how="left", indicator=True).query("_merge == 'left_only'")
        raise ValueError(f"power simulation parts: {len(found)} replicates found, {len(expected)} expected "
                         f"(missing: {missing[['cell', 'replicate']].head().to_dict('records')}; "
                         "or duplicated) - were the parts made with this design?")
    return replicates.reset_index(drop=True)


def analytical_power(respondents: int, effect: float, *, icc: float, alpha: float, context: pd.Series) -> float:
    """Power of the two-sided z-test with known variances (balanced design; see the module docstring)."""
    sxx = float(((context - context.mean()) ** 2).sum())
    se = np.sqrt((icc + (1.0 - icc) / respondents) / sxx)
    critical = stats.norm.isf(alpha / 2.0)
    return float(stats.norm.cdf(abs(effect) / se - critical) + stats.norm.cdf(-abs(effect) / se - critical))


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for a proportion."""
    tail = (1.0 - level) / 2.0
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1.0 - tail, successes + 1, trials - successes))
    return low, high


def power_table(replicates: pd.DataFrame, design: PowerDesign, context: pd.Series) -> pd.DataFrame:
    """Per grid cell: rejections, power with its Monte Carlo SE and 95% Clopper-Pearson interval, the fit
    failures, and the analytical power; effect 0 rows are the type-I error check."""
    rows = []
    cells = replicates.groupby(["cell", "respondents_per_municipality", "effect"], sort=True)
    for (cell, respondents, effect), group in cells:
        count, rejections = len(group), int(group["reject"].sum())
        power = rejections / count
        low, high = clopper_pearson(rejections, count)
        rows.append({
            "cell": cell, "respondents_per_municipality": respondents, "effect": effect,
            "quantity": "type I error" if effect == 0 else "power",
            "municipalities": len(context), "icc": design.icc, "alpha": design.alpha,
            "replicates": count, "rejections": rejections, "power": power,
            "monte_carlo_se": np.sqrt(power * (1.0 - power) / count), "ci95_low": low, "ci95_high": high,
            "convergence_failures": int((~group["converged"].astype(bool)).sum()),
            "singular_fits": int(group["singular"].astype(bool).sum()),
            "analytical_power": analytical_power(respondents, effect, icc=design.icc, alpha=design.alpha,
                                                 context=context),
            "mean_estimate": float(group["estimate"].mean()), "sd_estimate": float(group["estimate"].std(ddof=1)),
            "mean_se": float(group["se"].mean()),
            "estimator": ESTIMATOR, "test": TEST, "seed": design.seed,
            "failures_counted_as": "not rejecting",
        })
    return pd.DataFrame(rows)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _require(condition: bool, key: str, expected: str) -> None:
    if not condition:
        raise ConfigError(f"power.{key}", f"expected {expected}")
