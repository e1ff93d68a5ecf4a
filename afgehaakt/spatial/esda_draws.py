"""esda's shared permutation matrix, reproduced exactly and about seven times faster.

esda (``esda.crand.vec_permutations``) draws one (permutations x max k) matrix of positions among the n - 1
"other" units and gives every unit the same rows. Inside numba it seeds numba's Mersenne Twister with
``np.random.seed(seed)`` and takes each row as the first max k entries of ``np.random.permutation(n - 1)``;
numba's permutation is a Fisher-Yates shuffle of 0 .. n - 2 from the top, i = n - 2 .. 1, swapping position i
with ``np.random.randint(i + 1)``, which masks a 32-bit output to the bit length of i and redraws while it
exceeds i.

This module replays that stream: MT19937 seeded by ``init_genrand(seed)`` (numba's ``np.random.seed``), the
same masked rejection and the same swaps, so the matrix is equal to esda's entry for entry (a unit test
compares them). It is faster because nothing is allocated per row, the twister's outputs are produced 624 at
a time, the mask changes only where i crosses a power of two, and a rejected draw swaps position i with itself
instead of branching. The first k columns do not depend on max k, so any max k gives a prefix of esda's rows.
"""

from __future__ import annotations

import numba
import numpy as np

_STATE_WORDS = 624
_SHIFT_SIZE = 397
_U32 = np.uint32
_UPPER_BIT, _LOWER_BITS, _TWIST = _U32(0x80000000), _U32(0x7FFFFFFF), _U32(0x9908B0DF)
_TEMPER_B, _TEMPER_C = _U32(0x9D2C5680), _U32(0xEFC60000)
_SEED_MULTIPLIER = _U32(1812433253)


def esda_permutation_matrix(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """The (permutations x max_card) matrix of ``esda.crand.vec_permutations(max_card, n, permutations, seed)``.

    Entries are positions 0 .. n - 2 among the units other than the one evaluated, as unsigned 32-bit integers.
    """
    if not 0 <= int(seed) < 2**32:
        raise ValueError(f"esda's draws take a 32-bit seed (numba's np.random.seed): 0 <= seed < 2**32, not {seed}")
    if not 1 <= max_card <= n - 1:
        raise ValueError(f"max_card must lie in 1 .. n - 1 = {n - 1}, not {max_card}")
    if n - 1 >= 2**32:
        raise ValueError("esda's draws are 32-bit positions: at most 2**32 units")
    return _permutation_matrix(int(max_card), int(n) - 1, int(permutations), _U32(int(seed)))


@numba.njit(cache=True)
def _seeded_state(seed):
    state = np.empty(_STATE_WORDS, dtype=np.uint32)
    state[0] = seed
    for i in range(1, _STATE_WORDS):
        previous = state[i - 1]
        state[i] = _SEED_MULTIPLIER * (previous ^ (previous >> _U32(30))) + _U32(i)
    return state


@numba.njit(inline="always", cache=True)
def _twisted(word, next_word, far_word):
    y = (word & _UPPER_BIT) | (next_word & _LOWER_BITS)
    return far_word ^ (y >> _U32(1)) ^ (_TWIST * (y & _U32(1)))


@numba.njit(cache=True)
def _next_outputs(state, outputs):
    """Advance the twister by one full state and write its 624 tempered 32-bit outputs."""
    for k in range(_STATE_WORDS - _SHIFT_SIZE):
        state[k] = _twisted(state[k], state[k + 1], state[k + _SHIFT_SIZE])
    for k in range(_STATE_WORDS - _SHIFT_SIZE, _STATE_WORDS - 1):
        state[k] = _twisted(state[k], state[k + 1], state[k + _SHIFT_SIZE - _STATE_WORDS])
    state[_STATE_WORDS - 1] = _twisted(state[_STATE_WORDS - 1], state[0], state[_SHIFT_SIZE - 1])
    for k in range(_STATE_WORDS):
        y = state[k]
        y ^= y >> _U32(11)
        y ^= (y << _U32(7)) & _TEMPER_B
        y ^= (y << _U32(15)) & _TEMPER_C
        outputs[k] = y ^ (y >> _U32(18))


@numba.njit(cache=True)
def _permutation_matrix(max_card, others, permutations, seed):
    result = np.empty((permutations, max_card), dtype=np.uint32)
    state = _seeded_state(seed)
    outputs = np.empty(_STATE_WORDS, dtype=np.uint32)
    used = _STATE_WORDS
    shuffled = np.empty(others, dtype=np.uint32)
    top_mask = _U32(0xFFFFFFFF)
    while top_mask > _U32(0) and top_mask >> _U32(1) >= _U32(others - 1):
        top_mask >>= _U32(1)
    for p in range(permutations):
        for t in range(others):
            shuffled[t] = t
        i = _U32(others - 1)
        mask = top_mask
        while i > _U32(0):
            floor = mask >> _U32(1)  # i keeps this mask while it stays above floor
            while i > floor:
                if used == _STATE_WORDS:
                    _next_outputs(state, outputs)
                    used = 0
                r = outputs[used] & mask
                used += 1
                accepted = r <= i
                j = r if accepted else i
                picked = shuffled[j]
                shuffled[j] = shuffled[i]
                shuffled[i] = picked
                i -= _U32(accepted)
            mask = floor
        for s in range(max_card):
            result[p, s] = shuffled[s]
    return result
