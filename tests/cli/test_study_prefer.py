"""`optarium study prefer NAME --weights ...`: after a multi-objective study, the point the learned Pareto set
gives for a trade-off preference, evaluating and writing nothing; bad input is one line, exit code 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.blackbox.study import Study
from optarium.cli.main import app

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}, "y": {"type": "float", "low": 0.0, "high": 1.0}}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with a two-objective study ``two`` (x against 1 - x) and a one-objective study ``one``."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    two = Study.create("two", SPACE, directions=["minimize", "minimize"], sampler="random", seed=3, store=url)
    for trial in two.ask(8):
        two.tell(trial, [trial.params["x"], 1 - trial.params["x"] + trial.params["y"]])
    one = Study.create("one", SPACE, sampler="random", seed=3, store=url)
    for trial in one.ask(4):
        one.tell(trial, trial.params["x"])
    return url


def _digest(store: str) -> str:
    return hashlib.sha256(Path(store.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def test_prefer_gives_the_learned_point_and_predictions_for_a_preference_and_writes_nothing(store: str) -> None:
    before = _digest(store)
    code, out, err = invoke("study", "prefer", "two", "--weights", "0.9,0.1", "--steps", "30", "--json", "--store", store)
    assert code == 0, err
    shown = json.loads(out)
    model = Study.load("two", store).learn_pareto_set(steps=30)
    assert shown == {"study": "two", "weights": [0.9, 0.1], "params": model.suggest([0.9, 0.1]),
                     "predicted": pytest.approx(model.predict([0.9, 0.1]), rel=1e-9)}
    assert _digest(store) == before and len(Study.load("two", store).trials) == 8
    code, out, err = invoke("study", "prefer", "two", "--weights", "1,1", "--steps", "30", "--store", store)
    assert code == 0 and out.startswith("weights 0.5, 0.5 (minimize, minimize): predicted "), err
    assert "x=" in out and "y=" in out


@pytest.mark.parametrize(("name", "weights", "words"), [
    ("two", "1", "option `--weights` must be 2 non-negative weights, one per objective, not all zero, got '1'"),
    ("two", "0,0", "option `--weights` must be 2 non-negative weights"),
    ("two", "-1,2", "option `--weights` must be 2 non-negative weights"),
    ("two", "a,b", "option `--weights` must be 2 non-negative weights"),
    ("two", "nan,1", "option `--weights` must be 2 non-negative weights"),
    ("one", "1,1", "argument NAME must be a study with two or more directions, got 'one'"),
])
def test_prefer_refuses_bad_weights_or_a_study_of_one_objective_in_one_line(store: str, name: str, weights: str,
                                                                            words: str) -> None:
    code, out, err = invoke("study", "prefer", name, "--weights", weights, "--steps", "5", "--store", store)
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("error: ") and words in err, err


def test_prefer_needs_four_complete_feasible_trials(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = Study.create("few", SPACE, directions=["minimize", "maximize"], sampler="random", seed=1, store=url)
    for trial in study.ask(3):
        study.tell(trial, [1.0, 2.0])
    code, _, err = invoke("study", "prefer", "few", "--weights", "1,1", "--store", url)
    assert code == 2 and "argument NAME must be a study with at least 4 complete feasible trials (it has 3)" in err
