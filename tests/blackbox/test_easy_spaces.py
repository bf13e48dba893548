"""``auto`` on small discrete spaces: once the results stop improving, Thompson draws over the untried points."""

from __future__ import annotations

import itertools

import numpy as np

from optarium.blackbox.auto import STALL_ASKS
from optarium.blackbox.study import Study

CHOICES = ["a", "b", "c", "d", "e", "f"]
SPACE = {f"p{i}": {"type": "categorical", "choices": CHOICES} for i in range(3)}


def table(seed: int) -> dict[tuple[str, ...], float]:
    """A 6x6x6 table (216 rows): additive effects plus noise."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=6) for _ in range(3)]
    return {key: float(sum(w[CHOICES.index(k)] for w, k in zip(weights, key, strict=True)) + 0.3 * rng.normal())
            for key in itertools.product(CHOICES, repeat=3)}


def key(trial) -> tuple[str, ...]:
    return tuple(trial.params[f"p{i}"] for i in range(3))


def run(seed: int, asks: int, values: dict[tuple[str, ...], float]) -> Study:
    study = Study.create("easy", SPACE, sampler="auto", direction="maximize", seed=seed, store="memory://")
    for _ in range(asks):
        (trial,) = study.ask()
        study.tell(trial, values[key(trial)])
    return study


def told_in_order(values: list[float]) -> Study:
    """A study told ``values`` in turn, whatever it asks."""
    study = Study.create("order", SPACE, sampler="auto", direction="maximize", seed=4, store="memory://")
    for value in values:
        (trial,) = study.ask()
        study.tell(trial, value)
    return study


def acquisitions(study: Study) -> list[str]:
    return [t.info.get("acquisition", "") for t in study.trials if t.sampler == "gp"]


def test_once_results_stop_improving_auto_asks_thompson_draws_without_repeats() -> None:
    study = told_in_order([10.0 - i + 0.1 * (i % 3) for i in range(12)])  # the first result stays the best
    steps = [t.info.get("acquisition") for t in study.trials if t.sampler == "gp" and t.number > STALL_ASKS + 1]
    assert steps and set(steps) == {"thompson"}, steps
    assert len({key(t) for t in study.trials}) == len(study.trials)


def test_while_results_keep_improving_auto_asks_log_ei() -> None:
    study = told_in_order([float(i) + 0.1 * (i % 3) for i in range(10)])
    steps = acquisitions(study)
    assert steps and "thompson" not in steps, steps


def test_a_batch_of_thompson_draws_holds_distinct_untried_points() -> None:
    study = told_in_order([10.0 - i for i in range(6)])
    batch = study.ask(5)
    assert {t.info.get("acquisition") for t in batch} == {"thompson"}
    keys = [key(t) for t in batch]
    assert len(set(keys)) == 5
    assert not set(keys) & {key(t) for t in study.trials if t.state == "complete"}


def test_the_same_seed_asks_the_same_points() -> None:
    values = table(2)
    first, second = run(3, 10, values), run(3, 10, values)
    assert [key(t) for t in first.trials] == [key(t) for t in second.trials]


def test_the_reason_auto_records_names_the_thompson_draws_on_a_small_discrete_space_only() -> None:
    discrete = Study.create("why", SPACE, sampler="auto", store="memory://")
    continuous = Study.create("why", {"x": {"type": "float", "low": 0, "high": 1}}, sampler="auto", store="memory://")
    assert "Thompson" in discrete.sampler_reason
    assert "Thompson" not in continuous.sampler_reason
