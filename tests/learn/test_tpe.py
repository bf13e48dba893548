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
