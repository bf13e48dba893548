"""The GP sampler's initial design on discrete spaces: sized by the space, enumerated when tiny, ended by signal."""

from __future__ import annotations

import itertools
import statistics

import numpy as np

from optarium.blackbox.design import design_size
from optarium.blackbox.space import Space
from optarium.blackbox.study import Study

CHOICES = ["a", "b", "c", "d", "e", "f"]


def categorical_space(sizes: list[int]) -> dict:
    return {f"p{i}": {"type": "categorical", "choices": CHOICES[:size]} for i, size in enumerate(sizes)}


def test_design_size_follows_the_space() -> None:
    assert design_size(Space.from_dict(categorical_space([6, 6, 6, 6])), 8) == 5
    assert design_size(Space.from_dict(categorical_space([3])), 4) == 3
    continuous = Space.from_dict({"x": {"type": "float", "low": 0, "high": 1}, "y": {"type": "float", "low": 0, "high": 1}})
    assert design_size(continuous, 4) == 4


def test_a_space_no_larger_than_the_design_is_enumerated_without_repeats() -> None:
    study = Study.create("tiny", categorical_space([3]), sampler="gp", seed=5, store="memory://")
    seen = []
    for _ in range(3):
        (trial,) = study.ask()
        seen.append(trial.params["p0"])
        study.tell(trial, float(CHOICES.index(trial.params["p0"])))
    assert sorted(seen) == ["a", "b", "c"]


def additive(params: dict) -> float:
    """Strong structure: each parameter adds its choice's index."""
    return float(sum(CHOICES.index(v) for v in params.values()))


def test_the_design_ends_early_once_the_model_predicts_the_results() -> None:
    space = categorical_space([6, 6, 6, 6, 6])  # design of 6 points
    study = Study.create("signal", space, sampler="gp", seed=2, store="memory://")
    for _ in range(6):
        (trial,) = study.ask()
        study.tell(trial, additive(trial.params))
    samplers = [t.sampler for t in study.trials]
    assert "gp" in samplers, samplers


def test_auto_needs_no_more_experiments_than_random_on_a_table_where_good_points_are_common() -> None:
    """A 6x6x6 table (216 rows) whose top 10% auto should find no slower than random search does."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=6) for _ in range(3)]
    table = {key: float(sum(w[CHOICES.index(k)] for w, k in zip(weights, key, strict=True)) + 0.3 * rng.normal())
             for key in itertools.product(CHOICES, repeat=3)}
    threshold = float(np.quantile(list(table.values()), 0.9))
    top = sum(v >= threshold for v in table.values())
    counts = []
    for seed in range(6):
        study = Study.create("table", categorical_space([6, 6, 6]), direction="maximize", seed=seed, store="memory://")
        while len(study.trials) < 60:
            (trial,) = study.ask()
            value = table[tuple(trial.params[f"p{i}"] for i in range(3))]
            study.tell(trial, value)
            if value >= threshold:
                break
        counts.append(len(study.trials))
    assert statistics.mean(counts) <= (len(table) + 1) / (top + 1), counts
