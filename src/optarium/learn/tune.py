"""Tune a backend for a family of instances: race configurations from a black-box study on capped runs.

``tune(folder, solver, budget)`` reads the instances of one family, splits them
(seeded) into training and validation instances, runs the backend's defaults on
every training instance, then asks an optarium :class:`~optarium.blackbox.Study`
for configurations of the backend's tunable space (:mod:`optarium.learn.spaces`)
and races each on the training instances. The best configuration is checked on
the validation instances against the defaults and saved in the store as the
artifact ``tuned.<solver>.<family>``.

Cost of a configuration: the shifted geometric mean of solve time (shift one
second) over instances; a run not solved to optimality within ``time_cap``
counts ``2 * time_cap`` (PAR-2). Every answer is verified; a configuration
with an answer that fails verification, or that claims optimality with an
objective worse than a verified answer found on the same instance, is rejected.

Racing rule: training instances run in one seeded order. After each instance
from the second on, a candidate is stopped once the geometric mean of its
``time + 1 s`` on the instances run so far exceeds ``race_slack`` times the
incumbent's on the same instances. A candidate that runs every training
instance and beats the incumbent's cost becomes the incumbent. ``budget``
counts capped training runs, the defaults' included; validation runs are extra.

Adaptive capping (Hutter et al., "ParamILS", JAIR 2009, as in SMAC): a
candidate's run is capped at the time after which it would be stopped anyway,
so a slow candidate costs about the incumbent's time, not the cap. Departs
from SMAC in that the capped run is told to the study as its capped time (a
lower bound), not as a penalised cost.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.errors import InvalidModelError, OptionError

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.store.base import Store

SHIFT = 1.0
PENALTY_FACTOR = 2.0
ARTIFACT_PREFIX = "tuned."
SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz", ".mps.bz2", ".lp.bz2", ".mps.xz", ".lp.xz")
# relative objective difference within which a claimed optimum agrees with a verified answer
OBJECTIVE_TOLERANCE = 2e-4


def artifact_name(solver: str, family: str) -> str:
    return f"{ARTIFACT_PREFIX}{solver}.{family}"


@dataclass(frozen=True)
class Outcome:
    """One capped run: its cost in seconds (penalised when unsolved), and what came back."""

    instance: str
    seconds: float
    cost: float
    solved: bool
    wrong: str = ""
    status: str = ""
    objective: float | None = None


@dataclass
class TuneResult:
    """What tuning found: the saved artifact, the configuration, and costs against the defaults."""

    name: str
    version: int
    family: str
    solver: str
    solver_version: str
    params: dict[str, Any]
    training: list[str]
    validation: list[str]
    training_cost: dict[str, float]
    validation_cost: dict[str, float]
    configurations: int
    stopped_early: int
    rejected: int
    runs: int
    budget: int
    kept_default: str = ""
    sampler_reason: str = ""
    seconds: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    capped: int = 0

    @property
    def speedup(self) -> float:
        """Default over tuned cost on the validation instances (above one: tuned is faster)."""
        return self.validation_cost["default"] / self.validation_cost["tuned"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "artifact": self.name, "version": self.version, "family": self.family, "solver": self.solver,
            "solver_version": self.solver_version, "params": self.params, "training": self.training,
            "validation": self.validation, "training_cost": self.training_cost,
            "validation_cost": self.validation_cost, "speedup": self.speedup,
            "configurations": self.configurations, "stopped_early": self.stopped_early, "rejected": self.rejected,
            "runs": self.runs, "budget": self.budget, "kept_default": self.kept_default,
            "sampler_reason": self.sampler_reason, "seconds": self.seconds, "capped": self.capped,
        }


def shifted_geometric_mean(seconds: list[float], shift: float = SHIFT) -> float:
    """``exp(mean(log(t + shift))) - shift``; ``ValueError`` for no times."""
    if not seconds:
        raise ValueError("`seconds` must hold at least one time, got none")
    return math.exp(sum(math.log(t + shift) for t in seconds) / len(seconds)) - shift


def instance_files(folder: str | Path) -> list[Path]:
    """The model files in ``folder`` (MPS and LP, compressed too), by name."""
    return sorted(path for path in Path(folder).iterdir() if path.is_file() and path.name.lower().endswith(SUFFIXES))


@dataclass(frozen=True)
class Family:
    """The instances of one family as read from a folder, with what recognises them."""

    name: str
    difficulty: str
    files: list[Path]
    problems: list[MathProgram]
    centroid: list[float]
    radius: float


def read_family(folder: str | Path, name: str | None = None) -> Family:
    """Read a folder of one family's instances; refuse an empty folder or one that mixes families.

    The family's name is ``name``, else the manifest's family, else the folder's name. Files
    the folder's ``manifest.json`` does not list, or instances that split into two groups
    whose centroids lie farther apart than :data:`~optarium.learn.recognise.THRESHOLD`
    (:func:`~optarium.learn.recognise.two_groups`), are a mixed folder.
    """
    from optarium.api import load
    from optarium.learn.recognise import THRESHOLD, centroid, distance, feature_vector, two_groups

    path = Path(folder)
    if not path.is_dir():
        raise OptionError("folder", str(folder), "a folder of MPS or LP files")
    files = instance_files(path)
    if not files:
        raise OptionError("folder", str(folder), "a folder holding at least two MPS or LP files; it has none")
    difficulty = ""
    manifest_path = path / "manifest.json"
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text())
            listed = {entry["file"] for entry in manifest["instances"]}
            family_name = str(manifest["family"])
            difficulty = str(manifest.get("difficulty", ""))
        except (ValueError, KeyError, TypeError):
            raise InvalidModelError("not a manifest written by `generate`", source=str(manifest_path)) from None
        strangers = [file.name for file in files if file.name not in listed]
        if strangers:
            raise InvalidModelError(
                f"{len(strangers)} file(s) not in the manifest of family {family_name!r} ({', '.join(strangers[:3])}); "
                "a folder must hold one family", source=str(path))
        name = name or family_name
    name = name or path.resolve().name
    if len(files) < 2:
        raise OptionError("folder", str(folder), "a folder holding at least two instances (training and validation), got one")
    problems = [load(file)[0] for file in files]
    vectors = [feature_vector(problem.features()) for problem in problems]
    one, other, apart = two_groups(vectors)
    if apart > THRESHOLD:
        raise InvalidModelError(
            f"{files[one[0]].name} and {files[other[0]].name} look like different families (the folder splits "
            f"into groups of {len(one)} and {len(other)} whose feature centroids are {apart:.3f} apart, "
            f"at most {THRESHOLD} within one); tune one family at a time", source=str(path))
    middle = centroid(vectors)
    radius = max(distance(vector, middle) for vector in vectors)
    return Family(name, difficulty, files, problems, middle, radius)


def split(n: int, seed: int, validation_share: float) -> tuple[list[int], list[int]]:
    """Seeded training and validation indices of ``n`` instances; each part gets at least one."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_validation = min(n - 1, max(1, round(validation_share * n)))
    return order[n_validation:], sorted(order[:n_validation])


class Runner:
    """Runs configurations on instances with capped, verified solves; keeps the best verified objectives."""

    def __init__(self, solver: str, problems: list[MathProgram], names: list[str], time_cap: float, threads: int | None):
        self.solver = solver
        self.problems = problems
        self.names = names
        self.time_cap = time_cap
        self.threads = threads
        self.best: dict[int, float] = {}
        self.runs = 0

    def run(self, index: int, params: dict[str, Any], limit: float | None = None) -> Outcome:
        """Run ``params`` on instance ``index`` capped at ``limit`` seconds (the time cap when not given)."""
        import optarium

        problem = self.problems[index]
        self.runs += 1
        cap = self.time_cap if limit is None else min(limit, self.time_cap)
        solution = optarium.solve(problem, solver=self.solver, time_limit=cap, record=False,
                                  threads=self.threads, **params)
        if solution.status == "interrupted":  # the user stopped tuning: no configuration is judged or saved
            raise KeyboardInterrupt
        name = self.names[index]
        penalty = PENALTY_FACTOR * self.time_cap
        if solution.payload is not None and not solution.verified:
            return Outcome(name, solution.seconds, penalty, False, f"answer failed verification: {solution.message}",
                           solution.status)
        if solution.status == "error":
            return Outcome(name, solution.seconds, penalty, False, f"solver error: {solution.message}", solution.status)
        objective = solution.objective
        maximise = problem.sense == "max"
        if solution.verified and objective is not None:
            known = self.best.get(index)
            if solution.status == "optimal" and known is not None:
                worse = (known - objective) if maximise else (objective - known)
                if worse > OBJECTIVE_TOLERANCE * max(1.0, abs(known)):
                    return Outcome(name, solution.seconds, penalty, False,
                                   f"claimed optimal {objective:.10g} but {known:.10g} was verified", solution.status,
                                   objective)
            if known is None or (objective > known if maximise else objective < known):
                self.best[index] = objective
        solved = solution.status in ("optimal", "infeasible", "unbounded")
        cost = solution.seconds if solved else penalty
        return Outcome(name, solution.seconds, cost, solved, "", solution.status, objective)


def _log_cost(outcome: Outcome) -> float:
    return math.log(outcome.cost + SHIFT)


def tune(
    folder: str | Path,
    solver: str = "highs",
    budget: int = 100,
    *,
    time_cap: float = 10.0,
    seed: int = 0,
    name: str | None = None,
    store: Store | str | None = None,
    sampler: str = "auto",
    validation_share: float = 0.3,
    race_slack: float = 1.05,
    adaptive_capping: bool = True,
    threads: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> TuneResult:
    """Tune ``solver`` for the family in ``folder`` with ``budget`` capped training runs; save and return the result.

    Everything is checked before the first solve: a bad folder, a mixed family, an
    unknown solver or a budget below twice the training instances (the defaults and
    one candidate on each) raise and nothing is written.
    """
    from optarium.blackbox.study import Study
    from optarium.learn import tpe  # noqa: F401  (registers the "tpe" sampler)
    from optarium.learn.recognise import COORDINATES
    from optarium.learn.spaces import tunable
    from optarium.solvers import registry
    from optarium.store.base import open_store

    started = time.perf_counter()
    space_of = tunable(solver)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise OptionError("budget", budget, "a positive number of capped training runs")
    if not isinstance(time_cap, int | float) or isinstance(time_cap, bool) or not 0 < time_cap < math.inf:
        raise OptionError("time_cap", time_cap, "a positive number of seconds")
    if not 0 < validation_share < 1:
        raise OptionError("validation_share", validation_share, "a share strictly between 0 and 1")
    if not race_slack >= 1:
        raise OptionError("race_slack", race_slack, "a factor of at least 1")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise OptionError("threads", threads, "a positive number of threads")
    if solver not in registry.installed():
        raise OptionError("solver", solver, f"an installed backend ({', '.join(registry.installed())})")
    _check_study(sampler, seed)
    family = read_family(folder, name)
    if not family.name or any(ch.isspace() for ch in family.name):
        raise OptionError("name", family.name, "a family name without spaces")
    training, validation = split(len(family.problems), seed, validation_share)
    if budget < 2 * len(training):
        raise OptionError(
            "budget", budget,
            f"at least {2 * len(training)}: the defaults and one candidate on each of {len(training)} training instances")
    backend = registry.get(solver)
    for problem in family.problems:
        registry.check(backend, problem)
    handle = open_store(store)
    say = progress or (lambda _text: None)
    names = [file.name for file in family.files]
    runner = Runner(solver, family.problems, names, float(time_cap), threads)

    say(f"training on {len(training)}, validating on {len(validation)} instances; defaults first")
    default_runs = [runner.run(index, {}) for index in training]
    default_logs = [_log_cost(outcome) for outcome in default_runs]
    incumbent: dict[str, Any] = {}
    incumbent_logs = list(default_logs)
    space = space_of.space()
    study = Study.create("tune", space, sampler=sampler, seed=seed, budget=max(1, budget // len(training)),
                        store=f"memory://tune-{uuid.uuid4().hex}")
    configurations = stopped = rejected = capped = 0
    history: list[dict[str, Any]] = [{"params": {}, "runs": len(training), "cost": _cost(default_logs), "end": "defaults"}]
    while budget - runner.runs >= min(2, len(training)):
        (trial,) = study.ask(1)
        params = space_of.changed(trial.params)
        configurations += 1
        logs: list[float] = []
        end = "complete"
        for position, index in enumerate(training):
            if runner.runs >= budget:
                end = "budget"
                break
            seen = position + 1
            limit = _adaptive_cap(logs, incumbent_logs, seen, len(training), race_slack) if adaptive_capping else None
            outcome = runner.run(index, params, limit)
            if outcome.wrong:
                end = f"rejected: {outcome.instance}: {outcome.wrong}"
                break
            if limit is not None and limit < time_cap and not outcome.solved:
                # it cannot catch up with the incumbent any more: stopped, its time so far a lower bound
                logs.append(math.log(limit + SHIFT))
                end = f"stopped after {seen} instances (capped at {limit:.2f} s)"
                capped += 1
                break
            logs.append(_log_cost(outcome))
            behind = sum(logs) - sum(incumbent_logs[:seen])
            if 2 <= seen < len(training) and behind > seen * math.log(race_slack):
                end = f"stopped after {seen} instances"
                break
        if end.startswith("rejected"):
            rejected += 1
            study.tell(trial, failed=True)
        elif logs:
            # the told value is comparable across trials: the defaults' difference on the same instances is taken out
            seen = len(logs)
            value = (sum(logs) - sum(default_logs[:seen])) / seen + sum(default_logs) / len(default_logs)
            study.tell(trial, value)
        else:
            study.tell(trial, failed=True)
        if end.startswith("stopped"):
            stopped += 1
        if end == "complete" and sum(logs) < sum(incumbent_logs):
            incumbent, incumbent_logs = params, logs
            end = "new incumbent"
        history.append({"params": params, "runs": len(logs), "cost": _cost(logs) if logs else None, "end": end})
        say(f"configuration {configurations}: {end} ({runner.runs}/{budget} runs)")

    training_cost = {"default": _cost(default_logs), "tuned": _cost(incumbent_logs)}
    say("validating the defaults" + (" and the tuned configuration" if incumbent else ""))
    default_valid = [runner.run(index, {}) for index in validation]
    kept_default = ""
    if incumbent:
        tuned_valid = [runner.run(index, incumbent) for index in validation]
        wrong = [outcome for outcome in tuned_valid if outcome.wrong]
        if wrong:
            kept_default = f"the tuned configuration was wrong on {wrong[0].instance}: {wrong[0].wrong}"
        elif _cost([_log_cost(o) for o in tuned_valid]) > _cost([_log_cost(o) for o in default_valid]):
            kept_default = "the tuned configuration was slower than the defaults on the validation instances"
    else:
        tuned_valid = default_valid
        kept_default = "no configuration beat the defaults on the training instances"
    validation_cost = {"default": _cost([_log_cost(o) for o in default_valid]),
                       "tuned": _cost([_log_cost(o) for o in tuned_valid])}
    if kept_default and incumbent:
        incumbent = {}
        validation_cost["tuned"] = validation_cost["default"]
    solver_version = backend.version()
    artifact = artifact_name(solver, family.name)
    training_names, validation_names = [names[i] for i in training], [names[i] for i in validation]
    meta: dict[str, Any] = {
        "family": family.name, "difficulty": family.difficulty, "solver": solver, "solver_version": solver_version,
        "params": incumbent, "training_cost": training_cost, "validation_cost": validation_cost,
        "speedup": validation_cost["default"] / validation_cost["tuned"], "kept_default": kept_default,
        "instance_count": len(family.problems), "training": training_names,
        "validation": validation_names, "centroid": family.centroid, "radius": family.radius,
        "coordinates": list(COORDINATES), "budget": budget, "runs": runner.runs, "time_cap": float(time_cap),
        "seed": seed, "sampler": sampler, "sampler_reason": study.sampler_reason, "configurations": configurations,
        "stopped_early": stopped, "rejected": rejected, "race_slack": race_slack,
        "adaptive_capping": adaptive_capping, "capped": capped,
    }
    data = json.dumps({"meta": meta, "history": history}, default=str).encode()
    version = handle.save_artifact(artifact, data, meta)
    return TuneResult(
        artifact, version, family.name, solver, solver_version, incumbent, training_names, validation_names,
        training_cost, validation_cost, configurations, stopped, rejected, runner.runs, budget, kept_default,
        study.sampler_reason, time.perf_counter() - started, history, capped,
    )


def _adaptive_cap(logs: list[float], incumbent_logs: list[float], seen: int, total: int, slack: float) -> float | None:
    """The longest run on the ``seen``-th instance after which the candidate could still go on racing.

    SMAC's adaptive capping: from the second instance on, a run longer than this
    would stop the candidate anyway (behind the incumbent by more than ``slack``
    per instance); on the last instance, one longer than this cannot beat the
    incumbent. ``None`` on the first instance (no stopping there).
    """
    if seen < 2:
        return None
    allowed = sum(incumbent_logs[:seen]) - sum(logs)
    if seen < total:
        allowed += seen * math.log(slack)
    return max(math.exp(allowed) - SHIFT, 0.01)


def _cost(logs: list[float]) -> float:
    """The shifted geometric mean of the costs whose ``log(cost + SHIFT)`` are ``logs``."""
    return math.exp(sum(logs) / len(logs)) - SHIFT


def _check_study(sampler: str, seed: int) -> None:
    """Refuse a sampler or seed the tuning study (one objective, made after the defaults ran) cannot take."""
    from optarium.blackbox.samplers import MULTI_OBJECTIVE, sampler_names
    from optarium.blackbox.settings import StudySettings

    names = [name for name in sampler_names() if name not in MULTI_OBJECTIVE]
    if sampler not in names:
        raise OptionError("sampler", sampler, "one of " + ", ".join(names))
    StudySettings(sampler=sampler, seed=seed)
