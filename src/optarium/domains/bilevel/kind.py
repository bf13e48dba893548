"""The bilevel kind: readers (JSON/YAML, MibS), the KKT and value-function backends, verifier, planner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium import kinds
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.plan import Plan

if TYPE_CHECKING:
    from pathlib import Path

    from optarium.solution import Solution, Verification
    from optarium.store.base import Store

KIND = "bilevel"
# the backends that take a problem with integer follower variables
INTEGER_FOLLOWER = ("valuefunction",)


def _read_json(path: Path) -> BilevelProblem:
    from optarium.domains.bilevel.io import read_json

    return read_json(path)


def _read_mibs(path: Path) -> BilevelProblem:
    from optarium.domains.bilevel.io import read_mibs

    return read_mibs(None, path)


def _kkt() -> kinds.Backend:
    from optarium.domains.bilevel.kkt import KKT

    return KKT()


def _valuefunction() -> kinds.Backend:
    from optarium.domains.bilevel.valuefunction import ValueFunction

    return ValueFunction()


def _verify(problem: BilevelProblem, payload: Any, reported: float | None) -> Verification:
    from optarium.domains.bilevel.verify import verify_bilevel

    return verify_bilevel(problem, payload, reported)


def _check(backend: kinds.Backend, problem: BilevelProblem) -> None:
    from optarium.errors import SolverCapabilityError

    if problem.integer_follower and backend.name not in INTEGER_FOLLOWER:
        raise SolverCapabilityError(backend.name, "a follower with integer variables", list(INTEGER_FOLLOWER))
    if backend.name == "valuefunction":
        from optarium.domains.bilevel.valuefunction import applicable

        why = applicable(problem)
        if why is not None:
            raise SolverCapabilityError(backend.name, f"this problem ({why})", [] if problem.integer_follower else ["kkt"])


def _check_input(problem: BilevelProblem, options: Any) -> None:
    """What is refused before the store is opened: a follower that is unbounded for some leader
    decision (every method refuses it), then a method (named, or the one ``auto`` picks) that cannot
    take this problem."""
    from optarium.domains.bilevel.checks import check_follower_bounded

    check_follower_bounded(problem)
    method = getattr(options, "method", "auto")
    _check(SPEC.backend(BilevelPlanner().plan(problem).solver if method == "auto" else method), problem)


class BilevelPlanner:
    """KKT on SCIP for a continuous follower, value-function cuts on SCIP for an integer one."""

    def plan(self, problem: BilevelProblem, history: Store | None = None) -> Plan:
        if problem.integer_follower:
            return Plan("valuefunction", {}, "the follower has integer variables: value-function cuts on SCIP", "rules")
        return Plan("kkt", {}, "continuous linear follower: KKT reformulation with SOS1 complementarity on SCIP", "rules")


def _planner() -> BilevelPlanner:
    return BilevelPlanner()


def _record(problem: BilevelProblem, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    details = {} if solution.verification is None else solution.verification.details
    payload = solution.payload or {"x": [], "y": []}
    return None, {"x": dict(zip(problem.x_names, payload["x"], strict=True)),
                  "y": dict(zip(problem.y_names, payload["y"], strict=True)),
                  "follower_objective": details.get("follower_objective")}


def _alternatives(problem: BilevelProblem, first: str) -> list[str]:
    from optarium.domains.bilevel.valuefunction import applicable

    if first == "kkt" and applicable(problem) is None:
        return ["valuefunction"]
    return []


SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=BilevelProblem,
    backend=kinds.lookup({"kkt": _kkt, "valuefunction": _valuefunction}, KIND),
    verify=_verify,
    planner=_planner,
    readers=(kinds.Reader("bilevel-json", (".bilevel.json", ".bilevel.yaml", ".bilevel.yml"), _read_json),
             kinds.Reader("mibs", (".aux",), _read_mibs)),
    check=_check,
    check_input=_check_input,
    record=_record,
    sense=lambda problem: problem.leader_sense,
    alternatives=_alternatives,
))
