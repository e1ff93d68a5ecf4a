"""Finite-difference gradient and Hessian over some coordinates of a parameter vector, by statsmodels' numdiff.

Profile likelihoods with variance parameters on a bound are differentiated over the coordinates away from it
only (the others held where they are). The gradient is ``approx_fprime`` (central), the Hessian ``approx_hess3``
(Ridout 2009, eq. 9: the diagonal steps twice the given step in each direction), so a caller whose coordinates
sit near a bound chooses steps that keep every evaluation on the bound's side.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from statsmodels.tools.numdiff import approx_fprime, approx_hess3


def derivatives_over(function: Callable[[np.ndarray], float], theta: np.ndarray, coordinates,
                     *, gradient_steps, hessian_steps) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (steps ``gradient_steps``) and Hessian (steps ``hessian_steps``) of ``function`` with respect to
    ``theta[coordinates]``; the steps are one per coordinate or one for all."""
    index = np.asarray(coordinates, dtype=int).reshape(-1)
    if index.size == 0:
        return np.empty(0), np.empty((0, 0))

    def restricted(values: np.ndarray) -> float:
        point = np.array(theta, dtype=float)
        point[index] = values
        return function(point)

    x = np.asarray(theta, dtype=float)[index]
    gradient_h = np.broadcast_to(np.asarray(gradient_steps, dtype=float), x.shape)
    hessian_h = np.broadcast_to(np.asarray(hessian_steps, dtype=float), x.shape).copy()
    # approx_fprime's central difference halves the step it is given.
    gradient = approx_fprime(x, restricted, epsilon=2.0 * gradient_h, centered=True)
    return np.reshape(gradient, index.size), approx_hess3(x, restricted, epsilon=hessian_h)
