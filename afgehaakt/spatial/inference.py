"""Significance in one place: the alternative hypothesis, analytical and permutation p-values.

Every statistic in afgehaakt names its alternative with this vocabulary, so a reader never has to guess
whether a p-value is one- or two-sided (esda's global statistics report two-sided analytical p-values while
R spdep's are one-sided ``greater`` by default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from scipy import stats

Alternative = Literal["greater", "less", "two-sided"]
ALTERNATIVES: tuple[str, ...] = ("greater", "less", "two-sided")


def check_alternative(alternative: str) -> None:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, not {alternative!r}")


def normal_p_value(z: float, alternative: Alternative) -> float:
    """p-value of a standard-normal test statistic under the named alternative."""
    check_alternative(alternative)
    return float(_normal_tail(z, alternative))


def normal_p_values(z: np.ndarray, alternative: Alternative) -> np.ndarray:
    """``normal_p_value`` of every element at once; NaN where z is not finite (an undefined statistic)."""
    check_alternative(alternative)
    z = np.asarray(z, dtype=float)
    finite = np.isfinite(z)
    p_values = np.full(z.shape, np.nan)
    p_values[finite] = _normal_tail(z[finite], alternative)
    return p_values


def _normal_tail(z, alternative: Alternative):
    if alternative == "greater":
        return stats.norm.sf(z)
    if alternative == "less":
        return stats.norm.cdf(z)
    return 2.0 * stats.norm.sf(np.abs(z))


def permutation_p_value(observed: float, permuted: np.ndarray, alternative: Alternative) -> float:
    """(1 + number at least as extreme) / (1 + permutations); two-sided doubles the smaller tail, capped at 1."""
    check_alternative(alternative)
    permutations = len(permuted)
    greater = (1.0 + np.count_nonzero(permuted >= observed)) / (1.0 + permutations)
    less = (1.0 + np.count_nonzero(permuted <= observed)) / (1.0 + permutations)
    if alternative == "greater":
        return float(greater)
    if alternative == "less":
        return float(less)
    return float(min(1.0, 2.0 * min(greater, less)))


PERMUTATION_BATCH = 1000
"""Permutations evaluated per call of a statistic: bounds memory at n x 1000 values."""


def permuted_statistics(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    permutations: int,
    seed: int,
) -> np.ndarray:
    """A global statistic under ``permutations`` random relabellings of ``values`` (total randomisation).

    ``statistic`` takes an n x k array (one relabelling per column) and returns the k statistics. The
    relabellings are drawn from ``numpy.random.default_rng(seed)``, so the reference distribution is the same
    for the same seed whatever NumPy's global state.
    """
    if permutations < 0:
        raise ValueError("permutations must be >= 0")
    rng = np.random.default_rng(seed)
    results = []
    for start in range(0, permutations, PERMUTATION_BATCH):
        size = min(PERMUTATION_BATCH, permutations - start)
        batch = np.column_stack([rng.permutation(values) for _ in range(size)])
        results.append(np.asarray(statistic(batch), dtype=float))
    return np.concatenate(results) if results else np.empty(0)


def permutation_summary(observed: float, permuted: np.ndarray, alternative: Alternative) -> dict[str, float]:
    """Mean and standard deviation of the reference distribution and the permutation p-value (NaN if none)."""
    if len(permuted) == 0:
        return {"mean_permuted": float("nan"), "sd_permuted": float("nan"), "p_permutation": float("nan")}
    return {
        "mean_permuted": float(permuted.mean()),
        "sd_permuted": float(permuted.std(ddof=1)) if len(permuted) > 1 else float("nan"),
        "p_permutation": permutation_p_value(observed, permuted, alternative),
    }
