"""Warm starts learned from solved instances: a partial solution predicted from the nearest solved neighbours.

After MIPLearn (Santos Xavier et al., "MIPLearn", and "Learning to Solve Large-Scale
Security-Constrained Unit Commitment Problems", INFORMS J. Computing 2021): the
``k`` nearest solved instances of the same family (embeddings of
:mod:`optarium.learn.embed`, kept by :func:`optarium.learn.select.remember`) vote on
each integer variable (matched by name); where at least ``confidence`` of them took
the same value, that value enters the start. The start is handed to HiGHS as a
partial solution, which HiGHS completes (or drops) itself; it is a hint, never a
constraint, and the answer is verified as every answer is. Departures: MIPLearn
trains one classifier per variable on many solved instances and can also fix
variables (a heuristic that may cut off the optimum); here the prediction is the
neighbours' agreement, and nothing is fixed.

Until ``HighsBackend`` takes a start itself, :class:`HintedHighs` is HiGHS with the
start set after the model is passed (the rest of the backend's solve, shortened).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.plan import Plan
from optarium.solvers.highs import HighsBackend

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.solution import Solution
    from optarium.solvers.base import RawResult, SolveOptions
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


class HintedHighs(HighsBackend):
    """HiGHS with a partial solution set before the solve."""

    def __init__(self, start: dict[int, float]):
        self.start = dict(start)

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult:
        import highspy

        from optarium.errors import OptionError
        from optarium.solvers import highs as module
        from optarium.solvers.base import RawResult

        options = options.with_plan(plan)
        solver = module.new_highs()
        settings: dict[str, Any] = dict(options.params)
        if options.time_limit is not None:
            settings["time_limit"] = float(options.time_limit)
        if options.threads is not None:
            settings["threads"] = int(options.threads)
        if options.rel_gap is not None:
            settings["mip_rel_gap"] = float(options.rel_gap)
        for key, value in settings.items():
            if solver.setOptionValue(key, value) == highspy.HighsStatus.kError:
                raise OptionError(f"highs:{key}", value, "a valid HiGHS option (see the HiGHS options list)")
        module.to_highs(problem, solver, names=False)
        if self.start:
            index = np.array(sorted(self.start), dtype=np.int32)
            solver.setSolution(len(index), index, np.array([self.start[int(j)] for j in index], dtype=np.float64))
        started = time.perf_counter()
        _, interrupted = module._run(solver)
        seconds = time.perf_counter() - started
        name = str(solver.getModelStatus()).split(".")[-1]
        if name == "kUnboundedOrInfeasible":
            return self._resolve_infeasible_or_unbounded(problem, settings, seconds)
        status = "interrupted" if interrupted else module._STATUS.get(name, "error")
        info = solver.getInfo()
        x = objective = None
        if info.primal_solution_status == 2:
            x = np.asarray(solver.getSolution().col_value, dtype=np.float64)
            objective = float(info.objective_function_value)
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        return RawResult(status, objective, bound, x, name, seconds)


def solve_warm(
    problem: MathProgram,
    store: Store | str | None = None,
    *,
    start: Start | None = None,
    k: int = 5,
    confidence: float = CONFIDENCE,
    time_limit: float | None = None,
    threads: int | None = None,
    record: bool = True,
    **params: Any,
) -> Solution[Any]:
    """Solve ``problem`` with HiGHS from the start its nearest solved neighbours predict; verify; record.

    ``start`` overrides the prediction. Without a near solved neighbour the solve is cold and the
    plan says so. The start is in ``solution.extra["warm_start"]``.
    """
    from optarium import kinds
    from optarium.flow import attempt, to_run
    from optarium.solvers.base import SolveOptions
    from optarium.store.base import open_store

    handle = open_store(store)
    started = time.perf_counter()
    if start is None:
        start = predict_start(problem, handle, k=k, confidence=confidence)
    reason = start.reason() if start is not None else "no solved instance near enough: a cold start"
    plan = Plan("highs", dict(params), reason, "learned")
    spec = kinds.of(problem)
    options = SolveOptions(time_limit=time_limit, threads=threads)
    planned = time.perf_counter()
    solution = attempt(spec, problem, HintedHighs({} if start is None else start.values), options, plan)
    solution.timings["plan"] = planned - started
    solution.extra["warm_start"] = {"hinted": 0 if start is None else len(start.values),
                                    "share": 0.0 if start is None else start.share,
                                    "neighbours": [] if start is None else [name for name, _ in start.neighbours]}
    if record:
        from optarium.learn.select import remember

        solution.run_id = handle.record_run(to_run(spec, problem, solution, "warm start", options))
        remember([problem], handle)
    return solution
