"""A synthetic survey of trust and turnout with known truth, for testing the multilevel models.

Nothing here is real data: every table carries ``synthetic=True`` and the truth record says so too.

The generative model, per respondent *i* in municipality *j* (all draws from one ``numpy.random.Generator``
seeded by :attr:`SurveyDesign.seed`, in a fixed order, so a seed gives the same bytes):

Allocation
    ``n_j = m + a_j`` with ``m = SurveyDesign.min_per_municipality`` and the remaining ``N - m * J`` respondents
    shared in proportion to population by the largest-remainder (Hamilton) method; ties in the remainder go to
    the earlier code in sort order. The total is exactly ``N``. Because small municipalities get at least ``m``,
    inclusion probabilities differ: the ``design_weight`` column is ``(population_j / total population) /
    (n_j / N)``, which has a respondent mean of one.
Composition (drawn to match the municipality's shares)
    education: low with probability ``low_education_share``; high with ``high_education_share`` if the table has
    it, else with ``(1 - low) * TrueParameters.high_education_share_of_rest``; otherwise middle.
    low income: probability ``low_income_share * rr_e / sum_e(pi_e * rr_e)``, with relative risks ``rr_e`` by
    education (:attr:`TrueParameters.low_income_relative_risk`) and the municipality's education shares
    ``pi_e``, so that the expected municipal share equals ``low_income_share`` while low education goes with low
    income (probabilities above one are clipped; the truth record counts such clips).
    poor health: the same construction with ``poor_health_share`` and
    :attr:`TrueParameters.poor_health_relative_risk`.
    age: integer, uniform on ``[age_min, age_max]``; ``age10 = (age - 50) / 10``. female: Bernoulli(0.5).
Municipal effects (per outcome)
    random intercept ``u_j = sd * (sqrt(s) * g_j + sqrt(1 - s) * e_j)`` with ``sd = municipal_sd``,
    ``s = spatial_share``, ``e_j`` iid standard normal and ``g`` a zero-mean Gaussian process on the centroids
    ``(x, y)`` with unit variance and exponential correlation ``exp(-d_jk / spatial_range_m)`` (d in metres), so
    ``var(u_j) = sd**2`` and the spatially structured share of it is ``s``. A random slope of ``edu_low``:
    ``b_j = edu_low_slope_sd * f_j``, ``f_j`` iid standard normal, independent of ``u_j``.
Trust (0-10)
    latent ``t*_i = x_i' beta + gamma * D_j + delta * edu_low_i * D_j + u_j + b_j * edu_low_i + eps_i``,
    ``eps_i ~ N(0, residual_sd**2)``, with ``D_j`` the standardised ``stacked_disadvantage`` and ``x_i`` =
    (1, edu_low, edu_middle, low_income, poor_health, age10, female). Reported trust is ``t*`` rounded to the
    nearest integer (``numpy.rint``: halves to even) and clipped to 0..10; ``trust_latent`` keeps ``t*`` so that
    tests can check parameter recovery on the exact linear model.
Turnout (0/1)
    ``P(turnout_i = 1) = logistic(x_i' beta + gamma * D_j + delta * edu_low_i * D_j + u_j + b_j * edu_low_i)``
    with the turnout coefficients and its own municipal effects (independent of the trust effects).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from afgehaakt import __version__
from afgehaakt.codes import normalise_code
from afgehaakt.errors import InputDataError

MUNICIPAL_COLUMNS = (
    "code",
    "population",
    "low_education_share",
    "low_income_share",
    "poor_health_share",
    "stacked_disadvantage",
    "x",
    "y",
)
"""Columns the generator needs in the municipal table; ``high_education_share``, ``province`` and ``corop`` are
optional (region columns are carried through to the respondents)."""

_SHARE_COLUMNS = ("low_education_share", "low_income_share", "poor_health_share", "high_education_share")
_REGION_COLUMNS = ("province", "corop")


@dataclass(frozen=True)
class OutcomeEffects:
    """True coefficients of one outcome (linear predictor scale: trust points, or log-odds for turnout)."""

    intercept: float
    edu_low: float
    edu_middle: float
    low_income: float
    poor_health: float
    age10: float
    female: float
    stacked_disadvantage: float
    edu_low_x_stacked_disadvantage: float
    municipal_sd: float
    spatial_share: float
    edu_low_slope_sd: float
    residual_sd: float | None = None
    """Only for the linear (trust) outcome; turnout's residual is the logistic distribution."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.spatial_share <= 1.0:
            raise ValueError(f"spatial_share must lie in [0, 1], got {self.spatial_share}")
        if self.municipal_sd < 0 or self.edu_low_slope_sd < 0:
            raise ValueError("standard deviations must be >= 0")
        if self.residual_sd is not None and self.residual_sd <= 0:
            raise ValueError("residual_sd must be > 0")

    def coefficients(self) -> dict[str, float]:
        """The fixed effects by the term names the models use."""
        return {
            "intercept": self.intercept,
            "edu_low": self.edu_low,
            "edu_middle": self.edu_middle,
            "low_income": self.low_income,
            "poor_health": self.poor_health,
            "age10": self.age10,
            "female": self.female,
            "stacked_disadvantage": self.stacked_disadvantage,
            "edu_low:stacked_disadvantage": self.edu_low_x_stacked_disadvantage,
        }


DEFAULT_TRUST = OutcomeEffects(
    intercept=6.6,
    edu_low=-0.8,
    edu_middle=-0.35,
    low_income=-0.5,
    poor_health=-0.6,
    age10=0.05,
    female=0.05,
    stacked_disadvantage=-0.25,
    edu_low_x_stacked_disadvantage=-0.12,
    municipal_sd=0.25,
    spatial_share=0.6,
    edu_low_slope_sd=0.15,
    residual_sd=1.8,
)
DEFAULT_TURNOUT = OutcomeEffects(
    intercept=2.0,
    edu_low=-1.0,
    edu_middle=-0.45,
    low_income=-0.5,
    poor_health=-0.4,
    age10=0.15,
    female=0.0,
    stacked_disadvantage=-0.2,
    edu_low_x_stacked_disadvantage=-0.12,
    municipal_sd=0.25,
    spatial_share=0.6,
    edu_low_slope_sd=0.2,
)


@dataclass(frozen=True)
class TrueParameters:
    """Every true parameter of the generator (see the module docstring for the model)."""

    trust: OutcomeEffects = DEFAULT_TRUST
    turnout: OutcomeEffects = DEFAULT_TURNOUT
    spatial_range_m: float = 40_000.0
    high_education_share_of_rest: float = 0.5
    low_income_relative_risk: tuple[float, float, float] = (1.8, 1.0, 0.5)
    """Relative risk of low income for (low, middle, high) education."""
    poor_health_relative_risk: tuple[float, float, float] = (1.6, 1.0, 0.6)

    def __post_init__(self) -> None:
        if self.trust.residual_sd is None:
            raise ValueError("the trust outcome needs a residual_sd")
        if self.spatial_range_m <= 0:
            raise ValueError("spatial_range_m must be > 0")
        if not 0.0 <= self.high_education_share_of_rest <= 1.0:
            raise ValueError("high_education_share_of_rest must lie in [0, 1]")
        for name in ("low_income_relative_risk", "poor_health_relative_risk"):
            risks = getattr(self, name)
            if len(risks) != 3 or min(risks) <= 0:
                raise ValueError(f"{name} needs three positive relative risks (low, middle, high)")


@dataclass(frozen=True)
class SurveyDesign:
    """Size and seed of the synthetic survey."""

    n_respondents: int = 20_000
    min_per_municipality: int = 10
    seed: int = 20211
    age_min: int = 18
    age_max: int = 85

    def __post_init__(self) -> None:
        if self.n_respondents < 1 or self.min_per_municipality < 0:
            raise ValueError("n_respondents must be >= 1 and min_per_municipality >= 0")
        if not 0 < self.age_min <= self.age_max:
            raise ValueError("need 0 < age_min <= age_max")


@dataclass(frozen=True)
class SyntheticSurvey:
    """The respondent table and the truth that generated it."""

    respondents: pd.DataFrame
    truth: dict = field(repr=False)

    def truth_json(self) -> str:
        """The truth record as JSON text (sorted keys, so the same seed gives the same bytes)."""
        return json.dumps(self.truth, sort_keys=True, indent=1)


def allocate_respondents(population: pd.Series, n_respondents: int, min_per_municipality: int) -> pd.Series:
    """Respondents per municipality: the minimum plus a largest-remainder share of the rest by population.

    ``population`` is indexed by code. The result sums to exactly ``n_respondents``.
    """
    n_units = len(population)
    rest = n_respondents - min_per_municipality * n_units
    if rest < 0:
        raise ValueError(
            f"n_respondents={n_respondents} is below min_per_municipality * municipalities "
            f"= {min_per_municipality} * {n_units}"
        )
    ordered = population.sort_index()
    quotas = rest * ordered.to_numpy(dtype=float) / float(ordered.sum())
    whole = np.floor(quotas).astype(np.int64)
    remainder = quotas - whole
    # Stable sort on the negated remainder: equal remainders keep the code order.
    extra = np.argsort(-remainder, kind="stable")[: rest - int(whole.sum())]
    whole[extra] += 1
    return pd.Series(whole + min_per_municipality, index=ordered.index, name="n_respondents")


def validate_municipal_table(table: pd.DataFrame, *, source: str = "municipal table") -> pd.DataFrame:
    """Check the municipal table and return it indexed by normalised code, sorted by code."""
    missing = [name for name in MUNICIPAL_COLUMNS if name not in table.columns]
    if missing:
        raise InputDataError(source, f"missing column(s) {missing}", field=missing[0], expected=str(MUNICIPAL_COLUMNS))
    frame = table.copy()
    codes = []
    for row, value in frame["code"].items():
        try:
            codes.append(normalise_code(value))
        except ValueError:
            raise InputDataError(source, f"unreadable municipality code {value!r}", field="code", row=row) from None
    frame["code"] = codes
    duplicated = frame["code"][frame["code"].duplicated()]
    if len(duplicated):
        raise InputDataError(source, f"duplicate code {duplicated.iloc[0]!r}", field="code", row=duplicated.index[0])
    numeric = [c for c in MUNICIPAL_COLUMNS if c != "code"] + [c for c in _SHARE_COLUMNS if c in frame.columns]
    for name in dict.fromkeys(numeric):
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.index[~np.isfinite(values.to_numpy(dtype=float))]
        if len(bad):
            raise InputDataError(source, f"missing or non-numeric value {frame[name].loc[bad[0]]!r}", field=name,
                                 row=bad[0], expected="a finite number")
        if name in _SHARE_COLUMNS:
            outside = values.index[(values < 0) | (values > 1)]
            if len(outside):
                raise InputDataError(source, f"share {values.loc[outside[0]]} outside [0, 1]", field=name,
                                     row=outside[0], expected="a proportion between 0 and 1")
        if name == "population":
            nonpositive = values.index[values <= 0]
            if len(nonpositive):
                raise InputDataError(source, f"population {values.loc[nonpositive[0]]}", field=name,
                                     row=nonpositive[0], expected="a positive count")
        frame[name] = values.astype(float)
    if "high_education_share" in frame.columns:
        over = frame.index[frame["high_education_share"] + frame["low_education_share"] > 1 + 1e-12]
        if len(over):
            raise InputDataError(source, "low_education_share + high_education_share exceeds 1",
                                 field="high_education_share", row=over[0])
    return frame.set_index("code").sort_index()


def spatial_field(x: np.ndarray, y: np.ndarray, range_m: float, standard_normal: np.ndarray) -> np.ndarray:
    """A unit-variance Gaussian-process draw with exponential correlation ``exp(-d / range_m)``.

    ``standard_normal`` holds one iid N(0, 1) value per location; the field is ``L @ z`` with ``L`` the
    Cholesky factor of the correlation matrix (a 1e-10 diagonal jitter keeps it numerically positive definite).
    """
    points = np.column_stack([x, y])
    correlation = np.exp(-cdist(points, points) / range_m)
    correlation[np.diag_indices_from(correlation)] += 1e-10
    return np.linalg.cholesky(correlation) @ standard_normal


def generate_survey(
    municipalities: pd.DataFrame,
    *,
    design: SurveyDesign = SurveyDesign(),
    parameters: TrueParameters = TrueParameters(),
    source: str = "municipal table",
) -> SyntheticSurvey:
    """Draw a synthetic survey from the municipal table (columns :data:`MUNICIPAL_COLUMNS`).

    Returns the respondent table (one row per respondent, ``synthetic`` True on every row) and the truth record.
    """
    table = validate_municipal_table(municipalities, source=source)
    rng = np.random.default_rng(design.seed)
    counts = allocate_respondents(table["population"], design.n_respondents, design.min_per_municipality)
    n_units = len(table)

    # Municipal effects first, in a fixed order, so that they do not depend on N.
    effects = {}
    for outcome_name in ("trust", "turnout"):
        outcome = getattr(parameters, outcome_name)
        spatial = spatial_field(
            table["x"].to_numpy(), table["y"].to_numpy(), parameters.spatial_range_m, rng.standard_normal(n_units)
        )
        independent = rng.standard_normal(n_units)
        slope = rng.standard_normal(n_units)
        effects[f"{outcome_name}_spatial_component"] = outcome.municipal_sd * np.sqrt(outcome.spatial_share) * spatial
        effects[f"{outcome_name}_intercept"] = effects[f"{outcome_name}_spatial_component"] + outcome.municipal_sd * (
            np.sqrt(1.0 - outcome.spatial_share) * independent
        )
        effects[f"{outcome_name}_edu_low_slope"] = outcome.edu_low_slope_sd * slope
    effects_frame = pd.DataFrame(effects, index=table.index)

    unit = np.repeat(np.arange(n_units), counts.to_numpy())
    n = len(unit)
    low_share = table["low_education_share"].to_numpy()[unit]
    if "high_education_share" in table.columns:
        high_share = table["high_education_share"].to_numpy()[unit]
    else:
        high_share = (1.0 - low_share) * parameters.high_education_share_of_rest
    middle_share = 1.0 - low_share - high_share
    draw = rng.random(n)
    edu_low = draw < low_share
    edu_high = draw >= low_share + middle_share
    edu_middle = ~edu_low & ~edu_high
    shares = np.column_stack([low_share, middle_share, high_share])
    education_index = np.where(edu_low, 0, np.where(edu_middle, 1, 2))

    def conditional_probability(share_column: str, risks: tuple[float, float, float]) -> tuple[np.ndarray, int]:
        risk = np.asarray(risks, dtype=float)
        probability = table[share_column].to_numpy()[unit] * risk[education_index] / (shares @ risk)
        return np.minimum(probability, 1.0), int((probability > 1.0).sum())

    p_income, clipped_income = conditional_probability("low_income_share", parameters.low_income_relative_risk)
    low_income = rng.random(n) < p_income
    p_health, clipped_health = conditional_probability("poor_health_share", parameters.poor_health_relative_risk)
    poor_health = rng.random(n) < p_health
    age = rng.integers(design.age_min, design.age_max + 1, size=n)
    female = rng.random(n) < 0.5
    trust_noise = rng.standard_normal(n)
    turnout_draw = rng.random(n)

    stacked = table["stacked_disadvantage"].to_numpy()[unit]
    individual = {
        "edu_low": edu_low.astype(np.int64),
        "edu_middle": edu_middle.astype(np.int64),
        "low_income": low_income.astype(np.int64),
        "poor_health": poor_health.astype(np.int64),
        "age10": (age - 50) / 10.0,
        "female": female.astype(np.int64),
    }

    def linear_predictor(outcome_name: str) -> np.ndarray:
        outcome: OutcomeEffects = getattr(parameters, outcome_name)
        eta = np.full(n, outcome.intercept)
        for term in ("edu_low", "edu_middle", "low_income", "poor_health", "age10", "female"):
            eta = eta + getattr(outcome, term) * individual[term]
        eta = eta + outcome.stacked_disadvantage * stacked
        eta = eta + outcome.edu_low_x_stacked_disadvantage * individual["edu_low"] * stacked
        eta = eta + effects_frame[f"{outcome_name}_intercept"].to_numpy()[unit]
        return eta + effects_frame[f"{outcome_name}_edu_low_slope"].to_numpy()[unit] * individual["edu_low"]

    trust_latent = linear_predictor("trust") + parameters.trust.residual_sd * trust_noise
    turnout_probability = 1.0 / (1.0 + np.exp(-linear_predictor("turnout")))

    population_share = (table["population"] / table["population"].sum()).to_numpy()
    sample_share = counts.to_numpy() / n
    respondents = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1, dtype=np.int64),
            "municipality": pd.array(table.index.to_numpy()[unit], dtype="string"),
        }
    )
    for region in _REGION_COLUMNS:
        if region in table.columns:
            respondents[region] = pd.array(table[region].astype(str).to_numpy()[unit], dtype="string")
    respondents["education"] = pd.array(np.array(["low", "middle", "high"])[education_index], dtype="string")
    for name, values in individual.items():
        respondents[name] = values
    respondents["age"] = age.astype(np.int64)
    respondents["stacked_disadvantage"] = stacked
    respondents["trust_latent"] = trust_latent
    respondents["trust"] = np.clip(np.rint(trust_latent), 0, 10).astype(np.int64)
    respondents["turnout"] = (turnout_draw < turnout_probability).astype(np.int64)
    respondents["design_weight"] = (population_share / sample_share)[unit]
    respondents["synthetic"] = True

    truth = {
        "synthetic": True,
        "generator": "afgehaakt.survey.synthetic.generate_survey",
        "package_version": __version__,
        "design": asdict(design),
        "parameters": _json_ready(asdict(parameters)),
        "fixed_effects": {
            "trust": parameters.trust.coefficients(),
            "turnout": parameters.turnout.coefficients(),
        },
        "definitions": {
            "trust": "rint(trust_latent) clipped to 0..10; trust_latent is the exact linear model",
            "turnout": "Bernoulli(logistic(linear predictor))",
            "age10": "(age - 50) / 10",
            "random_intercept": "sd * (sqrt(spatial_share) * GP_exponential(range) + sqrt(1 - spatial_share) * iid)",
            "random_slope": "edu_low slope, iid N(0, edu_low_slope_sd^2), independent of the intercept",
            "allocation": "min_per_municipality plus largest-remainder share of the rest by population; "
            "exactly n_respondents",
            "design_weight": "(population_j / total population) / (n_j / N)",
        },
        "allocation_total": int(counts.sum()),
        "probabilities_clipped": {"low_income": clipped_income, "poor_health": clipped_health},
        "realised": {
            f"{column}_sd": float(effects_frame[column].std(ddof=0)) for column in effects_frame.columns
        },
        "municipal_effects": [
            {"municipality": code, "n_respondents": int(counts.loc[code]), **{k: float(v) for k, v in row.items()}}
            for code, row in effects_frame.iterrows()
        ],
    }
    return SyntheticSurvey(respondents=respondents, truth=truth)


def example_municipal_table(n_municipalities: int = 120, *, seed: int, n_provinces: int = 6) -> pd.DataFrame:
    """An invented municipal table (``synthetic=True``) for tests and reference data when real covariates are absent.

    Municipalities sit on a jittered grid in a 200 km x 300 km box; shares follow a smooth south-west to
    north-east gradient plus noise; ``stacked_disadvantage`` is the standardised mean of the standardised
    shares; provinces are vertical bands of the box.
    """
    if n_municipalities < 2 or n_provinces < 1:
        raise ValueError("need at least two municipalities and one province")
    rng = np.random.default_rng(seed)
    columns = int(np.ceil(np.sqrt(n_municipalities * 2 / 3)))
    cell = np.arange(n_municipalities)
    x = (cell % columns + rng.random(n_municipalities)) * (200_000.0 / columns)
    y = (cell // columns + rng.random(n_municipalities)) * (300_000.0 / np.ceil(n_municipalities / columns))
    gradient = (x / 200_000.0 + y / 300_000.0) / 2.0
    population = np.round(np.exp(rng.normal(10.3, 0.8, n_municipalities))).astype(np.int64) + 1000
    low_education = np.clip(0.22 + 0.12 * gradient + rng.normal(0, 0.04, n_municipalities), 0.05, 0.6)
    low_income = np.clip(0.08 + 0.06 * gradient + rng.normal(0, 0.02, n_municipalities), 0.02, 0.4)
    poor_health = np.clip(0.15 + 0.06 * gradient + rng.normal(0, 0.02, n_municipalities), 0.03, 0.4)
    z = [(v - v.mean()) / v.std() for v in (low_education, low_income, poor_health)]
    stacked = np.mean(z, axis=0)
    stacked = (stacked - stacked.mean()) / stacked.std()
    province = np.minimum((x / 200_000.0 * n_provinces).astype(int), n_provinces - 1) + 1
    return pd.DataFrame(
        {
            "code": [f"{i + 1:04d}" for i in range(n_municipalities)],
            "population": population,
            "low_education_share": low_education,
            "low_income_share": low_income,
            "poor_health_share": poor_health,
            "stacked_disadvantage": stacked,
            "x": x,
            "y": y,
            "province": [f"PV{p:02d}" for p in province],
            "synthetic": True,
        }
    )


def write_survey(survey: SyntheticSurvey, respondents_path: str | Path, truth_path: str | Path) -> None:
    """Write the respondents (CSV if the suffix is .csv, else parquet) and the truth record (JSON)."""
    respondents_path = Path(respondents_path)
    if respondents_path.suffix == ".csv":
        survey.respondents.to_csv(respondents_path, index=False, float_format="%.10g", lineterminator="\n")
    else:
        survey.respondents.to_parquet(respondents_path, index=False)
    Path(truth_path).write_text(survey.truth_json() + "\n", encoding="utf-8")


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    return value
