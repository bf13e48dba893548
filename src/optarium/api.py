"""``optarium.solve``: read a math program from wherever it comes, then the one flow."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.errors import InvalidModelError, OptionError

if TYPE_CHECKING:
    from optarium.plan import Planner
    from optarium.problem.adapters import ModelLink
    from optarium.problem.program import MathProgram
    from optarium.solution import Solution
    from optarium.solvers.base import ProgressCallback
    from optarium.store.base import Store


def load(source: Any) -> tuple[MathProgram, str]:
    """A canonical problem and a description of where it came from."""
    problem, described, _, _ = _load(source)
    return problem, described


def _load(source: Any, *, keep_model: bool = False) -> tuple[MathProgram, str, str, ModelLink | None]:
    """The problem, where it came from, the reader that produced it and the link to a user's model.

    ``keep_model``: a file read by HiGHS keeps the reader's HiGHS instance for the solve that follows.
    """
    from optarium.problem.program import MathProgram

    if isinstance(source, MathProgram):
        return source, f"python:{source.name}", "python", None
    if isinstance(source, str | os.PathLike):
        from optarium import kinds
        from optarium.problem.io import read_problem

        readers = [reader for spec, reader in kinds.readers_for(source) if spec.type is MathProgram]
        if not readers:
            return read_problem(source), str(Path(source)), "highs", None  # refuses the file, saying why
        if keep_model and readers[0].name == "highs":
            return read_problem(source, keep_model=True), str(Path(source)), "highs", None
        return readers[0].read(Path(source)), str(Path(source)), readers[0].name, None
    from optarium.problem import adapters

    if adapters.is_pyomo_model(source):
        problem, link = adapters.link_pyomo(source)
        return problem, f"pyomo:{problem.name}", "pyomo", link
    if adapters.is_pulp_problem(source):
        problem, link = adapters.link_pulp(source)
        return problem, f"pulp:{problem.name}", "pulp", link
    raise InvalidModelError(
        f"cannot solve a {type(source).__name__}; give a path to an MPS/LP file, a MathProgram, "
        "a Pyomo ConcreteModel or a PuLP LpProblem"
    )


def solve(
    source: Any,
    solver: str = "auto",
    time_limit: float | None = None,
    store: Store | str | None = None,
    *,
    rel_gap: float | None = None,
    threads: int | None = None,
    seed: int | None = None,
    cross_check: bool = False,
    record: bool = True,
    progress: ProgressCallback | None = None,
    planner: Planner | str | None = None,
    solver_log: bool = False,
    global_optimum: bool = False,
    start: dict[str, float] | None = None,
    **params: Any,
) -> Solution[Any]:
    """Solve a model file, MathProgram, Pyomo or PuLP model; check the answer; record the run.

    ``store`` is a store or URL (default: ``$OPTARIUM_STORE`` or the SQLite file
    in the user data directory; ``memory://`` keeps it in this process);
    ``record=False`` skips it. ``solver_log=True`` shows the backend's own log on
    standard error (HiGHS, SCIP, CP-SAT; like Pyomo's ``tee=True``). ``planner`` replaces the rule planner for
    ``solver="auto"``. Extra keyword arguments go to the backend unchanged
    (e.g. ``presolve="off"``). ``planner`` may also be a name: ``"rules"``, ``"tuned"`` or ``"learned"``
    (the selector of :mod:`optarium.learn.select`). ``start`` (variable name -> value, some or all
    variables) is handed to HiGHS or SCIP as a hint; the answer is verified as always.

    For a Pyomo or PuLP model, a verified point is written back into the model's
    variables (``m.x[k].value``, ``v.varValue``) and ``solution.values`` is keyed by
    the model's own names (``x[1]``); an unverified point or none leaves the model as it was.

    An AMPL ``.nl`` or OSiL file, a ``NonlinearProgram`` or a Pyomo model with nonlinear expressions is
    solved as a nonlinear program; ``global_optimum=True`` then asks for a proven global optimum
    (see docs/nonlinear.md).
    """
    if _nonlinear(source):
        if start is not None or isinstance(planner, str):
            raise OptionError("start" if start is not None else "planner", "given", "left out for a nonlinear model "
                              "(a start and the named planners are for LP, MILP and QP)")
        from optarium.domains.nonlinear.solve import solve_nonlinear

        return solve_nonlinear(
            source, solver, time_limit, store, global_optimum=global_optimum, rel_gap=rel_gap, threads=threads,
            seed=seed, cross_check=cross_check, record=record, planner=planner, solver_log=solver_log,
            progress=progress, **params,
        )
    from optarium.flow import solve_problem
    from optarium.solvers.base import SolveOptions

    if isinstance(planner, str):
        planner = named_planner(planner)
    options = SolveOptions(time_limit, rel_gap, threads, seed, params, progress, solver_log=solver_log, start=start)
    started = time.perf_counter()
    problem, described, reader, link = _load(source, keep_model=True)
    if start is not None:
        problem.start_arrays(start)  # a bad start is refused before anything is planned or recorded
    read_seconds = time.perf_counter() - started
    try:
        solution = solve_problem(
            problem, solver=solver, options=options, store=store, record=record, planner=planner,
            source=described, reader=reader, cross_check=cross_check, timings={"read": read_seconds},
        )
    finally:
        from optarium.problem.program import READ_MODEL

        problem._cache.pop(READ_MODEL, None)  # unused when another backend solved it
    if link is not None and solution.payload is not None:
        from optarium.problem.kind import Point

        link.write_back(solution)
        solution.payload = Point(link.names, solution.payload.x)
    solution.timings["total"] = time.perf_counter() - started
    return solution


def _nonlinear(source: Any) -> bool:
    """Whether ``source`` goes to the nonlinear kind (an ``.nl`` or ``.osil`` path, a NonlinearProgram, a nonlinear Pyomo model)."""
    from optarium.problem.program import MathProgram

    if isinstance(source, MathProgram) or (isinstance(source, str | os.PathLike) and not str(source).lower().endswith((".nl", ".osil"))):
        return False
    from optarium.domains.nonlinear.solve import handles

    return handles(source)


# the names a backend parameter may not take: they are solve()'s own arguments
SOLVE_ARGUMENTS = (
    "source", "solver", "time_limit", "store", "rel_gap", "threads", "seed", "cross_check", "record",
    "progress", "planner", "solver_log", "global_optimum", "start",
)
PLANNERS = ("rules", "tuned", "learned")


def named_planner(name: str) -> Planner:
    """The math-program planner called ``name``: ``rules``, ``tuned`` (the default) or ``learned``."""
    if name == "rules":
        from optarium.plan.rules import MathRules

        return MathRules()
    if name == "tuned":
        from optarium.plan.tuned import TunedPlanner

        return TunedPlanner(say_when_none=True)
    if name == "learned":
        from optarium.learn.select import SelectorPlanner

        return SelectorPlanner()
    raise OptionError("planner", name, "one of " + ", ".join(PLANNERS))


def check_params(params: dict[str, Any]) -> None:
    """Refuse backend parameters that name an argument of :func:`solve` (``time_limit``, ``threads``, ...).

    For callers that pass a mapping on as ``**params`` (settings files, the CLI):
    such a name would reach :func:`solve` twice.
    """
    for name in params:
        if name in SOLVE_ARGUMENTS:
            raise OptionError(name, params[name], f"given as solve()'s own argument `{name}=`, not as a backend parameter")
