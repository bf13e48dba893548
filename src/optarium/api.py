"""``optarium.solve``: read → plan → solve → verify → (cross-check) → record."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.errors import InvalidModelError
from optarium.solution import WITH_POINT, Solution

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.solvers.base import ProgressCallback, RawResult
    from optarium.store.core import Store


def load(source: Any) -> tuple[MathProgram, str]:
    """A canonical problem and a description of where it came from."""
    from optarium.problem.program import MathProgram

    if isinstance(source, MathProgram):
        return source, f"python:{source.name}"
    if isinstance(source, str | os.PathLike):
        from optarium.problem.io import read_problem

        return read_problem(source), str(Path(source))
    from optarium.problem import adapters

    if adapters.is_pyomo_model(source):
        problem = adapters.from_pyomo(source)
        return problem, f"pyomo:{problem.name}"
    if adapters.is_pulp_problem(source):
        problem = adapters.from_pulp(source)
        return problem, f"pulp:{problem.name}"
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
    **params: Any,
) -> Solution:
    """Solve a model file, MathProgram, Pyomo or PuLP model; check the answer; record the run.

    ``store`` is a :class:`~optarium.store.Store` or URL (default: ``$OPTARIUM_STORE``
    or the SQLite file in the user data directory); ``record=False`` skips it.
    Extra keyword arguments go to the backend unchanged (e.g. ``presolve="off"``).
    """
    from optarium.solvers import plan, registry
    from optarium.solvers.base import SolveOptions

    options = SolveOptions(time_limit, rel_gap, threads, seed, params, progress)
    started = time.perf_counter()
    problem, described = load(source)
    read_seconds = time.perf_counter() - started
    if solver == "auto":
        chosen = plan.choose(problem)
        name, reason = chosen.solver, chosen.reason
    else:
        name, reason = solver, "chosen by the user"
    backend = registry.get(name)
    registry.check(backend, problem)
    solution = _solve_and_verify(problem, backend, options)
    solution.plan_reason = reason
    solution.timings["read"] = read_seconds
    if cross_check:
        _cross_check(problem, solution, options)
    if record:
        solution.run_id = _record(problem, described, solution, options, store)
    solution.timings["total"] = time.perf_counter() - started
    return solution


def _solve_and_verify(problem: MathProgram, backend: Any, options: Any) -> Solution:
    from optarium.problem.verify import verify_point

    raw: RawResult = backend.solve(problem, options)
    started = time.perf_counter()
    solution = Solution(
        status=raw.status,  # type: ignore[arg-type]
        objective=raw.objective,
        bound=raw.bound,
        seconds=raw.seconds,
        solver=backend.name,
        solver_version=backend.version(),
        solver_status=raw.solver_status,
        message=raw.message,
    )
    if raw.x is not None:
        verification = verify_point(problem, raw.x, raw.objective)
        solution.verification = verification
        solution.values = dict(zip(problem.var_names, raw.x.tolist(), strict=True))
        if not verification.verified and raw.status in WITH_POINT:
            solution.status = "error"
            solution.message = f"{backend.name} reported {raw.status} but the answer failed verification: {verification.message}"
    elif raw.status in ("optimal", "feasible"):
        solution.status = "error"
        solution.message = f"{backend.name} reported {raw.status} without a solution"
    from optarium.solvers.base import relative_gap

    if solution.status in WITH_POINT:
        solution.gap = relative_gap(solution.objective, solution.bound)
    solution.timings["solve"] = raw.seconds
    solution.timings["verify"] = time.perf_counter() - started
    return solution


def _agree(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _cross_check(problem: MathProgram, solution: Solution, options: Any) -> None:
    """Solve again with a second backend; adopt its answer only when it is verified and refutes the first."""
    from dataclasses import replace

    from optarium.solvers import plan, registry

    other = plan.second_opinion(problem, solution.solver)
    if other is None:
        solution.cross_check = {"solver": None, "agree": None, "note": "no second installed backend can take this problem"}
        return
    second = _solve_and_verify(problem, registry.get(other), replace(options, params={}, progress=None))
    if solution.status in ("infeasible", "unbounded"):
        agree = second.status == solution.status
    elif solution.status == "optimal" and second.status == "optimal":
        agree = _agree(solution.objective, second.objective)
    else:
        agree = solution.status == second.status
    solution.cross_check = {
        "solver": other,
        "status": second.status,
        "objective": second.objective,
        "verified": second.verified,
        "agree": agree,
    }
    if agree:
        return
    better = (
        second.verified
        and second.objective is not None
        and (
            solution.status not in WITH_POINT
            or solution.objective is None
            or (second.objective < solution.objective if problem.sense == "min" else second.objective > solution.objective)
        )
    )
    if better and solution.status != "unbounded":
        first = f"{solution.solver} said {solution.status}" + (f" ({solution.objective})" if solution.objective is not None else "")
        solution.status = second.status
        solution.objective, solution.bound, solution.gap = second.objective, second.bound, second.gap
        solution.values, solution.verification = second.values, second.verification
        solution.message = f"cross-check: {first}, but {other} found a better verified answer; reporting {other}'s"
        solution.solver, solution.solver_version = other, second.solver_version
    else:
        solution.message = (solution.message + "; " if solution.message else "") + (
            f"cross-check: {other} says {second.status} ({second.objective}), which disagrees"
        )


def _record(problem: MathProgram, described: str, solution: Solution, options: Any, store: Store | str | None) -> int:
    from optarium.store.core import Store

    handle = store if isinstance(store, Store) else Store(store)
    return handle.record_run(
        fingerprint=problem.fingerprint(),
        kind="math_program",
        name=problem.name,
        features=problem.features(),
        source=described,
        solver=solution.solver,
        solver_version=solution.solver_version,
        params=options.recorded(),
        plan_reason=solution.plan_reason,
        result=solution.to_dict(with_values=False),
        values=solution.values,
    )
