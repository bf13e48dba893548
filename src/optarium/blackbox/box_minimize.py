"""Box-constrained quasi-Newton minimisation in numpy, for the GP's fits and its acquisition.

A projected L-BFGS: the L-BFGS direction (Nocedal, "Updating Quasi-Newton Matrices with
Limited Storage", Math. Comp. 1980) on the variables not held at a bound by their gradient,
a backtracking Armijo search along the projection of that direction onto the box, and the
stopping rules of L-BFGS-B (Byrd, Lu, Nocedal and Zhu, SIAM J. Sci. Comput. 1995): the
projected gradient's largest entry below ``gtol``, or a relative decrease below ``ftol``.
We depart from L-BFGS-B in replacing its generalized Cauchy point and subspace minimisation
by that active-set projection (Bertsekas, "Projected Newton Methods for Optimization
Problems with Simple Constraints", 1982), which needs no more than numpy, so that an
ask from the shell does not pay for importing ``scipy.optimize``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

_ARMIJO = 1e-4
_MAX_BACKTRACKS = 30


def minimize_box(objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray, low: np.ndarray,
                 high: np.ndarray, max_iter: int = 15000, gtol: float = 1e-5, ftol: float = 2.220446049250313e-09,
                 memory: int = 10) -> tuple[np.ndarray, float]:
    """Minimise ``objective`` (x -> (value, gradient)) over ``low <= x <= high`` from ``x0``;
    returns the best point and its value after at most ``max_iter`` iterations."""
    import numpy as np

    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    x = np.clip(np.asarray(x0, dtype=float), low, high)
    value, gradient = objective(x)
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(max_iter):
        if not math.isfinite(value):
            break
        if np.max(np.abs(x - np.clip(x - gradient, low, high)), initial=0.0) <= gtol:
            break
        # variables held at a bound by their gradient stay there this iteration
        free = ~(((x <= low) & (gradient > 0)) | ((x >= high) & (gradient < 0)))
        direction = -_two_loop(np.where(free, gradient, 0.0), pairs, free)
        slope = float(gradient @ direction)
        if not pairs or slope >= 0:
            pairs = []
            direction = -np.where(free, gradient, 0.0)
            slope = float(gradient @ direction)
            norm = float(np.linalg.norm(direction))
            if norm == 0:
                break
            direction = direction / max(norm, 1.0)  # a first step of at most unit length
        step = 1.0
        for _ in range(_MAX_BACKTRACKS):
            candidate = np.clip(x + step * direction, low, high)
            new_value, new_gradient = objective(candidate)
            if math.isfinite(new_value) and new_value <= value + _ARMIJO * float(gradient @ (candidate - x)):
                break
            step *= 0.5
        else:
            break
        s, y = candidate - x, new_gradient - gradient
        if float(s @ y) > 1e-10 * float(y @ y):
            pairs = [*pairs[-(memory - 1):], (s, y)] if memory > 1 else [(s, y)]
        decrease = value - new_value
        x, value, gradient = candidate, float(new_value), new_gradient
        if decrease <= ftol * max(abs(value), abs(value + decrease), 1.0):
            break
    return x, float(value)


def _two_loop(gradient: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]], free: np.ndarray) -> np.ndarray:
    """The L-BFGS inverse-Hessian approximation times ``gradient``, on the ``free`` variables only."""
    import numpy as np

    q = gradient.copy()
    kept = [(np.where(free, s, 0.0), np.where(free, y, 0.0)) for s, y in pairs]
    kept = [(s, y) for s, y in kept if float(s @ y) > 1e-12]
    if not kept:
        return q
    rhos, alphas = [], []
    for s, y in reversed(kept):
        rho = 1.0 / float(s @ y)
        alpha = rho * float(s @ q)
        q -= alpha * y
        rhos.append(rho)
        alphas.append(alpha)
    s, y = kept[-1]
    q *= float(s @ y) / float(y @ y)
    for (s, y), rho, alpha in zip(kept, reversed(rhos), reversed(alphas), strict=True):
        beta = rho * float(y @ q)
        q += (alpha - beta) * s
    return np.where(free, q, 0.0)
