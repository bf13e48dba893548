"""SCIP (pyscipopt): LP, MILP, and quadratic objectives with or without integers."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import OptionError
from optarium.solvers.base import Capabilities, Progress, RawResult, SolveOptions, relative_gap

if TYPE_CHECKING:
    from pathlib import Path

    from optarium.plan import Plan
    from optarium.problem.program import MathProgram

# SCIP's status -> ours, for every SCIP backend (``inforunbd`` is settled by :func:`infeasible_or_unbounded`)
STATUS = {
    "optimal": "optimal",
    "gaplimit": "optimal",
    "infeasible": "infeasible",
    "unbounded": "unbounded",
    "timelimit": "time_limit",
    "nodelimit": "feasible",
    "totalnodelimit": "feasible",
    "stallnodelimit": "feasible",
    "sollimit": "feasible",
    "bestsollimit": "feasible",
    "memlimit": "feasible",
    "userinterrupt": "interrupted",
}
# the common options under SCIP's parameter names
OPTION_NAMES = {"time_limit": "limits/time", "rel_gap": "limits/gap", "threads": "lp/threads",
                "seed": "randomization/randomseedshift"}


def read_quietly(path: Path) -> tuple[Any, str]:
    """SCIP reads ``path`` with its error stream captured: the model (None if refused) and what it said."""
    import pyscipopt

    with tempfile.TemporaryFile(mode="w+b") as capture:
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            model = pyscipopt.Model()
            model.hideOutput()
            model.readProblem(str(path))
        except Exception:
            model = None
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        return model, capture.read().decode(errors="replace")


def read_model(path: Path) -> Any:
    """A pyscipopt model that has read ``path`` (MPS or LP, plain text), or None if SCIP refuses it."""
    return read_quietly(path)[0]


def error_location(path: Path) -> str | None:
    """Ask SCIP's reader why a file is malformed (it reports the line); None without SCIP."""
    try:
        _, message = read_quietly(path)
    except ImportError:
        return None
    for line in message.splitlines():
        found = re.search(r"ERROR: (.*(?:line|Line) .*)", line)
        if found:
            return found.group(1).strip()
    return None


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """What a native solver prints to standard output goes to standard error meanwhile (``--json`` stays clean).

    SCIP prints its log there, and its Ctrl-C notice even when its output is hidden; Ipopt its log.
    """
    import ctypes

    flush = ctypes.CDLL(None).fflush
    if sys.stdout is not None:
        sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no standard output or error to speak of
        yield
        return
    try:
        yield
    finally:
        flush(None)  # SCIP's C stdio buffer belongs to the redirected stream
        os.dup2(saved, 1)
        os.close(saved)


def set_params(model: Any, settings: dict[str, Any]) -> None:
    """Set each SCIP parameter of ``settings`` on ``model``; one SCIP refuses is an :class:`OptionError` naming it."""
    for key, value in settings.items():
        try:
            model.setParam(key, value)
        except (KeyError, LookupError, ValueError, TypeError):
            raise OptionError(f"scip:{key}", value, "a valid SCIP parameter (see `scip -c 'set'`)") from None


def optimize(model: Any) -> tuple[str, float]:
    """Run SCIP on ``model`` (its log kept off standard output); SCIP's status and the seconds taken.

    SCIP catches the user's Ctrl-C itself: with a point found the caller keeps the best one
    (``userinterrupt``), without one the ``KeyboardInterrupt`` is passed on.
    """
    started = time.perf_counter()
    with stdout_to_stderr():
        model.optimize()
    seconds = time.perf_counter() - started
    status = str(model.getStatus())
    if status == "userinterrupt" and model.getNSols() == 0:
        raise KeyboardInterrupt
    return status, seconds


def infeasible_or_unbounded(model: Any, seconds: float) -> RawResult:
    """Tell infeasible from unbounded after SCIP's ``inforunbd``: ``model`` (its objective made zero,
    so only feasibility remains) is solved; ``seconds`` already spent are counted in."""
    status, more = optimize(model)
    if status == "userinterrupt":
        raise KeyboardInterrupt
    seconds += more
    if status == "infeasible":
        return RawResult("infeasible", solver_status="infeasible", seconds=seconds)
    if model.getNSols() > 0:
        return RawResult("unbounded", solver_status="inforunbd", seconds=seconds)
    return RawResult("error", solver_status="inforunbd", seconds=seconds, message="SCIP could not tell infeasible from unbounded")


def ranged(expr: Any, lower: float | None, upper: float | None) -> Any:
    """The pyscipopt constraint ``lower <= expr <= upper`` (an equation when they are equal); None is no side."""
    if lower is not None and upper is not None:
        if lower == upper:
            return expr == lower
        return (lower <= expr) <= upper
    if lower is not None:
        return expr >= lower
    return expr <= upper


@functools.cache
def version() -> str:
    """SCIP's version, as pyscipopt reports it (``10.0``)."""
    import pyscipopt

    return str(pyscipopt.Model().version())


class ScipBackend:
    name = "scip"
    capabilities = Capabilities(continuous=True, integer=True, quadratic_objective=True, quadratic_with_integer=True)

    def version(self) -> str:
        return version()

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult:
        options = options.with_plan(plan)
        import pyscipopt

        model = pyscipopt.Model()
        model.hideOutput(quiet=not options.solver_log)
        set_params(model, options.backend_settings(OPTION_NAMES))
        variables = self._build(model, problem)
        if options.start is not None:
            self._hint(model, variables, *problem.start_arrays(options.start))
        if options.progress is not None:
            model.includeEventhdlr(ProgressHandler(options), "optarium_progress", "reports progress")
        scip_status, seconds = optimize(model)
        if scip_status == "inforunbd":
            return self._resolve_infeasible_or_unbounded(problem, seconds)
        status = STATUS.get(scip_status, "error")
        x = objective = bound = None
        if model.getNSols() > 0:
            best = model.getBestSol()
            x = np.array([model.getSolVal(best, var) for var in variables], dtype=np.float64)
            objective = float(model.getSolObjVal(best))
        if problem.is_integer.any() or problem.Q is not None:
            dual = float(model.getDualbound())
            bound = dual if np.isfinite(dual) and abs(dual) < 1e20 else None
        elif status == "optimal":
            bound = objective
        if status in ("optimal", "feasible") and x is None:
            status = "error"
        return RawResult(status, objective, bound, x, scip_status, seconds)

    def _resolve_infeasible_or_unbounded(self, problem: MathProgram, seconds: float) -> RawResult:
        """Tell infeasible from unbounded: with a zero objective only feasibility remains."""
        import pyscipopt

        model = pyscipopt.Model()
        model.hideOutput()
        self._build(model, problem, zero_objective=True)
        return infeasible_or_unbounded(model, seconds)

    @staticmethod
    def _hint(model: Any, variables: list[Any], index: Any, values: Any) -> None:
        """A partial solution for SCIP to complete (its completesol heuristic), or a full one to check."""
        hint = model.createPartialSol()
        for j, value in zip(index.tolist(), values.tolist(), strict=True):
            model.setSolVal(hint, variables[j], value)
        model.addSol(hint)

    @staticmethod
    def _build(model: Any, problem: MathProgram, zero_objective: bool = False) -> list[Any]:
        import pyscipopt

        def bound(value: float) -> float | None:
            return None if np.isinf(value) else float(value)

        linear_cost = np.zeros(problem.n_vars) if zero_objective else problem.c
        quadratic = problem.Q is not None and not zero_objective
        variables = [
            model.addVar(
                name=f"x{j}",
                vtype="I" if problem.is_integer[j] else "C",
                lb=bound(problem.col_lower[j]),
                ub=bound(problem.col_upper[j]),
                obj=0.0 if quadratic else float(linear_cost[j]),
            )
            for j in range(problem.n_vars)
        ]
        A = problem.A
        for i in range(problem.n_cons):
            lo, hi = A.indptr[i], A.indptr[i + 1]
            if lo == hi:  # an empty row: infeasible only if 0 is outside its bounds
                if problem.row_lower[i] > 0 or problem.row_upper[i] < 0:
                    zero = model.addVar(name=f"empty{i}", lb=0.0, ub=0.0)
                    model.addCons(ranged(zero + 0.0, bound(problem.row_lower[i]), bound(problem.row_upper[i])))
                continue
            expr = pyscipopt.quicksum(float(a) * variables[j] for j, a in zip(A.indices[lo:hi], A.data[lo:hi], strict=True))
            lower, upper = bound(problem.row_lower[i]), bound(problem.row_upper[i])
            if lower is None and upper is None:
                continue
            model.addCons(ranged(expr, lower, upper), name=f"r{i}")
        if quadratic:
            assert problem.Q is not None
            Q = problem.Q.tocoo()
            expr = pyscipopt.quicksum(float(problem.c[j]) * variables[j] for j in np.flatnonzero(problem.c))
            expr += pyscipopt.quicksum(0.5 * float(q) * variables[r] * variables[k] for r, k, q in zip(Q.row, Q.col, Q.data, strict=True))
            epigraph = model.addVar(name="objective", lb=None, ub=None, obj=1.0)
            if problem.sense == "min":
                model.addCons(epigraph >= expr, name="objective_epigraph")
            else:
                model.addCons(epigraph <= expr, name="objective_epigraph")
        if not zero_objective and problem.offset:
            model.addObjoffset(problem.offset)
        model.setObjective(model.getObjective(), sense="maximize" if problem.sense == "max" else "minimize", clear=False)
        return variables


class ProgressHandler:
    """A SCIP event handler (for ``model.includeEventhdlr``) that forwards best-solution and node
    events to ``options.progress``, at most five times a second."""

    def __new__(cls, options: SolveOptions) -> Any:
        import pyscipopt

        class Handler(pyscipopt.Eventhdlr):
            def eventinit(self) -> None:
                self.started = time.perf_counter()
                self.last = 0.0
                self.model.catchEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)
                self.model.catchEvent(pyscipopt.SCIP_EVENTTYPE.NODESOLVED, self)

            def eventexit(self) -> None:
                self.model.dropEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)
                self.model.dropEvent(pyscipopt.SCIP_EVENTTYPE.NODESOLVED, self)

            def eventexec(self, event: Any) -> dict[str, Any]:
                elapsed = time.perf_counter() - self.started
                if elapsed - self.last < 0.2:
                    return {}
                self.last = elapsed
                primal, dual = self.model.getPrimalbound(), self.model.getDualbound()
                incumbent = float(primal) if abs(primal) < 1e20 else None
                bound = float(dual) if abs(dual) < 1e20 else None
                assert options.progress is not None
                options.progress(Progress(elapsed, incumbent, bound, relative_gap(incumbent, bound)))
                return {}

        return Handler()
