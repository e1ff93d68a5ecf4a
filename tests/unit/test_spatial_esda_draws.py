"""esda's shared permutation matrix, replayed: equal to ``esda.crand.vec_permutations`` entry for entry."""

import esda
import numpy as np
import pytest

from afgehaakt.spatial.esda_draws import esda_permutation_matrix


@pytest.mark.parametrize(
    ("max_card", "n", "permutations", "seed"),
    [
        (8, 100, 50, 1),
        (3, 10, 200, 31),  # small n: many masks, frequent rejections
        (1, 3, 100, 5),  # the smallest shuffle: two others
        (20, 5000, 30, 7),
        (8, 14_400, 40, 20_240_507),  # the benchmark lattice
        (5, 2**16 + 3, 20, 99),  # positions above 2**16
        (2, 50, 30, 2**32 - 1),  # the largest seed numba takes
    ],
)
def test_matrix_equals_esdas(max_card, n, permutations, seed):
    ours = esda_permutation_matrix(max_card, n, permutations, seed)
    theirs = esda.crand.vec_permutations(max_card, n, permutations, seed)
    assert ours.dtype == np.uint32 and ours.shape == (permutations, max_card)
    np.testing.assert_array_equal(ours.astype(np.int64), theirs)


def test_rows_are_distinct_positions_among_the_others_and_a_wider_matrix_extends_a_narrower_one():
    wide = esda_permutation_matrix(12, 40, 300, 3)
    assert wide.max() <= 38
    assert all(len(set(row)) == 12 for row in wide.tolist())
    np.testing.assert_array_equal(esda_permutation_matrix(4, 40, 300, 3), wide[:, :4])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="32-bit seed"):
        esda_permutation_matrix(2, 10, 5, 2**32)
    with pytest.raises(ValueError, match="32-bit seed"):
        esda_permutation_matrix(2, 10, 5, -1)
    with pytest.raises(ValueError, match="max_card"):
        esda_permutation_matrix(10, 10, 5, 1)
