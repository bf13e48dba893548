"""Independent check of a job-shop schedule against the instance data.

Never trusts whoever built the schedule: every operation must appear exactly
once, on its own machine, for exactly its duration; operations of a job run in
order; a machine runs one operation at a time; the makespan is recomputed.
The answer is the shared :class:`~optarium.solution.Verification`: its
``max_violation`` is the largest violation in time units (an overlap, a
precedence shortfall, a wrong duration, a start before 0, a misreported
makespan), at least 1 when an operation is missing, repeated or on the wrong
machine; ``details`` holds the makespan, the number of violations and the gap
to the best-known makespan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.solution import Verification

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.scheduling.instance import JobShopInstance

MAX_LISTED = 10


@dataclass(frozen=True)
class Schedule:
    """A schedule as a table of operations.

    ``table`` has shape (operations, 5); each row is ``job, position, machine,
    start, end`` with ``position`` the operation's index inside its job.
    """

    table: NDArray[np.int64]

    @classmethod
    def from_starts(cls, instance: JobShopInstance, starts: NDArray[np.int64]) -> Schedule:
        """The schedule whose operation (j, k) starts at ``starts[j, k]``; shape (jobs, operations)."""
        starts = np.asarray(starts, dtype=np.int64)
        if starts.shape != instance.machines.shape:
            raise ValueError(f"`starts` must have shape {instance.machines.shape}, got {starts.shape}")
        jobs, positions = np.indices(starts.shape)
        table = np.stack(
            [jobs.ravel(), positions.ravel(), instance.machines.ravel(), starts.ravel(), (starts + instance.durations).ravel()],
            axis=1,
        ).astype(np.int64)
        return cls(table)

    @property
    def makespan(self) -> int:
        return int(self.table[:, 4].max()) if len(self.table) else 0

    def starts(self, instance: JobShopInstance) -> NDArray[np.int64]:
        """Start times as a (jobs, operations) matrix; use only on a verified schedule."""
        starts = np.zeros(instance.machines.shape, dtype=np.int64)
        starts[self.table[:, 0], self.table[:, 1]] = self.table[:, 3]
        return starts


def gap_to_best_known(instance: JobShopInstance, makespan: float | None) -> float | None:
    """(makespan - best known) / best known, or None when no best-known value is known."""
    best = instance.best_known
    if makespan is None or best is None or best <= 0:
        return None
    return (float(makespan) - best) / best


def verify_starts(instance: JobShopInstance, starts: Any, reported_makespan: float | None = None) -> Verification:
    """Check start times of shape (jobs, ops), as every job-shop backend returns them."""
    values = np.asarray(starts)
    if values.shape != instance.machines.shape or not np.issubdtype(values.dtype, np.number):
        return _refused(f"start times must be numbers of shape {instance.machines.shape}, got {values.dtype} {values.shape}",
                        instance, reported_makespan)
    if not np.array_equal(values, np.round(values)):
        return _refused("start times must be whole numbers", instance, reported_makespan)
    return verify_schedule(instance, Schedule.from_starts(instance, values.astype(np.int64)), reported_makespan)


def verify_schedule(instance: JobShopInstance, schedule: Schedule, reported_makespan: float | None = None) -> Verification:
    """Check ``schedule`` against ``instance``; see the module docstring for what is checked."""
    table = np.asarray(schedule.table)
    problems: list[str] = []
    count = 0
    largest = 0.0

    def note(found: int, message: str, size: float = 1.0) -> None:
        nonlocal count, largest
        if found:
            count += found
            largest = max(largest, float(size))
            if len(problems) < MAX_LISTED:
                problems.append(message)

    if table.ndim != 2 or table.shape[1] != 5:
        return _refused(f"schedule table must have shape (n, 5), got {table.shape}", instance, reported_makespan)
    jobs, positions, machines, starts, ends = (table[:, i] for i in range(5))
    n_jobs, n_ops = instance.machines.shape
    inside = (jobs >= 0) & (jobs < n_jobs) & (positions >= 0) & (positions < n_ops)
    note(int((~inside).sum()), f"{int((~inside).sum())} rows name an operation the instance does not have")
    table = table[inside]
    jobs, positions, machines, starts, ends = (table[:, i] for i in range(5))
    seen = np.zeros((n_jobs, n_ops), dtype=np.int64)
    np.add.at(seen, (jobs, positions), 1)
    missing = np.argwhere(seen == 0)
    repeated = np.argwhere(seen > 1)
    note(len(missing), f"{len(missing)} operations missing, first job {missing[0][0]} op {missing[0][1]}" if len(missing) else "")
    note(len(repeated), f"{len(repeated)} operations scheduled more than once, first job {repeated[0][0]} op {repeated[0][1]}" if len(repeated) else "")
    wrong_machine = np.flatnonzero(machines != instance.machines[jobs, positions])
    note(len(wrong_machine), _first(table, wrong_machine, "on the wrong machine"))
    length_error = np.abs(ends - starts - instance.durations[jobs, positions])
    wrong_length = np.flatnonzero(length_error)
    note(len(wrong_length), _first(table, wrong_length, "does not last its duration"), _max(length_error))
    negative = np.flatnonzero(starts < 0)
    note(len(negative), _first(table, negative, "starts before time 0"), _max(-starts))

    order = np.lexsort((positions, jobs))
    by_job = table[order]
    same_job = by_job[1:, 0] == by_job[:-1, 0]
    shortfall = np.where(same_job, by_job[:-1, 4] - by_job[1:, 3], 0)
    early = np.flatnonzero(shortfall > 0)
    note(len(early), _first(by_job, early + 1, "starts before its job's previous operation ends"), _max(shortfall))

    order = np.lexsort((table[:, 3], table[:, 2]))
    by_machine = table[order]
    same_machine = by_machine[1:, 2] == by_machine[:-1, 2]
    overlap_length = np.where(same_machine, np.minimum(by_machine[:-1, 4], by_machine[1:, 4]) - by_machine[1:, 3], 0)
    overlap = np.flatnonzero(same_machine & (by_machine[1:, 3] < by_machine[:-1, 4]))
    if len(overlap):
        a, b = by_machine[overlap[0]], by_machine[overlap[0] + 1]
        note(len(overlap), f"{len(overlap)} overlaps on machines, first on machine {a[2]}: job {a[0]} op {a[1]} "
             f"[{a[3]}, {a[4]}) and job {b[0]} op {b[1]} [{b[3]}, {b[4]})", max(1.0, _max(overlap_length)))

    makespan = int(ends.max()) if len(ends) else None
    if reported_makespan is not None and makespan is not None and float(reported_makespan) != makespan:
        note(1, f"reported makespan {reported_makespan:g} but the schedule ends at {makespan}",
             abs(float(reported_makespan) - makespan))
    return Verification(
        verified=count == 0,
        objective=makespan,
        max_violation=largest,
        violations=tuple(problems),
        details=_details(instance, makespan, reported_makespan, count),
    )


def _refused(message: str, instance: JobShopInstance, reported_makespan: float | None) -> Verification:
    return Verification(False, None, 1.0, (message,), _details(instance, None, reported_makespan, 1))


def _details(instance: JobShopInstance, makespan: int | None, reported: float | None, count: int) -> dict[str, Any]:
    return {
        "makespan": makespan,
        "reported_makespan": reported,
        "num_violations": count,
        "best_known": instance.best_known,
        "gap_to_best_known": gap_to_best_known(instance, makespan),
    }


def _max(values: NDArray[np.int64]) -> float:
    return float(values.max()) if len(values) else 0.0


def _first(table: NDArray[np.int64], rows: NDArray[np.intp], what: str) -> str:
    if not len(rows):
        return ""
    job, position = table[rows[0], 0], table[rows[0], 1]
    return f"{len(rows)} operations {what}, first job {job} op {position}"
