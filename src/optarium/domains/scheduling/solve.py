"""Solve a job-shop instance with one method, verify the schedule, record the run.

Methods: ``cp`` (CP-SAT alone), ``rule`` (a dispatching rule), ``learned``
(the learned rule), ``learned+cp`` (CP-SAT's first solution hint: the learned
rule's schedule, or a priority rule's where that one is shorter; the result's
``message`` says which). The stored run has kind ``jobshop``; its ``gap`` is the
gap to the best-known makespan, its ``bound`` CP-SAT's proven lower bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.domains.scheduling.instance import JobShopInstance, load_instance
from optarium.domains.scheduling.verify import Schedule, ScheduleCheck, verify_schedule
from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np
    from numpy.typing import NDArray

METHODS = ("cp", "rule", "learned", "learned+cp")


@dataclass
class JobShopResult:
    """One solve: the schedule, its independent check, and where it is recorded."""

    instance: JobShopInstance
    method: str
    status: str
    schedule: Schedule | None
    check: ScheduleCheck | None
    seconds: float
    solver: str
    solver_version: str = ""
    bound: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    incumbents: list[tuple[float, int]] = field(default_factory=list)
    message: str = ""
    run_id: int | None = None

    @property
    def makespan(self) -> int | None:
        return None if self.check is None else self.check.makespan

    @property
    def verified(self) -> bool:
        return self.check is not None and self.check.verified

    @property
    def gap(self) -> float | None:
        """Gap to the best-known makespan (None when the instance has none)."""
        return None if self.check is None else self.check.gap

    def summary(self) -> dict[str, Any]:
        """The ``--json`` schema of ``optarium schedule`` (see docs/scheduling.md)."""
        return {
            "instance": self.instance.name,
            "jobs": self.instance.num_jobs,
            "machines": self.instance.num_machines,
            "method": self.method,
            "solver": self.solver,
            "status": self.status,
            "makespan": self.makespan,
            "best_known": self.instance.best_known,
            "gap": None if self.gap is None else round(self.gap, 6),
            "bound": self.bound,
            "verified": self.verified,
            "violations": [] if self.check is None else self.check.violations,
            "seconds": round(self.seconds, 6),
            "run_id": self.run_id,
            "message": self.message,
        }


def solve_jobshop(
    source: str | Path | JobShopInstance,
    method: str = "cp",
    *,
    time_limit: float | None = 10.0,
    rule: str = "mor",
    threads: int | None = None,
    seed: int = 0,
    model: str | Path | None = None,
    store: str | None = None,
    record: bool = True,
    progress: Callable[[Any], None] | None = None,
) -> JobShopResult:
    """Solve, verify and (by default) record; ``source`` is a file, a shipped name or an instance."""
    from optarium.domains.scheduling.cp import check_time_limit, solve_cp
    from optarium.domains.scheduling.rules import dispatch_rule

    started = time.perf_counter()
    if method not in METHODS:
        raise OptionError("--method", method, f"one of {', '.join(METHODS)}")
    time_limit = check_time_limit(time_limit)
    instance = source if isinstance(source, JobShopInstance) else load_instance(source)
    loaded = time.perf_counter()
    timings: dict[str, float] = {"load": loaded - started}
    bound = None
    incumbents: list[tuple[float, int]] = []
    version = hint_source = ""
    starts: NDArray[np.int64] | None
    if method == "rule":
        starts = dispatch_rule(instance, rule)
        solver, status = f"rule:{rule.lower()}", "feasible"
    else:
        hint = None
        solver = "cpsat"
        if method in ("learned", "learned+cp"):
            from optarium.domains.scheduling.learned import load_rule

            hint = load_rule(model).schedule(instance)
            timings["learned"] = time.perf_counter() - loaded
            solver, status = "learned", "feasible"
        if method == "learned+cp" and hint is not None:
            from optarium.domains.scheduling.rules import best_rule

            rule_name, rule_starts = best_rule(instance)
            learned_makespan = int((hint + instance.durations).max())
            rule_makespan = int((rule_starts + instance.durations).max())
            hint_source = f"hint: learned rule, makespan {learned_makespan} (best priority rule {rule_name}: {rule_makespan})"
            if rule_makespan < learned_makespan:
                hint = rule_starts
                hint_source = f"hint: priority rule {rule_name}, makespan {rule_makespan} (learned rule: {learned_makespan})"
            timings["hint"] = time.perf_counter() - loaded
        if method == "learned":
            starts = hint
        else:
            if hint is not None:
                solver = "learned+cpsat"
            result = solve_cp(instance, time_limit, workers=threads, hint=hint, seed=seed, progress=progress)
            timings["cpsat"] = result.seconds
            version, bound, incumbents, status = result.version, result.bound, result.incumbents, result.status
            starts = result.starts
    solved = time.perf_counter()
    schedule = check = None
    if starts is not None:
        schedule = Schedule.from_starts(instance, starts)
        check = verify_schedule(instance, schedule)
        if status == "optimal" and not check.verified:
            status = "feasible"
    timings["verify"] = time.perf_counter() - solved
    outcome = JobShopResult(
        instance=instance, method=method, status=status, schedule=schedule, check=check,
        seconds=solved - loaded, solver=solver, solver_version=version, bound=bound,
        timings=timings, incumbents=incumbents,
        message=hint_source if check is None or check.verified else "; ".join(check.violations),
    )
    if record:
        outcome.run_id = _record(outcome, store, source, dict(time_limit=time_limit, rule=rule, threads=threads, seed=seed, model=str(model) if model else None))
    outcome.timings["total"] = time.perf_counter() - started
    return outcome


def _record(outcome: JobShopResult, store_url: str | None, source: object, params: dict[str, Any]) -> int:
    from optarium.store.base import open_store

    instance, check = outcome.instance, outcome.check
    result = {
        "status": outcome.status,
        "objective": outcome.makespan,
        "bound": outcome.bound,
        "gap": outcome.gap,
        "verified": outcome.verified,
        "max_violation": None if check is None else check.max_violation,
        "verification": None if check is None else {"violations": check.violations, "num_violations": check.num_violations},
        "seconds": outcome.seconds,
        "timings": outcome.timings,
        "message": outcome.message,
    }
    extra = {
        "method": outcome.method,
        "best_known": instance.best_known,
        "starts": None if outcome.schedule is None else outcome.schedule.starts(instance).tolist(),
        "incumbents": outcome.incumbents,
    }
    return open_store(store_url).record_run(
        fingerprint=instance.fingerprint(), kind="jobshop", name=instance.name, features=instance.features(),
        source=str(source if not isinstance(source, JobShopInstance) else instance.name), solver=outcome.solver,
        solver_version=outcome.solver_version, params=params, plan_reason=f"--method {outcome.method}",
        result=result, extra=extra,
    )
