"""Check a point against a nonlinear program by evaluating its expression graph with numpy alone.

Never imports a backend. Bounds and constraints are checked relative to
``max(1, |side|)``, integrality absolutely, and the reported objective against the
objective recomputed at the point.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.solution import Verification
from optarium.violations import excess, worst_violations

if TYPE_CHECKING:
    from optarium.domains.nonlinear.program import NonlinearProgram

FEASIBILITY_TOL = 1e-6
INTEGRALITY_TOL = 1e-5
OBJECTIVE_TOL = 1e-6


def verify_point(
    problem: NonlinearProgram,
    x: Any,
    reported_objective: float | None = None,
    *,
    feasibility_tol: float = FEASIBILITY_TOL,
    integrality_tol: float = INTEGRALITY_TOL,
    objective_tol: float = OBJECTIVE_TOL,
) -> Verification:
    """Recompute the objective and every constraint at ``x`` (shape (n,)); report the largest violations."""
    tolerances = {"feasibility": feasibility_tol, "integrality": integrality_tol, "objective": objective_tol}
    point = np.asarray(x, dtype=np.float64)
    if point.shape != (problem.n_vars,) or not np.isfinite(point).all():
        return Verification(False, None, math.inf, ("the point has the wrong size or non-finite entries",),
                            tolerances=tolerances)
    objective, activity = problem.evaluate(point)
    lower, upper = problem.bounds()
    failures: list[str] = []
    bound_excess = excess(point, lower, upper)
    con_lower = np.array([c.lower for c in problem.constraints], dtype=np.float64)
    con_upper = np.array([c.upper for c in problem.constraints], dtype=np.float64)
    row_excess = excess(activity, con_lower, con_upper) if problem.n_cons else np.zeros(0)
    fractional = np.abs(point - np.round(point)) * np.array(problem.is_integer, dtype=bool)
    worst = worst_violations((
        ("bound", bound_excess, problem.var_names),
        ("constraint", row_excess, [c.name for c in problem.constraints]),
        ("integrality", fractional, problem.var_names),
    ))
    undefined = [c.name for c, value in zip(problem.constraints, activity, strict=True) if not math.isfinite(value)]
    max_bound = float(bound_excess.max()) if bound_excess.size else 0.0
    max_row = float(row_excess.max()) if row_excess.size else 0.0
    max_int = float(fractional.max()) if fractional.size else 0.0
    if max_bound > feasibility_tol:
        failures.append(f"bound of {worst['bound']['name']} violated by {max_bound:.3g}")
    if undefined:
        failures.append(f"constraint {undefined[0]} is not defined at the point (a function outside its domain)")
    elif max_row > feasibility_tol:
        failures.append(f"constraint {worst['constraint']['name']} violated by {max_row:.3g}")
    if max_int > integrality_tol:
        failures.append(f"{worst['integrality']['name']} is {max_int:.3g} from an integer")
    objective_error = 0.0
    if not math.isfinite(objective):
        failures.append("the objective is not defined at the point (a function outside its domain)")
        recomputed: float | None = None
    else:
        recomputed = objective
        if reported_objective is not None:
            objective_error = abs(objective - reported_objective) / max(1.0, abs(objective))
            if objective_error > objective_tol:
                failures.append(f"reported objective {reported_objective} but the point gives {objective}")
    return Verification(
        verified=not failures,
        objective=recomputed,
        max_violation=max(max_bound, max_row, max_int),
        violations=tuple(failures),
        details={
            "max_bound_violation": max_bound, "max_constraint_violation": max_row,
            "max_integrality_violation": max_int, "objective_error": objective_error, "worst": worst,
        },
        tolerances=tolerances,
    )
