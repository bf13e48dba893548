"""Independent check of a robust answer: the first-stage decision's worst case, recomputed exactly.

The payload's ``x`` is checked against its bounds and integrality; then its worst
case is solved again from the problem data (HiGHS by default, ``solver="scip"``
for a second solver) by the certified constraint generation of
:mod:`optarium.domains.robust.adversary`, started from nothing the method found,
and the witness scenario's best response is re-evaluated with numpy (rows and
objective recomputed, no solver). The verified objective is that worst case in
the problem's own sense; a method's claimed value that differs is a violation.
Uncertainty-set vertices are not enough here: with integer recourse the worst
case of ``min_y`` (a concave function of ``xi``) may lie inside the set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from optarium.domains.robust.problem import RobustProblem
from optarium.solution import Verification

TOL = 1e-6


def verify_decision(problem: RobustProblem, payload: Any, reported: float | None = None, *,
                    time_limit: float | None = None, solver: str = "highs") -> Verification:
    """Check ``payload["x"]`` (first-stage values) and recompute its worst case; ``payload["claimed"]`` is compared too."""
    from optarium.domains.robust.adversary import worst_case

    problems: list[str] = []
    first = problem.first
    x = np.asarray(payload.get("x") if isinstance(payload, dict) else payload, dtype=float).ravel()
    if x.shape != (first.size,):
        return Verification(False, None, float("inf"), (f"the decision has {x.size} values for {first.size} first-stage variables",))
    bound_violation = float(np.max(np.concatenate([[0.0], first.lower - x, x - first.upper])))
    integrality = float(np.max(np.abs(x[first.integer] - np.round(x[first.integer])), initial=0.0))
    if bound_violation > TOL:
        j = int(np.argmax(np.maximum(first.lower - x, x - first.upper)))
        problems.append(f"{first.names[j]}={x[j]:g} is outside its bounds [{first.lower[j]:g}, {first.upper[j]:g}]")
    if integrality > TOL:
        j = int(np.argmax(np.where(first.integer, np.abs(x - np.round(x)), 0)))
        problems.append(f"{first.names[j]}={x[j]:g} is not integer")
    if problems:
        return Verification(False, None, max(bound_violation, integrality), tuple(problems))
    x = x.copy()
    x[first.integer] = np.round(x[first.integer])
    worst = worst_case(problem, x, solver=solver, time_limit=time_limit)
    s = problem.sign
    details: dict[str, Any] = {"worst_scenario": worst.xi.tolist(), "adversary_iterations": worst.iterations,
                               "upper": s * worst.upper if np.isfinite(worst.upper) else None,
                               "lower": s * worst.lower if np.isfinite(worst.lower) else None, "solver": solver}
    if worst.infeasible is not None:
        shown = ", ".join(f"{n}={v:.6g}" for n, v in zip(problem.uncertainty.names, worst.infeasible, strict=True))
        return Verification(False, None, float("inf"), (f"no recourse exists for scenario ({shown})",), details)
    if not worst.certified or worst.y is None:
        problems.append(f"the worst case could not be certified (bounds {details['lower']} and {details['upper']})")
        return Verification(False, None, float("inf"), tuple(problems), details)
    # the witness: its best response must satisfy every row at the scenario, and its value is recomputed here
    Ax, Ay, rhs = problem.matrices_at(worst.xi)
    row_violation = float(np.max(Ax @ x + Ay @ worst.y - rhs, initial=0.0))
    if row_violation > TOL * max(1.0, float(np.max(np.abs(rhs), initial=0.0))):
        problems.append(f"the worst scenario's recourse violates a row by {row_violation:g}")
    if not problem.uncertainty.contains(worst.xi):
        problems.append("the worst scenario lies outside the uncertainty set")
    witnessed = problem.objective(x, worst.xi, worst.y)
    objective = s * worst.upper
    if abs(witnessed - objective) > TOL * max(1.0, abs(objective)):
        problems.append(f"the worst scenario's recourse is worth {witnessed} but the worst case is {objective}")
    claimed = payload.get("claimed") if isinstance(payload, dict) else None
    for label, value in (("claimed", claimed), ("reported", reported)):
        if value is not None and abs(float(value) - objective) > TOL * max(1.0, abs(objective)):
            problems.append(f"the {label} worst case {value} differs from the recomputed {objective}")
    return Verification(not problems, float(objective), row_violation, tuple(problems), details,
                        {"feasibility": TOL, "objective": TOL})
