"""The GP sampler's initial design on discrete spaces: sized by the space, enumerated when tiny, ended by signal."""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pytest

from optarium.blackbox.design import design_size, expected_improvement, random_improvement
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


def test_expected_improvement_matches_its_closed_form_and_a_quadrature() -> None:
    assert expected_improvement(0.0, 0.0, 1.0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert expected_improvement(1.0, 3.0, 0.0) == 0.0
    assert expected_improvement(3.0, 1.0, 0.0) == 2.0
    grid = np.linspace(-12.0, 12.0, 200_001)
    density = np.exp(-0.5 * ((grid - 0.7) / 1.3) ** 2) / (1.3 * math.sqrt(2 * math.pi))
    quadrature = float(np.sum(np.maximum(0.0, -0.4 - grid) * density) * (grid[1] - grid[0]))
    assert expected_improvement(-0.4, 0.7, 1.3) == pytest.approx(quadrature, rel=1e-6)


def test_a_random_point_is_judged_by_the_spread_of_earlier_random_results() -> None:
    assert random_improvement(0.0, np.array([1.0])) is None
    narrow = random_improvement(-1.0, np.array([-0.1, 0.0, 0.1]))
    wide = random_improvement(-1.0, np.array([-3.0, 0.0, 3.0]))
    assert narrow is not None and wide is not None and wide > 10 * narrow


def run_table(table: dict, sizes: list[int], seed: int, asks: int) -> list:
    study = Study.create("table", categorical_space(sizes), seed=seed, budget=asks, store="memory://")
    for _ in range(asks):
        (trial,) = study.ask()
        study.tell(trial, table[tuple(trial.params[f"p{i}"] for i in range(len(sizes)))])
    return study.trials


def test_on_results_without_structure_the_sampler_takes_random_order_picks() -> None:
    """Independent random results: the GP's picks expect no more than random ones, so some asks follow the random order."""
    rng = np.random.default_rng(3)
    table = {key: float(rng.standard_t(2)) for key in itertools.product(CHOICES, repeat=3)}
    trials = run_table(table, [6, 6, 6], seed=1, asks=16)
    assert any(t.info.get("order") == "random" for t in trials), [t.sampler for t in trials]
    assert len({tuple(t.params.values()) for t in trials}) == len(trials)  # random picks skip tried points


def test_on_strongly_structured_results_the_model_keeps_its_asks() -> None:
    """An additive table the GP learns from a few results: the model's picks expect more than random ones."""
    table = {key: additive(dict(enumerate(key))) for key in itertools.product(CHOICES, repeat=3)}
    trials = run_table(table, [6, 6, 6], seed=1, asks=16)
    model = [t for t in trials if t.sampler == "gp"]
    assert len(model) >= 8 and sum(t.info.get("order") == "random" for t in model) <= len(model) // 4, \
        [t.info.get("order", t.sampler) for t in trials]


def test_on_an_enumerated_space_log_ei_is_averaged_over_hyperparameter_draws() -> None:
    """The model's asks there say so, and a study with the same seed and results asks the same points."""
    table = {key: additive(dict(enumerate(key))) for key in itertools.product(CHOICES, repeat=3)}
    first, second = (run_table(table, [6, 6, 6], seed=2, asks=10) for _ in range(2))
    model = [t for t in first if t.sampler == "gp" and "order" not in t.info]
    assert model and all(t.info["acquisition"] == "log_ei_integrated" for t in model)
    assert [t.params for t in first] == [t.params for t in second]


def test_auto_says_why_on_an_enumerated_space() -> None:
    study = Study.create("reason", categorical_space([6, 6, 6]), sampler="auto", seed=0, store="memory://")
    assert study.sampler_reason.startswith("gp after a Sobol design of up to 4 points: 3 discrete parameters and 216 points")
    assert "averaged over hyper-parameter draws" in study.sampler_reason
