"""A learned dispatching rule, trained on small instances with CP-SAT as the teacher.

After Tassel, Gebser and Schekotihin, "An End-to-End Reinforcement Learning
Approach for Job-Shop Scheduling Problems Based on Constraint Programming"
(ICAPS 2023): a policy picks, at each decision of a dispatching simulator,
which job's next operation to schedule; it is trained on small instances and
applied to large ones, and its schedule seeds CP-SAT.

Where we depart from the paper:

* imitation instead of reinforcement learning: the teacher is CP-SAT's
  (near-)optimal schedule of each training instance, and the policy learns to
  pick, from each conflict set, the operation the teacher starts first (a
  listwise softmax loss), plus one DAgger round on the states the policy itself
  visits. Then a makespan stage closer to the paper's objective: CMA-ES
  (a derivative-free stand-in for the paper's PPO) tunes the output layer to
  minimise the mean makespan, relative to the teacher's, of the rule's own
  schedules of the training instances. On Taillard instances this second
  stage is what makes the rule beat the classic rules.
* the environment is a Giffler–Thompson active-schedule generator
  (:mod:`optarium.domains.scheduling.rules`), not the paper's CP-based
  environment with a no-op action.
* the scorer is a tiny MLP (13 hand-made operation features → 16 tanh units,
  plus a linear skip) in numpy, not the paper's transformer-style network
  over raw job features; it scores each candidate independently, so one model
  serves any number of jobs and machines.
* we use the schedule as CP-SAT's solution hint (``learned+cp``); the paper
  uses its policy alone.

A trained default ships with the package (``default_rule.json``); a model
trained by the user is saved to the store as a versioned artifact named
``jobshop.rule`` (:func:`save_rule`) and wins over the shipped one; a model
file the user names explicitly wins over both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.scheduling.instance import JobShopInstance
from optarium.domains.scheduling.rules import Chooser, Decision, dispatch
from optarium.errors import InputFileError, InvalidModelError, OptionError
from optarium.live import LiveLine

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from numpy.typing import NDArray

    from optarium.store.base import ArtifactStore

FEATURES = (
    "duration", "remaining_work", "remaining_ops", "start_delay", "waited", "duration_rank", "work_rank",
    "next_duration", "next_machine_load", "duration_share", "work_share", "work_after", "next_machine_slack",
)
SHIPPED_MODEL = Path(__file__).with_name("default_rule.json")
ARTIFACT = "jobshop.rule"
FORMAT = "optarium-jobshop-rule/1"


class _Scales:
    """Per-instance normalisers, computed once."""

    def __init__(self, instance: JobShopInstance):
        durations = instance.durations
        self.duration = max(float(durations.mean()), 1.0)
        self.job_work = max(float(durations.sum(axis=1).mean()), 1.0)
        self.machine_load = max(float(durations.sum()) / instance.num_machines, 1.0)
        self.ops = instance.ops_per_job


def decision_features(decision: Decision, scales: _Scales) -> NDArray[np.float64]:
    """Features of each candidate in the conflict set, shape (candidates, len(FEATURES))."""
    instance = decision.instance
    count = len(decision.jobs)
    durations = decision.durations.astype(np.float64)
    work = decision.remaining_work.astype(np.float64)
    has_next = decision.positions + 1 < scales.ops
    next_position = np.minimum(decision.positions + 1, scales.ops - 1)
    next_machine = instance.machines[decision.jobs, next_position]
    next_duration = np.where(has_next, instance.durations[decision.jobs, next_position], 0).astype(np.float64)
    next_load = np.where(has_next, decision.machine_remaining[next_machine], 0).astype(np.float64)
    completion = decision.earliest_starts + decision.durations
    slack = np.where(has_next, completion - decision.machine_ready[next_machine], 0).astype(np.float64)
    denominator = max(count - 1, 1)
    columns = [
        durations / scales.duration,
        work / scales.job_work,
        decision.remaining_ops / scales.ops,
        (decision.earliest_starts - decision.earliest_starts.min()) / scales.duration,
        (decision.earliest_starts - decision.job_ready) / scales.duration,
        np.argsort(np.argsort(durations, kind="stable"), kind="stable") / denominator,
        np.argsort(np.argsort(work, kind="stable"), kind="stable") / denominator,
        next_duration / scales.duration,
        next_load / scales.machine_load,
        durations / max(durations.max(), 1.0),
        work / max(work.max(), 1.0),
        (work - durations) / scales.job_work,
        np.clip(slack / scales.duration, -5.0, 5.0),
    ]
    return np.stack(columns, axis=1)


@dataclass
class LearnedRule:
    """A scorer over operation features: ``tanh(x W1 + b1) w2 + x v``; the highest score is dispatched."""

    W1: NDArray[np.float64]
    b1: NDArray[np.float64]
    w2: NDArray[np.float64]
    v: NDArray[np.float64]
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def initial(cls, hidden: int = 16, seed: int = 0) -> LearnedRule:
        rng = np.random.default_rng(seed)
        n = len(FEATURES)
        return cls(rng.normal(0, 1 / np.sqrt(n), (n, hidden)), np.zeros(hidden), rng.normal(0, 1 / np.sqrt(hidden), hidden), np.zeros(n))

    def scores(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Scores of shape features.shape[:-1]."""
        return np.tanh(features @ self.W1 + self.b1) @ self.w2 + features @ self.v

    def chooser(self, instance: JobShopInstance) -> Chooser:
        scales = _Scales(instance)
        return lambda decision: int(np.argmax(self.scores(decision_features(decision, scales))))

    def schedule(self, instance: JobShopInstance) -> NDArray[np.int64]:
        """Start times (jobs, ops) of the schedule this rule dispatches."""
        return dispatch(instance, self.chooser(instance))

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": list(FEATURES),
            "W1": self.W1.tolist(), "b1": self.b1.tolist(), "w2": self.w2.tolist(), "v": self.v.tolist(),
            "info": self.info,
        }

    def to_bytes(self) -> bytes:
        """The model as JSON text, as a file or an artifact holds it."""
        return json.dumps(self.to_dict(), indent=1).encode("utf-8")

    def save(self, path: str | Path) -> Path:
        """Write the model to a JSON file; to keep it in the store, use :func:`save_rule`."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.to_bytes())
        return target

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "model") -> LearnedRule:
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise InvalidModelError(f"cannot read the model: {error}", source=source) from None
        if not isinstance(parsed, dict):
            raise InvalidModelError("not an optarium job-shop rule of this version (not a JSON object)", source=source)
        return cls.from_dict(parsed, source)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "model") -> LearnedRule:
        if data.get("format") != FORMAT or data.get("features") != list(FEATURES):
            raise InvalidModelError("not an optarium job-shop rule of this version (format or feature list differ)", source=source)
        try:
            W1, b1, w2, v = (np.asarray(data[key], dtype=np.float64) for key in ("W1", "b1", "w2", "v"))
            rule = cls(W1, b1, w2, v, info=data.get("info", {}))
        except (KeyError, ValueError) as error:
            raise InvalidModelError(f"broken model weights: {error}", source=source) from None
        n, hidden = rule.W1.shape if rule.W1.ndim == 2 else (0, 0)
        if n != len(FEATURES) or rule.b1.shape != (hidden,) or rule.w2.shape != (hidden,) or rule.v.shape != (n,):
            raise InvalidModelError(f"weight shapes do not fit {len(FEATURES)} features", source=source)
        return rule


def save_rule(rule: LearnedRule, store: ArtifactStore | str | None = None) -> int:
    """Keep ``rule`` in the store (default: the user's) as a new version of ``jobshop.rule``; return the version."""
    from optarium.store.base import open_store

    handle: Any = store if store is not None and not isinstance(store, str) else open_store(store)
    meta = {"format": FORMAT, **{key: value for key, value in rule.info.items() if key != "format"}}
    version: int = handle.save_artifact(ARTIFACT, rule.to_bytes(), meta)
    return version


def find_rule(
    path: str | Path | None = None, store: ArtifactStore | None = None, version: int | None = None
) -> tuple[LearnedRule, str]:
    """The rule to use and where it came from: the file at ``path``; else the newest
    ``jobshop.rule`` artifact in ``store`` (or ``version``); else the one shipped with optarium."""
    if path is not None:
        return _read_file(Path(path)), f"file {path}"
    if store is not None:
        artifact = store.load_artifact(ARTIFACT, version)
        if artifact is not None:
            where = f"artifact {ARTIFACT} v{artifact.version}"
            return LearnedRule.from_bytes(artifact.data, where), where
        if version is not None:
            from optarium.errors import NotFoundError

            raise NotFoundError(f"the store has no version {version} of {ARTIFACT}")
    return _read_file(SHIPPED_MODEL), "shipped"


def load_rule(path: str | Path | None = None, store: ArtifactStore | str | None = None, version: int | None = None) -> LearnedRule:
    """The rule :func:`find_rule` chooses; ``store`` may be a store or its URL."""
    from optarium.store.base import open_store

    handle: Any = None if store is None else store if not isinstance(store, str) else open_store(store)
    return find_rule(path, handle, version)[0]


def _read_file(path: Path) -> LearnedRule:
    if not path.is_file():
        raise InputFileError(str(path), "no such model file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidModelError(f"cannot read the model: {error}", source=str(path)) from None
    return LearnedRule.from_bytes(data, str(path))


def random_instance(jobs: int, machines: int, seed: int) -> JobShopInstance:
    """A Taillard-style instance: durations uniform in 1..99, each job visits every machine once."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((jobs, machines)), axis=1)
    return JobShopInstance(order, rng.integers(1, 100, (jobs, machines)), name=f"random{jobs}x{machines}s{seed}")


def _collect(instance: JobShopInstance, teacher: NDArray[np.int64], follow: LearnedRule | None) -> list[tuple[NDArray[np.float64], int]]:
    """(features, teacher's pick) at each decision; the rollout follows the teacher or ``follow``."""
    scales = _Scales(instance)
    samples: list[tuple[NDArray[np.float64], int]] = []

    def choose(decision: Decision) -> int:
        features = decision_features(decision, scales)
        target = int(np.argmin(teacher[decision.jobs, decision.positions]))
        samples.append((features, target))
        return target if follow is None else int(np.argmax(follow.scores(features)))

    dispatch(instance, choose)
    return samples


def _fit(samples: Sequence[tuple[NDArray[np.float64], int]], rule: LearnedRule, steps: int, l2: float = 1e-4) -> float:
    """Full-batch Adam on the listwise softmax loss; returns the final loss."""
    width = max(len(features) for features, _ in samples)
    X = np.zeros((len(samples), width, len(FEATURES)))
    mask = np.zeros((len(samples), width), dtype=bool)
    y = np.array([target for _, target in samples])
    for i, (features, _) in enumerate(samples):
        X[i, : len(features)] = features
        mask[i, : len(features)] = True
    params = [rule.W1, rule.b1, rule.w2, rule.v]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    rows = np.arange(len(samples))
    loss = float("nan")
    for step in range(1, steps + 1):
        H = np.tanh(X @ rule.W1 + rule.b1)
        s = np.where(mask, H @ rule.w2 + X @ rule.v, -np.inf)
        s_max = s.max(axis=1, keepdims=True)
        p = np.exp(s - s_max)
        p /= p.sum(axis=1, keepdims=True)
        loss = float(-np.log(p[rows, y] + 1e-12).mean())
        ds = p.copy()
        ds[rows, y] -= 1.0
        ds /= len(samples)
        dH = ds[..., None] * rule.w2 * (1 - H**2)
        grads = [
            np.einsum("gcf,gch->fh", X, dH) + l2 * rule.W1,
            dH.sum(axis=(0, 1)),
            np.einsum("gch,gc->h", H, ds) + l2 * rule.w2,
            np.einsum("gcf,gc->f", X, ds),
        ]
        for param, grad, m, v in zip(params, grads, moments, squares, strict=True):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad**2
            param -= 0.01 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return loss


def _search(
    rule: LearnedRule, instances: Sequence[JobShopInstance], references: Sequence[int], generations: int, population: int, seed: int,
    on_generation: Callable[[int, float], None] | None = None,
) -> tuple[LearnedRule, float]:
    """CMA-ES on the output layer (w2, v): minimise mean(makespan / reference); never returns worse than ``rule``."""
    from cmaes import CMA

    hidden = rule.w2.size

    def build(x: NDArray[np.float64]) -> LearnedRule:
        return LearnedRule(rule.W1, rule.b1, x[:hidden].copy(), x[hidden:].copy())

    def cost(candidate: LearnedRule) -> float:
        return float(np.mean([
            (candidate.schedule(instance) + instance.durations).max() / reference
            for instance, reference in zip(instances, references, strict=True)
        ]))

    start = np.concatenate([rule.w2, rule.v])
    best_cost, best = cost(rule), start
    optimizer = CMA(mean=start, sigma=0.3, seed=seed, population_size=population)
    for generation in range(generations):
        told = []
        for _ in range(optimizer.population_size):
            x = optimizer.ask()
            value = cost(build(x))
            told.append((x, value))
            if value < best_cost:
                best_cost, best = value, x
        optimizer.tell(told)
        if on_generation is not None:
            on_generation(generation + 1, best_cost)
    return build(best), best_cost


def train(
    instances: Sequence[JobShopInstance],
    *,
    teacher_time_limit: float = 2.0,
    workers: int = 2,
    seed: int = 0,
    log: Callable[[str], None] | None = None,
    show_progress: bool = False,
    **options: Any,
) -> LearnedRule:
    """Train a rule on ``instances``: CP-SAT (in a worker) solves them, then :func:`train_from_teachers`.

    ``show_progress`` redraws the stage (teacher k of n, imitation, search generation and the
    best makespan ratio so far) and the elapsed time on stderr, when it is a terminal.
    """
    from optarium.domains.scheduling.cp import solve_cp

    if not instances:
        raise OptionError("instances", [], "at least one training instance")
    teachers = []
    with _TrainingProgress(show_progress) as progress:
        for k, instance in enumerate(instances, 1):
            progress.stage(f"teacher {k}/{len(instances)}: CP-SAT on {instance.name}")
            result = solve_cp(instance, teacher_time_limit, threads=workers, seed=seed)
            if result.payload is None:
                raise InvalidModelError(f"CP-SAT found no schedule for training instance {instance.name} in {teacher_time_limit}s")
            teachers.append(result.payload)
            if log is not None:
                log(f"teacher {instance.name}: makespan {result.objective:g} ({result.status})")
        rule = train_from_teachers(instances, teachers, seed=seed, _progress=progress, **options)
    rule.info["teacher"] = f"CP-SAT {teacher_time_limit}s, {workers} workers"
    return rule


def train_from_teachers(
    instances: Sequence[JobShopInstance],
    teachers: Sequence[NDArray[np.int64]],
    *,
    hidden: int = 16,
    steps: int = 300,
    dagger_rounds: int = 1,
    search_generations: int = 20,
    search_population: int = 10,
    search_min_operations: int = 150,
    seed: int = 0,
    show_progress: bool = False,
    _progress: _TrainingProgress | None = None,
) -> LearnedRule:
    """Imitate the teachers' schedules (start times, one (jobs, ops) matrix per instance), then tune on makespan.

    The makespan stage uses the instances with at least ``search_min_operations``
    operations (all of them if none has that many): tiny ones are too easy to
    steer it. ``search_generations=0`` skips it. ``show_progress`` as in :func:`train`.
    """
    if _progress is None:
        with _TrainingProgress(show_progress) as progress:
            return train_from_teachers(
                instances, teachers, hidden=hidden, steps=steps, dagger_rounds=dagger_rounds,
                search_generations=search_generations, search_population=search_population,
                search_min_operations=search_min_operations, seed=seed, _progress=progress,
            )
    if not instances or len(instances) != len(teachers):
        raise OptionError("teachers", len(teachers), f"one schedule per instance ({len(instances)})")
    if steps < 1 or hidden < 1 or dagger_rounds < 0 or search_generations < 0 or search_population < 2:
        raise OptionError("steps/hidden/dagger_rounds/search", (steps, hidden, dagger_rounds, search_generations), "positive")
    _progress.stage("imitating the teachers")
    samples = [sample for instance, teacher in zip(instances, teachers, strict=True) for sample in _collect(instance, teacher, None)]
    rule = LearnedRule.initial(hidden, seed)
    loss = _fit(samples, rule, steps)
    for round_ in range(dagger_rounds):
        _progress.stage(f"DAgger round {round_ + 1}/{dagger_rounds}")
        samples += [s for instance, teacher in zip(instances, teachers, strict=True) for s in _collect(instance, teacher, rule)]
        loss = _fit(samples, rule, steps)
    info: dict[str, Any] = {
        "trained_on": [f"{i.name} ({i.num_jobs}x{i.num_machines})" for i in instances],
        "decisions": len(samples),
        "loss": round(loss, 4),
        "seed": seed,
    }
    if search_generations:
        chosen = [k for k, instance in enumerate(instances) if instance.num_operations >= search_min_operations]
        chosen = chosen or list(range(len(instances)))
        references = [int((teachers[k] + instances[k].durations).max()) for k in chosen]
        progress = _progress

        def generation_done(generation: int, best: float) -> None:
            progress.stage(f"search generation {generation}/{search_generations}: makespan / teacher {best:.4f}")

        progress.stage(f"search: {search_generations} generations of CMA-ES on {len(chosen)} instances")
        rule, ratio = _search(rule, [instances[k] for k in chosen], references, search_generations, search_population, seed,
                              generation_done)
        info["makespan_over_teacher"] = round(ratio, 4)
        info["search"] = f"CMA-ES, {search_generations} generations x {search_population} on {len(chosen)} instances"
    rule.info = info
    return rule


class _TrainingProgress(LiveLine):
    """The training stage and the elapsed time, redrawn on stderr while a rule trains (terminals only)."""

    def __init__(self, enabled: bool):
        super().__init__(enabled)
        self.stage_text = "starting"

    def stage(self, text: str) -> None:
        self.stage_text = text
        self.refresh()

    def text(self) -> str:
        return f"training: {self.stage_text}  {self.elapsed:.0f}s"


DEFAULT_SIZES = ((10, 5), (10, 10), (15, 10), (15, 15), (20, 10), (20, 15), (30, 10), (30, 15), (20, 5), (40, 10))


def default_instances(per_size: int = 2) -> list[JobShopInstance]:
    """The training set of the shipped model: random Taillard-style instances of DEFAULT_SIZES."""
    return [random_instance(j, m, 100 * i + r) for i, (j, m) in enumerate(DEFAULT_SIZES) for r in range(per_size)]


def train_default(teacher_time_limit: float = 3.0, workers: int = 2) -> LearnedRule:
    """The recipe of the shipped model (CP-SAT with 2 workers is not bit-reproducible across runs)."""
    return train(default_instances(), teacher_time_limit=teacher_time_limit, workers=workers, log=print, show_progress=True)


if __name__ == "__main__":
    import sys

    trained = train_default()
    print(trained.save(sys.argv[1] if len(sys.argv) > 1 else SHIPPED_MODEL), trained.info)
