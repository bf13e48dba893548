"""A study's best trial, summary, Pareto front and hypervolume read lean: the same answers on memory,
a SQLite file and PostgreSQL as the definitions computed from every trial."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from optarium.blackbox.base import Trial
from optarium.blackbox.multiobjective import hypervolume_history, inferred_reference
from optarium.blackbox.study import Study
from optarium.errors import NotFoundError
from optarium.store.base import Store
from optarium.store.study_reads import trial_counts

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}, "k": {"type": "categorical", "choices": ["a", "b"]}}


def told(study: Study, results: list[tuple[Any, float | None]]) -> None:
    """Ask one trial per result and tell it: a value (a list for several objectives) and a feasibility,
    ``"failed"``, or ``None`` to leave it pending."""
    for value, feasibility in results:
        (trial,) = study.ask()
        if value == "failed":
            study.tell(trial, failed=True)
        elif value is not None:
            study.tell(trial, value, feasibility=feasibility)


def best_by_definition(trials: list[Trial], direction: str) -> Trial | None:
    sign = 1.0 if direction == "minimize" else -1.0
    feasible = [t for t in trials if t.state == "complete" and t.value is not None and t.feasible]
    return min(feasible, key=lambda t: (sign * (t.value or 0.0), t.number), default=None)


def front_by_definition(trials: list[Trial], directions: tuple[str, ...]) -> list[int]:
    signs = np.array([1.0 if d == "minimize" else -1.0 for d in directions])
    feasible = [t for t in trials if t.state == "complete" and t.values is not None and t.feasible]
    losses = [np.array(t.values) * signs for t in feasible]
    return [t.number for t, loss in zip(feasible, losses, strict=True)
            if not any(np.all(other <= loss) and np.any(other < loss) for other in losses)]


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_the_best_trial_and_summary_match_every_trial_read_whole(store: Store, direction: str) -> None:
    study = Study.create("one", SPACE, sampler="random", seed=3, direction=direction, store=store)
    assert study.best is None and study.summary()["trials"] == {"pending": 0, "complete": 0, "failed": 0}
    # ties at both ends (the lowest number wins), an infeasible extreme, a failed and a pending trial
    told(study, [(2.0, None), (-1.0, 0.0), (5.0, None), (-9.0, 0.5), (9.0, 1.0), ("failed", None), (5.0, -1.0),
                 (-1.0, None), (None, None), (0.5, None)])
    trials = study.trials
    expected = best_by_definition(trials, direction)
    assert expected is not None and expected.number == (2 if direction == "minimize" else 3)
    assert study.best == expected
    summary = Study.load("one", store).summary()
    assert summary["best"] == expected.to_dict()
    assert summary["trials"] == {"pending": 1, "complete": 8, "failed": 1}
    rows = store.list_trials(study._id)
    assert summary["last_activity"] == max(when for row in rows for when in (row["created_at"], row["finished_at"])
                                           if when is not None)
    sign = 1.0 if direction == "minimize" else -1.0
    complete = [t for t in trials if t.state == "complete"]
    running = [min(sign * (t.value or 0.0) for t in complete[: i + 1] if t.feasible) for i in range(len(complete))]
    assert study.best_so_far() == [(i + 1, sign * best) for i, best in enumerate(running)]


def test_only_infeasible_trials_have_no_best(store: Store) -> None:
    study = Study.create("infeasible", SPACE, sampler="random", seed=1, store=store)
    told(study, [(1.0, 2.0), (0.0, 0.1)])
    assert study.best is None and study.summary()["best"] is None and study.best_so_far() == []


def test_the_pareto_front_reference_and_hypervolume_match_every_trial_read_whole(store: Store) -> None:
    directions = ("minimize", "maximize")
    study = Study.create("two", SPACE, sampler="random", seed=5, directions=list(directions), store=store)
    rng = np.random.default_rng(0)
    results: list[tuple[Any, float | None]] = [([float(a), float(b)], None) for a, b in rng.integers(0, 6, size=(25, 2))]
    results += [([0.0, 9.0], 1.0), ("failed", None), (None, None), ([1.0, 5.0], -2.0), ([1.0, 5.0], None)]
    told(study, results)
    trials = study.trials
    front = study.pareto_front
    assert [t.number for t in front] == front_by_definition(trials, directions)
    assert front == [t for t in trials if t.number in {f.number for f in front}]  # whole trials, params and all
    assert study.best == front
    assert Study.load("two", store).summary()["best"] == [t.to_dict() for t in front]
    assert study.reference_point() == inferred_reference(trials, directions)
    history = hypervolume_history(trials, directions)
    assert study.hypervolume_history() == history
    assert study.hypervolume() == history[-1][1] > 0
    assert study.hypervolume([7.0, -1.0]) == hypervolume_history(trials, directions, [7.0, -1.0])[-1][1]


def test_a_study_without_told_values_has_no_front_and_no_volume(store: Store) -> None:
    study = Study.create("empty", SPACE, sampler="random", seed=5, directions=["minimize", "minimize"], store=store)
    told(study, [("failed", None), (None, None)])
    assert study.pareto_front == [] and study.hypervolume() == 0.0 and study.reference_point() is None
    assert study.summary()["trials"] == {"pending": 1, "complete": 0, "failed": 1}
    told(study, [([1.0, 2.0], 3.0)])  # told, but infeasible: a reference point, still no front
    assert study.pareto_front == [] and study.hypervolume() == 0.0 and study.reference_point() is not None
    assert math.isclose(study.reference_point()[0], 1.1)  # type: ignore[index]


def test_the_counts_of_a_deleted_study_are_not_found(store: Store) -> None:
    study = Study.create("gone", SPACE, sampler="random", seed=1, store=store)
    study_id = study._id
    study.delete()
    with pytest.raises(NotFoundError):
        trial_counts(store, study_id)


def test_the_front_hypervolume_and_reference_from_one_read_are_those_asked_one_by_one(store: Store) -> None:
    study = Study.create("once", SPACE, sampler="random", seed=5, directions=["maximize", "minimize"], store=store)
    assert study.front_and_hypervolume() == ([], 0.0, None)
    told(study, [([1.0, 1.0], None), ([2.0, 3.0], None), ([0.5, 0.2], None), ([3.0, 9.0], 1.0), ("failed", None)])
    assert study.front_and_hypervolume() == (study.pareto_front, study.hypervolume(), study.reference_point())
    front, volume, inferred = study.front_and_hypervolume([0.0, 5.0])
    assert (front, volume, inferred) == (study.pareto_front, study.hypervolume([0.0, 5.0]), study.reference_point())
