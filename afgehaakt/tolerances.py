"""How far a number may move between two machines before it is another result: each estimator's declared tolerance.

Two runs of the same code on the same data differ in the last digits wherever floating-point reductions are
ordered differently (numpy's SIMD loops per CPU, OpenBLAS kernels per CPU and thread count). How far that noise
travels depends on the estimator:

- **closed form** (OLS, GLS at given variances, Moran's I and its moments, harmonisation sums): the noise stays
  in the last digits, ``rtol`` 1e-9;
- **Monte Carlo with a seed** (permutation tests, the synthetic survey, power replicates): the draws are the same
  on every machine, so the results are as exact as the closed-form statistics they count;
- **iterative** (maximum likelihood by an optimiser): the optimiser stops where its convergence criterion is met,
  and the noise moves that point. The tolerance follows from the criterion (below, per estimator);
- **printed** (publication tables): a number rounded for print may move by one unit of its last printed digit
  when the unrounded value sits at a rounding boundary.

Whatever the estimator, a log-likelihood (and the deviance, information criteria and LR statistics made from it)
that differs by more than :data:`LOG_LIKELIHOOD` is another optimum, not noise, and always fails; so does any
count, text or flag. A convergence diagnostic (a gradient norm) is noise by nature: it only has to stay below the
limit at which a fit counts as converged.

:data:`OUTPUT_TOLERANCES` assigns each output of the workflow (by its path in the results folder) the tolerance of
the estimator that made it; :func:`tolerance_for` resolves one. The expected manifest records the tolerance it was
made with for every table and JSON document (:mod:`afgehaakt.verify`), and the README lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

CONVERGENCE_GRADIENT_LIMIT = 1e-3
"""Largest absolute gradient of a (profile) log-likelihood at which an iterative fit counts as converged."""
CONVERGENCE_RELATIVE_STEP_LIMIT = 1e-4
"""Largest Newton step ``H^-1 g`` relative to ``max(1, |parameter|)`` at which a logistic mixed-model fit counts as
converged (afgehaakt.models.diagnostics; lme4 checks the same scaled gradient against 2e-3)."""


@dataclass(frozen=True)
class NumericalTolerance:
    """``|actual - expected| <= atol + rtol * |expected|`` per value, and why that much."""

    rtol: float
    atol: float
    basis: str

    def record(self) -> dict:
        return {"rtol": self.rtol, "atol": self.atol, "basis": self.basis}

    @classmethod
    def from_record(cls, record: dict) -> NumericalTolerance:
        return cls(rtol=float(record["rtol"]), atol=float(record["atol"]), basis=str(record.get("basis", "")))


CLOSED_FORM = NumericalTolerance(
    1e-9, 1e-12, "closed form or seeded Monte Carlo: floating-point reductions differ in the last digits only")
LOG_LIKELIHOOD = NumericalTolerance(
    0.0, 1e-6, "log-likelihood: further apart is another optimum, not noise")
LOG_LIKELIHOOD_DIFFERENCE = NumericalTolerance(
    0.0, 4e-6, "twice a difference of log-likelihoods (LR statistic, deviance, AIC, BIC)")
CONVERGENCE_DIAGNOSTIC = NumericalTolerance(
    0.0, CONVERGENCE_GRADIENT_LIMIT, "gradient norm at the optimum: noise below the convergence limit")
CONVERGENCE_STEP_DIAGNOSTIC = NumericalTolerance(
    0.0, CONVERGENCE_RELATIVE_STEP_LIMIT, "relative Newton step at the optimum: noise below the convergence limit")
MIXED_MODEL = NumericalTolerance(
    1e-5, 1e-8, "iterative: mixed-model likelihood maximised to a profile gradient below 1e-3 (BFGS gtol 1e-10; "
                "nested and quadrature fits by L-BFGS-B and Newton steps); observed across BLAS kernels: 1e-7")
MIXED_MODEL_P_VALUE = NumericalTolerance(
    1e-3, 1e-12, "p-value of an iterative estimate: a relative change dz in z moves log p by z**2 dz")
SPATIAL_ML = NumericalTolerance(
    1e-5, 1e-8, "iterative: spreg ML lag/error, spatial parameter by bounded scalar minimisation with absolute "
                "tolerance 1e-7; observed across BLAS kernels: 3e-7")
PRINTED_3 = NumericalTolerance(
    0.0, 1.0001e-3, "printed with 3 decimals: one unit in the last printed digit")


@dataclass(frozen=True)
class TableTolerance:
    """The tolerance of an output's numbers: one default and overrides for columns (or JSON keys) by pattern."""

    default: NumericalTolerance
    columns: tuple[tuple[str, NumericalTolerance], ...] = field(default=())

    def for_column(self, name: str) -> NumericalTolerance:
        """The first override whose pattern matches ``name`` (for a JSON pointer, its last key), or the default."""
        key = name.rsplit("/", 1)[-1]
        return next((tolerance for pattern, tolerance in self.columns if fnmatchcase(key, pattern)), self.default)

    def record(self) -> dict:
        return {"default": self.default.record(),
                "columns": [[pattern, tolerance.record()] for pattern, tolerance in self.columns]}

    @classmethod
    def from_record(cls, record: dict) -> TableTolerance:
        return cls(NumericalTolerance.from_record(record["default"]),
                   tuple((pattern, NumericalTolerance.from_record(t)) for pattern, t in record.get("columns", ())))


_LIKELIHOOD_COLUMNS = (
    ("logLik", LOG_LIKELIHOOD), ("log_likelihood", LOG_LIKELIHOOD), ("loglik", LOG_LIKELIHOOD),
    ("deviance", LOG_LIKELIHOOD_DIFFERENCE), ("AIC", LOG_LIKELIHOOD_DIFFERENCE), ("aic", LOG_LIKELIHOOD_DIFFERENCE),
    ("BIC", LOG_LIKELIHOOD_DIFFERENCE), ("bic", LOG_LIKELIHOOD_DIFFERENCE), ("LR_chi2", LOG_LIKELIHOOD_DIFFERENCE),
    ("gradient_norm", CONVERGENCE_DIAGNOSTIC), ("relative_newton_step", CONVERGENCE_STEP_DIAGNOSTIC),
)
_P_VALUE_COLUMNS = tuple((pattern, MIXED_MODEL_P_VALUE) for pattern in ("p", "p_*", "p-value"))


def iterative(estimator: NumericalTolerance) -> TableTolerance:
    """An iterative estimator's table: likelihood columns absolute, p-values relative to log p, the rest by its own."""
    return TableTolerance(estimator, _LIKELIHOOD_COLUMNS + _P_VALUE_COLUMNS)


EXACT = TableTolerance(CLOSED_FORM)
OUTPUT_TOLERANCES: tuple[tuple[str, TableTolerance], ...] = (
    ("tables/multilevel/*", iterative(MIXED_MODEL)),
    # The methods demonstration on the synthetic survey: the same mixed models, and the recovery study's ML fits.
    ("tables/synthetic_survey/publication/*", TableTolerance(PRINTED_3)),
    ("tables/synthetic_survey/*", iterative(MIXED_MODEL)),
    ("snippets/synthetic_survey_demonstration.*", iterative(MIXED_MODEL)),
    ("tables/spatial/regression_*", iterative(SPATIAL_ML)),
    ("tables/publication/multilevel_*", TableTolerance(PRINTED_3)),
    ("tables/publication/spatial_regression.csv", TableTolerance(PRINTED_3)),
)
"""Outputs made by an estimator that is not closed form, by path pattern in the results folder; first match wins.
Everything else is :data:`EXACT`."""
MICRODATA_ONLY = ("tables/multilevel/*", "tables/publication/multilevel_*")
"""Patterns of outputs that exist only with real survey microdata (``survey.source: microdata``), so not in the
expected manifest of the default (synthetic) run."""


def tolerance_for(path: str) -> TableTolerance:
    """The declared tolerance of the output at ``path`` (relative to the results folder)."""
    return next((tolerance for pattern, tolerance in OUTPUT_TOLERANCES if fnmatchcase(path, pattern)), EXACT)
