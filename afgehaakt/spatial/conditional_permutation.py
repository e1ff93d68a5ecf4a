"""Conditional permutation for local statistics, seeded from a NumPy generator and never storing the draws.

Every local statistic handled here is linear in the neighbours' values once the unit's own value is fixed:

    statistic_i = scale_i * sum_j w_ij v_j + offset_i

(local Moran: scale_i = z_i / m2, v = z; bivariate: scale_i = zx_i, v = zy; Gi*: scale_i = 1 / sum y,
offset_i = y_i / sum y). Under the null of conditional randomisation (Anselin 1995), unit i keeps its value and
its k_i neighbours receive k_i values drawn without replacement from the other n - 1 units. The draws come from
``numpy.random.default_rng(seed)`` (esda's numba kernel ignores NumPy's global seed and, in esda 2.9, offers no
two-sided p-value for ``Moran_Local``), and only counts and running moments are kept, so memory stays at a batch
of n x batch values whatever the number of permutations.

As in esda's ``crand``, one random ordering of the n - 1 other units is drawn per permutation and shared by all
units (mapped past each unit's own position): each unit's reference distribution is exact, units' draws are
not independent of each other, which does not matter for per-unit p-values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from libpysal.graph import Graph
from scipy import sparse

from afgehaakt.spatial.inference import Alternative, check_alternative

_VALUES_PER_BATCH = 2_000_000
"""Random keys held at once: a batch of permutations uses at most this many (n - 1) x batch values."""


@dataclass(frozen=True)
class NeighbourRows:
    """Each unit's neighbours (positions) and weights, self-links removed, from a transformed graph."""

    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    self_weights: np.ndarray

    @property
    def cardinalities(self) -> np.ndarray:
        return np.diff(self.indptr)

    def row(self, unit: int) -> tuple[np.ndarray, np.ndarray]:
        start, stop = self.indptr[unit], self.indptr[unit + 1]
        return self.indices[start:stop], self.weights[start:stop]


@dataclass(frozen=True)
class ConditionalReference:
    """Per unit: mean and sd of the conditional reference distribution and the permutation p-value."""

    mean: np.ndarray
    sd: np.ndarray
    p_value: np.ndarray


def neighbour_rows(graph: Graph, transformation: str) -> NeighbourRows:
    """The graph transformed by ``transformation`` ("r", "b", ...), split into self weights and neighbours."""
    matrix = sparse.csr_matrix(graph.transform(transformation.upper()).sparse, dtype=float)
    self_weights = matrix.diagonal().copy()
    matrix.setdiag(0.0)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return NeighbourRows(matrix.indptr.copy(), matrix.indices.copy(), matrix.data.copy(), self_weights)


def conditional_reference(
    observed: np.ndarray,
    scale: np.ndarray,
    offset: np.ndarray,
    pool: np.ndarray,
    rows: NeighbourRows,
    *,
    permutations: int,
    seed: int,
    alternative: Alternative,
) -> ConditionalReference:
    """Permutation p-values (1 + count at least as extreme) / (1 + permutations) for every unit.

    ``two-sided`` doubles the smaller tail and caps at 1 (``inference.permutation_p_value``). Units without
    neighbours get NaN: they have no reference distribution.
    """
    check_alternative(alternative)
    if permutations < 1:
        raise ValueError("conditional permutation needs permutations >= 1")
    n = len(observed)
    cardinality = rows.cardinalities
    max_cardinality = int(cardinality.max()) if n else 0
    at_least = np.zeros(n)
    at_most = np.zeros(n)
    total = np.zeros(n)
    total_squares = np.zeros(n)
    rng = np.random.default_rng(seed)
    batch = max(1, min(permutations, _VALUES_PER_BATCH // max(n - 1, 1)))
    for start in range(0, permutations, batch):
        size = min(batch, permutations - start)
        draws = _random_others(rng, size, n - 1, max_cardinality)
        for unit in np.flatnonzero(cardinality):
            _, weights = rows.row(unit)
            picks = draws[:, : len(weights)]
            picks = picks + (picks >= unit)  # skip the unit itself: it keeps its own value
            simulated = scale[unit] * (pool[picks] @ weights) + offset[unit]
            at_least[unit] += np.count_nonzero(simulated >= observed[unit])
            at_most[unit] += np.count_nonzero(simulated <= observed[unit])
            total[unit] += simulated.sum()
            total_squares[unit] += (simulated * simulated).sum()
    mean = total / permutations
    variance = (total_squares - permutations * mean * mean) / max(permutations - 1, 1)
    greater = (1.0 + at_least) / (1.0 + permutations)
    less = (1.0 + at_most) / (1.0 + permutations)
    p_value = {"greater": greater, "less": less, "two-sided": np.minimum(1.0, 2.0 * np.minimum(greater, less))}[
        alternative
    ]
    isolated = cardinality == 0
    return ConditionalReference(
        mean=np.where(isolated, np.nan, mean),
        sd=np.where(isolated, np.nan, np.sqrt(np.maximum(variance, 0.0))),
        p_value=np.where(isolated, np.nan, p_value),
    )


def _random_others(rng: np.random.Generator, size: int, others: int, needed: int) -> np.ndarray:
    """``size`` rows of ``needed`` distinct positions in range(others), each row in uniformly random order."""
    if needed == 0:
        return np.empty((size, 0), dtype=np.intp)
    keys = rng.random((size, others))
    if needed < others:
        chosen = np.argpartition(keys, needed - 1, axis=1)[:, :needed]
    else:
        chosen = np.broadcast_to(np.arange(others), (size, others))
    # Ordering the chosen positions by their keys makes the assignment to neighbours uniformly random too.
    order = np.argsort(np.take_along_axis(keys, chosen, axis=1), axis=1)
    return np.take_along_axis(chosen, order, axis=1)
