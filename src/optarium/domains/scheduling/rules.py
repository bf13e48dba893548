"""Priority dispatching rules (SPT, MWKR, MOR, FIFO) on non-delay (or active) schedules.

Non-delay (the default): each step takes the earliest time any operation can
start and lets the rule choose among the operations that can start then on
that operation's machine (the conflict set); no machine idles while work
waits. Active (Giffler–Thompson, ``non_delay=False``): the conflict set is
every operation that could start on the machine of the operation that could
finish first before it finishes. On Taillard instances non-delay schedules are
5–50% shorter for these rules. One step is a few numpy operations over the jobs, so a 100×20
instance takes a few tens of milliseconds. The same simulator drives the
learned rule (:mod:`optarium.domains.scheduling.learned`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from optarium.errors import OptionError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.scheduling.instance import JobShopInstance


@dataclass
class Decision:
    """One choice of the simulator: the conflict set and the state around it.

    Arrays of length ``len(jobs)`` describe the candidates (the next operation
    of each job in the conflict set); the rest is the state of the shop.
    """

    instance: JobShopInstance
    jobs: NDArray[np.intp]
    positions: NDArray[np.int64]
    durations: NDArray[np.int64]
    earliest_starts: NDArray[np.int64]
    job_ready: NDArray[np.int64]
    machine: int
    earliest_completion: int
    remaining_work: NDArray[np.int64]
    remaining_ops: NDArray[np.int64]
    machine_remaining: NDArray[np.int64]
    machine_ready: NDArray[np.int64]


# A chooser returns the index (into ``decision.jobs``) of the operation to schedule.
Chooser = Callable[[Decision], int]


def dispatch(instance: JobShopInstance, choose: Chooser, non_delay: bool = True) -> NDArray[np.int64]:
    """Build a non-delay (or active) schedule, letting ``choose`` pick from each conflict set.

    Returns start times, shape (jobs, ops).
    """
    machines, durations = instance.machines, instance.durations
    n_jobs, n_ops = machines.shape
    next_op = np.zeros(n_jobs, dtype=np.int64)
    job_ready = np.zeros(n_jobs, dtype=np.int64)
    machine_ready = np.zeros(instance.num_machines, dtype=np.int64)
    remaining_work = durations.sum(axis=1).astype(np.int64)
    machine_remaining = np.bincount(machines.ravel(), weights=durations.ravel(), minlength=instance.num_machines).astype(np.int64)
    starts = np.zeros((n_jobs, n_ops), dtype=np.int64)
    active = np.arange(n_jobs)
    for _ in range(instance.num_operations):
        positions = next_op[active]
        op_machines = machines[active, positions]
        op_durations = durations[active, positions]
        est = np.maximum(job_ready[active], machine_ready[op_machines])
        ect = est + op_durations
        if non_delay:
            first = int(np.argmin(est))
            machine, completion = int(op_machines[first]), int(ect[first])
            conflict = np.flatnonzero((op_machines == machine) & (est == est[first]))
        else:
            first = int(np.argmin(ect))
            machine, completion = int(op_machines[first]), int(ect[first])
            conflict = np.flatnonzero((op_machines == machine) & (est < completion))
        if first not in conflict:
            conflict = np.append(conflict, first)
        if len(conflict) == 1:
            pick = int(conflict[0])
        else:
            jobs = active[conflict]
            decision = Decision(
                instance=instance,
                jobs=jobs,
                positions=positions[conflict],
                durations=op_durations[conflict],
                earliest_starts=est[conflict],
                job_ready=job_ready[jobs],
                machine=machine,
                earliest_completion=completion,
                remaining_work=remaining_work[jobs],
                remaining_ops=n_ops - positions[conflict],
                machine_remaining=machine_remaining,
                machine_ready=machine_ready,
            )
            pick = int(conflict[choose(decision)])
        job, position = int(active[pick]), int(positions[pick])
        start = int(est[pick])
        duration = int(op_durations[pick])
        starts[job, position] = start
        job_ready[job] = machine_ready[machine] = start + duration
        remaining_work[job] -= duration
        machine_remaining[machine] -= duration
        next_op[job] += 1
        if next_op[job] == n_ops:
            active = active[active != job]
    return starts


def _spt(decision: Decision) -> int:
    return int(np.argmin(decision.durations))


def _mwkr(decision: Decision) -> int:
    return int(np.argmax(decision.remaining_work))


def _mor(decision: Decision) -> int:
    return int(np.argmax(decision.remaining_ops))


def _fifo(decision: Decision) -> int:
    return int(np.argmin(decision.job_ready))


RULES: dict[str, Chooser] = {"spt": _spt, "mwkr": _mwkr, "mor": _mor, "fifo": _fifo}


def dispatch_rule(instance: JobShopInstance, rule: str = "mwkr") -> NDArray[np.int64]:
    """Start times (jobs, ops) of the active schedule built with ``rule`` (spt, mwkr, mor, fifo)."""
    key = rule.lower()
    if key not in RULES:
        raise OptionError("rule", rule, f"one of {', '.join(RULES)}")
    return dispatch(instance, RULES[key])


def best_rule(instance: JobShopInstance) -> tuple[str, NDArray[np.int64]]:
    """The rule, and its start times, with the shortest makespan on ``instance``."""
    results = {name: dispatch(instance, chooser) for name, chooser in RULES.items()}
    name = min(results, key=lambda key: int((results[key] + instance.durations).max()))
    return name, results[name]
