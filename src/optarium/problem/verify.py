"""Check a point against a math program without trusting the solver that found it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optarium.solution import Verification
from optarium.violations import excess, worst_violations

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.problem.program import MathProgram

FEASIBILITY_TOL = 1e-6
INTEGRALITY_TOL = 1e-5
OBJECTIVE_TOL = 1e-6


def verify_point(
    problem: MathProgram,
    x: NDArray[np.float64],
    reported_objective: float | None = None,
    *,
    feasibility_tol: float = FEASIBILITY_TOL,
    integrality_tol: float = INTEGRALITY_TOL,
    objective_tol: float = OBJECTIVE_TOL,
) -> Verification:
    """Recompute the objective and every row activity; report the largest violations.

    Violations of bounds and rows are relative to ``max(1, |bound|)``; a
    semi-continuous variable may be 0 or within its bounds; a point
    passes when each is within ``feasibility_tol``, every integer variable is
    within ``integrality_tol`` of an integer, and the reported objective (if
    any) matches the recomputed one within ``objective_tol`` relative.
    """
    tolerances = {"feasibility": feasibility_tol, "integrality": integrality_tol, "objective": objective_tol}
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (problem.n_vars,) or not np.isfinite(x).all():
        return Verification(False, None, np.inf, ("the point has the wrong size or non-finite entries",),
                            tolerances=tolerances)
    objective = problem.objective_value(x)
    bound_excess = excess(x, problem.col_lower, problem.col_upper)
    if problem.is_semi is not None:  # x = 0 or lower <= x <= upper: the nearer of the two
        at_zero = np.abs(x) / np.maximum(1.0, np.abs(problem.col_lower))
        bound_excess = np.where(problem.is_semi, np.minimum(bound_excess, at_zero), bound_excess)
    row_excess = excess(problem.A @ x, problem.row_lower, problem.row_upper) if problem.n_cons else np.zeros(0)
    fractional = np.abs(x - np.round(x)) * problem.is_integer
    worst = worst_violations((
        ("bound", bound_excess, problem.var_names),
        ("row", row_excess, problem.con_names),
        ("integrality", fractional, problem.var_names),
    ))
    objective_error = 0.0
    if reported_objective is not None:
        objective_error = abs(objective - reported_objective) / max(1.0, abs(objective))
    max_bound = float(bound_excess.max()) if bound_excess.size else 0.0
    max_row = float(row_excess.max()) if row_excess.size else 0.0
    max_int = float(fractional.max()) if fractional.size else 0.0
    failures = []
    if max_bound > feasibility_tol:
        failures.append(f"bound of {worst['bound']['name']} violated by {max_bound:.3g}")
    if max_row > feasibility_tol:
        failures.append(f"row {worst['row']['name']} violated by {max_row:.3g}")
    if max_int > integrality_tol:
        failures.append(f"{worst['integrality']['name']} is {max_int:.3g} from an integer")
    if objective_error > objective_tol:
        failures.append(f"reported objective {reported_objective} but the point gives {objective}")
    return Verification(
        verified=not failures,
        objective=objective,
        max_violation=max(max_bound, max_row, max_int),
        violations=tuple(failures),
        details={
            "max_bound_violation": max_bound, "max_row_violation": max_row,
            "max_integrality_violation": max_int, "objective_error": objective_error, "worst": worst,
        },
        tolerances=tolerances,
    )
