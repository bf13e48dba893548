"""CP-SAT (OR-Tools): pure-integer linear programs only.

CP-SAT needs integral constraint coefficients and finite domains. Rows with
decimal coefficients are scaled by a power of ten when that makes them exact;
otherwise the problem is refused. Variables without a bound get an artificial
one; a solution that reaches it is either a sign of unboundedness (confirmed
by the LP relaxation, which for rational data decides it) or reported as an
error, never as an optimum.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import SolverCapabilityError
from optarium.solvers.base import Capabilities, RawResult, SolveOptions

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.plan import Plan
    from optarium.problem.program import MathProgram

ARTIFICIAL_BOUND = 10**9
MAX_SCALE_DIGITS = 6


def _integral_scale(values: NDArray[np.float64]) -> int | None:
    """The smallest power of ten that makes every value integral, if one up to 1e6 does."""
    for digits in range(MAX_SCALE_DIGITS + 1):
        scaled = values * 10**digits
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            return 10**digits
    return None


class CpSatBackend:
    name = "cpsat"
    capabilities = Capabilities(continuous=False, integer=True, quadratic_objective=False, quadratic_with_integer=False)

    def version(self) -> str:
        from importlib.metadata import version

        return version("ortools")

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult:
        """Build and solve in a worker process through the one CP-SAT runner (:mod:`optarium.solvers.cpsat_run`)."""
        from optarium.solvers.cpsat_run import CpSatOptions, run_isolated

        options = options.with_plan(plan)
        params = dict(options.params)
        if options.solver_log:
            params.setdefault("log_search_progress", True)
        limits = CpSatOptions(options.time_limit, options.threads, options.seed, options.rel_gap, params)
        builder = "build_logged_model" if options.solver_log else "build_model"
        result = run_isolated(f"optarium.solvers.cpsat:{builder}", (problem,), limits, options.progress)
        if result.payload is None:
            return result
        x = np.asarray(result.payload, dtype=np.float64)
        return _check_artificial_bounds(problem, x, replace(result, payload=x))


def build_model(problem: MathProgram) -> tuple[Any, list[Any], float]:
    """The CP-SAT model of ``problem``, its variables and objective offset; runs in the worker only."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    lower = np.where(np.isinf(problem.col_lower), -ARTIFICIAL_BOUND, np.ceil(problem.col_lower - 1e-9))
    upper = np.where(np.isinf(problem.col_upper), ARTIFICIAL_BOUND, np.floor(problem.col_upper + 1e-9))
    if np.any(np.abs(lower) > ARTIFICIAL_BOUND) or np.any(np.abs(upper) > ARTIFICIAL_BOUND):
        raise SolverCapabilityError(CpSatBackend.name, f"variable bounds beyond ±{ARTIFICIAL_BOUND:g}", ["highs", "scip"])
    variables = [model.NewIntVar(int(lo), int(hi), name) for lo, hi, name in zip(lower, upper, problem.var_names, strict=True)]
    A = problem.A
    for i in range(problem.n_cons):
        start, end = A.indptr[i], A.indptr[i + 1]
        coefficients = A.data[start:end]
        row_lo, row_hi = problem.row_lower[i], problem.row_upper[i]
        finite_sides = [value for value in (row_lo, row_hi) if np.isfinite(value)]
        scale = _integral_scale(np.concatenate([coefficients, np.array(finite_sides)]))
        if scale is None:
            raise SolverCapabilityError(
                CpSatBackend.name, f"non-integral coefficients in row {problem.con_names[i]}", ["highs", "scip"]
            )
        terms = [round(a * scale) * variables[j] for j, a in zip(A.indices[start:end], coefficients, strict=True)]
        expr = sum(terms) if terms else 0
        low = math.ceil(row_lo * scale - 1e-9) if np.isfinite(row_lo) else None
        high = math.floor(row_hi * scale + 1e-9) if np.isfinite(row_hi) else None
        if low is not None and high is not None:
            model.AddLinearConstraint(expr, low, high)
        elif low is not None:
            model.Add(expr >= low)
        elif high is not None:
            model.Add(expr <= high)
    objective = sum(float(problem.c[j]) * variables[j] for j in np.flatnonzero(problem.c))
    if problem.sense == "min":
        model.Minimize(objective)
    else:
        model.Maximize(objective)
    return model, variables, float(problem.offset)


def build_logged_model(problem: MathProgram) -> tuple[Any, list[Any], float]:
    """:func:`build_model` in a worker whose standard output goes to standard error, where CP-SAT's log belongs."""
    import os
    import sys

    sys.stdout.flush()
    os.dup2(2, 1)
    return build_model(problem)


def _check_artificial_bounds(problem: MathProgram, x: NDArray[np.float64], result: RawResult) -> RawResult:
    at_bound = (np.isinf(problem.col_lower) & (x <= -ARTIFICIAL_BOUND)) | (np.isinf(problem.col_upper) & (x >= ARTIFICIAL_BOUND))
    if not at_bound.any():
        return result
    import scipy.sparse as sp
    from scipy.optimize import linprog

    upper_rows = np.isfinite(problem.row_upper)
    lower_rows = np.isfinite(problem.row_lower)
    A_ub = sp.vstack([problem.A[upper_rows], -problem.A[lower_rows]]).tocsr()
    b_ub = np.concatenate([problem.row_upper[upper_rows], -problem.row_lower[lower_rows]])
    sign = -1.0 if problem.sense == "max" else 1.0
    bounds = [
        (None if np.isinf(lo) else lo, None if np.isinf(hi) else hi)
        for lo, hi in zip(problem.col_lower, problem.col_upper, strict=True)
    ]
    relaxation = linprog(sign * problem.c, A_ub=A_ub if A_ub.shape[0] else None,
                         b_ub=b_ub if A_ub.shape[0] else None, bounds=bounds, method="highs")
    if relaxation.status == 3:
        return RawResult("unbounded", None, None, None, result.solver_status, result.seconds,
                         "unbounded: a feasible integer point exists and the LP relaxation is unbounded")
    return RawResult("error", None, None, None, result.solver_status, result.seconds,
                     f"the solution reaches the artificial bound ±{ARTIFICIAL_BOUND:g} on an unbounded variable; use highs or scip")

