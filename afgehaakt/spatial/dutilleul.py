"""Dutilleul's modified t-test: is a correlation between two spatially autocorrelated maps significant?

Naive confidence intervals for a correlation between municipal indicators treat the 352 municipalities as
independent; with strong spatial autocorrelation in both maps the information is far smaller. Clifford,
Richardson and Hemon (1989) and Dutilleul (1993, Biometrics 49: 305-314) estimate an *effective sample size*

    n_eff = 1 + tr(B Rx) tr(B Ry) / tr(B Rx B Ry),    B = I - 11'/n,

where Rx and Ry are the estimated spatial correlation matrices of the two variables: 1 on the diagonal and, for a
pair of units in distance class k, the Moran's I of the variable in that class. The classes are ``n_classes`` equal
intervals from 0 to the largest distance between two units (13 by default, as in SpatialPack's
``modified.ttest``); Moran's I of class k is the mean cross-product of the centred values over the pairs in the
class divided by their variance (divisor n). The test refers F = (n_eff - 2) r^2 / (1 - r^2) to F(1, n_eff - 2)
(two-sided in r), and the confidence interval uses Fisher's z with n_eff in place of n.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist, squareform

DEFAULT_CLASSES = 13


@dataclass(frozen=True)
class ModifiedTTest:
    """Correlation with Dutilleul's effective sample size and the test and interval that use it."""

    correlation: float
    n: int
    effective_n: float
    f_statistic: float
    degrees_of_freedom: float
    p_value: float
    ci_low: float
    ci_high: float
    n_classes: int


def distance_classes(coordinates: np.ndarray, n_classes: int = DEFAULT_CLASSES) -> np.ndarray:
    """n x n matrix of distance-class indices (0 .. n_classes - 1; -1 on the diagonal).

    Class k holds the pairs with distance in (k h, (k + 1) h], h = largest distance / n_classes; the first class
    also holds distance 0.
    """
    if n_classes < 1:
        raise ValueError("n_classes must be at least 1")
    distances = squareform(pdist(np.asarray(coordinates, dtype=float)))
    width = distances.max() / n_classes
    if width <= 0:
        raise ValueError("all locations coincide: no distance classes")
    classes = np.clip(np.ceil(distances / width).astype(int) - 1, 0, n_classes - 1)
    np.fill_diagonal(classes, -1)
    return classes


def class_correlogram(values: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Moran's I of ``values`` in each distance class (NaN for an empty class)."""
    z = np.asarray(values, dtype=float) - np.mean(values)
    products = np.outer(z, z)
    variance = np.mean(z**2)
    if variance == 0:
        raise ValueError("a variable without variation has no correlogram")
    result = np.full(n_classes, np.nan)
    for k in range(n_classes):
        in_class = classes == k
        if in_class.any():
            result[k] = products[in_class].mean() / variance
    return result


def effective_sample_size(x: np.ndarray, y: np.ndarray, classes: np.ndarray, n_classes: int) -> float:
    """Dutilleul's n_eff from the class correlograms of x and y (empty classes contribute 0)."""
    n = len(x)
    rx, ry = (_correlation_matrix(np.nan_to_num(class_correlogram(v, classes, n_classes)), classes)
              for v in (x, y))
    # tr(B R) = n - 1'R1 / n and tr(B Rx B Ry) without forming B: B R = R - 1 (1'R) / n.
    brx = rx - rx.mean(axis=0, keepdims=True)
    bry = ry - ry.mean(axis=0, keepdims=True)
    return float(1.0 + np.trace(brx) * np.trace(bry) / np.sum(brx * bry.T))


def modified_t_test(x: np.ndarray, y: np.ndarray, coordinates: np.ndarray, *,
                    n_classes: int = DEFAULT_CLASSES, confidence: float = 0.95) -> ModifiedTTest:
    """Pearson's r of x and y with Dutilleul's effective sample size, F test and Fisher-z interval."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) != len(y) or len(x) != len(coordinates):
        raise ValueError("x, y and the coordinates must have one row per unit")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite (drop missing units before the test)")
    classes = distance_classes(coordinates, n_classes)
    r = float(np.corrcoef(x, y)[0, 1])
    n_eff = effective_sample_size(x, y, classes, n_classes)
    dof = n_eff - 2.0
    f = dof * r**2 / (1.0 - r**2)
    p = float(stats.f.sf(f, 1.0, dof))
    low = high = float("nan")
    if n_eff > 3 and abs(r) < 1:
        half = stats.norm.ppf(0.5 + confidence / 2) / np.sqrt(n_eff - 3.0)
        low, high = float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half))
    return ModifiedTTest(r, len(x), n_eff, float(f), float(dof), p, low, high, n_classes)


def _correlation_matrix(correlogram: np.ndarray, classes: np.ndarray) -> np.ndarray:
    matrix = correlogram[np.where(classes < 0, 0, classes)]
    np.fill_diagonal(matrix, 1.0)
    return matrix
