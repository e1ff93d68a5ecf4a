"""What every global spatial statistic reports, declared once: the result base, its field groups and the helper
that fills them.

A result is :class:`GlobalTestResult` (the weights, n, the statistic and the alternative) plus the groups its
inference has: :class:`RandomisationInference` and :class:`NormalityInference` (E[statistic] and the variance,
z and p under one analytical assumption), :class:`PermutationInference` (the seeded reference distribution).
Tables keep their columns in :data:`COLUMN_ORDER`, so a result's row does not depend on how its class is
composed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from afgehaakt.spatial.inference import Alternative, normal_p_value, permutation_summary

COLUMN_ORDER: tuple[str, ...] = (
    # what was tested
    "variable", "outcome", "covariates", "x_variable", "y_variable", "n", "parameters", "weights", "transformation",
    # the statistic and its analytical inference
    "statistic", "expected",
    "variance_randomisation", "z_randomisation", "p_randomisation",
    "variance_normality", "z_normality", "p_normality",
    "variance", "z", "p_value",
    # its permutation inference
    "permutations", "seed", "mean_permuted", "sd_permuted", "z_permutation", "p_permutation",
    "alternative", "z_convention",
)
"""The order of a result's columns in every table (each statistic has a subset)."""


@dataclass(frozen=True, kw_only=True)
class GlobalTestResult:
    """One global test: on which weights (name and transformation) over how many units, the statistic, and the
    alternative every p-value of the row follows."""

    n: int
    weights: str
    transformation: str
    statistic: float
    alternative: str

    def as_row(self) -> dict:
        row = asdict(self)
        return {name: row[name] for name in sorted(row, key=COLUMN_ORDER.index)}


@dataclass(frozen=True, kw_only=True)
class RandomisationInference:
    """E[statistic] and the variance, z and p under randomisation (values exchangeable over the units)."""

    expected: float
    variance_randomisation: float
    z_randomisation: float
    p_randomisation: float


@dataclass(frozen=True, kw_only=True)
class NormalityInference:
    """The variance, z and p under normality (values independent normal draws)."""

    variance_normality: float
    z_normality: float
    p_normality: float


@dataclass(frozen=True, kw_only=True)
class PermutationInference:
    """The reference distribution of ``permutations`` relabellings drawn from ``default_rng(seed)``: its mean and
    standard deviation and the permutation p-value (NaN without permutations)."""

    permutations: int
    seed: int
    mean_permuted: float
    sd_permuted: float
    p_permutation: float


def analytical_inference(assumption: str, *, variance: float, z: float, alternative: Alternative) -> dict:
    """The ``variance_<assumption>``, ``z_<assumption>`` and ``p_<assumption>`` fields (normal approximation)."""
    return {f"variance_{assumption}": float(variance), f"z_{assumption}": float(z),
            f"p_{assumption}": normal_p_value(float(z), alternative)}


def permutation_inference(observed: float, permuted: np.ndarray, *, seed: int, alternative: Alternative,
                          larger_is_positive: bool = True) -> dict:
    """The :class:`PermutationInference` fields of ``observed`` against the ``permuted`` statistics.

    ``larger_is_positive=False`` is for a statistic that falls with positive autocorrelation (Geary's C): the
    p-value is that of -statistic, so ``alternative="greater"`` still means positive autocorrelation.
    """
    sign = 1.0 if larger_is_positive else -1.0
    summary = permutation_summary(sign * observed, sign * permuted, alternative)
    return {"permutations": len(permuted), "seed": seed, "mean_permuted": sign * summary["mean_permuted"],
            "sd_permuted": summary["sd_permuted"], "p_permutation": summary["p_permutation"]}
