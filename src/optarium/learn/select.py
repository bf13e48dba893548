"""Per-instance choice of backend and configuration, learned from the store's past runs.

Embeddings (:mod:`optarium.learn.embed`) of solved instances are kept in the
store as the artifact ``selector.embeddings`` (fingerprint -> name, embedding),
written by :func:`remember`. :meth:`Selector.from_store` joins them with the
store's recorded runs of math programs: for each remembered instance and each
configuration (backend plus parameters, as the run's plan gave them) the mean
``log(cost + 1 s)``, where an unsolved run costs twice its seconds (PAR-2, its
time limit).

``method="ridge"`` (the default) is per-instance algorithm selection by ridge
regression of log run time on instance features, after SATzilla (Xu et al.,
"SATzilla: Portfolio-based Algorithm Selection for SAT", JAIR 2008): the single
best configuration on the remembered instances is the reference, and ridge
regressions on the embedding predict the reference's log cost and each other
configuration's log cost minus the reference's, bagged over bootstrap samples
(the bags' median is the prediction). A new instance gets another configuration
than the reference only where its predicted saving exceeds ``margin`` (log units)
and at least ``agreement`` of the bags predict a saving. Departures from
SATzilla: differences to a reference rather than absolute times per solver, no
quadratic basis expansion, and the bags' agreement as the confidence test.
``method="vote"``: the ``k`` nearest remembered instances vote (each configuration
that at least half of them ran gets the distance-weighted mean of their costs).
Either way a configuration is a candidate only where at least half of the ``k``
nearest ran it, and nothing is predicted beyond ``threshold`` of every remembered
instance. Departures: the embedding is the untrained WL histogram of
:mod:`optarium.learn.embed`, not FORGE's learned one ("FORGE: Foundational
Optimization Representations from Graph Embeddings", 2025).
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
METHODS = ("ridge", "vote")
# the regression needs this many remembered instances with the reference's runs; with fewer, the neighbours vote
MIN_FOREST = 8
MARGIN = 0.1
AGREEMENT = 0.7
ALPHA = 1.0
BAGS = 32
# the log-cost difference a configuration gets where it never ran (it is then no candidate anyway)
UNRUN = 2.0
_MODELS: dict[tuple[Any, ...], tuple[Selector, int]] = {}


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
    """Remembered instances with their recorded cost per configuration, and the model that chooses among them."""

    def __init__(self, neighbours: Sequence[Neighbour], k: int = 3, threshold: float = THRESHOLD, *,
                 method: str = "ridge", margin: float = MARGIN, agreement: float = AGREEMENT, alpha: float = ALPHA,
                 seed: int = 0):
        """``neighbours``: the remembered instances; ``k``: how many are near (they vote with ``method="vote"``);
        ``threshold``: the farthest a near instance may be; ``margin``, ``agreement``: how sure the regression must be.
        """
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"`k` must be a positive integer, got {k!r}")
        if method not in METHODS:
            raise ValueError(f"`method` must be one of {', '.join(METHODS)}, got {method!r}")
        if not (margin >= 0 and 0 <= agreement <= 1):
            raise ValueError(f"`margin >= 0` and `0 <= agreement <= 1` must hold, got {margin=}, {agreement=}")
        self.neighbours = list(neighbours)
        self.k = k
        self.threshold = threshold
        self.method = method
        self.margin = margin
        self.agreement = agreement
        self.alpha = alpha
        self.seed = seed
        self._same: list[Neighbour] = []
        self._matrix: Any = None
        self._model: Any = None
        self._model_for: list[Neighbour] | None = None
        self.reference: str | None = None
        self.outputs: list[str] = []

    @classmethod
    def from_store(cls, store: Store, k: int = 3, threshold: float = THRESHOLD, **settings: Any) -> Selector:
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
        return cls(neighbours, k, threshold, **settings)

    def _fit(self, same: list[Neighbour]) -> None:
        """The reference (lowest mean log cost among the configurations run on every instance) and the regression."""
        import numpy as np

        self._model_for, self._model, self.reference, self.outputs = same, None, None, []
        common = set.intersection(*(set(n.costs) for n in same)) if same else set()
        if not common:
            return
        self.reference = min(sorted(common), key=lambda key: sum(n.costs[key] for n in same))
        if self.method != "ridge" or len(same) < MIN_FOREST:
            return
        others = sorted({key for n in same for key in n.costs} - {self.reference})
        self.outputs = [self.reference, *others]
        X = np.array([n.vector for n in same], dtype=np.float64)
        Y = np.array([[n.costs[self.reference]] + [n.costs[key] - n.costs[self.reference] if key in n.costs else UNRUN
                                                    for key in others] for n in same])
        self._model = _BaggedRidge(X, Y, bags=BAGS, alpha=self.alpha, seed=self.seed)

    def predict(self, vector: Sequence[float]) -> Prediction | None:
        """The configuration with the lowest predicted cost, or None when nothing remembered is near enough."""
        import numpy as np

        from optarium.learn.embed import distances

        same = [n for n in self.neighbours if len(n.vector) == len(vector)]
        if not same:
            return None
        if len(same) != len(self._same) or any(a is not b for a, b in zip(same, self._same, strict=True)):
            self._same, self._matrix = same, np.array([n.vector for n in same], dtype=np.float64)
        same = self._same
        apart = distances(vector, self._matrix)
        order = sorted(range(len(same)), key=lambda index: (float(apart[index]), same[index].name))
        nearest = [(float(apart[index]), same[index]) for index in order[: self.k] if apart[index] <= self.threshold]
        if not nearest:
            return None
        counts: dict[str, int] = defaultdict(int)
        for _, neighbour in nearest:
            for key in neighbour.costs:
                counts[key] += 1
        enough = [key for key in counts if 2 * counts[key] >= len(nearest)]
        if not enough:
            return None
        labels = {key: next(n.labels[key] for _, n in nearest if key in n.labels) for key in enough}
        if self._model_for is not same:
            self._fit(same)
        if self._model is not None and self.reference in enough:
            predicted, best = self._regression_choice(vector, enough)
        else:
            predicted, best = self._vote(nearest, enough)
        source = next(n for _, n in nearest if best in n.costs)
        return Prediction(best.split(" ", 1)[0], dict(source.params[best]), best, predicted, labels,
                          [(n.name, apart) for apart, n in nearest])

    def _vote(self, nearest: list[tuple[float, Neighbour]], enough: list[str]) -> tuple[dict[str, float], str]:
        """The distance-weighted mean cost of each configuration among the nearest, and the lowest."""
        sums: dict[str, float] = defaultdict(float)
        totals: dict[str, float] = defaultdict(float)
        for apart, neighbour in nearest:
            weight = 1.0 / (apart + 1e-3)
            for key, cost in neighbour.costs.items():
                sums[key] += weight * cost
                totals[key] += weight
        predicted = {key: math.exp(sums[key] / totals[key]) - 1.0 for key in enough}
        return predicted, min(enough, key=lambda key: (predicted[key], key))

    def _regression_choice(self, vector: Sequence[float], enough: list[str]) -> tuple[dict[str, float], str]:
        """Each candidate's predicted seconds, and the reference unless another is predicted surely faster."""
        import numpy as np

        bags = self._model.predict(np.asarray(vector, dtype=np.float64))  # (bags, outputs)
        mean = np.median(bags, axis=0)
        reference_log = float(mean[0])
        predicted, best, saving = {}, str(self.reference), 0.0
        for column, key in enumerate(self.outputs):
            if key not in enough:
                continue
            difference = 0.0 if column == 0 else float(mean[column])
            predicted[key] = max(0.0, math.exp(reference_log + difference) - 1.0)
            sure = column > 0 and float((bags[:, column] < 0).mean()) >= self.agreement
            if sure and -difference > max(self.margin, saving):
                best, saving = key, -difference
        return predicted, best


class _BaggedRidge:
    """Ridge regressions (one per bootstrap sample) of every output column on standardised features."""

    def __init__(self, X: Any, Y: Any, *, bags: int, alpha: float, seed: int):
        """``X``: shape (n, d); ``Y``: shape (n, outputs)."""
        import numpy as np

        rng = np.random.default_rng(seed)
        self.centre, scale = X.mean(axis=0), X.std(axis=0)
        self.scale = np.where(scale > 1e-12, scale, 1.0)
        Z = (X - self.centre) / self.scale
        n, d = Z.shape
        weights, intercepts = [], []
        for _ in range(bags):
            rows = rng.integers(0, n, n)
            z, y = Z[rows], Y[rows]
            z_mean, y_mean = z.mean(axis=0), y.mean(axis=0)
            zc = z - z_mean
            w = np.linalg.solve(zc.T @ zc + alpha * np.eye(d), zc.T @ (y - y_mean))
            weights.append(w)
            intercepts.append(y_mean - z_mean @ w)
        self.weights, self.intercepts = np.stack(weights), np.stack(intercepts)  # (bags, d, outputs), (bags, outputs)

    def predict(self, x: Any) -> Any:
        """Each bag's prediction for one instance ``x`` (shape (d,)): shape (bags, outputs)."""
        z = (x - self.centre) / self.scale
        return self.intercepts + (z @ self.weights)


def leave_one_out(neighbours: Sequence[Neighbour], ks: Sequence[int] = (1, 3, 5, 8),
                  threshold: float = THRESHOLD) -> dict[int, float]:
    """For each k, the shifted geometric mean (shift 1 s) of what each remembered instance's own runs
    took with the configuration the others' vote chose for it; an instance left without a choice counts its
    slowest configuration. Choose ``k`` with it on training instances only.
    """
    scores: dict[int, float] = {}
    for k in ks:
        logs = []
        for held, instance in enumerate(neighbours):
            others = Selector([*neighbours[:held], *neighbours[held + 1:]], k, threshold, method="vote")
            prediction = others.predict(instance.vector)
            if prediction is None or prediction.key not in instance.costs:
                logs.append(max(instance.costs.values()))
            else:
                logs.append(instance.costs[prediction.key])
        scores[k] = math.exp(sum(logs) / len(logs)) - 1.0 if logs else math.nan
    return scores


def cross_validate(neighbours: Sequence[Neighbour], folds: int = 5, seed: int = 0, **settings: Any) -> float:
    """The shifted geometric mean (shift 1 s) of what each remembered instance's own runs took with the
    configuration a selector (``settings``) trained on the other folds chose for it; an instance left
    without a choice counts its slowest configuration. Screen settings with it on training instances only.
    """
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(neighbours))
    logs = []
    for fold in range(folds):
        held = {int(index) for index in order[fold::folds]}
        selector = Selector([n for index, n in enumerate(neighbours) if index not in held], **settings)
        for index in sorted(held):
            instance = neighbours[index]
            prediction = selector.predict(instance.vector)
            chosen = None if prediction is None else instance.costs.get(prediction.key)
            logs.append(max(instance.costs.values()) if chosen is None else chosen)
    return math.exp(sum(logs) / len(logs)) - 1.0 if logs else math.nan


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

    def __init__(self, k: int = 5, threshold: float = THRESHOLD, fallback: Any = None, **settings: Any):
        """``settings``: the :class:`Selector`'s ``method``, ``margin``, ``agreement`` and ``seed``."""
        self.k = k
        self.threshold = threshold
        self.fallback = fallback
        self.settings = settings

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
        key = (store.url, max(versions, default=0), self.k, self.threshold, tuple(sorted(self.settings.items())))
        runs = store.count_runs()
        cached = _MODELS.get(key)
        if cached is None or runs > 1.1 * cached[1]:
            if len(_MODELS) > 64:
                _MODELS.clear()
            cached = _MODELS[key] = (Selector.from_store(store, self.k, self.threshold, **self.settings), runs)
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
