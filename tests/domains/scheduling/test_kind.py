"""The job-shop kind on the one flow: registry, readers, backends, the verification policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optarium import kinds
from optarium.domains.scheduling.instance import JobShopInstance, load_instance
from optarium.domains.scheduling.kind import JobShopPlanner, backend
from optarium.domains.scheduling.rules import dispatch_rule
from optarium.errors import SolverUnavailableError
from optarium.flow import attempt, solve_problem
from optarium.kinds import RawResult
from optarium.plan import Plan

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_a_job_shop_instance_is_a_registered_kind_read_by_suffix() -> None:
    instance, reader = kinds.read(EXAMPLES / "ft06.jss")
    assert isinstance(instance, JobShopInstance) and instance.kind == "jobshop"
    assert reader.name == "jobshop"
    assert kinds.of(instance).name == "jobshop"
    assert instance.fingerprint() == load_instance("ft06").fingerprint()


def test_the_flow_solves_an_instance_with_default_options() -> None:
    instance = load_instance("ft06")
    solution = solve_problem(instance, solver="rule", record=False)
    assert solution.status == "feasible" and solution.verified
    assert solution.payload is not None and np.asarray(solution.payload).shape == (6, 6)


def test_backends_by_name_and_unknown_ones_named() -> None:
    assert backend("rule:FIFO").name == "rule:fifo"
    assert {backend(name).name for name in ("cpsat", "rule", "learned", "learned+cpsat")} == {
        "cpsat", "rule", "learned", "learned+cpsat"}
    with pytest.raises(SolverUnavailableError, match="'tabu'"):
        backend("tabu")
    with pytest.raises(SolverUnavailableError, match="'lifo'"):
        backend("rule:lifo")


def test_the_planner_chooses_cp_sat_and_says_why() -> None:
    plan = JobShopPlanner().plan(load_instance("ft06"), None)
    assert plan.solver == "cpsat" and plan.source == "rules" and plan.reason


class LyingBackend:
    """Claims an optimal schedule that starts every operation at time 0."""

    name = "liar"

    def version(self) -> str:
        return "0"

    def solve(self, problem: JobShopInstance, options: Any, plan: Plan) -> RawResult:
        return RawResult("optimal", 1.0, 1.0, np.zeros(problem.machines.shape, dtype=np.int64), "claimed")


def test_a_schedule_that_fails_verification_is_an_error_and_kept() -> None:
    instance = load_instance("ft06")
    solution = attempt(kinds.of(instance), instance, LyingBackend(), None, Plan("liar", source="user"))
    assert solution.status == "error"
    assert not solution.verified and "failed verification" in solution.message
    assert solution.payload is not None  # kept so the user can look at it
    assert solution.verification is not None and any("overlap" in v for v in solution.verification.violations)


class WrongMakespanBackend(LyingBackend):
    """A valid schedule with a makespan one shorter than it is."""

    def solve(self, problem: JobShopInstance, options: Any, plan: Plan) -> RawResult:
        starts = dispatch_rule(problem, "mor")
        return RawResult("feasible", float((starts + problem.durations).max() - 1), None, starts)


def test_a_misreported_makespan_fails_verification() -> None:
    instance = load_instance("ft06")
    solution = attempt(kinds.of(instance), instance, WrongMakespanBackend(), None, Plan("liar", source="user"))
    assert solution.status == "error" and "reported makespan" in solution.message
