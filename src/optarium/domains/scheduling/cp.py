"""CP-SAT for the job shop: interval variables, no-overlap per machine, precedence per job.

The model is built and solved in a worker process by the one CP-SAT runner
(:mod:`optarium.solvers.cpsat_run`), which also maps CP-SAT's statuses: OR-Tools
is never loaded in the calling process. A hint (start times of a known
schedule) becomes CP-SAT's first solution and caps the horizon at its makespan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from optarium.domains.scheduling.instance import JobShopInstance
    from optarium.kinds import RawResult


def solve_cp(
    instance: JobShopInstance,
    time_limit: float | None = 10.0,
    *,
    threads: int | None = None,
    hint: NDArray[np.int64] | None = None,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    progress: Callable[[Any], None] | None = None,
) -> RawResult:
    """Minimise the makespan with CP-SAT in a worker process.

    ``hint`` and the result's payload are start times of shape (jobs, ops);
    ``objective`` is the makespan, ``bound`` CP-SAT's proven lower bound;
    ``params`` are CP-SAT parameters by their own names.
    """
    from dataclasses import replace

    from optarium.settings import positive
    from optarium.solvers.cpsat_run import CpSatOptions, run_isolated

    positive("time_limit", time_limit, "a positive number of seconds")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise OptionError("threads", threads, "a positive integer")
    if hint is not None and np.asarray(hint).shape != instance.machines.shape:
        raise OptionError("hint", np.asarray(hint).shape, f"start times of shape {instance.machines.shape}")
    options = CpSatOptions(time_limit, threads, seed, None, dict(params or {}))
    result = run_isolated(
        "optarium.domains.scheduling.cp:build_model",
        (np.asarray(instance.machines), np.asarray(instance.durations), instance.num_machines,
         None if hint is None else np.asarray(hint, dtype=np.int64)),
        options, progress,
    )
    if result.payload is None:
        return result
    return replace(result, payload=np.asarray(result.payload, dtype=np.int64).reshape(instance.machines.shape))


def build_model(
    machines: NDArray[np.int64], durations: NDArray[np.int64], num_machines: int, hint: NDArray[np.int64] | None
) -> tuple[Any, list[Any], float]:
    """The CP-SAT model, its start variables (row-major, jobs x ops) and offset 0; runs in the worker only."""
    from ortools.sat.python import cp_model

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
    return model, [var for row in starts for var in row], 0.0
