"""The black-box kind: a study run through the one flow, its answer checked against the space.

Backends are the samplers by name (``auto``, ``gp``, ``cmaes``, ...); each runs a study in a
store of its own in memory and reports the best trial. The verifier never calls the
sampler: it checks that every reported parameter lies in the space and, when the problem
asks for it (``recheck=True``), evaluates the function once more at the reported point.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from optarium import kinds
from optarium.blackbox.problem import BlackBoxProblem
from optarium.plan import Plan

if TYPE_CHECKING:
    from optarium.solution import Solution, Verification
    from optarium.store.base import Store

KIND = "blackbox"
# a run keeps the best-so-far trace up to this many points
MAX_TRACE = 200


class SamplerBackend:
    """Runs ``problem.budget`` evaluations with the named sampler; the best trial is the answer."""

    def __init__(self, name: str):
        self.name = name

    def version(self) -> str:
        from optarium import __version__

        return __version__

    def solve(self, problem: BlackBoxProblem, options: Any, plan: Plan) -> kinds.RawResult:
        from optarium.blackbox.optimize import optimize

        started = time.perf_counter()
        study = optimize(
            problem.objective, problem.space, problem.budget, sampler=self.name, seed=plan.params.get("seed"),
            n_workers=int(plan.params.get("n_workers", 1)), direction=problem.direction,
        )
        seconds = time.perf_counter() - started
        trials = study.trials
        failed = sum(t.state == "failed" for t in trials)
        best = study.best
        trace = [[count, value] for count, value in study.best_so_far()]
        extra = {"trials": len(trials), "failed": failed, "trace": trace if len(trace) <= MAX_TRACE else None}
        if best is None:
            return kinds.RawResult("error", solver_status=f"{len(trials)} trials, {failed} failed", seconds=seconds,
                                   message="no trial gave a finite value", extra=extra)
        return kinds.RawResult(
            "feasible", objective=best.value, payload=dict(best.params), seconds=seconds,
            solver_status=f"{len(trials)} trials, {failed} failed, best is trial {best.number}", extra=extra,
        )


def _backend(name: str) -> kinds.Backend:
    from optarium.blackbox.samplers import sampler_names
    from optarium.errors import SolverUnavailableError

    if name not in sampler_names():
        raise SolverUnavailableError(f"unknown {KIND} backend {name!r}; choose one of: {', '.join(sampler_names())}")
    return SamplerBackend(name)


def verify(problem: BlackBoxProblem, params: dict[str, Any], reported: float | None) -> Verification:
    """Every parameter inside the space; with ``recheck`` the value reproduced by one more evaluation."""
    from optarium.blackbox.errors import SpaceError
    from optarium.solution import Verification

    violations: list[str] = []
    try:
        problem.space.check(params)
    except SpaceError as error:
        violations.append(str(error))
    objective = reported
    details: dict[str, Any] = {"rechecked": False}
    if problem.recheck and not violations:
        value = float(problem.objective(dict(params)))
        details.update(rechecked=True, recomputed=value)
        objective = value
        scale = max(1.0, abs(value))
        if reported is None or not math.isfinite(value) or abs(value - reported) > problem.recheck_tolerance * scale:
            violations.append(f"the function gives {value!r} at the reported point, not the reported {reported!r}")
    if reported is None or not math.isfinite(reported):
        violations.append(f"the reported value {reported!r} is not a finite number")
    return Verification(verified=not violations, objective=objective, max_violation=1.0 if violations else 0.0,
                        violations=tuple(violations), details=details,
                        tolerances={"recheck": problem.recheck_tolerance} if problem.recheck else {})


class SamplerPlanner:
    """``auto`` with the reason it gives for this space and budget (see :mod:`optarium.blackbox.auto`)."""

    def plan(self, problem: BlackBoxProblem, history: Store | None) -> Plan:
        from optarium.blackbox.auto import explain

        return Plan("auto", {}, explain(problem.space, problem.budget, "value"), "rules")


def _record(problem: BlackBoxProblem, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    return None, {"params": solution.payload}


SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=BlackBoxProblem,
    backend=_backend,
    verify=verify,
    planner=SamplerPlanner,
    record=_record,
    sense=lambda problem: "min" if problem.direction == "minimize" else "max",
))
