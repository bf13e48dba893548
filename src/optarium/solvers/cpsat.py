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
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import OptionError, SolverCapabilityError
from optarium.solvers.base import Capabilities, Progress, RawResult, SolveOptions, relative_gap

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
        options = options.with_plan(plan)
        """Runs in a worker process (see :mod:`optarium.isolation`)."""
        from dataclasses import replace

        from optarium.isolation import call_isolated

        result: RawResult = call_isolated(
            "optarium.solvers.cpsat:solve_here", problem, replace(options, progress=None), progress=options.progress
        )
        return result


def solve_here(problem: MathProgram, options: SolveOptions, progress: Any = None) -> RawResult:
    """The CP-SAT solve itself; call it only in a process that has not loaded highspy."""
    from dataclasses import replace

    from ortools.sat.python import cp_model

    options = replace(options, progress=progress)

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

    solver = cp_model.CpSolver()
    parameters = solver.parameters
    if options.time_limit is not None:
        parameters.max_time_in_seconds = float(options.time_limit)
    if options.rel_gap is not None:
        parameters.relative_gap_limit = float(options.rel_gap)
    parameters.num_workers = int(options.threads) if options.threads is not None else 8
    if options.seed is not None:
        parameters.random_seed = int(options.seed)
    for key, value in options.params.items():
        if not hasattr(parameters, key):
            raise OptionError(f"cpsat:{key}", value, "a CP-SAT parameter (see sat_parameters.proto)")
        try:
            setattr(parameters, key, value)
        except (TypeError, ValueError) as error:
            raise OptionError(f"cpsat:{key}", value, f"of the right type ({error})") from None
    callback = _Progress(options) if options.progress is not None else None
    started = time.perf_counter()
    code = solver.Solve(model, callback)
    seconds = time.perf_counter() - started
    name = solver.StatusName(code)
    x = None
    value = bound = None
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        x = np.array([solver.Value(var) for var in variables], dtype=np.float64)
        value = float(solver.ObjectiveValue()) + problem.offset
        bound = float(solver.BestObjectiveBound()) + problem.offset
    if code == cp_model.OPTIMAL:
        status = "optimal"
    elif code == cp_model.FEASIBLE:
        status = "time_limit" if options.time_limit is not None and seconds >= 0.95 * options.time_limit else "feasible"
    elif code == cp_model.INFEASIBLE:
        status = "infeasible"
    elif code == cp_model.UNKNOWN:
        status = "time_limit"
    else:
        status = "error"
    result = RawResult(status, value, bound, x, name, seconds)
    if x is not None:
        result = _check_artificial_bounds(problem, x, result)
    return result

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


def _Progress(options: SolveOptions) -> Any:
    from ortools.sat.python import cp_model

    class Callback(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.started = time.perf_counter()

        def on_solution_callback(self) -> None:
            incumbent, bound = float(self.ObjectiveValue()), float(self.BestObjectiveBound())
            assert options.progress is not None
            options.progress(Progress(time.perf_counter() - self.started, incumbent, bound, relative_gap(incumbent, bound)))

    return Callback()
