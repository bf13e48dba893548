"""HiGHS (highspy): LP, MILP and convex QP."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import InvalidModelError, OptionError
from optarium.solvers.base import Capabilities, Progress, RawResult, SolveOptions, relative_gap

if TYPE_CHECKING:
    import highspy

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


_banner_lock = threading.Lock()
_banner_shown = False
# HiGHS keeps one thread pool per process, sized by the first solve: a later solve that asks
# for another thread count fails unless the pool is reset, which is safe only while no other
# solve of this process is running
_pool_lock = threading.Lock()
_solves_running = 0


def new_highs() -> highspy.Highs:
    """A HiGHS instance that writes nothing to standard output.

    HiGHS 1.16 prints its banner from the constructor, once per process, before any option can
    be set, so ``output_flag`` alone cannot keep ``--json`` output clean: the first construction
    runs with file descriptor 1 pointed at the null device.
    """
    import highspy

    global _banner_shown
    with _banner_lock:
        try:
            saved = None if _banner_shown else os.dup(1)
        except OSError:  # no standard output at all: nothing to keep clean
            saved = None
        if saved is None:
            solver = highspy.Highs()
        else:
            if sys.stdout is not None:
                sys.stdout.flush()
            try:
                with open(os.devnull, "wb") as sink:
                    os.dup2(sink.fileno(), 1)
                    solver = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
        _banner_shown = True
    solver.setOptionValue("output_flag", False)
    return solver


def to_highs(problem: MathProgram, solver: highspy.Highs, names: bool = True) -> None:
    """Pass a canonical problem into a HiGHS instance; ``names=False`` leaves names out (a solve needs none)."""
    import highspy
    import scipy.sparse as sp

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = problem.n_vars
    lp.num_row_ = problem.n_cons
    lp.col_cost_ = problem.c
    lp.col_lower_ = np.where(np.isinf(problem.col_lower), -inf, problem.col_lower)
    lp.col_upper_ = np.where(np.isinf(problem.col_upper), inf, problem.col_upper)
    lp.row_lower_ = np.where(np.isinf(problem.row_lower), -inf, problem.row_lower)
    lp.row_upper_ = np.where(np.isinf(problem.row_upper), inf, problem.row_upper)
    lp.offset_ = problem.offset
    lp.sense_ = highspy.ObjSense.kMaximize if problem.sense == "max" else highspy.ObjSense.kMinimize
    csc = problem.A.tocsc()
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    if problem.is_integer.any() or problem.is_semi is not None:
        semi = problem.is_semi if problem.is_semi is not None else np.zeros(problem.n_vars, dtype=bool)
        types = {
            (False, False): highspy.HighsVarType.kContinuous, (True, False): highspy.HighsVarType.kInteger,
            (False, True): highspy.HighsVarType.kSemiContinuous, (True, True): highspy.HighsVarType.kSemiInteger,
        }
        lp.integrality_ = [types[flags] for flags in zip(problem.is_integer.tolist(), semi.tolist(), strict=True)]
    if names:
        lp.col_names_ = list(problem.var_names)
        lp.row_names_ = list(problem.con_names)
    lp.model_name_ = problem.name
    status = solver.passModel(lp)
    del lp
    if status == highspy.HighsStatus.kError:
        raise InvalidModelError("HiGHS refused the model data", source=problem.name)
    if problem.Q is not None:
        lower = sp.tril(problem.Q).tocsc()
        lower.sort_indices()
        status = solver.passHessian(
            problem.n_vars, lower.nnz, int(highspy.HessianFormat.kTriangular),
            lower.indptr, lower.indices, lower.data,
        )
        if status == highspy.HighsStatus.kError:
            raise InvalidModelError("HiGHS refused the quadratic objective (is it convex?)", source=problem.name)


# nonzeros from which a solve hands HiGHS's freed work memory back to the system
_LARGE = 100_000


def _release_freed_memory() -> None:
    """Give the C heap's free memory back to the system (glibc only; elsewhere nothing happens).

    glibc keeps what HiGHS frees after a large solve; without this the verification and
    the record that follow add their own memory on top of the solve's peak.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


@functools.cache
def _version() -> str:
    return str(new_highs().version())


def _run(solver: Any) -> tuple[Any, bool]:
    """``solver.run()``, stopped cleanly by Ctrl-C: its status and whether Ctrl-C stopped it.

    highspy calls Python from inside the solve (its callbacks), so a Ctrl-C delivered
    there would become a failed callback and a solve error, not a KeyboardInterrupt. While
    HiGHS runs on the main thread, Ctrl-C only asks it to stop at its next interrupt check;
    the caller then keeps the best point found so far or raises KeyboardInterrupt.
    """
    from optarium.interrupts import noting_ctrl_c

    with noting_ctrl_c(on_press=solver.cancelSolve) as ctrl_c:
        if not ctrl_c.heard:  # off the main thread or under another handler: as it comes
            return solver.run(), False
        solver.HandleUserInterrupt = True
        try:
            status = solver.run()
        finally:
            # the interrupt callback ties the solver to itself; untie it so its memory goes with it
            solver.HandleUserInterrupt = False
    return status, ctrl_c.pressed


@contextlib.contextmanager
def _thread_pool(threads: int | None) -> Iterator[None]:
    """Run one solve; when it asks for a thread count, HiGHS's pool is started afresh at that size if it can be."""
    global _solves_running
    import highspy

    with _pool_lock:
        if threads is not None and _solves_running == 0:
            highspy.Highs.resetGlobalScheduler(True)
        _solves_running += 1
    try:
        yield
    finally:
        with _pool_lock:
            _solves_running -= 1


def _log_to_stderr(solver: Any) -> None:
    """Show HiGHS's log on standard error; its own console log would go to standard output."""
    solver.setOptionValue("output_flag", True)
    solver.setOptionValue("log_to_console", False)

    def write(event: Any) -> None:
        sys.stderr.write(event.message)
        sys.stderr.flush()

    solver.cbLogging.subscribe(write)


# the common options under HiGHS's option names
_OPTION_NAMES = {"time_limit": "time_limit", "rel_gap": "mip_rel_gap", "threads": "threads", "seed": "random_seed"}


class HighsBackend:
    name = "highs"
    capabilities = Capabilities(continuous=True, integer=True, quadratic_objective=True, quadratic_with_integer=False,
                                semi_continuous=True)

    def version(self) -> str:
        return _version()

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult:
        options = options.with_plan(plan)
        import highspy

        from optarium.problem.program import READ_MODEL

        # the HiGHS that read the file holds the model already; taken once, never solved twice
        read_model = problem._cache.pop(READ_MODEL, None)
        solver = read_model if read_model is not None else new_highs()
        settings = options.backend_settings(_OPTION_NAMES)
        for key, value in settings.items():
            if solver.setOptionValue(key, value) == highspy.HighsStatus.kError:
                raise OptionError(f"highs:{key}", value, "a valid HiGHS option (see the HiGHS options list)")
        if read_model is None:
            to_highs(problem, solver, names=False)
        if options.start is not None:
            index, values = problem.start_arrays(options.start)
            solver.setSolution(len(index), index, values)
        if options.solver_log:
            _log_to_stderr(solver)
        if options.progress is not None:
            self._watch(solver, problem, options)
        started = time.perf_counter()
        with _thread_pool(options.threads):
            run_status, interrupted = _run(solver)
        seconds = time.perf_counter() - started
        if interrupted and solver.getInfo().primal_solution_status != 2:
            raise KeyboardInterrupt  # Ctrl-C before any point was found: nothing to keep
        model_status = solver.getModelStatus()
        name = str(model_status).split(".")[-1]
        if name == "kUnboundedOrInfeasible":
            return self._resolve_infeasible_or_unbounded(problem, settings, seconds)
        status = "interrupted" if interrupted else _STATUS.get(name, "error")
        info = solver.getInfo()
        x = None
        objective = bound = None
        if info.primal_solution_status == 2:  # 2: a feasible point is known
            x = np.asarray(solver.getSolution().col_value, dtype=np.float64)
            objective = float(info.objective_function_value)
        if problem.is_integer.any() or problem.is_semi is not None:
            bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
            if status == "optimal" and not np.isfinite(info.mip_gap):  # presolve settled it before a bound was kept
                bound = objective
        elif status == "optimal":
            bound = objective
        message = "" if run_status != highspy.HighsStatus.kError else "HiGHS reported an error during the solve"
        if message and options.threads is not None:
            message += (f" (threads={options.threads}: HiGHS runs one thread pool per process, and another solve "
                        "running beside this one holds it at another size)")
        del solver
        if problem.A.nnz >= _LARGE:
            _release_freed_memory()
        return RawResult(status, objective, bound, x, name, seconds, message)

    def _resolve_infeasible_or_unbounded(self, problem: MathProgram, settings: dict[str, Any], seconds: float) -> RawResult:
        """Presolve can stop at 'infeasible or unbounded'; solve again without it to tell which."""
        solver = new_highs()
        for key, value in settings.items():
            solver.setOptionValue(key, value)
        solver.setOptionValue("presolve", "off")
        to_highs(problem, solver, names=False)
        started = time.perf_counter()
        with _thread_pool(settings.get("threads")):
            stopped = _run(solver)[1]
        if stopped:
            raise KeyboardInterrupt
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

        if problem.is_integer.any() or problem.is_semi is not None:
            solver.cbMipInterrupt.subscribe(report)
        else:
            solver.cbSimplexInterrupt.subscribe(report_lp)
            solver.cbIpmInterrupt.subscribe(report_lp)
