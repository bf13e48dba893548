"""Optuna's TPE as the study sampler "tpe": registered once, and it learns where the loss is low."""

from __future__ import annotations

import uuid

import pytest

pytest.importorskip("optuna")

from optarium.blackbox.samplers import sampler_names
from optarium.blackbox.space import Space
from optarium.blackbox.study import Study
from optarium.learn import tpe


def test_tpe_is_registered_once_and_studies_accept_it() -> None:
    tpe.register()
    assert sampler_names().count("tpe") == 1


def test_tpe_moves_towards_the_minimum_of_a_bowl() -> None:
    space = Space.from_dict({"x": {"type": "float", "low": -1.0, "high": 1.0}})
    study = Study.create("bowl", space, sampler="tpe", seed=0, store=f"memory://tpe-{uuid.uuid4().hex}")
    values = []
    for _ in range(40):
        (trial,) = study.ask(1)
        value = (trial.params["x"] - 0.3) ** 2
        study.tell(trial, value)
        values.append(value)
    assert min(values[20:]) < 1e-3
    assert sum(values[30:]) / 10 < sum(values[:10]) / 10


def test_tune_runs_with_the_tpe_sampler_and_records_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from optarium.learn.generators import generate
    from optarium.learn.tune import tune
    from optarium.problem.io import write_problem

    folder = tmp_path / "mk"
    folder.mkdir()
    for seed in range(3):
        write_problem(generate("multiple_knapsack", seed, n_items=10, n_knapsacks=2), folder / f"mk{seed}.mps")
    result = tune(folder, "highs", budget=6, time_cap=5, seed=0, sampler="tpe",
                  store=f"memory://tpe-tune-{uuid.uuid4().hex}")
    assert result.sampler_reason == "tpe chosen by the user"
    assert result.configurations >= 1 and result.runs <= 6 + len(result.validation) * 2
