"""Warm starts learned from solved instances: a partial solution predicted from the nearest solved neighbours.

After MIPLearn (Santos Xavier et al., "MIPLearn", and "Learning to Solve Large-Scale
Security-Constrained Unit Commitment Problems", INFORMS J. Computing 2021): the
``k`` nearest solved instances of the same family (embeddings of
:mod:`optarium.learn.embed`, kept by :func:`optarium.learn.select.remember`) vote on
each integer variable (matched by name); where at least ``confidence`` of them took
the same value, that value enters the start. The start is handed to HiGHS as a
partial solution, which HiGHS or SCIP completes (or drops) itself; it is a hint, never a
constraint, and the answer is verified as every answer is. Departures: MIPLearn
trains one classifier per variable on many solved instances and can also fix
variables (a heuristic that may cut off the optimum); here the prediction is the
neighbours' agreement, and nothing is fixed. The start goes to the backend through the
flow's ``start`` option (HiGHS ``setSolution``, SCIP a partial solution).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.plan import Plan

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.solution import Solution
    from optarium.store.base import Store

KIND = "math_program"
CONFIDENCE = 0.9


@dataclass(frozen=True)
class Start:
    """A partial solution: variable index -> value, with the neighbours it came from."""

    values: dict[int, float]
    neighbours: list[tuple[str, float]] = field(default_factory=list)
    n_integer: int = 0

    @property
    def share(self) -> float:
        """Share of the integer variables the start gives a value."""
        return len(self.values) / self.n_integer if self.n_integer else 0.0

    def named(self, problem: MathProgram) -> dict[str, float]:
        """The start as the flow's ``start`` option takes it: variable name -> value."""
        names = _names(problem)
        return {names[j]: value for j, value in sorted(self.values.items())}

    def reason(self) -> str:
        near = ", ".join(f"{name} (distance {apart:.3f})" for name, apart in self.neighbours)
        return (f"warm start from {len(self.neighbours)} nearest solved instances {near}: "
                f"{len(self.values)} of {self.n_integer} integer variables ({100 * self.share:.0f}%) hinted")


def jittered(problem: MathProgram, seed: int, jitter: float = 0.1, name: str | None = None) -> MathProgram:
    """``problem`` with each objective coefficient scaled by a seeded factor in ``[1 - jitter, 1 + jitter]``.

    The "same problem tomorrow" of MIPLearn's benchmarks: structure and constraints kept, prices moved.
    """
    from dataclasses import replace

    if not 0 <= jitter < 1:
        raise ValueError(f"`jitter` must lie in [0, 1), got {jitter!r}")
    factors = np.random.default_rng(seed).uniform(1 - jitter, 1 + jitter, problem.n_vars)
    return replace(problem, c=np.asarray(problem.c) * factors, name=name or f"{problem.name}_j{seed}", _cache={})


def _names(problem: MathProgram) -> list[str]:
    return list(problem.var_names) if len(problem.var_names) else [f"x{j}" for j in range(problem.n_vars)]


def predict_start(problem: MathProgram, store: Store, *, k: int = 5, confidence: float = CONFIDENCE,
                  threshold: float | None = None) -> Start | None:
    """The start the ``k`` nearest solved instances agree on, or None when none is near enough.

    A neighbour is an instance remembered in ``store`` with a verified run; its best verified
    run's values are its vote (a variable absent from a neighbour's values is not hinted).
    """
    from optarium.learn.embed import embed, embedding_distance
    from optarium.learn.select import THRESHOLD, _embeddings

    if not 0.5 < confidence <= 1:
        raise ValueError(f"`confidence` must lie in (0.5, 1], got {confidence!r}")
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"`k` must be a positive integer, got {k!r}")
    known = _embeddings(store)
    best: dict[str, tuple[float, int]] = {}
    maximise = problem.sense == "max"
    for row in store.verified_runs(KIND, exclude_fingerprint=problem.fingerprint()):
        if row["fingerprint"] not in known or row["objective"] is None:
            continue
        value = -row["objective"] if maximise else row["objective"]
        if row["fingerprint"] not in best or value < best[row["fingerprint"]][0]:
            best[row["fingerprint"]] = (value, row["id"])
    if not best:
        return None
    vector = embed(problem)
    limit = THRESHOLD if threshold is None else threshold
    ranked = sorted((embedding_distance(vector, known[fp]["vector"]), fp) for fp in best
                    if len(known[fp]["vector"]) == len(vector))
    nearest = [(apart, fp) for apart, fp in ranked[:k] if apart <= limit]
    if not nearest:
        return None
    names = _names(problem)
    integer = np.flatnonzero(problem.is_integer)
    votes = np.full((len(nearest), problem.n_vars), np.nan)
    for row_index, (_, fingerprint) in enumerate(nearest):
        values = store.get_run(best[fingerprint][1]).get("values") or {}
        votes[row_index] = [values.get(name, np.nan) for name in names]
    start: dict[int, float] = {}
    for j in integer:
        column = votes[:, j]
        if np.isnan(column).any():
            continue
        rounded = np.round(column)
        choices, counts = np.unique(rounded, return_counts=True)
        top = int(np.argmax(counts))
        value = float(choices[top])
        if counts[top] >= confidence * len(nearest) and problem.col_lower[j] <= value <= problem.col_upper[j]:
            start[int(j)] = value
    return Start(start, [(str(known[fp]["name"]), apart) for apart, fp in nearest], len(integer))


def solve_warm(
    problem: MathProgram,
    store: Store | str | None = None,
    *,
    start: Start | None = None,
    solver: str = "highs",
    k: int = 5,
    confidence: float = CONFIDENCE,
    time_limit: float | None = None,
    threads: int | None = None,
    record: bool = True,
    **params: Any,
) -> Solution[Any]:
    """Solve ``problem`` with ``solver`` (HiGHS or SCIP) from the start its nearest solved neighbours predict.

    ``start`` overrides the prediction. Without a near solved neighbour the solve is cold and the
    plan says so. The answer is verified and (with ``record``) recorded by the one flow; the start
    is in ``solution.extra["warm_start"]``.
    """
    from optarium.flow import solve_problem
    from optarium.learn.select import FixedPlanner
    from optarium.solvers.base import SolveOptions
    from optarium.store.base import open_store

    handle = open_store(store)
    started = time.perf_counter()
    if start is None:
        start = predict_start(problem, handle, k=k, confidence=confidence)
    reason = start.reason() if start is not None else "no solved instance near enough: a cold start"
    plan = Plan(solver, dict(params), reason, "learned")
    options = SolveOptions(time_limit=time_limit, threads=threads,
                           start=start.named(problem) if start is not None and start.values else None)
    predicted = time.perf_counter() - started
    solution = solve_problem(problem, options=options, store=handle, record=record, planner=FixedPlanner(plan),
                             source="warm start")
    solution.timings["plan"] += predicted
    solution.extra["warm_start"] = {"hinted": 0 if start is None else len(start.values),
                                    "share": 0.0 if start is None else start.share,
                                    "neighbours": [] if start is None else [name for name, _ in start.neighbours]}
    if record:
        from optarium.learn.select import remember

        remember([problem], handle)
    return solution
