"""Solve a stream of MILPs one after another, choosing each one's configuration with a bandit.

The MILP counterpart of :mod:`optarium.learn.relax` (after Khodak et al., "Learning
to Relax: Setting Solver Parameters Across a Sequence of Linear System Instances",
ICLR 2024): the only feedback is what each solve cost. The loss of a run is
``min(seconds, time_cap) / time_cap``, and 1 for a run that did not finish
(solved, proved infeasible or unbounded) or whose answer failed verification.

Policies: ``thompson`` (the default) is Thompson sampling (Thompson 1933; Gaussian
posteriors as in Agrawal & Goyal, "Further Optimal Regret Bounds for Thompson
Sampling", AISTATS 2013) on each configuration's mean log loss, after a round-robin
warm-up of ``warmup`` runs per configuration: it treats the instances of a family as
drawn from one distribution, where the paper's bandits allow an adversary, and it
models log time because instance difficulty multiplies every configuration's time.
``bandit`` is Tsallis-INF over the configurations (as
:class:`~optarium.learn.relax.OmegaBandit`; the paper's setting, with solve time
in place of SOR iterations); ``contextual`` is SquareCB (Foster & Rakhlin, 2020,
the base of the paper's ChebCB) with one ridge regression of the loss on the
instance's recognition vector (:mod:`optarium.learn.recognise`) per configuration,
in place of the paper's Chebyshev features of a scalar; ``fixed`` always runs the
first configuration (HiGHS defaults unless ``configs`` says otherwise).

Every solve goes through the one flow and is recorded with a plan whose source is
``bandit`` (``rules`` for ``fixed``) and whose reason says why it was chosen.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.errors import OptionError
from optarium.learn.recognise import THRESHOLD, centroid, distance
from optarium.learn.stream_history import load_history, save_history
from optarium.plan import Plan

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.problem.program import MathProgram
    from optarium.store.base import Store

log = logging.getLogger(__name__)

POLICIES = ("thompson", "bandit", "contextual", "fixed")
FINISHED = ("optimal", "infeasible", "unbounded")


@dataclass(frozen=True)
class Config:
    """One arm: a label, a backend and its parameters."""

    label: str
    solver: str
    params: dict[str, Any] = field(default_factory=dict)


def default_configs(store: Store | None = None, problem: MathProgram | None = None) -> list[Config]:
    """HiGHS defaults, SCIP defaults, HiGHS with more primal heuristics, HiGHS without presolve,
    and any tuned configuration in ``store`` recognised for ``problem`` (installed backends only)."""
    from optarium.solvers import registry

    installed = registry.installed()
    arms = [Config("highs defaults", "highs"), Config("scip defaults", "scip"),
            Config("highs heuristics 0.3", "highs", {"mip_heuristic_effort": 0.3}),
            Config("highs presolve off", "highs", {"presolve": "off"})]
    arms = [arm for arm in arms if arm.solver in installed]
    if store is not None and problem is not None:
        from optarium.learn.select import candidate_plans

        for plan in candidate_plans(problem, store, tuple(installed)):
            if plan.source == "tuned":
                arms.append(Config(plan.reason.removeprefix("tuned configuration "), plan.solver, dict(plan.params)))
    return arms


def _restrict(p: NDArray[np.float64], allowed: NDArray[np.bool_] | None) -> NDArray[np.float64]:
    """``p`` over the ``allowed`` arms only, renormalised (uniform over them where ``p`` gives them nothing)."""
    if allowed is None:
        return p
    kept = np.where(allowed, p, 0.0)
    return kept / kept.sum() if kept.sum() > 0 else allowed / allowed.sum()


def _tsallis(losses: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    from optarium.learn.relax import _tsallis_weights

    return _tsallis_weights(losses, rate)


class ConfigBandit:
    """Tsallis-INF (α = 1/2) over ``k`` configurations; losses in [0, 1]; rate ``learning_rate / sqrt(t)``."""

    def __init__(self, k: int, *, learning_rate: float = 8.0, seed: int = 0):
        if k < 1:
            raise OptionError("configs", k, "at least one configuration")
        if not learning_rate > 0:
            raise OptionError("learning_rate", learning_rate, "positive")
        self.k = k
        self.learning_rate = float(learning_rate)
        self.estimates = np.zeros(k)
        self.steps = 0
        self._rng = np.random.default_rng(seed)

    def probabilities(self, context: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        return _tsallis(self.estimates, self.learning_rate / math.sqrt(self.steps + 1))

    def ask(self, context: NDArray[np.float64] | None = None,
            allowed: NDArray[np.bool_] | None = None) -> tuple[int, float]:
        """An arm (one of the ``allowed``, default all) and the probability it was drawn with."""
        p = _restrict(self.probabilities(context), allowed)
        arm = int(self._rng.choice(self.k, p=p))
        return arm, float(p[arm])

    def tell(self, arm: int, probability: float, loss: float, context: NDArray[np.float64] | None = None) -> None:
        self.estimates[arm] += float(np.clip(loss, 0.0, 1.0)) / probability
        self.steps += 1


class ThompsonConfigBandit:
    """Thompson sampling on each configuration's mean log loss (Gaussian, pooled variance), after a warm-up.

    The first ``warmup * k`` asks go round the configurations in a seeded order; then each ask draws one
    mean per configuration from ``N(mean, scale * variance / runs)`` and takes the lowest.
    """

    def __init__(self, k: int, *, warmup: int = 8, scale: float = 0.1, seed: int = 0, draws: int = 256):
        if k < 1:
            raise OptionError("configs", k, "at least one configuration")
        if not (isinstance(warmup, int) and warmup >= 1):
            raise OptionError("warmup", warmup, "a positive integer")
        if not scale > 0:
            raise OptionError("scale", scale, "positive")
        self.k = k
        self.warmup = warmup
        self.scale = float(scale)
        self.draws = draws
        self.logs: list[list[float]] = [[] for _ in range(k)]
        self.steps = 0
        self._rng = np.random.default_rng(seed)
        self._order = self._rng.permutation(k)

    def _posterior(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        # a configuration never run (none of the stream's instances allowed it) is never drawn: mean +inf
        means = np.array([np.mean(logs) if logs else np.inf for logs in self.logs])
        residuals = np.concatenate([np.asarray(logs) - np.mean(logs) for logs in self.logs if logs])
        variance = (float(residuals @ residuals) + 1.0) / (len(residuals) + 1)
        runs = np.array([max(len(logs), 1) for logs in self.logs], dtype=np.float64)
        return means, np.sqrt(self.scale * variance / runs)

    def in_warmup(self, allowed: NDArray[np.bool_] | None = None) -> bool:
        """Whether some configuration (of the ``allowed``, default all) has run fewer than ``warmup`` times."""
        return min(len(self.logs[arm]) for arm in self._arms(allowed)) < self.warmup

    def _arms(self, allowed: NDArray[np.bool_] | None) -> list[int]:
        return [arm for arm in range(self.k) if allowed is None or allowed[arm]]

    def _warmup_arm(self, allowed: NDArray[np.bool_] | None = None) -> int:
        # the first in the seeded order of those run least: round the configurations in that order, and
        # after runs from an earlier stream, on from where that stream stopped
        arms = self._arms(allowed)
        fewest = min(len(self.logs[arm]) for arm in arms)
        return next(int(arm) for arm in self._order if arm in arms and len(self.logs[arm]) == fewest)

    def probabilities(self, context: NDArray[np.float64] | None = None,
                      allowed: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """How likely each configuration (of the ``allowed``, default all) is to be drawn next (estimated from
        ``draws`` posterior samples)."""
        if self.in_warmup(allowed):
            p = np.zeros(self.k)
            p[self._warmup_arm(allowed)] = 1.0
            return p
        means, spread = self._posterior()
        samples = np.random.default_rng(self.steps).normal(means, spread, size=(self.draws, self.k))
        if allowed is not None:
            samples[:, ~allowed] = np.inf
        return np.bincount(samples.argmin(axis=1), minlength=self.k) / self.draws

    def ask(self, context: NDArray[np.float64] | None = None,
            allowed: NDArray[np.bool_] | None = None) -> tuple[int, float]:
        """A configuration (one of the ``allowed``, default all) and (an estimate of) the probability it was
        drawn with."""
        if self.in_warmup(allowed):
            return self._warmup_arm(allowed), 1.0
        means, spread = self._posterior()
        draws = self._rng.normal(means, spread)
        arm = int(np.argmin(draws if allowed is None else np.where(allowed, draws, np.inf)))
        return arm, float(self.probabilities(allowed=allowed)[arm])

    def tell(self, arm: int, probability: float, loss: float, context: NDArray[np.float64] | None = None) -> None:
        self.logs[arm].append(math.log(max(float(loss), 1e-6)))
        self.steps += 1


class ContextualConfigBandit:
    """SquareCB: per arm a ridge regression of the loss on the context; inverse-gap weighting with
    ``gamma = exploration * sqrt(k * t)``."""

    def __init__(self, k: int, dimension: int, *, exploration: float = 4.0, ridge: float = 1.0, seed: int = 0):
        if k < 1:
            raise OptionError("configs", k, "at least one configuration")
        if not exploration > 0:
            raise OptionError("exploration", exploration, "positive")
        self.k = k
        self.exploration = float(exploration)
        size = dimension + 1
        self._gram = np.stack([np.eye(size) * ridge for _ in range(k)])
        self._moment = np.zeros((k, size))
        self.steps = 0
        self._rng = np.random.default_rng(seed)

    @staticmethod
    def _features(context: NDArray[np.float64] | None) -> NDArray[np.float64]:
        return np.concatenate([[1.0], np.zeros(0) if context is None else np.asarray(context, dtype=np.float64)])

    def predict(self, context: NDArray[np.float64] | None) -> NDArray[np.float64]:
        """Predicted loss of each arm for ``context``, shape (k,); arms never tried predict 0 (optimism)."""
        x = self._features(context)
        return np.array([x @ np.linalg.solve(self._gram[a], self._moment[a]) for a in range(self.k)])

    def probabilities(self, context: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        predicted = self.predict(context)
        best = int(np.argmin(predicted))
        gamma = self.exploration * math.sqrt(self.k * (self.steps + 1))
        p = np.zeros(self.k)
        for arm in range(self.k):
            if arm != best:
                p[arm] = 1.0 / (self.k + gamma * max(predicted[arm] - predicted[best], 0.0))
        p[best] = 1.0 - p.sum()
        return p

    def ask(self, context: NDArray[np.float64] | None = None,
            allowed: NDArray[np.bool_] | None = None) -> tuple[int, float]:
        p = _restrict(self.probabilities(context), allowed)
        arm = int(self._rng.choice(self.k, p=p))
        return arm, float(p[arm])

    def tell(self, arm: int, probability: float, loss: float, context: NDArray[np.float64] | None = None) -> None:
        x = self._features(context)
        self._gram[arm] += np.outer(x, x)
        self._moment[arm] += x * float(np.clip(loss, 0.0, 1.0))
        self.steps += 1


@dataclass
class StreamResult:
    """Per instance what was chosen and what it cost; totals; with ``compare``, every configuration's total."""

    policy: str
    configs: list[Config]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, float] | None = None
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def total(self) -> float:
        """Cumulative cost: seconds of each finished run, twice the cap for one that did not finish."""
        return float(sum(row["cost"] for row in self.rows))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "policy": self.policy, "configs": [c.__dict__ for c in self.configs], "instances": len(self.rows),
            "total_seconds": self.total, "rows": self.rows, "wall_seconds": self.seconds,
            "interrupted": self.interrupted,
        }
        if self.totals is not None:
            default = self.totals[self.configs[0].label]
            best_label = min(self.totals, key=lambda label: self.totals[label])  # type: ignore[index]
            out.update({"totals": self.totals, "default": self.configs[0].label, "best_fixed": best_label,
                        "vs_default": self.total / default if default else None,
                        "vs_best_fixed": self.total / self.totals[best_label] if self.totals[best_label] else None})
        return out


def _policy(policy: str, k: int, dimension: int, seed: int, learning_rate: float, exploration: float) -> Any:
    if policy == "thompson":
        return ThompsonConfigBandit(k, seed=seed)
    if policy == "contextual":
        return ContextualConfigBandit(k, dimension, exploration=exploration, seed=seed)
    return ConfigBandit(k, learning_rate=learning_rate, seed=seed)


_NAMES = {"thompson": "Thompson sampling on log time", "bandit": "Tsallis-INF bandit",
          "contextual": "contextual bandit (SquareCB)"}


def stream_sources(sources: Sequence[str | Path]) -> list[Path]:
    """The model files of ``sources`` (folders are listed by name, files kept in the order given)."""
    from optarium.learn.tune import instance_files

    if not sources:
        raise OptionError("sources", [], "at least one folder or MPS/LP file")
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            found = instance_files(path)
            if not found:
                raise OptionError("sources", str(source), "a folder holding MPS or LP files; it has none")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise OptionError("sources", str(source), "an existing folder or file")
    return files


def solve_stream(
    sources: Sequence[str | Path] | Sequence[MathProgram],
    policy: str = "thompson",
    *,
    store: Store | str | None = None,
    time_cap: float = 60.0,
    configs: Sequence[Config] | None = None,
    seed: int = 0,
    learning_rate: float = 8.0,
    exploration: float = 4.0,
    threads: int | None = None,
    compare: bool = False,
    history: str | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> StreamResult:
    """Solve every instance in order with the configuration ``policy`` picks; record each run in ``store``.

    ``sources`` are folders and MPS/LP files, or ``MathProgram`` objects. Every file is read
    before the first solve, so a bad one stops the stream before anything is recorded. With
    ``compare``, every other configuration also runs on every instance (not recorded), to give
    each configuration's total in hindsight. Ctrl-C stops the stream after the instance it cut
    short (recorded as ``interrupted``; left out when it had no point yet): ``interrupted`` is then
    set and ``totals`` is None.

    ``history`` (``thompson`` only) names what the stream learns across calls: the policy starts
    from the runs kept in the store's artifact ``stream.<history>`` (each configuration's times, by
    label) and the runs of this stream are added to it as its next version when the stream ends.
    """
    import optarium
    from optarium.learn.recognise import feature_vector
    from optarium.problem.program import MathProgram
    from optarium.store.base import open_store

    started = time.perf_counter()
    if policy not in POLICIES:
        raise OptionError("policy", policy, f"one of {', '.join(POLICIES)}")
    if isinstance(time_cap, bool) or not isinstance(time_cap, int | float) or not 0 < time_cap < math.inf:
        raise OptionError("time_cap", time_cap, "a positive number of seconds")
    for parameter, value in (("learning_rate", learning_rate), ("exploration", exploration)):
        if not 0 < value < math.inf:
            raise OptionError(parameter, value, "a positive number")
    if history is not None:
        if not isinstance(history, str) or not history.strip() or any(char.isspace() for char in history):
            raise OptionError("history", history, "a name without spaces")
        if policy != "thompson":
            raise OptionError("history", history, f"left out with the {policy} policy (only thompson goes on from "
                                                  "an earlier stream)")
    problems: list[MathProgram]
    if sources and all(isinstance(source, MathProgram) for source in sources):
        problems = [source for source in sources if isinstance(source, MathProgram)]
    else:
        paths = [source for source in sources if isinstance(source, str | Path)]
        problems = [optarium.load(path)[0] for path in stream_sources(paths)]
    handle = open_store(store)
    arms = list(configs) if configs is not None else default_configs(handle, problems[0])
    if not arms:
        raise OptionError("configs", [], "at least one configuration of an installed backend")
    dimension = len(feature_vector(problems[0].features()))
    chooser = None if policy == "fixed" else _policy(policy, len(arms), dimension, seed, learning_rate, exploration)
    allowed = _capable(problems, arms)
    kept: dict[str, list[list[Any]]] = {}
    known: dict[str, Any] = {}
    centre = centroid([feature_vector(problem.features()) for problem in problems])
    if history is not None and chooser is not None:
        kept, known = load_history(handle, history)
        if known.get("centroid") and len(known["centroid"]) == len(centre):
            apart = distance(known["centroid"], centre)
            if apart > THRESHOLD:
                log.warning("history %r was learned on instances unlike these (%.2f from their centre, more than %g); "
                            "its times may mislead the first choices", history, apart, THRESHOLD)
        for arm_index, arm_config in enumerate(arms):
            for seconds, finished in kept.get(arm_config.label, []):
                chooser.tell(arm_index, 1.0, min(seconds, time_cap) / time_cap if finished else 1.0)
    earlier = sum(len(runs) for label, runs in kept.items() if label in {arm.label for arm in arms})
    result = StreamResult(policy, arms)
    totals = {arm.label: 0.0 for arm in arms} if compare else None
    runs: dict[str, list[list[Any]]] = {}  # this stream's, added to the history as it is when the stream ends
    try:
        _run_stream(problems, policy, arms, chooser, handle, result, totals, runs, time_cap=time_cap, threads=threads,
                    history=history, earlier=earlier, allowed=allowed, progress=progress)
    finally:
        solved = sum(row["status"] != "interrupted" for row in result.rows)
        if history is not None and solved:
            save_history(handle, history, runs, centre, solved)
    result.totals = None if result.interrupted else totals
    result.seconds = time.perf_counter() - started
    return result


def _capable(problems: list[MathProgram], arms: list[Config]) -> list[NDArray[np.bool_]]:
    """Per problem, which arms' backends can take it; an :class:`OptionError` naming the first problem none can."""
    from optarium.solvers import registry

    capabilities = {arm.solver: registry.get(arm.solver).capabilities for arm in arms}
    masks = []
    for problem in problems:
        why = {solver: capability.missing(problem) for solver, capability in capabilities.items()}
        if all(why.values()):
            reasons = "; ".join(f"{solver} cannot take {reason}" for solver, reason in why.items())
            raise OptionError("sources", problem.name, f"instances one of the configurations can take ({reasons})")
        masks.append(np.array([why[arm.solver] is None for arm in arms]))
    return masks


def _run_stream(problems: list[MathProgram], policy: str, arms: list[Config], chooser: Any, handle: Store,
                result: StreamResult, totals: dict[str, float] | None, runs: dict[str, list[list[Any]]], *,
                time_cap: float, threads: int | None, history: str | None, earlier: int,
                allowed: list[NDArray[np.bool_]], progress: Callable[[dict[str, Any]], None] | None) -> None:
    import optarium
    from optarium.learn.recognise import feature_vector
    from optarium.learn.select import FixedPlanner

    remembered = f"; {earlier} earlier run{'s' if earlier != 1 else ''} from history {history!r}" if history else ""
    for step, (problem, can_take) in enumerate(zip(problems, allowed, strict=True), start=1):
        context = np.array(feature_vector(problem.features()), dtype=np.float64)
        mask = None if can_take.all() else can_take
        able = "" if mask is None else (f"; {int(can_take.sum())} of {len(arms)} configurations can take "
                                         "this instance")
        if chooser is None:
            arm, probability = int(np.argmax(can_take)), 1.0
            reason = f"fixed policy: {arms[0].label} on every instance{able}"
            if arm != 0:
                reason += f": {arms[arm].label}"
        else:
            warming_up = policy == "thompson" and chooser.in_warmup(mask)
            arm, probability = chooser.ask(context, mask)
            reason = (f"{_NAMES[policy]} over {len(arms)} configurations, step {step}: {arms[arm].label} "
                      f"drawn with probability {probability:.2f}{able}{remembered}")
            if warming_up:
                reason = (f"{_NAMES[policy]} over {len(arms)} configurations, step {step}: {arms[arm].label} "
                          f"(warm-up: each configuration runs {chooser.warmup} times first{able}{remembered})")
        chosen = arms[arm]
        plan = Plan(chosen.solver, dict(chosen.params), reason, "rules" if policy == "fixed" else "bandit")
        try:
            solution = optarium.solve(problem, store=handle, time_limit=time_cap, threads=threads,
                                      planner=FixedPlanner(plan))
        except KeyboardInterrupt:  # before it had a point: nothing of it to record, the instances before are kept
            result.interrupted = True
            return
        loss = _loss(solution, time_cap)
        if chooser is not None:
            chooser.tell(arm, probability, loss, context)
        if history is not None and solution.status != "interrupted":
            runs.setdefault(chosen.label, []).append([float(solution.seconds), loss < 1])
        row: dict[str, Any] = {"step": step, "instance": problem.name, "config": chosen.label, "status": solution.status,
               "verified": solution.verified, "seconds": solution.seconds, "loss": loss,
               # a run cut short by Ctrl-C says nothing of the configuration: it costs what it took
               "cost": solution.seconds if loss < 1 or solution.status == "interrupted" else 2 * time_cap,
               "run_id": solution.run_id, "reason": reason}
        if solution.status == "interrupted":
            result.interrupted = True
        elif totals is not None:
            costs: dict[str, float] = {chosen.label: row["cost"]}
            row["all"] = costs
            for other, other_can in zip(arms, can_take, strict=True):
                if not other_can:  # its backend cannot take the instance: as a run that did not finish
                    costs[other.label] = 2 * time_cap
                elif other is not chosen:
                    try:
                        again = optarium.solve(problem, solver=other.solver, time_limit=time_cap, threads=threads,
                                               record=False, **other.params)
                    except KeyboardInterrupt:
                        result.interrupted = True
                        break
                    if again.status == "interrupted":
                        result.interrupted = True
                        break
                    costs[other.label] = again.seconds if _loss(again, time_cap) < 1 else 2 * time_cap
            for label, seconds in costs.items():
                totals[label] += seconds
        result.rows.append(row)
        if progress is not None:
            progress(row)
        if result.interrupted:
            break


def _loss(solution: Any, time_cap: float) -> float:
    if solution.status not in FINISHED or (solution.payload is not None and not solution.verified):
        return 1.0
    return min(float(solution.seconds), time_cap) / time_cap
