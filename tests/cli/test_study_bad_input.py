"""`optarium study` and `study propose` refuse bad input with one line naming the flag, exit code 2, nothing written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.blackbox.table import read_table
from optarium.cli.main import app
from optarium.cli.study_offline import _untried_count

SPACE = "x: {type: float, low: 0.0, high: 1.0}\ny: {type: int, low: 1, high: 3}\n"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def assert_refused(done: tuple[int, str, str], words: str) -> None:
    code, out, err = done
    assert code == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("error: ") and words in err, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("flags", "words"), [
    (["--directions", "maximize,upward"], "option `--directions` must be a list of 'minimize' and 'maximize' only"),
    (["--direction", "up"], "option `--direction` must be 'minimize' or 'maximize', got 'up'"),
    (["--sampler", "magic"], "option `--sampler` must be one of"),
])
def test_a_bad_create_flag_is_named_as_a_flag_and_creates_nothing(tmp_path: Path, flags: list[str], words: str) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = tmp_path / "s.db"
    assert_refused(invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), *flags,
                          "--store", f"sqlite:///{store}"), words)
    assert not store.exists()


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "past.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "flags", "words"), [
    ("a,b,value\nx,p,1\ny,p,2\nx,q,3\n", ["--k", "2"], "option `--k` must be at most 1, the points of the space the table has not tried"),
    ("a,value\nx,1\nx,2\n", ["--k", "1"], "past.csv: already holds every point of its space; there is nothing new to propose"),
    ("t,value\n1.5,1\n2.5,2\n", ["--k", "100000000"], "option `--k` must be at most 1,000"),
    ("t,value\n1.5,1\n2.5,2\n", ["--k", "0"], "option `--k` must be a positive integer"),
    ("t,value\n1.5,1\n2.5,2\n", ["--method", "magic"], "option `--method` must be one of batch, ignite, root, naive, random"),
    ("t,t,value\n1.5,1,1\n2.5,2,2\n", [], "past.csv: has the column 't' more than once"),
    ("t,value\n1.5,1\n,2\n3.5,3\n", [], "past.csv: column 't' has no value in row 3"),
])
def test_propose_refuses_a_table_or_k_it_cannot_serve(tmp_path: Path, text: str, flags: list[str], words: str) -> None:
    path = _table(tmp_path, text)
    before = digest(path)
    assert_refused(invoke("study", "propose", "--from-table", str(path), *flags), words)
    assert digest(path) == before


def test_the_untried_count_bounds_k_on_a_small_discrete_space_only(tmp_path: Path) -> None:
    space, rows, _ = read_table(_table(tmp_path, "a,b,value\nx,p,1\ny,p,2\nx,q,3\nx,q,4\n"))
    assert _untried_count(space, rows) == 1  # 2 x 2 points, 3 of them tried (one twice)
    space, rows, _ = read_table(_table(tmp_path, "t,value\n1.5,1\n2.5,2\n"))
    assert _untried_count(space, rows) is None


def test_ask_for_no_trials_names_the_flag(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--store", store)[0] == 0
    assert_refused(invoke("study", "ask", "s", "--n", "0", "--store", store), "option `--n` must be a positive integer, got 0")


def test_best_json_stays_json_when_the_hypervolume_overflows(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--directions", "maximize,minimize",
                  "--sampler", "random", "--store", store)[0] == 0
    assert invoke("study", "ask", "s", "--n", "2", "--store", store)[0] == 0
    assert invoke("study", "tell", "s", "1", "1e308", "-1e308", "--store", store)[0] == 0
    assert invoke("study", "tell", "s", "2", "-1e308", "1e308", "--store", store)[0] == 0
    code, out, err = invoke("study", "best", "s", "--json", "--store", store)
    assert code == 0, err
    shown = json.loads(out)
    assert [t["trial_id"] for t in shown["pareto_front"]] == [1] and shown["hypervolume"] is None


def test_a_direction_flag_overrides_the_objectives_of_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    (tmp_path / "study.toml").write_text('directions = ["maximize", "minimize"]\n')
    code, out, err = invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--config",
                            str(tmp_path / "study.toml"), "--direction", "maximize", "--json",
                            "--store", f"sqlite:///{tmp_path / 's.db'}")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["direction"] == "maximize" and "directions" not in shown


def test_tell_with_a_value_and_failed_names_the_flag_and_tells_nothing(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--store", store)[0] == 0
    assert invoke("study", "ask", "s", "--store", store)[0] == 0
    done = invoke("study", "tell", "s", "1", "3.5", "--failed", "--store", store)
    assert_refused(done, "trial 1: give a VALUE or --failed, not both (got 3.5)")
    code, out, _ = invoke("study", "show", "s", "--json", "--store", store)
    assert code == 0 and json.loads(out)["trials"] == {"pending": 1, "complete": 0, "failed": 0}


@pytest.mark.parametrize("feasibility", ["nan", "inf", "-inf", "abc"])
def test_tell_with_a_feasibility_that_is_not_finite_names_the_flag_and_tells_nothing(tmp_path: Path,
                                                                                    feasibility: str) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--store", store)[0] == 0
    assert invoke("study", "ask", "s", "--store", store)[0] == 0
    done = invoke("study", "tell", "s", "1", "3.5", "--feasibility", feasibility, "--store", store)
    assert_refused(done, f"option `--feasibility` must be a finite number (<= 0: feasible; a failed run is told with "
                         f"--failed), got {feasibility!r}")
    code, out, _ = invoke("study", "show", "s", "--json", "--store", store)
    assert code == 0 and json.loads(out)["trials"] == {"pending": 1, "complete": 0, "failed": 0}


def test_an_infeasible_trial_is_said_so_when_told_and_best_says_no_feasible_trial(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--store", store)[0] == 0
    assert invoke("study", "ask", "s", "--store", store)[0] == 0
    assert invoke("study", "tell", "s", "1", "3", "--feasibility", "2", "--store", store)[1] == (
        "trial 1: complete, value 3, infeasible (feasibility 2 > 0)\n")
    assert invoke("study", "best", "s", "--store", store)[1] == "no complete feasible trial yet (1 complete, all infeasible)\n"


@pytest.mark.parametrize("told", ["1,2", "1 2", "1;2"])
def test_values_in_one_argument_are_refused_with_how_to_give_several(tmp_path: Path, told: str) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--directions", "minimize,maximize",
                  "--store", store)[0] == 0
    assert invoke("study", "ask", "s", "--store", store)[0] == 0
    assert_refused(invoke("study", "tell", "s", "1", told, "--store", store),
                   f"trial 1: value must be a number, got {told!r}; give one value per objective, each its own "
                   "argument: tell NAME ID V1 V2 ...")


def test_asking_past_the_points_of_a_small_space_notes_the_repeats(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text("c: {type: categorical, choices: [a, b]}\nn: {type: int, low: 1, high: 2}\n")
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--sampler", "sobol", "--seed", "1",
                  "--store", store)[0] == 0
    code, out, err = invoke("study", "ask", "s", "--n", "4", "--json", "--store", store)
    assert code == 0 and len(json.loads(out)) == 4 and err == ""
    code, out, err = invoke("study", "ask", "s", "--n", "2", "--json", "--store", store)
    assert code == 0 and [t["trial_id"] for t in json.loads(out)] == [5, 6]
    assert err == "note: the space has 4 points; trials 5, 6 repeat points asked before\n"


def test_a_parameter_plot_of_several_objectives_without_objective_says_the_flag_is_missing(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--directions", "minimize,maximize",
                  "--sampler", "random", "--store", store)[0] == 0
    assert invoke("study", "ask", "s", "--n", "2", "--store", store)[0] == 0
    assert invoke("study", "tell", "s", "1", "1", "2", "--store", store)[0] == 0
    done = invoke("study", "plot", "s", "--kind", "importance", "-o", str(tmp_path / "p.png"), "--store", store)
    assert_refused(done, "missing option `--objective`: an objective number from 1 to 2: an importance plot shows one "
                         "value and study 's' has 2\n")
    assert not (tmp_path / "p.png").exists()


def test_ask_for_more_trials_than_one_batch_holds_names_the_limit(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    assert invoke("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--store", store)[0] == 0
    assert_refused(invoke("study", "ask", "s", "--n", "100000", "--store", store),
                   "option `--n` must be at most 1,000 (one batch, as over HTTP; ask again for more), got 100000")
    code, out, _ = invoke("study", "show", "s", "--json", "--store", store)
    assert code == 0 and json.loads(out)["trials"]["pending"] == 0


def test_load_if_exists_notes_the_given_settings_the_loaded_study_keeps_instead(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    create = ("study", "create", "s", "--space", str(tmp_path / "space.yaml"), "--store", store, "--load-if-exists")
    assert invoke(*create, "--sampler", "random", "--seed", "4")[0] == 0
    code, out, err = invoke(*create, "--sampler", "sobol", "--seed", "4", "--budget", "30", "--json")
    assert code == 0 and json.loads(out)["sampler"] == "random"
    assert err == "note: study 's' exists and keeps its sampler random (not sobol) and budget none (not 30)\n"
    code, _, err = invoke(*create, "--sampler", "random", "--seed", "4")
    assert code == 0 and err == ""
