"""The robust kind (two-stage robust problems): readers, backends, verifier, planner, record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium import kinds
from optarium.domains.robust.problem import KIND, RobustProblem
from optarium.plan import Plan

if TYPE_CHECKING:
    from pathlib import Path

    from optarium.solution import Solution, Verification
    from optarium.store.base import Store

# the most seconds the input check takes before a solve, and its largest share of the solve's time limit
RECOURSE_CHECK_SECONDS = 5.0
RECOURSE_CHECK_SHARE = 0.1


def _reader(format: str) -> Any:
    def read(path: Path) -> RobustProblem:
        from optarium.domains.robust.io import read_file

        return read_file(path, format)

    return read


def _ccg() -> kinds.Backend:
    from optarium.domains.robust.backend import CCG

    return CCG()


def _neur2ro() -> kinds.Backend:
    from optarium.domains.robust.learned import Neur2RO

    return Neur2RO()


def _verify(problem: RobustProblem, payload: Any, reported: float | None) -> Verification:
    from optarium.domains.robust.verify import verify_decision

    return verify_decision(problem, payload, reported)


def _check_input(problem: RobustProblem, options: Any) -> None:
    """A scenario that leaves every first-stage decision without a recourse is refused before the store is
    opened (the exact method would find it only once solving, the learned one never)."""
    from optarium.domains.robust.problem import check_recourse
    from optarium.domains.robust.settings import DEFAULT_TIME_LIMIT

    time_limit = getattr(options, "time_limit", None) or DEFAULT_TIME_LIMIT
    check_recourse(problem, time_limit=min(RECOURSE_CHECK_SECONDS, RECOURSE_CHECK_SHARE * time_limit))


class RobustPlanner:
    """The exact method unless asked otherwise."""

    def plan(self, problem: RobustProblem, history: Store | None = None) -> Plan:
        from optarium.domains.robust.knapsack import recognise

        if recognise(problem) is not None:
            return Plan("ccg", {}, "branch-and-price for the robust knapsack structure (exact) with HiGHS", "rules")
        return Plan("ccg", {}, "column-and-constraint generation (exact) with HiGHS", "rules")


def _record(problem: RobustProblem, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    details = {} if solution.verification is None else solution.verification.details
    return None, {"x": (solution.payload or {}).get("x"), "worst_scenario": details.get("worst_scenario")}


SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=RobustProblem,
    backend=kinds.lookup({"ccg": _ccg, "neur2ro": _neur2ro}, KIND),
    verify=_verify,
    planner=RobustPlanner,
    check_input=_check_input,
    readers=(kinds.Reader("robust_knapsack", (".rkp",), _reader("knapsack")),
             kinds.Reader("capital_budgeting", (".rcb",), _reader("capital_budgeting")),
             kinds.Reader("robust_json", (".robust.json",), _reader("json"))),
    record=_record,
    sense=lambda problem: problem.sense,
))
