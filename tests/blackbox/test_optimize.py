"""``optimize``: errors raised or caught, resuming a named study, the progress display on a terminal."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from optarium.blackbox.errors import StudyExistsError
from optarium.blackbox.optimize import optimize
from optarium.blackbox.study import Study

SPACE = {"x": {"type": "float", "low": -2.0, "high": 2.0}}


def test_an_error_in_the_objective_is_raised_after_its_trial_is_marked_failed(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    calls = []

    def typo(params: dict) -> float:
        calls.append(params)
        return params["y"] ** 2  # a typo: there is no parameter y

    with pytest.raises(KeyError, match="'y'"):
        optimize(typo, SPACE, budget=10, sampler="sobol", seed=0, study_name="typo", store=store)
    assert len(calls) == 1
    assert [t.state for t in Study.load("typo", store=store).trials] == ["failed"]


def test_a_raised_error_tells_the_rest_of_its_batch_first(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"

    def half(params: dict) -> float:
        if params["x"] > 0:
            raise ValueError("out of range")
        return params["x"]

    with pytest.raises(ValueError, match="out of range"):
        optimize(half, SPACE, budget=8, sampler="sobol", seed=0, n_workers=4, study_name="batch", store=store)
    states = [t.state for t in Study.load("batch", store=store).trials]
    assert len(states) == 4 and "pending" not in states and "failed" in states


def test_caught_errors_mark_the_trial_failed_and_the_loop_goes_on() -> None:
    def flaky(params: dict) -> float:
        if params["x"] > 0:
            raise ZeroDivisionError("instrument offline")
        return params["x"] ** 2

    study = optimize(flaky, SPACE, budget=10, sampler="sobol", seed=3, catch=(ZeroDivisionError,))
    states = [t.state for t in study.trials]
    assert len(states) == 10 and "failed" in states and "complete" in states
    with pytest.raises(ZeroDivisionError):  # another type is not caught
        optimize(flaky, SPACE, budget=10, sampler="sobol", seed=3, catch=(KeyError,))


def test_a_named_study_is_resumed_in_its_store_and_a_different_space_refused(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    first = optimize(lambda p: p["x"] ** 2, SPACE, budget=4, sampler="sobol", seed=1, study_name="resume", store=store)
    assert len(first.trials) == 4
    again = optimize(lambda p: p["x"] ** 2, SPACE, budget=3, sampler="sobol", seed=1, study_name="resume", store=store)
    assert len(again.trials) == 7
    assert [t.number for t in again.trials] == list(range(1, 8))
    assert len({t.params["x"] for t in again.trials}) == 7  # resumed, not restarted
    with pytest.raises(StudyExistsError, match="different space"):
        optimize(lambda p: p["z"], {"z": {"type": "int", "low": 0, "high": 3}}, budget=2, study_name="resume", store=store)


SCRIPT = textwrap.dedent("""
    from optarium.blackbox.optimize import optimize
    optimize(lambda p: (p["x"] - 0.5) ** 2, {"x": {"type": "float", "low": -2.0, "high": 2.0}},
             budget=6, sampler="sobol", seed=0, show_progress=True)
    print("done")
""")


def test_the_progress_display_is_drawn_on_a_terminal(python_on_a_terminal: Callable[[str], tuple[int, str, str]]) -> None:
    code, stdout, text = python_on_a_terminal(SCRIPT)
    assert code == 0 and stdout.strip() == "done"
    assert "optimize: trial 6/6" in text and "best " in text and "elapsed" in text


def test_the_progress_display_stays_off_when_stderr_is_not_a_terminal() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "done"
    assert done.stderr == ""


def test_n_trials_is_another_name_for_the_budget() -> None:
    from optarium.errors import OptionError

    study = optimize(lambda p: p["x"] ** 2, SPACE, n_trials=3, sampler="sobol", seed=0)
    same = optimize(lambda p: p["x"] ** 2, SPACE, 3, sampler="sobol", seed=0)
    assert [t.params for t in study.trials] == [t.params for t in same.trials] and len(study.trials) == 3
    with pytest.raises(OptionError, match="n_trials"):
        optimize(lambda p: p["x"] ** 2, SPACE, 3, n_trials=4)
    with pytest.raises(OptionError, match="budget"):
        optimize(lambda p: p["x"] ** 2, SPACE)
