"""The job-shop kind: readers, backends, verifier, planner and what a run keeps.

Backends by name: ``cpsat`` (CP-SAT alone), ``rule`` and ``rule:<name>`` (a
dispatching rule: spt, mwkr, mor, fifo), ``learned`` (the learned rule) and
``learned+cpsat`` (CP-SAT seeded with the learned rule's schedule, or the best
priority rule's where that one is shorter). Each returns start times of shape
(jobs, ops) as its payload and the makespan as its objective; ``bound`` is
CP-SAT's proven lower bound where there is one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium import kinds
from optarium.domains.scheduling.instance import JobShopInstance
from optarium.domains.scheduling.settings import ScheduleSettings
from optarium.errors import OptionError, SolverUnavailableError
from optarium.kinds import RawResult

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from optarium.domains.scheduling.learned import LearnedRule
    from optarium.kinds import Backend
    from optarium.plan import Plan
    from optarium.solution import Solution, Verification
    from optarium.store.base import Store

KIND = "jobshop"


@dataclass(frozen=True)
class JobShopOptions:
    """What a job-shop backend gets: the checked settings, the learned rule to use
    (None: the ``model`` file or the shipped rule) and where it came from, and a progress callback."""

    settings: ScheduleSettings = field(default_factory=ScheduleSettings)
    learned: LearnedRule | None = None
    learned_source: str = ""
    progress: Callable[[Any], None] | None = None

    def recorded(self) -> dict[str, Any]:
        """The options as the store keeps them."""
        return {**self.settings.to_dict(), "learned_rule": self.learned_source or None}


def options_of(options: Any) -> JobShopOptions:
    """``options`` as :class:`JobShopOptions` (None and bare settings are taken too)."""
    if options is None:
        return JobShopOptions()
    if isinstance(options, ScheduleSettings):
        return JobShopOptions(options)
    if isinstance(options, JobShopOptions):
        return options
    raise OptionError("options", type(options).__name__, "ScheduleSettings or JobShopOptions")


def _makespan(instance: JobShopInstance, starts: NDArray[np.int64]) -> float:
    return float((starts + instance.durations).max())


def _own_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("optarium")
    except PackageNotFoundError:
        return ""


def _learned(options: JobShopOptions) -> tuple[LearnedRule, str]:
    if options.learned is not None:
        return options.learned, options.learned_source
    from optarium.domains.scheduling.learned import find_rule

    return find_rule(options.settings.model)


class CpSatBackend:
    """CP-SAT alone; the plan's parameters are CP-SAT parameters."""

    name = "cpsat"

    def version(self) -> str:
        from importlib.metadata import version

        return version("ortools")

    def solve(self, problem: JobShopInstance, options: Any, plan: Plan) -> RawResult:
        from dataclasses import replace

        from optarium.domains.scheduling.cp import solve_cp

        settings, progress = options_of(options).settings, options_of(options).progress
        result = solve_cp(problem, settings.time_limit, threads=settings.threads, seed=settings.seed,
                          params=plan.params, progress=progress)
        return replace(result, extra={**result.extra, "method": "cp"})


class RuleBackend:
    """A priority dispatching rule; ``rule`` None takes the settings' rule."""

    def __init__(self, rule: str | None = None):
        self.rule = None if rule is None else rule.lower()
        self.name = "rule" if rule is None else f"rule:{self.rule}"

    def version(self) -> str:
        return _own_version()

    def solve(self, problem: JobShopInstance, options: Any, plan: Plan) -> RawResult:
        from optarium.domains.scheduling.rules import dispatch_rule

        rule = self.rule or options_of(options).settings.rule.lower()
        started = time.perf_counter()
        starts = dispatch_rule(problem, rule)
        return RawResult("feasible", _makespan(problem, starts), None, starts, seconds=time.perf_counter() - started,
                         extra={"method": "rule", "rule": rule})


class LearnedBackend:
    """The learned dispatching rule alone."""

    name = "learned"

    def version(self) -> str:
        return _own_version()

    def solve(self, problem: JobShopInstance, options: Any, plan: Plan) -> RawResult:
        started = time.perf_counter()
        rule, source = _learned(options_of(options))
        starts = rule.schedule(problem)
        return RawResult("feasible", _makespan(problem, starts), None, starts, seconds=time.perf_counter() - started,
                         extra={"method": "learned", "learned_rule": source})


class LearnedCpSatBackend:
    """CP-SAT whose first solution is the learned rule's schedule, or the best priority rule's where shorter.

    When the limit comes before CP-SAT reports any solution, the answer is that schedule, with CP-SAT's
    status (``time_limit`` or ``interrupted``) and bound.
    """

    name = "learned+cpsat"

    def version(self) -> str:
        return CpSatBackend().version()

    def solve(self, problem: JobShopInstance, options: Any, plan: Plan) -> RawResult:
        from dataclasses import replace

        from optarium.domains.scheduling.cp import solve_cp
        from optarium.domains.scheduling.rules import best_rule

        given = options_of(options)
        started = time.perf_counter()
        rule, source = _learned(given)
        hint = rule.schedule(problem)
        rule_name, rule_starts = best_rule(problem)
        learned_makespan, rule_makespan = int(_makespan(problem, hint)), int(_makespan(problem, rule_starts))
        message = f"hint: learned rule, makespan {learned_makespan} (best priority rule {rule_name}: {rule_makespan})"
        if rule_makespan < learned_makespan:
            hint = rule_starts
            message = f"hint: priority rule {rule_name}, makespan {rule_makespan} (learned rule: {learned_makespan})"
        hinted = time.perf_counter()
        settings = given.settings
        result = solve_cp(problem, settings.time_limit, threads=settings.threads, seed=settings.seed, hint=hint,
                          params=plan.params, progress=given.progress)
        extra = {**result.extra, "method": "learned+cp", "learned_rule": source, "hint_seconds": round(hinted - started, 6)}
        if result.payload is None and result.status in ("time_limit", "interrupted"):
            # the limit came before CP-SAT's first solution: the hint is the best schedule found, and an answer
            hint_makespan = _makespan(problem, hint)
            extra["incumbents"] = [[round(hinted - started, 6), hint_makespan]]
            stopped = ("CP-SAT was interrupted" if result.status == "interrupted" else "CP-SAT reached its limit")
            result = replace(result, objective=hint_makespan, payload=np.asarray(hint, dtype=np.int64),
                             message=f"{stopped} before its first solution; the answer is the hint")
        joined = "; ".join(part for part in (message, result.message) if part)
        return replace(result, seconds=result.seconds + (hinted - started), message=joined, extra=extra)


BACKENDS: dict[str, Callable[[], Backend]] = {
    "cpsat": CpSatBackend,
    "rule": RuleBackend,
    "learned": LearnedBackend,
    "learned+cpsat": LearnedCpSatBackend,
}


def backend(name: str) -> Backend:
    """The job-shop backend called ``name`` (``rule:<rule>`` names a dispatching rule)."""
    if name.startswith("rule:"):
        from optarium.domains.scheduling.rules import RULES

        rule = name.split(":", 1)[1].lower()
        if rule not in RULES:
            raise SolverUnavailableError(f"unknown dispatching rule {rule!r}; choose one of: {', '.join(RULES)}")
        return RuleBackend(rule)
    return kinds.lookup(BACKENDS, KIND)(name)


class JobShopPlanner:
    """The default job-shop planner: CP-SAT, whatever the history."""

    def plan(self, problem: Any, history: Store | None) -> Plan:
        from optarium.plan import Plan

        return Plan("cpsat", {}, "job shop: CP-SAT proves small shops optimal and improves any schedule until the time limit", "rules")


def verify(instance: JobShopInstance, starts: Any, reported_makespan: float | None) -> Verification:
    """Check start times of shape (jobs, ops) against the instance alone."""
    from optarium.domains.scheduling.verify import verify_starts

    return verify_starts(instance, starts, reported_makespan)


def record(instance: JobShopInstance, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    """A run keeps the start times, each operation's machine and duration (what a Gantt chart draws), the
    best-known makespan and the gap to it (incumbents come from the backend)."""
    from optarium.domains.scheduling.verify import gap_to_best_known

    starts = np.asarray(solution.payload, dtype=np.int64)
    makespan = int((starts + instance.durations).max())
    return None, {
        "starts": starts.tolist(),
        "machines": np.asarray(instance.machines).tolist(), "durations": np.asarray(instance.durations).tolist(),
        "best_known": instance.best_known,
        "gap_to_best_known": gap_to_best_known(instance, makespan),
    }


def _read(path: Any) -> JobShopInstance:
    from optarium.domains.scheduling.instance import read_instance_file

    return read_instance_file(path)


SUFFIXES = (".jss", ".jsp", ".tai")

SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=JobShopInstance,
    backend=backend,
    verify=verify,
    planner=JobShopPlanner,
    readers=(kinds.Reader("jobshop", SUFFIXES, _read),),
    record=record,
))
