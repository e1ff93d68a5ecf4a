"""Power of a follow-up survey of trust: a municipal context effect and a cross-level interaction.

The question a planner asks: if ``J`` of the municipalities are sampled and ``n`` respondents interviewed in each,
how often does the multilevel analysis detect a context effect of a given size, and a cross-level interaction
(does the education gap in trust depend on the municipal context)? Both are answered for a range of intraclass
correlations (ICC) taken from the literature (config ``power.icc``; see ``docs/power_analysis.md``), never from
the synthetic survey.

Data-generating model of one replicate (balanced: ``n`` respondents in each of ``J`` sampled municipalities;
total outcome variance one, so effects are in outcome SDs per SD of context)::

    y_ij = effect_main * x_j + delta * d_ij * x_j + u0_j + u1_j * d_ij + e_ij
    u0_j ~ N(0, icc),  u1_j ~ N(0, slope_variance),  e_ij ~ N(0, 1 - icc),  d_ij ~ Bernoulli(education_share)

``x_j`` is the real context (the stacked-disadvantage index of the municipalities), standardised over all of
them (population mean 0, SD 1); each replicate samples ``J`` municipalities without replacement (simple random
sample). ``d_ij`` is an individual binary covariate (low education).

Estimators, exact and cheap, so that thousands of replicates per cell cost seconds (measured: see
``docs/power_analysis.md``):

``main`` (context effect)
    OLS of the municipal means on ``x_j`` with a t-test on ``J - 2`` df. In a balanced design every municipal
    mean has the same variance ``icc + (1 - icc) / n``, so this *is* the GLS (ML or REML) estimate of the
    random-intercept model, and the t-test is exact: its size is alpha whatever the ICC
    (``tests/unit/test_survey_power.py`` checks the estimate against the MixedLM fit). The simulation draws the
    municipal means from their exact distribution, ``N(effect * x_j, icc + (1 - icc) / n)``.
``interaction`` (cross-level interaction)
    Slopes as outcomes: in each municipality the difference between the mean of ``d = 1`` and ``d = 0``
    respondents, ``b_j ~ N(delta * x_j, slope_variance + (1 - icc) (1/k_j + 1/(n - k_j)))`` with
    ``k_j ~ Binomial(n, education_share)``, regressed on ``x_j`` by OLS with a t-test on ``J' - 2`` df;
    municipalities without both groups (``k_j`` = 0 or ``n``) have no slope and are left out (counted). The
    slopes' variances differ by ``k_j`` but independently of ``x_j``, so the test keeps its level; it is
    slightly less efficient than the full REML model, so the power is conservative.

Random numbers: the draws of a cell come from ``SeedSequence(seed, spawn_key=(stream, J, term))`` and are
shared by every cell with the same ``J`` and term (common random numbers): cells that differ in ``n``, ICC or
effect differ in the parameters, not in the draws, which keeps Monte Carlo noise out of comparisons between
cells. Binomial counts are drawn by inversion of shared uniforms for the same reason. A cell is therefore a pure
function of (seed, cell), and splitting the cells over scatter parts gives exactly the cells of one job.

The table gives, per cell, the simulated power (type-I error where the effect is 0), its Monte Carlo SE and
Clopper-Pearson interval, and the analytical power: for ``main`` the exact power of the t-test (noncentral t)
averaged over the sampled municipal sets; for ``interaction`` a normal approximation with the mean slope
variance (labelled as such). :func:`check_power_table` checks what theory requires of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from afgehaakt.errors import ConfigError, InputDataError

TERMS = ("main", "interaction")
TERM_LABELS = {"main": "municipal context effect", "interaction": "cross-level interaction education x context"}
ESTIMATORS = {
    "main": "OLS of municipal means on context, t-test on J-2 df (= GLS of the balanced random-intercept model)",
    "interaction": "slopes as outcomes: within-municipality education gap regressed on context, t-test on J'-2 df",
}
ANALYTICAL = {"main": "exact (noncentral t, averaged over municipal samples)",
              "interaction": "normal approximation with the mean slope variance"}
MAX_MONTE_CARLO_SE = 0.01
TYPE_ONE_RANGE = (0.04, 0.06)
MONOTONE_Z = 3.0
"""Allowed dip between neighbouring cells where theory says power rises: this many Monte Carlo SEs of the
difference (the cells share their draws, so real dips are far smaller)."""
_STREAM = 1
_TERM_INDEX = {term: k for k, term in enumerate(TERMS)}


@dataclass(frozen=True)
class PowerDesign:
    """The simulation grid and its settings (config ``power.preview`` or ``power.planning``, plus shared keys)."""

    label: str
    respondents: tuple[int, ...]
    municipalities: tuple[int, ...]
    iccs: tuple[float, ...]
    effects: tuple[float, ...]
    replicates: int
    alpha: float
    seed: int
    education_share: float
    slope_variance: float
    terms: tuple[str, ...] = TERMS

    def __post_init__(self) -> None:
        where = f"power.{self.label}"
        _require(self.respondents and all(_is_int(n) and n >= 2 for n in self.respondents)
                 and len(set(self.respondents)) == len(self.respondents), f"{where}.respondents_per_municipality",
                 f"distinct integers >= 2, not {list(self.respondents)}")
        _require(self.municipalities and all(_is_int(m) and m >= 3 for m in self.municipalities)
                 and len(set(self.municipalities)) == len(self.municipalities), f"{where}.municipalities",
                 f"distinct integers >= 3, not {list(self.municipalities)}")
        _require(self.iccs and all(0 < icc < 1 for icc in self.iccs) and len(set(self.iccs)) == len(self.iccs),
                 f"{where}.icc", f"distinct numbers strictly between 0 and 1, not {list(self.iccs)}")
        _require(self.effects and all(np.isfinite(e) and e >= 0 for e in self.effects)
                 and len(set(self.effects)) == len(self.effects), f"{where}.effects",
                 f"distinct non-negative numbers, not {list(self.effects)}")
        _require(_is_int(self.replicates) and self.replicates >= 1, f"{where}.replicates",
                 f"an integer >= 1, not {self.replicates!r}")
        _require(0 < self.alpha < 1, "power.alpha", f"a number strictly between 0 and 1, not {self.alpha!r}")
        _require(_is_int(self.seed) and self.seed >= 0, "power.seed", f"a non-negative integer, not {self.seed!r}")
        _require(0 < self.education_share < 1, "power.education_share", "a share strictly between 0 and 1")
        _require(self.slope_variance >= 0, "power.slope_variance", "a variance >= 0")
        _require(set(self.terms) <= set(TERMS) and len(self.terms) > 0, "power.terms", f"a subset of {TERMS}")

    @classmethod
    def from_config(cls, settings: dict, label: str) -> PowerDesign:
        grid = settings[label]
        return cls(
            label=label,
            respondents=tuple(grid["respondents_per_municipality"]),
            municipalities=tuple(grid["municipalities"]),
            iccs=tuple(float(v) for v in grid["icc"]),
            effects=tuple(float(e) for e in grid["effects"]),
            replicates=grid["replicates"],
            alpha=float(settings["alpha"]),
            seed=settings["seed"],
            education_share=float(settings["education_share"]),
            slope_variance=float(settings["slope_variance"]),
        )

    def cells(self) -> pd.DataFrame:
        """One row per grid cell, numbered: term, municipalities, ICC, respondents per municipality, effect."""
        grid = [(term, m, icc, n, e) for term in self.terms for m in self.municipalities for icc in self.iccs
                for n in self.respondents for e in self.effects]
        frame = pd.DataFrame(grid, columns=["term", "municipalities", "icc", "respondents_per_municipality",
                                            "effect"])
        return frame.rename_axis("cell").reset_index()

    def part_cells(self, part: int = 1, parts: int = 1) -> pd.DataFrame:
        """The cells of scatter part ``part`` of ``parts`` (1-based), interleaved for balance."""
        if not (_is_int(parts) and parts >= 1 and _is_int(part) and 1 <= part <= parts):
            raise ValueError(f"scatter part {part!r} of {parts!r}: need 1 <= part <= parts")
        return self.cells().iloc[part - 1 :: parts].reset_index(drop=True)


def context_values(stacked: pd.DataFrame, *, source: str = "stacked table") -> pd.Series:
    """The context of every municipality (``mean_z``), standardised over all of them, indexed by code."""
    for column in ("code", "mean_z"):
        if column not in stacked.columns:
            raise InputDataError(source, f"no column {column!r}", field=column)
    values = pd.to_numeric(stacked["mean_z"], errors="coerce")
    bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
    if len(bad):
        raise InputDataError(source, "missing or non-numeric context value", field="mean_z",
                             row=str(stacked["code"].iloc[bad[0]]), expected="a finite number")
    context = pd.Series(values.to_numpy(dtype=float), index=stacked["code"].astype(str), name="context").sort_index()
    return (context - context.mean()) / context.std(ddof=0)


@dataclass(frozen=True)
class _Draws:
    """The random numbers shared by every cell with the same (J, term)."""

    x: np.ndarray  # (R, J) context of the sampled municipalities
    municipal: np.ndarray  # (R, J) standard normal, the random intercept or slope
    noise: np.ndarray  # (R, J) standard normal, the sampling error of the mean or gap
    uniform: np.ndarray  # (R, J) uniforms for the binomial counts


def _draws(context: np.ndarray, municipalities: int, term: str, design: PowerDesign) -> _Draws:
    if municipalities > len(context):
        raise ConfigError(f"power.{design.label}.municipalities",
                          f"{municipalities} exceeds the {len(context)} municipalities of the context table")
    rng = np.random.default_rng(np.random.SeedSequence(
        design.seed, spawn_key=(_STREAM, municipalities, _TERM_INDEX[term])))
    shape = (design.replicates, municipalities)
    sample = np.argsort(rng.random((design.replicates, len(context))), axis=1)[:, :municipalities]
    return _Draws(context[sample], rng.standard_normal(shape), rng.standard_normal(shape), rng.random(shape))


def _centred_sum_of_squares(x: np.ndarray, keep: np.ndarray) -> np.ndarray:
    mean = np.where(keep, x, 0.0).sum(axis=1, keepdims=True) / keep.sum(axis=1, keepdims=True)
    return np.where(keep, (x - mean) ** 2, 0.0).sum(axis=1)


def _ols_t(x: np.ndarray, y: np.ndarray, keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise OLS of y on (1, x): slope, its standard error and residual df; ``keep`` masks units out."""
    keep = np.ones_like(x, dtype=bool) if keep is None else keep
    count = keep.sum(axis=1)
    mean_x = np.where(keep, x, 0.0).sum(axis=1) / count
    mean_y = np.where(keep, y, 0.0).sum(axis=1) / count
    dx = np.where(keep, x - mean_x[:, None], 0.0)
    dy = np.where(keep, y - mean_y[:, None], 0.0)
    sxx = (dx**2).sum(axis=1)
    slope = (dx * dy).sum(axis=1) / sxx
    df = count - 2
    residual = ((dy - slope[:, None] * dx) ** 2).sum(axis=1) / df
    return slope, np.sqrt(residual / sxx), df


def simulate_cell(cell: pd.Series, draws: _Draws, design: PowerDesign) -> dict:
    """Every replicate of one cell, summarised: rejections, estimates, excluded municipalities, analytical power."""
    n, icc, effect = int(cell.respondents_per_municipality), float(cell.icc), float(cell.effect)
    if cell.term == "main":
        variance = icc + (1.0 - icc) / n
        outcome = effect * draws.x + np.sqrt(variance) * draws.noise
        slope, se, df = _ols_t(draws.x, outcome)
        excluded = np.zeros(design.replicates)
        sxx = _centred_sum_of_squares(draws.x, np.ones_like(draws.x, dtype=bool))
        ncp = effect * np.sqrt(sxx / variance)
        critical = stats.t.isf(design.alpha / 2.0, df)
        exact = stats.nct.sf(critical, df, ncp) + stats.nct.cdf(-critical, df, ncp)
        # scipy's noncentral t returns NaN far in the tail (power ~1); there the normal limit is exact to 1e-9.
        normal = stats.norm.sf(critical - ncp) + stats.norm.cdf(-critical - ncp)
        analytical = float(np.mean(np.where(np.isfinite(exact), exact, normal)))
    else:
        k = stats.binom.ppf(draws.uniform, n, design.education_share)
        keep = (k > 0) & (k < n)
        with np.errstate(divide="ignore"):
            sampling = (1.0 - icc) * (1.0 / k + 1.0 / (n - k))
        sampling = np.where(keep, sampling, 1.0)
        gap = effect * draws.x + np.sqrt(design.slope_variance) * draws.municipal + np.sqrt(sampling) * draws.noise
        slope, se, df = _ols_t(draws.x, gap, keep)
        excluded = (~keep).sum(axis=1)
        sxx = _centred_sum_of_squares(draws.x, keep)
        mean_variance = design.slope_variance + np.where(keep, sampling, 0.0).sum(axis=1) / keep.sum(axis=1)
        z = stats.norm.isf(design.alpha / 2.0)
        shift = effect * np.sqrt(sxx / mean_variance)
        analytical = float(np.mean(stats.norm.sf(z - shift) + stats.norm.cdf(-z - shift)))
    t = slope / se
    p = 2.0 * stats.t.sf(np.abs(t), df)
    rejections = int((p < design.alpha).sum())
    replicates = design.replicates
    power = rejections / replicates
    low, high = clopper_pearson(rejections, replicates)
    return {
        "cell": int(cell.cell), "term": cell.term, "term_label": TERM_LABELS[cell.term],
        "municipalities": int(cell.municipalities), "icc": icc, "respondents_per_municipality": n,
        "respondents": n * int(cell.municipalities), "effect": effect,
        "quantity": "type I error" if effect == 0 else "power", "replicates": replicates,
        "rejections": rejections, "power": power, "monte_carlo_se": float(np.sqrt(power * (1.0 - power) / replicates)),
        "ci95_low": low, "ci95_high": high, "analytical_power": analytical, "analytical": ANALYTICAL[cell.term],
        "mean_estimate": float(slope.mean()), "sd_estimate": float(slope.std(ddof=1)) if replicates > 1 else np.nan,
        "mean_se": float(se.mean()), "mean_municipalities_without_slope": float(np.mean(excluded)),
        "min_df": int(np.min(df)),
        "alpha": design.alpha, "education_share": design.education_share, "slope_variance": design.slope_variance,
        "estimator": ESTIMATORS[cell.term], "test": "two-sided t-test", "seed": design.seed,
        "design": design.label,
    }


def simulate_part(context: pd.Series, design: PowerDesign, *, part: int = 1, parts: int = 1) -> pd.DataFrame:
    """The summary row of every cell of scatter part ``part`` of ``parts``."""
    values = context.to_numpy(dtype=float)
    rows, cache = [], {}
    for cell in design.part_cells(part, parts).itertuples(index=False):
        key = (int(cell.municipalities), cell.term)
        if key not in cache:
            cache = {key: _draws(values, key[0], key[1], design)}
        rows.append(simulate_cell(cell, cache[key], design))
    return pd.DataFrame(rows, columns=_COLUMNS)


def gather_parts(parts: list[pd.DataFrame], design: PowerDesign) -> pd.DataFrame:
    """Concatenate the scatter parts in cell order; every cell of the design must appear exactly once."""
    table = pd.concat(parts, ignore_index=True).sort_values("cell", kind="stable").reset_index(drop=True)
    expected = design.cells()["cell"].to_numpy()
    if len(table) != len(expected) or not np.array_equal(table["cell"].to_numpy(), expected):
        raise ValueError(f"power simulation parts: cells {sorted(table['cell'])[:10]}... found, "
                         f"{len(expected)} expected - were the parts made with this design?")
    return table


def power_table(context: pd.Series, design: PowerDesign) -> pd.DataFrame:
    """Every cell of the design, in one job (the planning run)."""
    return gather_parts([simulate_part(context, design)], design)


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for a proportion."""
    tail = (1.0 - level) / 2.0
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1.0 - tail, successes + 1, trials - successes))
    return low, high


# --- what theory requires of the table ---------------------------------------------------------------------

MONOTONE_IN = {"main": ("respondents_per_municipality", "municipalities", "effect", "-icc"),
               "interaction": ("respondents_per_municipality", "municipalities", "effect")}
"""Power rises with n, J and the effect for both terms; for the context effect it falls with the ICC (the
variance of a municipal mean, icc + (1 - icc)/n, rises with it). For the interaction the direction in the ICC
depends on how the slope variance is tied to it, so none is required."""


def power_violations(table: pd.DataFrame, *, max_se: float = MAX_MONTE_CARLO_SE,
                     type_one_range: tuple[float, float] = TYPE_ONE_RANGE) -> list[str]:
    """Every breach of what the table must satisfy: Monte Carlo SE below ``max_se`` in every cell, the type-I
    error in ``type_one_range`` in every null cell, and power monotone where theory says so (a dip counts only if
    it exceeds :data:`MONOTONE_Z` Monte Carlo SEs of the difference)."""
    problems = [f"cell {r.cell}: Monte Carlo SE {r.monte_carlo_se:.4f} >= {max_se}"
                for r in table.itertuples() if r.monte_carlo_se >= max_se]
    low, high = type_one_range
    problems += [f"cell {r.cell} ({r.term}, J={r.municipalities}, n={r.respondents_per_municipality}, "
                 f"icc={r.icc:g}): type-I error {r.power:.4f} outside [{low}, {high}]"
                 for r in table[table["effect"] == 0].itertuples() if not low <= r.power <= high]
    dimensions = ["municipalities", "icc", "respondents_per_municipality", "effect"]
    for term, directions in MONOTONE_IN.items():
        rows = table[table["term"] == term]
        for direction in directions:
            column = direction.lstrip("-")
            sign = -1.0 if direction.startswith("-") else 1.0
            fixed = [d for d in dimensions if d != column]
            subset = rows if column == "effect" else rows[rows["effect"] > 0]
            for key, group in subset.groupby(fixed, sort=True):
                ordered = group.sort_values(column, ascending=sign > 0)
                for before, after in zip(ordered.iloc[:-1].itertuples(), ordered.iloc[1:].itertuples(), strict=True):
                    allowed = MONOTONE_Z * np.hypot(before.monte_carlo_se, after.monte_carlo_se)
                    if after.power < before.power - allowed:
                        problems.append(f"{term}: power falls from {before.power:.4f} to {after.power:.4f} as "
                                        f"{column} goes {getattr(before, column)} -> {getattr(after, column)} "
                                        f"(other settings {dict(zip(fixed, key, strict=True))})")
    return problems


def check_power_table(table: pd.DataFrame, **limits) -> None:
    """Raise ValueError listing every violation of :func:`power_violations`."""
    problems = power_violations(table, **limits)
    if problems:
        raise ValueError(f"the power table fails {len(problems)} check(s): " + "; ".join(problems[:10]))


def recommend_design(table: pd.DataFrame, *, target: float = 0.8, effect: float, icc: float) -> pd.DataFrame:
    """Per term, the design with the fewest respondents whose power at ``effect`` and ``icc`` reaches ``target``
    (ties: fewer municipalities); a term no design reaches gets a row saying so."""
    rows = []
    for term in table["term"].unique():
        cells = table[(table["term"] == term) & np.isclose(table["effect"], effect) & np.isclose(table["icc"], icc)]
        enough = cells[cells["ci95_low"] >= target].sort_values(["respondents", "municipalities"])
        best = cells.sort_values("power").iloc[-1] if enough.empty else enough.iloc[0]
        rows.append({"term": term, "effect": effect, "icc": icc, "target": target, "reached": not enough.empty,
                     **{c: best[c] for c in ("municipalities", "respondents_per_municipality", "respondents",
                                              "power", "ci95_low", "ci95_high")}})
    return pd.DataFrame(rows)


_COLUMNS = ["cell", "term", "term_label", "municipalities", "icc", "respondents_per_municipality", "respondents",
            "effect", "quantity", "replicates", "rejections", "power", "monte_carlo_se", "ci95_low", "ci95_high",
            "analytical_power", "analytical", "mean_estimate", "sd_estimate", "mean_se",
            "mean_municipalities_without_slope", "min_df", "alpha", "education_share", "slope_variance",
            "estimator", "test", "seed", "design"]


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _require(condition, key: str, expected: str) -> None:
    if not condition:
        raise ConfigError(key, f"expected {expected}")
