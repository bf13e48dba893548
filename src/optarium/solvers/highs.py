"""HiGHS (highspy): LP, MILP and convex QP."""

from __future__ import annotations

import functools
import signal
import threading
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import OptionError
from optarium.problem.io import new_highs, to_highs
from optarium.solvers.base import Capabilities, Progress, RawResult, SolveOptions, relative_gap

if TYPE_CHECKING:
    from optarium.plan import Plan
    from optarium.problem.program import MathProgram

_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "time_limit",
    "kSolutionLimit": "feasible",
    "kInterrupt": "time_limit",
    "kObjectiveBound": "feasible",
    "kObjectiveTarget": "feasible",
}


@functools.cache
def _version() -> str:
    return str(new_highs().version())


def _run(solver: Any) -> Any:
    """``solver.run()``, stopped cleanly by Ctrl-C.

    highspy calls Python from inside the solve (its callbacks), so a Ctrl-C delivered
    there would become a failed callback and a solve error, not a KeyboardInterrupt. While
    HiGHS runs on the main thread, Ctrl-C only asks it to stop at its next interrupt check;
    once it has, the interrupt is raised as usual.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        return solver.run()
    interrupted = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal interrupted
        interrupted = True
        solver.cancelSolve()

    solver.HandleUserInterrupt = True
    signal.signal(signal.SIGINT, stop)
    try:
        status = solver.run()
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if interrupted:
        raise KeyboardInterrupt
    return status


class HighsBackend:
    name = "highs"
    capabilities = Capabilities(continuous=True, integer=True, quadratic_objective=True, quadratic_with_integer=False)

    def version(self) -> str:
        return _version()

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult:
        options = options.with_plan(plan)
        import highspy

        solver = new_highs()
        settings: dict[str, Any] = {}
        if options.time_limit is not None:
            settings["time_limit"] = float(options.time_limit)
        if options.rel_gap is not None:
            settings["mip_rel_gap"] = float(options.rel_gap)
        if options.threads is not None:
            settings["threads"] = int(options.threads)
        if options.seed is not None:
            settings["random_seed"] = int(options.seed)
        settings.update(options.params)
        for key, value in settings.items():
            if solver.setOptionValue(key, value) == highspy.HighsStatus.kError:
                raise OptionError(f"highs:{key}", value, "a valid HiGHS option (see the HiGHS options list)")
        to_highs(problem, solver)
        if options.progress is not None:
            self._watch(solver, problem, options)
        started = time.perf_counter()
        run_status = _run(solver)
        seconds = time.perf_counter() - started
        model_status = solver.getModelStatus()
        name = str(model_status).split(".")[-1]
        if name == "kUnboundedOrInfeasible":
            return self._resolve_infeasible_or_unbounded(problem, settings, seconds)
        status = _STATUS.get(name, "error")
        info = solver.getInfo()
        x = None
        objective = bound = None
        if info.primal_solution_status == 2:  # 2: a feasible point is known
            x = np.asarray(solver.getSolution().col_value, dtype=np.float64)
            objective = float(info.objective_function_value)
        if problem.is_integer.any():
            bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        elif status == "optimal":
            bound = objective
        message = "" if run_status != highspy.HighsStatus.kError else "HiGHS reported an error during the solve"
        return RawResult(status, objective, bound, x, name, seconds, message)

    def _resolve_infeasible_or_unbounded(self, problem: MathProgram, settings: dict[str, Any], seconds: float) -> RawResult:
        """Presolve can stop at 'infeasible or unbounded'; solve again without it to tell which."""
        solver = new_highs()
        for key, value in settings.items():
            solver.setOptionValue(key, value)
        solver.setOptionValue("presolve", "off")
        to_highs(problem, solver)
        started = time.perf_counter()
        _run(solver)
        seconds += time.perf_counter() - started
        name = str(solver.getModelStatus()).split(".")[-1]
        status = _STATUS.get(name, "error")
        if name == "kUnboundedOrInfeasible":
            return RawResult("error", None, None, None, name, seconds, "HiGHS could not tell infeasible from unbounded")
        return RawResult(status, None, None, None, name, seconds)

    @staticmethod
    def _watch(solver: Any, problem: MathProgram, options: SolveOptions) -> None:
        started = time.perf_counter()
        callback = options.progress
        assert callback is not None

        def report(event: Any) -> None:
            data = event.data_out
            incumbent = float(data.mip_primal_bound) if abs(data.mip_primal_bound) < 1e30 else None
            bound = float(data.mip_dual_bound) if abs(data.mip_dual_bound) < 1e30 else None
            callback(Progress(time.perf_counter() - started, incumbent, bound, relative_gap(incumbent, bound)))

        def report_lp(event: Any) -> None:
            data = event.data_out
            value = float(data.objective_function_value)
            callback(Progress(time.perf_counter() - started, value if np.isfinite(value) else None, None, None))

        if problem.is_integer.any():
            solver.cbMipInterrupt.subscribe(report)
        else:
            solver.cbSimplexInterrupt.subscribe(report_lp)
            solver.cbIpmInterrupt.subscribe(report_lp)
