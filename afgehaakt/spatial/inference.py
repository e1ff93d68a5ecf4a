"""Significance in one place: the alternative hypothesis, analytical and permutation p-values.

Every statistic in afgehaakt names its alternative with this vocabulary, so a reader never has to guess
whether a p-value is one- or two-sided (esda's global statistics report two-sided analytical p-values while
R spdep's are one-sided ``greater`` by default).
"""

from __future__ import annotations

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
    if alternative == "greater":
        return float(stats.norm.sf(z))
    if alternative == "less":
        return float(stats.norm.cdf(z))
    return float(2.0 * stats.norm.sf(abs(z)))


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
