"""The one CP-SAT runner: solve a CP-SAT model in a worker process, map its status once.

Every CP-SAT user in optarium (the MILP backend, the job shop) names a
*builder*, ``"module:function"``, that the worker imports and calls with the
given arguments; it returns ``(model, variables, offset)``. The worker solves,
reads the values of ``variables`` and reports each improving solution. OR-Tools
is imported only in the worker (see :mod:`optarium.isolation`).

The status map, the same for every caller (:data:`STATUS`):

- ``OPTIMAL`` → ``optimal`` (also when a gap limit stopped the search: ``bound`` says how close);
- ``FEASIBLE`` → ``time_limit`` with the point: CP-SAT stops with a point short of a
  proof only when a limit (time, a search limit, an interruption) stopped it;
- ``INFEASIBLE`` → ``infeasible``;
- ``UNKNOWN`` → ``time_limit`` without a point (a limit came before any solution);
- ``MODEL_INVALID`` → ``error``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optarium.kinds import RawResult

if TYPE_CHECKING:
    from collections.abc import Callable

STATUS: dict[str, str] = {
    "OPTIMAL": "optimal",
    "FEASIBLE": "time_limit",
    "INFEASIBLE": "infeasible",
    "UNKNOWN": "time_limit",
    "MODEL_INVALID": "error",
}
# CP-SAT's portfolio wants up to 8 workers; more workers than cores only slow each other down
DEFAULT_WORKERS = max(1, min(8, os.cpu_count() or 1))


def status_of(name: str) -> str:
    """The optarium status of a CP-SAT status name (anything unknown is an ``error``)."""
    return STATUS.get(name, "error")


@dataclass(frozen=True)
class CpSatOptions:
    """What the runner hands CP-SAT; ``params`` are CP-SAT parameters by their own names."""

    time_limit: float | None = None
    threads: int | None = None
    seed: int | None = None
    rel_gap: float | None = None
    params: dict[str, Any] = field(default_factory=dict)


def run_isolated(
    builder: str, args: tuple[Any, ...], options: CpSatOptions, progress: Callable[[Any], None] | None = None
) -> RawResult:
    """Build and solve in a worker process.

    The result's ``payload`` is the values of the builder's variables, shape
    (len(variables),), int64; ``extra["incumbents"]`` lists ``[seconds, objective]``
    of each improving solution.
    """
    from optarium.isolation import call_isolated

    result: RawResult = call_isolated("optarium.solvers.cpsat_run:run_here", builder, args, options, progress=progress)
    return result


def run_here(builder: str, args: tuple[Any, ...], options: CpSatOptions, progress: Callable[[Any], None] | None = None) -> RawResult:
    """The worker's side of :func:`run_isolated`; call only in a process that has not loaded highspy."""
    import importlib

    module, name = builder.split(":")
    model, variables, offset = getattr(importlib.import_module(module), name)(*args)
    return solve_model(model, variables, options, offset=offset, progress=progress)


def solve_model(
    model: Any, variables: list[Any], options: CpSatOptions, *, offset: float = 0.0, progress: Callable[[Any], None] | None = None
) -> RawResult:
    """Solve a built model with ``options``; see the module docstring for the status map."""
    import numpy as np
    from ortools.sat.python import cp_model

    from optarium.errors import OptionError
    from optarium.solvers.base import Progress, relative_gap

    solver = cp_model.CpSolver()
    parameters = solver.parameters
    if options.time_limit is not None:
        parameters.max_time_in_seconds = float(options.time_limit)
    if options.rel_gap is not None:
        parameters.relative_gap_limit = float(options.rel_gap)
    parameters.num_workers = int(options.threads) if options.threads is not None else DEFAULT_WORKERS
    if options.seed is not None:
        parameters.random_seed = int(options.seed)
    for key, value in options.params.items():
        if not hasattr(parameters, key):
            raise OptionError(f"cpsat:{key}", value, "a CP-SAT parameter (see sat_parameters.proto)")
        try:
            setattr(parameters, key, value)
        except (TypeError, ValueError) as error:
            raise OptionError(f"cpsat:{key}", value, f"of the right type ({error})") from None
    incumbents: list[list[float]] = []
    started = time.perf_counter()

    class Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            elapsed = time.perf_counter() - started
            value = float(self.ObjectiveValue()) + offset
            incumbents.append([round(elapsed, 6), value])
            if progress is not None:
                bound = float(self.BestObjectiveBound()) + offset
                progress(Progress(elapsed, value, bound, relative_gap(value, bound)))

    code = solver.Solve(model, Callback())
    seconds = time.perf_counter() - started
    name = solver.StatusName(code)
    status = status_of(name)
    payload = objective = bound = None
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        payload = np.array([solver.Value(var) for var in variables], dtype=np.int64)
        objective = float(solver.ObjectiveValue()) + offset
        found = float(solver.BestObjectiveBound()) + offset
        bound = found if math.isfinite(found) else None
    message = "" if payload is not None or status != "time_limit" else "CP-SAT stopped at its limit before finding a solution"
    return RawResult(status, objective, bound, payload, name, seconds, message, {"incumbents": incumbents})

