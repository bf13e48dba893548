"""Solve a nonlinear program from a file, a Pyomo model or Python, on the one flow.

``optarium.solve`` comes here for ``.nl`` files, :class:`NonlinearProgram` values and
Pyomo models with nonlinear expressions (see :func:`handles`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.domains.nonlinear.program import NonlinearProgram
from optarium.errors import InvalidModelError, SolverCapabilityError

if TYPE_CHECKING:
    from optarium.plan import Planner
    from optarium.problem.adapters import ModelLink
    from optarium.solution import Solution
    from optarium.store.base import Store

SUFFIXES = (".nl", ".osil")


def handles(source: Any) -> bool:
    """Whether ``source`` is a nonlinear program: an ``.nl`` or ``.osil`` path, a NonlinearProgram, a nonlinear Pyomo model."""
    if isinstance(source, NonlinearProgram):
        return True
    if isinstance(source, str | os.PathLike):
        return str(source).lower().endswith(SUFFIXES)
    from optarium.problem.adapters import is_pyomo_model

    if is_pyomo_model(source):
        from optarium.domains.nonlinear.pyomo_model import is_nonlinear

        return is_nonlinear(source)
    return False


def load(source: Any) -> tuple[NonlinearProgram, str, str, ModelLink | None]:
    """The problem, where it came from, the reader that produced it and the link to a user's Pyomo model."""
    if isinstance(source, NonlinearProgram):
        return source, f"python:{source.name}", "python", None
    if isinstance(source, str | os.PathLike):
        if str(source).lower().endswith(".osil"):
            from optarium.domains.nonlinear.osil import read_osil

            return read_osil(source), str(Path(source)), "osil", None
        from optarium.domains.nonlinear.nl import read_nl

        return read_nl(source), str(Path(source)), "nl", None
    from optarium.problem.adapters import is_pyomo_model

    if is_pyomo_model(source):
        from optarium.domains.nonlinear.pyomo_model import link_pyomo

        problem, link = link_pyomo(source)
        return problem, f"pyomo:{problem.name}", "pyomo", link
    raise InvalidModelError(f"cannot solve a {type(source).__name__} as a nonlinear program; give an .nl path, "
                            "a NonlinearProgram or a Pyomo ConcreteModel")


def solve_nonlinear(
    source: Any,
    solver: str = "auto",
    time_limit: float | None = None,
    store: Store | str | None = None,
    *,
    global_optimum: bool = False,
    rel_gap: float | None = None,
    threads: int | None = None,
    seed: int | None = None,
    cross_check: bool = False,
    record: bool = True,
    planner: Planner | None = None,
    solver_log: bool = False,
    progress: Any = None,
    **params: Any,
) -> Solution[Any]:
    """Read, check domains, plan, solve, verify and record a nonlinear program.

    ``global_optimum=True`` asks for a proven global optimum: the planner picks SCIP, and a
    local solver named for a problem not proven convex is refused. Errors in the model (a
    logarithm of something that may be 0, an unsupported operator) raise
    ``InvalidModelError`` before anything is solved or recorded. A verified point is written
    back into a Pyomo model's variables.
    """
    from optarium.domains.nonlinear.kind import SPEC, check
    from optarium.domains.nonlinear.planner import NonlinearPlanner
    from optarium.flow import solve_problem
    from optarium.solvers.base import SolveOptions

    options = SolveOptions(time_limit, rel_gap, threads, seed, params, progress, solver_log=solver_log)
    started = time.perf_counter()
    problem, described, reader, link = load(source)
    read_seconds = time.perf_counter() - started
    if solver != "auto":
        backend = SPEC.backend(solver)
        check(backend, problem)
        if global_optimum and not getattr(backend, "is_global", False) and not problem.features()["convex"]:
            raise SolverCapabilityError(solver, "a problem not proven convex when a global optimum is asked "
                                        "(global_optimum=True): it finds local optima only", ["scip"])
    solution = solve_problem(
        problem, solver=solver, options=options, store=store, record=record,
        planner=planner or NonlinearPlanner(require_global=global_optimum), source=described, reader=reader,
        cross_check=cross_check, timings={"read": read_seconds},
    )
    if link is not None and solution.payload is not None:
        from optarium.problem.kind import Point

        link.write_back(solution)
        solution.payload = Point(link.names, solution.payload.x)
    solution.timings["total"] = time.perf_counter() - started
    return solution
