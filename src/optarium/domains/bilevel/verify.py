"""Independent check of a bilevel answer: bilevel feasibility, recomputed from the problem data.

The reported follower response must satisfy every bound, integrality flag,
leader row and follower row, and be optimal for the follower's own problem at
the reported leader decision: that problem is solved here afresh (SciPy's
HiGHS interface, not the SCIP models of the methods) and the follower's value
at the reported point must be within tolerance of its optimum. The leader's
objective is recomputed; a reported objective that differs is a violation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.solution import Verification

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.bilevel.problem import BilevelProblem

FEASIBILITY = 1e-6
OPTIMALITY = 1e-6
INTEGRALITY = 1e-6


def _scaled(value: float) -> float:
    return max(1.0, abs(value)) if np.isfinite(value) else 1.0


def follower_optimum(problem: BilevelProblem, x: NDArray[np.float64]) -> tuple[str, float | None, NDArray[np.float64] | None]:
    """Solve the follower's problem at leader decision ``x``: (status, optimal follower value, a response).

    ``status`` is ``optimal``, ``infeasible`` or ``unbounded``; the value is the
    follower's objective ``dx.x + dy.y + d0`` in its own sense.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    sign = 1.0 if problem.follower_sense == "min" else -1.0
    shift = problem.A_x @ x if problem.A_x.size else np.zeros(len(problem.a_lower))
    constraints = []
    if len(problem.a_lower):
        constraints.append(LinearConstraint(problem.A_y, problem.a_lower - shift, problem.a_upper - shift))
    result = milp(sign * problem.dy, constraints=constraints, integrality=problem.y_integer.astype(int),
                  bounds=Bounds(problem.y_lower, problem.y_upper), options={"presolve": True})
    if result.status == 0 and result.x is not None:
        y = np.asarray(result.x, dtype=np.float64)
        return "optimal", problem.follower_value(x, y), y
    if result.status == 2:
        return "infeasible", None, None
    if result.status == 3:
        return "unbounded", None, None
    return f"scipy status {result.status}: {result.message}", None, None


def verify_bilevel(problem: BilevelProblem, payload: Any, reported_objective: float | None = None) -> Verification:
    """Check ``payload`` (``{"x": [...], "y": [...]}``) against ``problem``.

    ``objective`` is the recomputed leader objective; ``details`` holds the
    follower's value at the point (``follower_objective``), its optimum at the
    reported ``x`` (``follower_optimum``), their difference in the follower's
    favour (``follower_gap``) and the largest bound, row and integrality
    violations. ``max_violation`` is the largest of those and the follower gap.
    """
    problems: list[str] = []
    try:
        x = np.asarray(payload["x"], dtype=np.float64).reshape(-1)
        y = np.asarray(payload["y"], dtype=np.float64).reshape(-1)
    except (KeyError, TypeError, ValueError):
        return Verification(False, None, float("inf"), ("the answer must be {'x': [...], 'y': [...]} of numbers",))
    if x.size != problem.n_x or y.size != problem.n_y or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return Verification(False, None, float("inf"), (
            f"the answer has {x.size} leader and {y.size} follower values (finite numbers expected); the problem has "
            f"{problem.n_x} and {problem.n_y}",))

    bound_violation = 0.0
    for label, values, lower, upper, names in (("leader", x, problem.x_lower, problem.x_upper, problem.x_names),
                                               ("follower", y, problem.y_lower, problem.y_upper, problem.y_names)):
        for j, value in enumerate(values):
            excess = max(lower[j] - value, value - upper[j], 0.0)
            if excess > FEASIBILITY * max(_scaled(lower[j]), _scaled(upper[j])):
                problems.append(f"{label} variable {names[j]!r} = {value:g} is outside [{lower[j]:g}, {upper[j]:g}]")
            bound_violation = max(bound_violation, excess)
    integrality_violation = 0.0
    for label, values, flags, names in (("leader", x, problem.x_integer, problem.x_names),
                                        ("follower", y, problem.y_integer, problem.y_names)):
        for position in np.flatnonzero(flags):
            j = int(position)
            off = abs(values[j] - round(values[j]))
            integrality_violation = max(integrality_violation, off)
            if off > INTEGRALITY:
                problems.append(f"{label} variable {names[j]!r} = {values[j]:g} should be integer")
    row_violation = 0.0
    for label, Rx, Ry, lower, upper, names in (
            ("leader", problem.G_x, problem.G_y, problem.g_lower, problem.g_upper, problem.leader_row_names),
            ("follower", problem.A_x, problem.A_y, problem.a_lower, problem.a_upper, problem.follower_row_names)):
        if not len(lower):
            continue
        activity = Rx @ x + Ry @ y
        for i, value in enumerate(activity):
            excess = max(lower[i] - value, value - upper[i], 0.0)
            row_violation = max(row_violation, excess)
            if excess > FEASIBILITY * max(_scaled(lower[i]), _scaled(upper[i])):
                problems.append(f"{label} constraint {names[i]!r} is violated by {excess:.3g}")

    follower_value = problem.follower_value(x, y)
    status, best, _ = follower_optimum(problem, x)
    follower_gap: float | None = None
    if status == "optimal":
        assert best is not None
        follower_gap = (follower_value - best) if problem.follower_sense == "min" else (best - follower_value)
        if follower_gap > OPTIMALITY * _scaled(best):
            problems.append(f"the follower's response is not optimal for the reported leader decision: its value is "
                            f"{follower_value:.10g}, the follower can reach {best:.10g}")
    elif status == "unbounded":
        problems.append("the follower's problem is unbounded at the reported leader decision")
    elif status == "infeasible":
        if not problems:  # the point satisfies the follower rows, so the solve's infeasibility is numerical
            problems.append("the follower's problem was found infeasible at the reported leader decision")
    else:
        problems.append(f"the follower's problem could not be solved at the reported leader decision ({status})")

    objective = problem.leader_value(x, y)
    if reported_objective is not None and abs(reported_objective - objective) > 1e-6 * _scaled(objective):
        problems.append(f"reported objective {reported_objective:.10g} differs from the recomputed {objective:.10g}")
    max_violation = max(bound_violation, integrality_violation, row_violation, max(follower_gap or 0.0, 0.0))
    details = {
        "leader_objective": objective, "follower_objective": follower_value, "follower_optimum": best,
        "follower_gap": follower_gap, "follower_status": status, "max_bound_violation": bound_violation,
        "max_row_violation": row_violation, "max_integrality_violation": integrality_violation,
    }
    return Verification(verified=not problems, objective=objective, max_violation=float(max_violation),
                        violations=tuple(problems), details=details,
                        tolerances={"feasibility": FEASIBILITY, "optimality": OPTIMALITY, "integrality": INTEGRALITY})
