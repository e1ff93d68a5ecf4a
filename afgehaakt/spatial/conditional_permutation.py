"""Conditional permutation for local statistics: a seeded, thread-count-independent numba kernel.

Every local statistic handled here is linear in the neighbours' values once the unit's own value is fixed:

    statistic_i = scale_i * sum_j w_ij v_j + offset_i

(local Moran: scale_i = z_i / m2, v = z; bivariate: scale_i = zx_i, v = zy; Gi*: scale_i = 1 / sum y,
offset_i = y_i / sum y). Under the null of conditional randomisation (Anselin 1995), unit i keeps its value and
its k_i neighbours receive k_i values drawn without replacement from the other n - 1 units.

The permutation scheme, exactly
-------------------------------
For unit i and each of the ``permutations`` replicates, an ordered sample of k_i distinct positions is drawn
uniformly from positions 0 .. n - 2, which stand for the n - 1 *other* units (position r is unit r, except that
position i stands for unit n - 1: each thread keeps a copy of the values and swaps unit i's value to the end
while it evaluates unit i), and the s-th drawn unit's value is given to the s-th neighbour in CSR order (so
unequal weights are assigned at random too). Two exact ways of drawing, chosen from k_i and n only (never
from the thread count):

- *sequential rejection* when 4 k_i <= n - 1 (contiguity and most distance weights): draw r uniformly from the
  n - 1 others and redraw while it repeats an earlier draw of this replicate (a per-thread array of 16-bit
  replicate tags finds repeats in O(1)). Given the s distinct earlier draws the accepted one is uniform on the
  n - 1 - s remaining, so the ordered sample is uniform; at most 4/3 draws per neighbour are needed on average.
- *partial Fisher-Yates* otherwise (neighbourhoods of more than a quarter of the map): swap position s with a
  uniform position in s .. n - 2 for s = 0 .. k_i - 1 in a per-thread scratch array holding 0 .. n - 2, read
  positions 0 .. k_i - 1, then undo the swaps in reverse order, which restores the identity in O(k_i).

Uniform integers on [0, m) come from b-bit chunks of 64-bit random words (three 21-bit chunks per word when
n - 1 <= 2**17, else two 32-bit halves; least significant chunk first) by Lemire's multiply-and-shift,
r = (u * m) >> b, with its rejection step (a chunk is redrawn when (u * m) mod 2**b < (2**b - m) mod m), so every
r is exactly equally likely. The random words of unit i (0-based position in the graph) are counter-based:

    key    = mix64(seed + GAMMA)                    (whitened master seed, a non-negative integer from config)
    key_i  = mix64(key + (i + 1) * GAMMA2)
    word_t = mix64(key_i + t * GAMMA),  t = 1, 2, ...

with mix64 the SplitMix64 finaliser (Steele, Lea and Flood 2014), GAMMA the golden-ratio increment and GAMMA2
another odd constant. Each unit's draws are a pure function of (seed, i), so results are identical whatever the
number of threads or the order in which threads take units, and units' reference distributions are drawn
independently of each other.

esda's scheme, on request (``draws="esda"``)
--------------------------------------------
esda instead draws one (permutations x max k) matrix of positions among the n - 1 others and gives every unit
the same rows: replicate p of unit i uses row p's first k_i entries, position r standing for unit r if r < i and
r + 1 otherwise. ``afgehaakt.spatial.esda_draws`` reproduces esda's matrix exactly for the same seed, so the tail
counts are esda's and the p-values equal esda's ``p_sim`` (and, two-sided, twice it). Shared draws make units'
p-values depend on each other through the common rows, which the independent scheme avoids; the esda scheme is
for reproducing esda's results, and is faster because every unit reads the same small matrix.

Nothing of size n x permutations is kept: per unit, two tail counts and running sums of the permuted lag's
deviations from its exact conditional mean (for a numerically stable mean and sd). Memory is O(n + nnz): per
work chunk a copy of the n values and n - 1 16-bit tags, plus n - 1 integers when Fisher-Yates is needed.

Permuted statistics within 1e-12 x (|offset_i| + |scale_i| sum_j |w_ij| max|v| + |observed_i|) of the observed
one (rounding noise from a different summation order, e.g. with tied integer counts) count as ties: at least as
extreme in both tails. A unit whose observed statistic is not finite (constant values) gets a NaN p-value.

The kernel is compiled by numba with ``cache=True``: compiled code is stored next to this module (in
``__pycache__``) or, if that is not writable, in numba's user-wide cache; ``NUMBA_CACHE_DIR`` overrides both.
The number of threads follows numba (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``); it does not change
results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numba
import numpy as np
from scipy import sparse

from afgehaakt.spatial.esda_draws import esda_permutation_matrix
from afgehaakt.spatial.inference import Alternative, check_alternative

if TYPE_CHECKING:  # libpysal is only needed by callers that pass a Graph; keep the kernel's import light
    from libpysal.graph import Graph

Draws = Literal["independent", "esda"]
DRAWS: tuple[str, ...] = ("independent", "esda")
"""How neighbours' values are drawn: independently per unit (the scheme above), or esda's shared matrix."""

TIE_TOLERANCE = 1e-12
"""Relative size of the band around the observed statistic inside which permuted values count as ties."""

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_GAMMA2 = np.uint64(0xD1B54A32D192ED03)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S64 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(64)
_ONE = np.uint64(1)


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


def use_threads(threads: int) -> None:
    """Run the permutation kernel on ``threads`` threads (a workflow job's share of the cores)."""
    if threads < 1:
        raise ValueError("threads must be at least 1")
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def neighbour_rows(graph: Graph, transformation: str) -> NeighbourRows:
    """The graph transformed by ``transformation`` ("r", "b", ...), split into self weights and neighbours."""
    matrix = sparse.csr_matrix(graph.transform(transformation.upper()).sparse, dtype=float)
    return rows_from_sparse(matrix)


def rows_from_sparse(matrix) -> NeighbourRows:
    """CSR neighbour rows from any (already transformed) n x n sparse weights matrix."""
    matrix = sparse.csr_matrix(matrix, dtype=float, copy=True)
    self_weights = matrix.diagonal().copy()
    matrix.setdiag(0.0)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return NeighbourRows(
        matrix.indptr.astype(np.int64), matrix.indices.astype(np.int64), matrix.data.copy(), self_weights
    )


@dataclass(frozen=True)
class PermutationCounts:
    """Raw kernel output per unit: tail counts and moments of the permuted statistic (NaN for isolates)."""

    at_least: np.ndarray
    at_most: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    permutations: int


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
    draws: Draws = "independent",
) -> ConditionalReference:
    """Permutation p-values (1 + count at least as extreme) / (1 + permutations) for every unit.

    ``greater`` counts permuted statistics >= the observed one, ``less`` those <=, and ``two-sided`` doubles
    the smaller tail and caps at 1 (``inference.permutation_p_value``). Units without neighbours get NaN: they
    have no reference distribution. The same ``seed`` gives identical results on any number of threads; the
    scheme is described in the module docstring.
    """
    check_alternative(alternative)
    counts = permutation_counts(
        observed, scale, offset, pool, rows, permutations=permutations, seed=seed, draws=draws
    )
    greater = (1.0 + counts.at_least) / (1.0 + permutations)
    less = (1.0 + counts.at_most) / (1.0 + permutations)
    p_value = {"greater": greater, "less": less, "two-sided": np.minimum(1.0, 2.0 * np.minimum(greater, less))}[
        alternative
    ]
    undefined = (rows.cardinalities == 0) | ~np.isfinite(np.asarray(observed, dtype=float))
    return ConditionalReference(mean=counts.mean, sd=counts.sd, p_value=np.where(undefined, np.nan, p_value))


def permutation_counts(
    observed: np.ndarray,
    scale: np.ndarray,
    offset: np.ndarray,
    pool: np.ndarray,
    rows: NeighbourRows,
    *,
    permutations: int,
    seed: int,
    draws: Draws = "independent",
) -> PermutationCounts:
    """Run the kernel: per unit, how many permuted statistics are >= and <= the observed one, mean and sd.

    ``draws="esda"`` gives every unit the rows of esda's shared permutation matrix for the same ``seed``
    (``esda_draws``), so the tail counts, and with them the p-values, are those of esda's ``crand``.
    """
    if isinstance(permutations, bool) or int(permutations) != permutations or permutations < 1:
        raise ValueError("conditional permutation needs an integer permutations >= 1")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), not {seed!r}")
    observed, scale, offset, pool = (np.ascontiguousarray(a, dtype=np.float64) for a in (observed, scale, offset, pool))
    n = len(pool)
    if not (len(observed) == len(scale) == len(offset) == n == len(rows.indptr) - 1):
        raise ValueError("observed, scale, offset, pool and rows must describe the same n units")
    if n >= 2**32:
        raise ValueError("the kernel draws 32-bit positions: at most 2**32 - 1 units")
    if draws not in DRAWS:
        raise ValueError(f"draws must be one of {DRAWS}, not {draws!r}")
    n_chunks = max(64, 8 * numba.get_num_threads())  # work units for load balance; results do not depend on it
    if draws == "esda":
        kernel, draw_arguments = _esda_kernel, (_esda_matrix(rows, int(permutations), int(seed)),)
    else:
        kernel, draw_arguments = _kernel, (int(permutations), np.uint64(int(seed)))
    at_least, at_most, mean, sd = kernel(
        observed,
        scale,
        offset,
        pool,
        np.ascontiguousarray(rows.indptr, dtype=np.int64),
        np.ascontiguousarray(rows.weights, dtype=np.float64),
        *draw_arguments,
        n_chunks,
    )
    return PermutationCounts(at_least, at_most, mean, sd, int(permutations))


def _esda_matrix(rows: NeighbourRows, permutations: int, seed: int) -> np.ndarray:
    """esda's shared draws for the largest neighbourhood of ``rows`` (an empty matrix when no unit has any)."""
    n = len(rows.indptr) - 1
    max_card = int(rows.cardinalities.max()) if n else 0
    if max_card == 0:
        return np.zeros((permutations, 0), dtype=np.uint32)
    return esda_permutation_matrix(max_card, n, permutations, seed)


# --------------------------------------------------------------------------------------------------------------
# numba kernel
# --------------------------------------------------------------------------------------------------------------


@numba.njit(inline="always", cache=True)
def _mix64(x):
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    return x ^ (x >> _S31)


@numba.njit(cache=True)
def _unit_key(seed_key, unit):
    return _mix64(seed_key + np.uint64(unit + 1) * _GAMMA2)


@numba.njit(inline="always", cache=True)
def _next_chunk(counter, word, left, bits, mask, per_word):
    """The next ``bits``-bit chunk of the unit's random words; the caller keeps the stream's state in registers."""
    if left == 0:
        counter += _GAMMA
        word = _mix64(counter)
        left = per_word
    return word & mask, counter, word >> bits, left - _ONE


@numba.njit(inline="always", cache=True)
def _uniform_below(bound, threshold, counter, word, left, bits, mask, per_word):
    """A uniform integer on [0, bound) by Lemire's multiply-and-shift, for a bound fixed over many draws.

    r = (u * bound) >> bits, with u redrawn while (u * bound) mod 2**bits < ``threshold`` =
    (2**bits - bound) mod bound, so that every r is exactly equally likely (needs bound <= 2**bits). The threshold
    is computed once per bound because the modulo costs more than the rest of a draw. The result stays unsigned:
    numba adds a negative-index check to every array access with a signed index.
    """
    while True:
        u, counter, word, left = _next_chunk(counter, word, left, bits, mask, per_word)
        product = u * bound
        if (product & mask) >= threshold:
            return product >> bits, counter, word, left


@numba.njit(inline="always", cache=True)
def _uniform_below_varying(bound, counter, word, left, bits, mask, per_word):
    """As ``_uniform_below`` for a bound that changes every draw: the threshold is computed only when needed."""
    while True:
        u, counter, word, left = _next_chunk(counter, word, left, bits, mask, per_word)
        product = u * bound
        low = product & mask
        if low >= bound or low >= ((mask + _ONE) - bound) % bound:
            return product >> bits, counter, word, left


@numba.njit(inline="always", cache=True)
def _tally(lag, scale_i, offset_i, observed_i, tol, centre, greater, less, total, total_squares):
    """Count one permuted statistic in the tails it reaches and add its lag's deviation to the running sums."""
    simulated = scale_i * lag + offset_i
    if simulated >= observed_i - tol:
        greater += 1
    if simulated <= observed_i + tol:
        less += 1
    deviation = lag - centre
    return greater, less, total + deviation, total_squares + deviation * deviation


@numba.njit(cache=True)
def _unit_rejection(
    unit_weights, values, counter, permutations, bits, scale_i, offset_i, observed_i, tol, centre, marks, tag
):
    """Unit i's reference distribution, neighbours drawn by sequential rejection (k_i <= (n - 1) / 4).

    ``values`` holds the n - 1 other units' values at positions 0 .. n - 2. ``marks`` (per thread) holds the
    replicate's ``tag`` at every position drawn in that replicate, so a repeat is found in O(1) whatever k_i;
    16-bit tags keep it in the L1 cache and are cleared every 65,535 replicates. Returns the last tag used.
    """
    k = unit_weights.shape[0]
    bound = np.uint64(values.shape[0] - 1)
    mask = (_ONE << bits) - _ONE
    threshold = ((mask + _ONE) - bound) % bound
    per_word = np.uint64(2) if bits == np.uint64(32) else np.uint64(3)
    word = np.uint64(0)
    left = np.uint64(0)
    greater = 0
    less = 0
    total = 0.0
    total_squares = 0.0
    for _ in range(permutations):
        if tag == 65535:
            marks[:] = 0
            tag = 0
        tag += 1
        current = np.uint16(tag)
        lag = 0.0
        for s in range(k):
            while True:
                r, counter, word, left = _uniform_below(bound, threshold, counter, word, left, bits, mask, per_word)
                if marks[r] != current:
                    break
            marks[r] = current
            lag += unit_weights[s] * values[r]
        greater, less, total, total_squares = _tally(
            lag, scale_i, offset_i, observed_i, tol, centre, greater, less, total, total_squares
        )
    return greater, less, total, total_squares, tag


@numba.njit(cache=True)
def _unit_fisher_yates(
    unit_weights, values, counter, permutations, bits, scale_i, offset_i, observed_i, tol, centre, swaps, scratch
):
    """Unit i's reference distribution, neighbours drawn by partial Fisher-Yates with undo (large k)."""
    k = unit_weights.shape[0]
    n_others = values.shape[0] - 1
    mask = (_ONE << bits) - _ONE
    per_word = np.uint64(2) if bits == np.uint64(32) else np.uint64(3)
    word = np.uint64(0)
    left = np.uint64(0)
    greater = 0
    less = 0
    total = 0.0
    total_squares = 0.0
    for _ in range(permutations):
        lag = 0.0
        for s in range(k):
            r, counter, word, left = _uniform_below_varying(
                np.uint64(n_others - s), counter, word, left, bits, mask, per_word
            )
            position = s + np.int64(r)
            picked = scratch[position]
            scratch[position] = scratch[s]
            scratch[s] = picked
            swaps[s] = position
            lag += unit_weights[s] * values[picked]
        for s in range(k - 1, -1, -1):
            position = swaps[s]
            picked = scratch[s]
            scratch[s] = scratch[position]
            scratch[position] = picked
        greater, less, total, total_squares = _tally(
            lag, scale_i, offset_i, observed_i, tol, centre, greater, less, total, total_squares
        )
    return greater, less, total, total_squares


@numba.njit(cache=True)
def _empty_outputs(n):
    return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, np.nan), np.full(n, np.nan)


@numba.njit(cache=True)
def _pool_summary(pool):
    total = 0.0
    largest = 0.0
    for j in range(pool.shape[0]):
        total += pool[j]
        largest = max(largest, abs(pool[j]))
    return total, largest


@numba.njit(inline="always", cache=True)
def _unit_inputs(i, indptr, weights, observed, scale, offset, pool, pool_total, pool_max):
    """Unit i's neighbour weights, scale, offset and observed statistic, the half-width of the band of ties around
    the observed statistic, and the lag's exact conditional mean (every other unit's value is equally likely in
    every slot)."""
    unit_weights = weights[indptr[i] : indptr[i + 1]]
    scale_i = scale[i]
    offset_i = offset[i]
    observed_i = observed[i]
    weight_total = 0.0
    weight_abs = 0.0
    for s in range(unit_weights.shape[0]):
        weight_total += unit_weights[s]
        weight_abs += abs(unit_weights[s])
    tol = TIE_TOLERANCE * (abs(offset_i) + abs(scale_i) * weight_abs * pool_max + abs(observed_i))
    centre = weight_total * (pool_total - pool[i]) / (pool.shape[0] - 1)
    return unit_weights, scale_i, offset_i, observed_i, tol, centre


@numba.njit(inline="always", cache=True)
def _store_unit(
    i, greater, less, total, total_squares, permutations, scale_i, offset_i, centre, at_least, at_most, mean, sd
):
    at_least[i] = greater
    at_most[i] = less
    mean_deviation = total / permutations
    mean[i] = scale_i * (centre + mean_deviation) + offset_i
    if permutations > 1:
        variance = (total_squares - permutations * mean_deviation * mean_deviation) / (permutations - 1)
        sd[i] = abs(scale_i) * np.sqrt(max(variance, 0.0))


@numba.njit(parallel=True, cache=True)
def _kernel(observed, scale, offset, pool, indptr, weights, permutations, seed, n_chunks):
    n = pool.shape[0]
    at_least, at_most, mean, sd = _empty_outputs(n)
    if n < 2:
        return at_least, at_most, mean, sd
    others = n - 1
    pool_total, pool_max = _pool_summary(pool)
    max_k = 0
    needs_scratch = False
    for i in range(n):
        k = indptr[i + 1] - indptr[i]
        max_k = max(max_k, k)
        if 4 * k > others:
            needs_scratch = True
    seed_key = _mix64(seed + _GAMMA)
    # 21-bit chunks (three per random word) while rejection stays rare (bound / 2**21 <= 1/16), else 32-bit
    bits = np.uint64(21) if others <= (1 << 17) else np.uint64(32)
    n_chunks = min(n, n_chunks)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in numba.prange(n_chunks):
        values = pool.copy()  # this thread's copy: unit i's value is moved to the end while i is evaluated
        marks = np.zeros(others, dtype=np.uint16)
        tag = 0
        swaps = np.empty(max(max_k, 1), dtype=np.int64)
        scratch = np.arange(others if needs_scratch else 0)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if indptr[i + 1] == indptr[i]:
                continue
            unit_weights, scale_i, offset_i, observed_i, tol, centre = _unit_inputs(
                i, indptr, weights, observed, scale, offset, pool, pool_total, pool_max
            )
            k = unit_weights.shape[0]
            counter = _unit_key(seed_key, i)
            own = values[i]
            values[i] = values[others]
            values[others] = own  # positions 0 .. n - 2 now hold the other units' values
            if 4 * k <= others:
                greater, less, total, total_squares, tag = _unit_rejection(
                    unit_weights,
                    values,
                    counter,
                    permutations,
                    bits,
                    scale_i,
                    offset_i,
                    observed_i,
                    tol,
                    centre,
                    marks,
                    tag,
                )
            else:
                greater, less, total, total_squares = _unit_fisher_yates(
                    unit_weights,
                    values,
                    counter,
                    permutations,
                    bits,
                    scale_i,
                    offset_i,
                    observed_i,
                    tol,
                    centre,
                    swaps,
                    scratch,
                )
            values[others] = values[i]
            values[i] = own
            _store_unit(
                i, greater, less, total, total_squares, permutations, scale_i, offset_i, centre,
                at_least, at_most, mean, sd,
            )  # fmt: skip
    return at_least, at_most, mean, sd


@numba.njit(cache=True)
def _unit_esda(unit_weights, pool, permuted, unit, scale_i, offset_i, observed_i, tol, centre):
    """Unit i's reference distribution from esda's shared rows: position r stands for unit r + (r >= i)."""
    k = unit_weights.shape[0]
    greater = 0
    less = 0
    total = 0.0
    total_squares = 0.0
    for p in range(permuted.shape[0]):
        lag = 0.0
        for s in range(k):
            r = permuted[p, s]
            lag += unit_weights[s] * pool[r + np.uint32(r >= unit)]
        greater, less, total, total_squares = _tally(
            lag, scale_i, offset_i, observed_i, tol, centre, greater, less, total, total_squares
        )
    return greater, less, total, total_squares


@numba.njit(parallel=True, cache=True)
def _esda_kernel(observed, scale, offset, pool, indptr, weights, permuted, n_chunks):
    n = pool.shape[0]
    at_least, at_most, mean, sd = _empty_outputs(n)
    if n < 2:
        return at_least, at_most, mean, sd
    permutations = permuted.shape[0]
    pool_total, pool_max = _pool_summary(pool)
    n_chunks = min(n, n_chunks)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in numba.prange(n_chunks):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            if indptr[i + 1] == indptr[i]:
                continue
            unit_weights, scale_i, offset_i, observed_i, tol, centre = _unit_inputs(
                i, indptr, weights, observed, scale, offset, pool, pool_total, pool_max
            )
            greater, less, total, total_squares = _unit_esda(
                unit_weights, pool, permuted, np.uint32(i), scale_i, offset_i, observed_i, tol, centre
            )
            _store_unit(
                i, greater, less, total, total_squares, permutations, scale_i, offset_i, centre,
                at_least, at_most, mean, sd,
            )  # fmt: skip
    return at_least, at_most, mean, sd
