"""CP-SAT for the job shop: interval variables, no-overlap per machine, precedence per job.

The solve runs in a worker process (:func:`optarium.isolation.call_isolated`):
OR-Tools must never be loaded in the calling process (it bundles a HiGHS that
clashes with highspy). A hint (start times of a known schedule) becomes
CP-SAT's first solution and caps the horizon at its makespan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from optarium.domains.scheduling.instance import JobShopInstance


@dataclass(frozen=True)
class CpResult:
    """What the worker sends back; ``starts`` is None when no schedule was found."""

    status: str
    starts: NDArray[np.int64] | None
    makespan: int | None
    bound: int | None
    seconds: float
    version: str
    # (seconds since the solve started, makespan) of each improving solution
    incumbents: list[tuple[float, int]] = field(default_factory=list)


def check_time_limit(time_limit: float | None) -> float | None:
    """Refuse a time budget that is zero, negative or not a number."""
    if time_limit is not None and not (float(time_limit) > 0 and np.isfinite(time_limit)):
        raise OptionError("--time-limit", time_limit, "a positive number of seconds")
    return None if time_limit is None else float(time_limit)


def solve_cp(
    instance: JobShopInstance,
    time_limit: float | None = 10.0,
    *,
    workers: int | None = None,
    hint: NDArray[np.int64] | None = None,
    seed: int = 0,
    progress: Callable[[Any], None] | None = None,
) -> CpResult:
    """Minimise the makespan with CP-SAT in a worker process; ``hint`` has shape (jobs, ops)."""
    from optarium.isolation import call_isolated

    time_limit = check_time_limit(time_limit)
    if workers is not None and workers < 1:
        raise OptionError("--threads", workers, "at least 1")
    if hint is not None and np.asarray(hint).shape != instance.machines.shape:
        raise OptionError("hint", np.asarray(hint).shape, f"start times of shape {instance.machines.shape}")
    result: CpResult = call_isolated(
        "optarium.domains.scheduling.cp:solve_here",
        np.asarray(instance.machines), np.asarray(instance.durations), instance.num_machines,
        time_limit, workers, None if hint is None else np.asarray(hint, dtype=np.int64), seed,
        progress=progress,
    )
    return result


def solve_here(
    machines: NDArray[np.int64],
    durations: NDArray[np.int64],
    num_machines: int,
    time_limit: float | None,
    workers: int | None,
    hint: NDArray[np.int64] | None,
    seed: int,
    progress: Callable[[Any], None] | None = None,
) -> CpResult:
    """The CP-SAT model and solve; call only in a process that has not loaded highspy."""
    from importlib.metadata import version

    from ortools.sat.python import cp_model

    from optarium.solvers.base import Progress

    n_jobs, n_ops = machines.shape
    horizon = int(durations.sum())
    if hint is not None:
        horizon = min(horizon, int((hint + durations).max()))
    model = cp_model.CpModel()
    starts = [[model.NewIntVar(0, horizon - int(durations[j, k]), f"s{j}_{k}") for k in range(n_ops)] for j in range(n_jobs)]
    by_machine: list[list[Any]] = [[] for _ in range(num_machines)]
    for j in range(n_jobs):
        for k in range(n_ops):
            by_machine[int(machines[j, k])].append(model.NewFixedSizeIntervalVar(starts[j][k], int(durations[j, k]), f"i{j}_{k}"))
            if k + 1 < n_ops:
                model.Add(starts[j][k + 1] >= starts[j][k] + int(durations[j, k]))
    for intervals in by_machine:
        if len(intervals) > 1:
            model.AddNoOverlap(intervals)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(makespan, [starts[j][n_ops - 1] + int(durations[j, n_ops - 1]) for j in range(n_jobs)])
    model.Minimize(makespan)
    if hint is not None:
        for j in range(n_jobs):
            for k in range(n_ops):
                model.AddHint(starts[j][k], int(hint[j, k]))
        model.AddHint(makespan, horizon)

    solver = cp_model.CpSolver()
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers if workers is not None else 8
    solver.parameters.random_seed = seed
    incumbents: list[tuple[float, int]] = []
    started = time.perf_counter()

    class Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            value = int(self.ObjectiveValue())
            elapsed = time.perf_counter() - started
            incumbents.append((elapsed, value))
            if progress is not None:
                bound = float(self.BestObjectiveBound())
                progress(Progress(elapsed=elapsed, incumbent=float(value), bound=bound, gap=(value - bound) / max(value, 1)))

    code = solver.Solve(model, Callback())
    seconds = time.perf_counter() - started
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.array([[solver.Value(starts[j][k]) for k in range(n_ops)] for j in range(n_jobs)], dtype=np.int64)
        status = "optimal" if code == cp_model.OPTIMAL else "time_limit"
        return CpResult(status, values, int(solver.ObjectiveValue()), int(solver.BestObjectiveBound()), seconds, version("ortools"), incumbents)
    status = "infeasible" if code == cp_model.INFEASIBLE else "time_limit" if code == cp_model.UNKNOWN else "error"
    return CpResult(status, None, None, None, seconds, version("ortools"), incumbents)
