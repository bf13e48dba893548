"""Per-instance choice of backend and configuration, learned from the store's past runs.

Embeddings (:mod:`optarium.learn.embed`) of solved instances are kept in the
store as the artifact ``selector.embeddings`` (fingerprint -> name, embedding),
written by :func:`remember`. :meth:`Selector.from_store` joins them with the
store's recorded runs of math programs: for each remembered instance and each
configuration (backend plus parameters, as the run's plan gave them) the mean
``log(cost + 1 s)``, where an unsolved run costs twice its seconds (PAR-2, its
time limit). For a new instance the ``k`` nearest remembered instances vote:
each configuration that at least half of them ran gets the distance-weighted
mean of their costs as its prediction, and the lowest prediction wins.

This is k-nearest-neighbour algorithm selection over FORGE-style instance
embeddings ("FORGE: Foundational Optimization Representations from Graph
Embeddings", 2025, uses its learned embeddings to cluster instances and guide
the solver); here the embedding is the untrained WL histogram of
:mod:`optarium.learn.embed`, and the guide is a choice among recorded
configurations, not a prediction inside the solver.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from optarium.plan import Plan

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.store.base import Store

EMBEDDINGS = "selector.embeddings"
KIND = "math_program"
SOLVED = ("optimal", "infeasible", "unbounded")
# runs that say how long a configuration takes: solved, or stopped by the time limit
COUNTED = (*SOLVED, "time_limit", "feasible")
# beyond this embedding distance the nearest solved instance is not taken as similar
THRESHOLD = 0.2
RUN_LIMIT = 1_000_000
_MODELS: dict[tuple[str, int, int, float], tuple[Selector, int]] = {}


def config_key(solver: str, params: dict[str, Any]) -> str:
    """One configuration's name in the selector: the backend and its parameters as sorted JSON."""
    return f"{solver} {json.dumps(params, sort_keys=True, default=str)}"


def run_cost(status: str, seconds: float) -> float:
    """What a run cost: its seconds when solved, twice them otherwise (it ran to its limit)."""
    return seconds if status in SOLVED else 2.0 * seconds


def remember(problems: Iterable[MathProgram], store: Store) -> int:
    """Save the embeddings of ``problems`` (added to those kept) as a new version of ``selector.embeddings``.

    Returns how many instances the artifact now holds; nothing is saved when all were known.
    """
    from optarium.learn.embed import embed

    known = _embeddings(store)
    added = 0
    for problem in problems:
        fingerprint = problem.fingerprint()
        if fingerprint not in known:
            known[fingerprint] = {"name": problem.name, "vector": embed(problem)}
            added += 1
    if added:
        store.save_artifact(EMBEDDINGS, json.dumps(known).encode(), {"instances": len(known), "added": added})
    return len(known)


def _embeddings(store: Store) -> dict[str, dict[str, Any]]:
    artifact = store.load_artifact(EMBEDDINGS)
    if artifact is None:
        return {}
    known: dict[str, dict[str, Any]] = json.loads(artifact.data.decode())
    return known


@dataclass(frozen=True)
class Neighbour:
    """A remembered instance: its name, embedding and cost per configuration (mean log(cost + 1))."""

    fingerprint: str
    name: str
    vector: tuple[float, ...]
    costs: dict[str, float]
    params: dict[str, dict[str, Any]]
    labels: dict[str, str]


@dataclass(frozen=True)
class Prediction:
    """The chosen configuration, the predicted seconds of each candidate, and the neighbours used."""

    solver: str
    params: dict[str, Any]
    key: str
    predicted: dict[str, float]
    labels: dict[str, str]
    neighbours: list[tuple[str, float]] = field(default_factory=list)

    def reason(self) -> str:
        chosen = self.predicted[self.key]
        near = ", ".join(f"{name} (distance {apart:.3f})" for name, apart in self.neighbours)
        others = sorted((seconds, key) for key, seconds in self.predicted.items() if key != self.key)
        versus = "; ".join(f"{seconds:.2f} s with {self.labels[key]}" for seconds, key in others[:3])
        text = f"learned selector: {len(self.neighbours)} nearest solved instances {near}: predicted {chosen:.2f} s with {self.labels[self.key]}"
        return text + (f" vs {versus}" if versus else "")


class Selector:
    """k nearest remembered instances, each with its recorded cost per configuration."""

    def __init__(self, neighbours: Sequence[Neighbour], k: int = 3, threshold: float = THRESHOLD):
        """``neighbours``: the remembered instances; ``k``: how many vote; ``threshold``: the farthest a voter may be."""
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"`k` must be a positive integer, got {k!r}")
        self.neighbours = list(neighbours)
        self.k = k
        self.threshold = threshold
        self._same: list[Neighbour] = []
        self._matrix: Any = None

    @classmethod
    def from_store(cls, store: Store, k: int = 3, threshold: float = THRESHOLD) -> Selector:
        """A selector over every remembered instance that has recorded runs in ``store``."""
        known = _embeddings(store)
        logs: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        params: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        if known:
            for row in store.list_runs(limit=RUN_LIMIT, kind=KIND):
                fingerprint = row["fingerprint"]
                if fingerprint not in known or row["status"] not in COUNTED or row.get("seconds") is None:
                    continue
                plan = row.get("plan") or {}
                solver, plan_params = str(plan.get("solver") or row["solver"]), dict(plan.get("params") or {})
                key = config_key(solver, plan_params)
                logs[fingerprint][key].append(math.log(run_cost(row["status"], float(row["seconds"])) + 1.0))
                params[fingerprint][key] = plan_params
                labels[fingerprint][key] = _label(solver, plan_params, plan)
        neighbours = [
            Neighbour(fingerprint, str(known[fingerprint]["name"]), tuple(known[fingerprint]["vector"]),
                      {key: sum(values) / len(values) for key, values in by_key.items()},
                      params[fingerprint], labels[fingerprint])
            for fingerprint, by_key in logs.items()
        ]
        return cls(neighbours, k, threshold)

    def predict(self, vector: Sequence[float]) -> Prediction | None:
        """The configuration with the lowest predicted cost, or None when nothing remembered is near enough."""
        import numpy as np

        from optarium.learn.embed import distances

        same = [n for n in self.neighbours if len(n.vector) == len(vector)]
        if not same:
            return None
        if len(same) != len(self._same) or any(a is not b for a, b in zip(same, self._same, strict=True)):
            self._same, self._matrix = same, np.array([n.vector for n in same], dtype=np.float64)
        apart = distances(vector, self._matrix)
        order = sorted(range(len(same)), key=lambda index: (float(apart[index]), same[index].name))
        nearest = [(float(apart[index]), same[index]) for index in order[: self.k] if apart[index] <= self.threshold]
        if not nearest:
            return None
        weights = [1.0 / (apart + 1e-3) for apart, _ in nearest]
        sums: dict[str, float] = defaultdict(float)
        totals: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for weight, (_, neighbour) in zip(weights, nearest, strict=True):
            for key, cost in neighbour.costs.items():
                sums[key] += weight * cost
                totals[key] += weight
                counts[key] += 1
        enough = [key for key in sums if 2 * counts[key] >= len(nearest)]
        if not enough:
            return None
        predicted = {key: math.exp(sums[key] / totals[key]) - 1.0 for key in enough}
        best = min(enough, key=lambda key: (predicted[key], key))
        source = next(n for _, n in nearest if best in n.costs)
        labels = {}
        for key in enough:
            labels[key] = next(n.labels[key] for _, n in nearest if key in n.labels)
        return Prediction(best.split(" ", 1)[0], dict(source.params[best]), best, predicted, labels,
                          [(n.name, apart) for apart, n in nearest])


def leave_one_out(neighbours: Sequence[Neighbour], ks: Sequence[int] = (1, 3, 5, 8),
                  threshold: float = THRESHOLD) -> dict[int, float]:
    """For each k, the shifted geometric mean (shift 1 s) of what each remembered instance's own runs
    took with the configuration the others chose for it; an instance left without a choice counts its
    slowest configuration. Choose ``k`` with it on training instances only.
    """
    scores: dict[int, float] = {}
    for k in ks:
        logs = []
        for held, instance in enumerate(neighbours):
            others = Selector([*neighbours[:held], *neighbours[held + 1:]], k, threshold)
            prediction = others.predict(instance.vector)
            if prediction is None or prediction.key not in instance.costs:
                logs.append(max(instance.costs.values()))
            else:
                logs.append(instance.costs[prediction.key])
        scores[k] = math.exp(sum(logs) / len(logs)) - 1.0 if logs else math.nan
    return scores


def _label(solver: str, params: dict[str, Any], plan: dict[str, Any]) -> str:
    """How a configuration reads in a reason: 'highs defaults', 'highs tuned.highs.set_cover v2', or the params."""
    if not params:
        return f"{solver} defaults"
    reason = str(plan.get("reason", ""))
    for word in reason.replace("(", " ").split():
        if word.startswith("tuned."):
            return word
    text = ", ".join(f"{key}={value}" for key, value in sorted(params.items()))
    return f"{solver} {{{text[:60]}}}"


class SelectorPlanner:
    """The learned selector's plan for a math program, else the tuned planner's (with why not)."""

    def __init__(self, k: int = 3, threshold: float = THRESHOLD, fallback: Any = None):
        self.k = k
        self.threshold = threshold
        self.fallback = fallback

    def plan(self, problem: MathProgram, history: Store | None = None) -> Plan:
        from optarium.plan.tuned import TunedPlanner

        def fallback(why: str) -> Plan:
            base = (self.fallback or TunedPlanner()).plan(problem, history)
            return replace(base, reason=f"{base.reason}; no learned selection: {why}") if why else base

        if history is None:
            return fallback("")
        selector = self.selector(history)
        if not selector.neighbours:
            return fallback("no remembered instance with runs")
        from optarium.learn.embed import embed
        from optarium.solvers import registry

        prediction = selector.predict(embed(problem))
        if prediction is None:
            return fallback(f"no remembered instance within distance {self.threshold:g}")
        if prediction.solver not in registry.installed() or registry.get(prediction.solver).capabilities.missing(problem):
            return fallback(f"{prediction.solver} cannot take it here")
        return Plan(prediction.solver, prediction.params, prediction.reason(), "learned")

    def selector(self, store: Store) -> Selector:
        """The selector for ``store``: rebuilt when an instance was remembered since, or the runs grew by a tenth.

        Reading every run for every solve would cost more than the solve at ten thousand runs.
        """
        versions = [row["version"] for row in store.list_artifacts(EMBEDDINGS) if row["name"] == EMBEDDINGS]
        key = (store.url, max(versions, default=0), self.k, self.threshold)
        runs = store.count_runs()
        cached = _MODELS.get(key)
        if cached is None or runs > 1.1 * cached[1]:
            if len(_MODELS) > 64:
                _MODELS.clear()
            cached = _MODELS[key] = (Selector.from_store(store, self.k, self.threshold), runs)
        return cached[0]


class FixedPlanner:
    """Always the same plan: how training runs are recorded with a reason that names their configuration."""

    def __init__(self, plan: Plan):
        self.fixed = plan

    def plan(self, problem: Any, history: Store | None = None) -> Plan:
        return self.fixed


def candidate_plans(problem: MathProgram, store: Store | None, solvers: Sequence[str] = ("highs", "scip")) -> list[Plan]:
    """The defaults of each installed solver, and each solver's tuned configuration of the problem's family."""
    from optarium.learn.recognise import THRESHOLD as FAMILY_THRESHOLD
    from optarium.learn.recognise import distance, feature_vector
    from optarium.plan.tuned import TunedPlanner
    from optarium.solvers import registry

    plans = [Plan(name, {}, f"{name} defaults", "rules") for name in solvers
             if name in registry.installed() and registry.get(name).capabilities.missing(problem) is None]
    if store is None:
        return plans
    vector = feature_vector(problem.features())
    for tuned in TunedPlanner().configurations(store):
        apart = distance(vector, tuned.centroid)
        if tuned.solver in solvers and tuned.params and apart <= FAMILY_THRESHOLD \
                and tuned.solver in registry.installed() and registry.get(tuned.solver).version() == tuned.solver_version:
            plans.append(Plan(tuned.solver, dict(tuned.params), f"tuned configuration {tuned.name} v{tuned.version}", "tuned"))
    return plans


def collect(problems: Sequence[MathProgram], store: Store | str, *, time_limit: float = 10.0,
            solvers: Sequence[str] = ("highs", "scip"), threads: int | None = None) -> list[dict[str, Any]]:
    """Solve every problem with every candidate plan, record each run in ``store``, and remember the problems.

    Returns one row per run: instance, configuration label, status, seconds, verified.
    """
    import optarium
    from optarium.store.base import open_store

    store = open_store(store)
    remember(problems, store)
    rows = []
    for problem in problems:
        for plan in candidate_plans(problem, store, solvers):
            started = time.perf_counter()
            solution = optarium.solve(problem, store=store, time_limit=time_limit, threads=threads,
                                      planner=FixedPlanner(plan))
            rows.append({"instance": problem.name, "config": config_key(plan.solver, plan.params),
                         "label": plan.reason, "status": solution.status, "seconds": solution.seconds,
                         "verified": solution.verified, "wall": time.perf_counter() - started})
    return rows
