"""The conditional-permutation kernel: exact draws, reproducibility, calibration and agreement with esda.

Correctness only; speed and memory are measured in ``benchmarks/lisa_lattice.py``. Every check that compares
random quantities uses fixed seeds, so it is deterministic; the tolerances are chosen from the sampling
distribution (stated at each test) so that a correct kernel passes with probability > 0.99 for any seed.
"""

import warnings

import esda
import numba
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from libpysal.weights import lat2W
from scipy import sparse, stats

from afgehaakt.spatial.conditional_permutation import (
    conditional_reference,
    permutation_counts,
    rows_from_sparse,
    use_threads,
)
from afgehaakt.spatial.local import local_moran


def lattice(side: int, transform: str = "r"):
    w = lat2W(side, side, rook=False)
    w.transform = transform
    return w


def moran_inputs(y: np.ndarray, rows):
    """observed I_i (spdep scale), scale z_i / m2, offset 0 and pool z, as ``local_moran`` passes them."""
    z = y - y.mean()
    m2 = (z * z).mean()
    lag = sparse.csr_matrix((rows.weights, rows.indices, rows.indptr), shape=(len(z), len(z))) @ z
    return z * lag / m2, z / m2, np.zeros(len(z)), z


def sokal_moments(y: np.ndarray, rows):
    """spdep's E.Ii and Var.Ii under conditional randomisation (Sokal, Oden and Thomson 1998, A7-A8)."""
    z = y - y.mean()
    n = len(z)
    m2 = (z * z).sum() / n
    units = np.repeat(np.arange(n), rows.cardinalities)
    wi, wi2 = np.bincount(units, rows.weights, n), np.bincount(units, rows.weights**2, n)
    expected = -(z * z * wi) / ((n - 1) * m2)
    variance = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (m2 - z * z / (n - 1))
    return expected, variance


@pytest.fixture(scope="module")
def planted():
    """A 20 x 20 queen lattice of noise with +2.5 sd in a 5 x 5 block: clusters, outliers and noise."""
    side = 20
    y = np.random.default_rng(11).normal(size=side * side).reshape(side, side)
    y[3:8, 4:9] += 2.5
    return lattice(side), y.ravel()


def test_same_seed_same_results_whatever_the_number_of_threads(planted):
    w, y = planted
    rows = rows_from_sparse(w.sparse)
    inputs = moran_inputs(y, rows)
    before = numba.get_num_threads()
    runs = []
    try:
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            runs.append(permutation_counts(*inputs, rows, permutations=499, seed=2024))
            runs.append(permutation_counts(*inputs, rows, permutations=499, seed=2024))
    finally:
        numba.set_num_threads(before)
    for run in runs[1:]:
        for field in ("at_least", "at_most", "mean", "sd"):
            np.testing.assert_array_equal(getattr(run, field), getattr(runs[0], field))
    other = permutation_counts(*inputs, rows, permutations=499, seed=2025)
    assert (other.at_least != runs[0].at_least).mean() > 0.5


def test_complete_graph_leaves_nothing_to_permute():
    # With every other unit a neighbour, a draw of k = n - 1 without replacement from the n - 1 others is all of
    # them: the lag never changes, so sd = 0, mean = observed and the two-sided p is 1 (Fisher-Yates path,
    # which must also never hand a unit its own value).
    n = 7
    matrix = sparse.csr_matrix(np.ones((n, n)) - np.eye(n))
    rows = rows_from_sparse(matrix)
    pool = np.random.default_rng(1).normal(size=n)
    observed = np.array([pool.sum() - pool[i] for i in range(n)])
    reference = conditional_reference(
        observed, np.ones(n), np.zeros(n), pool, rows, permutations=200, seed=3, alternative="two-sided"
    )
    np.testing.assert_allclose(reference.mean, observed, rtol=1e-12)
    np.testing.assert_allclose(reference.sd, 0.0, atol=1e-12)
    np.testing.assert_array_equal(reference.p_value, 1.0)


@pytest.mark.parametrize("side", [20, 3])  # 20: rejection path (k <= (n - 1) / 4); 3: Fisher-Yates path
def test_neighbours_are_drawn_without_replacement_from_the_other_units(side):
    w = lattice(side, "b")
    rows = rows_from_sparse(w.sparse)
    n = side * side
    marked = n // 2
    pool = np.zeros(n)
    pool[marked] = 1.0  # the lag (binary weights) counts how often the marked unit is drawn
    ones = np.ones(n)
    # At least 2 would need a repeat; at least 1 for the marked unit itself would need its own value.
    never = np.full(n, 1.5)
    never[marked] = 0.5
    counts = permutation_counts(never, ones, np.zeros(n), pool, rows, permutations=2000, seed=9)
    assert (counts.at_least == 0).all()
    # Each draw of k_i from n - 1 includes the marked unit with probability k_i / (n - 1).
    hit = permutation_counts(np.full(n, 0.5), ones, np.zeros(n), pool, rows, permutations=2000, seed=9)
    others = np.arange(n) != marked
    probability = rows.cardinalities[others] / (n - 1)
    z = (hit.at_least[others] - 2000 * probability) / np.sqrt(2000 * probability * (1 - probability))
    assert np.abs(z).max() < 5


def test_permuted_moments_match_spdeps_conditional_moments_on_a_lattice():
    w = lattice(25)
    graph = Graph.from_W(w)
    y = pd.Series(np.random.default_rng(4).gamma(2.0, size=625), index=graph.unique_ids, name="y")
    table = local_moran(y, graph, weights_name="queen", permutations=9999, seed=8)
    # mean of 9,999 draws: standard error sqrt(Var / 9999); 4.5 SE bounds 625 units with prob > 0.99
    standard_error = np.sqrt(table["variance"] / 9999)
    assert (np.abs(table["mean_permuted"] - table["expected"]) < 4.5 * standard_error).all()
    ratio = table["sd_permuted"] / np.sqrt(table["variance"])
    assert abs(ratio.mean() - 1) < 0.005 and (np.abs(ratio - 1) < 0.06).all()


def test_permuted_moments_match_with_unequal_weights():
    # Random positive weights: the variance depends on sum w^2, so neighbours must get values in random order.
    w = lattice(20, "b")
    matrix = sparse.csr_matrix(w.sparse, dtype=float)
    matrix.data = np.random.default_rng(6).uniform(0.1, 3.0, size=matrix.nnz)
    rows = rows_from_sparse(matrix)
    y = np.random.default_rng(7).normal(size=400)
    observed, scale, offset, pool = moran_inputs(y, rows)
    reference = conditional_reference(
        observed, scale, offset, pool, rows, permutations=9999, seed=10, alternative="two-sided"
    )
    expected, variance = sokal_moments(y, rows)
    assert (np.abs(reference.mean - expected) < 4.5 * np.sqrt(variance / 9999)).all()
    ratio = reference.sd / np.sqrt(variance)
    assert abs(ratio.mean() - 1) < 0.005 and (np.abs(ratio - 1) < 0.06).all()


def test_p_values_are_uniform_under_the_null():
    # 2,000 independent noise data sets on a 7 x 7 lattice; per data set one corner (k = 3) and one interior
    # (k = 8) unit, so the p-values in each series are independent. Under the null the observed lag is
    # exchangeable with the 399 permuted ones, so the count C of permuted >= observed is uniform on 0..399:
    # P(p_greater <= 0.05) = 20/400 and P(p_two-sided <= 0.05) = 2 * 10/400 = 0.05 exactly.
    w = lattice(7)
    rows = rows_from_sparse(w.sparse)
    generator = np.random.default_rng(12)
    replicates, permutations = 2000, 399
    counts = {0: [], 24: []}
    two_sided = {0: [], 24: []}
    before = numba.get_num_threads()
    numba.set_num_threads(1)  # results do not depend on it; 2,000 small calls are quicker on one thread
    try:
        references = [
            permutation_counts(*moran_inputs(generator.normal(size=49), rows), rows, permutations=permutations, seed=r)
            for r in range(replicates)
        ]
    finally:
        numba.set_num_threads(before)
    for reference in references:
        for unit in counts:
            counts[unit].append(reference.at_least[unit])
            greater = (1 + reference.at_least[unit]) / (1 + permutations)
            less = (1 + reference.at_most[unit]) / (1 + permutations)
            two_sided[unit].append(min(1.0, 2 * min(greater, less)))
    tolerance = 3.5 * np.sqrt(0.05 * 0.95 / replicates)  # binomial, two units x two tests
    for unit in counts:
        count = np.array(counts[unit])
        assert abs(((1 + count) / (1 + permutations) <= 0.05).mean() - 0.05) < tolerance
        assert abs((np.array(two_sided[unit]) <= 0.05).mean() - 0.05) < tolerance
        observed_bins = np.bincount(count // 40, minlength=10)  # ten equally likely bins of C
        assert stats.chisquare(observed_bins).pvalue > 0.001


@pytest.fixture(scope="module")
def esda_planted(planted):
    w, y = planted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's DeprecationWarning about its default alternative
        return esda.Moran_Local(y, lattice(20), transformation="r", permutations=9999, seed=31)


def test_esda_draws_reproduce_esdas_p_values_exactly(planted, esda_planted):
    # esda shares one (permutations x max k) matrix of draws between all units; draws="esda" replays that matrix
    # from the seed, so the tail counts give esda's ("directed") p_sim to the last bit, and our two-sided p is
    # min(1, 2 x esda's) whenever no permuted value ties the observed one.
    w, y = planted
    rows = rows_from_sparse(w.sparse)
    counts = permutation_counts(*moran_inputs(y, rows), rows, permutations=9999, seed=31, draws="esda")
    at_least, at_most = counts.at_least, counts.at_most
    directed = (1.0 + np.minimum(at_least, 9999 - at_least)) / 10000.0
    np.testing.assert_array_equal(directed, esda_planted.p_sim)
    assert (at_least + at_most == 9999).all()  # no ties
    two_sided = np.minimum(1.0, 2.0 * np.minimum(1.0 + at_least, 1.0 + at_most) / 10000.0)
    np.testing.assert_allclose(two_sided, np.minimum(1.0, 2.0 * esda_planted.p_sim), rtol=1e-15)


def test_esda_draws_give_esdas_moments_and_do_not_depend_on_threads(planted, esda_planted):
    w, y = planted
    rows = rows_from_sparse(w.sparse)
    inputs = moran_inputs(y, rows)
    runs = []
    for threads in (1, 2):
        use_threads(threads)
        runs.append(permutation_counts(*inputs, rows, permutations=9999, seed=31, draws="esda"))
    use_threads(numba.config.NUMBA_NUM_THREADS)
    for field in ("at_least", "at_most", "mean", "sd"):
        np.testing.assert_array_equal(getattr(runs[0], field), getattr(runs[1], field))
    # esda's Moran_Local.sim (permutations x n) holds every permuted I_i on its scale, (n - 1) / n times ours
    n = len(y)
    np.testing.assert_allclose(runs[0].mean * (n - 1) / n, esda_planted.sim.mean(axis=0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(runs[0].sd * (n - 1) / n, esda_planted.sim.std(axis=0, ddof=1), rtol=1e-9)


def test_esda_draws_refuse_a_seed_numba_cannot_take(planted):
    w, y = planted
    rows = rows_from_sparse(w.sparse)
    with pytest.raises(ValueError, match="32-bit seed"):
        permutation_counts(*moran_inputs(y, rows), rows, permutations=9, seed=2**32, draws="esda")
    with pytest.raises(ValueError, match="draws must be one of"):
        permutation_counts(*moran_inputs(y, rows), rows, permutations=9, seed=1, draws="shared")


def test_independent_draws_agree_with_esda_within_monte_carlo_error(planted, esda_planted):
    # Both p-values estimate the same exact conditional p-value pi_i of each unit with 9,999 permutations:
    # each tail count is binomial(9999, q_i), q_i the smaller tail, so the difference of the two two-sided
    # estimates has sd 2 sqrt(2 q (1 - q) / 9999). Every unit must lie within 4.5 sd (+ the 2/10000 grid step),
    # and at most 1% of units may be classified differently at 0.05.
    w, y = planted
    ours = local_moran(
        pd.Series(y, index=Graph.from_W(w).unique_ids, name="y"),
        Graph.from_W(w),
        weights_name="queen",
        permutations=9999,
        seed=31,
    )["p_sim"].to_numpy()
    theirs = np.minimum(1.0, 2.0 * esda_planted.p_sim)
    q = np.clip((ours + theirs) / 4.0, 1e-4, 0.5)
    bound = 4.5 * 2.0 * np.sqrt(2.0 * q * (1.0 - q) / 9999) + 2.0 / 10000
    assert (np.abs(ours - theirs) <= bound).all()
    assert ((ours < 0.05) != (theirs < 0.05)).mean() <= 0.01
    assert (ours < 0.05).sum() > 20  # the planted block is found: the comparison is not all noise


def test_bad_arguments_are_refused(planted):
    w, y = planted
    rows = rows_from_sparse(w.sparse)
    inputs = moran_inputs(y, rows)
    with pytest.raises(ValueError, match="permutations"):
        permutation_counts(*inputs, rows, permutations=0, seed=1)
    with pytest.raises(ValueError, match="seed"):
        permutation_counts(*inputs, rows, permutations=9, seed=-1)
    with pytest.raises(ValueError, match="same n"):
        permutation_counts(inputs[0][:-1], *inputs[1:], rows, permutations=9, seed=1)
