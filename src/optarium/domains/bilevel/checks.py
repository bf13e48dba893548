"""The input check of the bilevel kind, run by the flow before any method and before the store is opened:
a follower problem that is unbounded for some leader decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    from optarium.domains.bilevel.problem import BilevelProblem


def check_follower_bounded(problem: BilevelProblem) -> None:
    """Raise ``InvalidModelError`` when the follower's problem is unbounded for some leader decision.

    The follower's recession cone does not depend on ``x``: its problem is
    unbounded at every ``x`` where it is feasible exactly when some direction
    ``r`` of that cone improves the follower's objective. We look for such an
    ``r`` in the box ``[-1, 1]`` (an LP), then for a leader decision within the
    leader's bounds and ``x``-only rows at which the follower is feasible.
    """
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    sign = 1.0 if problem.follower_sense == "min" else -1.0
    if not np.any(problem.dy):
        return
    low = np.where(np.isfinite(problem.y_lower), 0.0, -1.0)
    high = np.where(np.isfinite(problem.y_upper), 0.0, 1.0)
    rows = []
    if len(problem.a_lower):
        rlow = np.where(np.isfinite(problem.a_lower), 0.0, -np.inf)
        rhigh = np.where(np.isfinite(problem.a_upper), 0.0, np.inf)
        rows = [(problem.A_y, rlow, rhigh)]
    A_ub, b_ub, A_eq, b_eq = [], [], [], []
    for matrix, rlow, rhigh in rows:
        for i in range(matrix.shape[0]):
            if rlow[i] == 0.0 and rhigh[i] == 0.0:
                A_eq.append(matrix[i])
                b_eq.append(0.0)
            elif rhigh[i] == 0.0:
                A_ub.append(matrix[i])
                b_ub.append(0.0)
            elif rlow[i] == 0.0:
                A_ub.append(-matrix[i])
                b_ub.append(0.0)
    ray = linprog(sign * problem.dy, A_ub=np.array(A_ub) if A_ub else None, b_ub=b_ub or None,
                  A_eq=np.array(A_eq) if A_eq else None, b_eq=b_eq or None, bounds=list(zip(low, high, strict=True)),
                  method="highs")
    if ray.status != 0 or ray.fun > -1e-9:
        return
    n_x, n_y = problem.n_x, problem.n_y
    constraints = []
    if len(problem.a_lower):
        constraints.append(LinearConstraint(np.hstack([problem.A_x, problem.A_y]), problem.a_lower, problem.a_upper))
    only_x = ~np.any(problem.G_y != 0, axis=1) if len(problem.g_lower) else np.zeros(0, dtype=bool)
    if only_x.any():
        constraints.append(LinearConstraint(np.hstack([problem.G_x[only_x], np.zeros((int(only_x.sum()), n_y))]),
                                            problem.g_lower[only_x], problem.g_upper[only_x]))
    feasible = milp(np.zeros(n_x + n_y), constraints=constraints,
                    integrality=np.concatenate([problem.x_integer, problem.y_integer]).astype(int),
                    bounds=Bounds(np.concatenate([problem.x_lower, problem.y_lower]),
                                  np.concatenate([problem.x_upper, problem.y_upper])))
    if feasible.status != 0 or feasible.x is None:
        return
    x = feasible.x[:n_x]
    shown = ", ".join(f"{name}={value:.6g}" for name, value in zip(problem.x_names, x, strict=True)) or "(no leader variables)"
    direction = ", ".join(f"{name}{value:+.3g}" for name, value in zip(problem.y_names, ray.x, strict=True) if abs(value) > 1e-9)
    raise InvalidModelError(
        f"the follower's problem is unbounded for some leader decisions, e.g. {shown}: its objective improves "
        f"without end along the direction {direction}; bound the follower's variables or rows",
        source=problem.source or problem.name)
