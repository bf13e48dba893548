"""``optarium robust`` through a real subprocess: JSON, the record, progress lines, bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.store.base import open_store

from .conftest import knapsack_text
from .problems import short

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def _robust(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "robust", *args], capture_output=True, text=True, timeout=120)


def test_robust_json_reports_the_verified_worst_case_and_records_the_run(tmp_path: Path) -> None:
    path = tmp_path / "small"
    path.write_text(knapsack_text(5, 9, gamma=2))
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = _robust(str(path), "--method", "exact", "--time-limit", "20", "--seed", "3", "--json", "--store", store)
    assert (done.returncode, done.stderr) == (0, "")
    out = json.loads(done.stdout)
    # the plan says why: the kind's planner chose branch-and-price for the knapsack structure; the check and the read are timed
    assert out["plan"]["source"] == "rules" and "branch-and-price" in out["plan_reason"]
    assert {"read", "check", "plan", "solve", "verify"} <= set(out["timings"])
    assert out["kind"] == "robust" and out["status"] == "optimal" and out["verified"] is True
    assert out["solver"] == "ccg" and out["sense"] == "max" and set(out["x"]) == {f"x[{i}]" for i in range(5)}
    assert out["objective"] == pytest.approx(out["method_objective"], abs=1e-6) and out["gap"] == pytest.approx(0, abs=1e-6)
    assert len(out["worst_scenario"]) == 5 and sum(out["worst_scenario"].values()) <= 2 + 1e-6
    run = open_store(store).get_run(out["run_id"])
    assert run["kind"] == "robust" and run["verified"] and run["objective"] == pytest.approx(out["objective"])
    assert run["extra"]["x"] == list(out["x"].values())
    assert run["params"] == {"time_limit": 20.0, "seed": 3}
    assert run["timings"]["read"] == pytest.approx(out["timings"]["read"], abs=1e-6)  # the read is kept with the run


def test_the_learned_summary_shows_the_training_time_and_what_the_network_learned_from(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    path = tmp_path / "p.robust.json"
    path.write_text(json.dumps(short(upper=10).build().to_dict()))
    done = CliRunner().invoke(app, ["robust", str(path), "--method", "learned", "-t", "1", "--no-record"])
    assert done.exit_code == 0, done.stderr
    assert re.search(r"neur2ro \(.*\), \d+ iterations, training \d+\.\d\ds \+ \d+\.\d\ds \+ verification", done.stdout), done.stdout
    assert "value network trained on 400 sampled (decision, scenario) pairs" in done.stdout


def test_quiet_prints_nothing_and_keeps_the_exit_code(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    path = tmp_path / "p.robust.json"
    path.write_text(json.dumps(short(upper=10).build().to_dict()))
    done = CliRunner().invoke(app, ["robust", str(path), "--quiet", "--no-record", "-t", "10"])
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")
    path.write_text(json.dumps(short(upper=10, at_least=5).build().to_dict()))  # no first-stage decision: infeasible
    done = CliRunner().invoke(app, ["robust", str(path), "--quiet", "--no-record", "-t", "10"])
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")  # proved infeasible: an answer


def test_robust_prints_a_summary_and_no_progress_into_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "small.rkp"
    path.write_text(knapsack_text(5, 3, gamma=2))
    done = _robust(str(path), "-t", "20", "--no-record")
    assert (done.returncode, done.stderr) == (0, "")  # the live progress line is for a terminal (tests/cli/test_robust_progress.py)
    assert "verified" in done.stdout and "worst case" in done.stdout
    assert "branch-and-price" in done.stdout


def _write(problem, path: Path) -> Path:  # type: ignore[no-untyped-def]
    path.write_text(json.dumps(problem.to_dict(), allow_nan=True))
    return path


@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d["uncertainty"].update(lower=[7.0]), "the uncertainty set is empty: 'demand[0]' has lower=7.0 > upper=6.0"),
    (lambda d: d["uncertainty"].update(upper=[float("inf")]), "the uncertainty set is unbounded: 'demand[0]'"),
    (lambda d: d.update(cy=[3.0, 1.0]), "mismatched dimensions: `cy` must have shape (1,)"),
    (lambda d: None, "the recourse is infeasible for scenario (demand[0]="),
])
def test_bad_input_is_one_line_exit_2_and_nothing_recorded(tmp_path: Path, edit, words: str) -> None:  # type: ignore[no-untyped-def]
    data = short(upper=2).build().to_dict()
    edit(data)
    path = tmp_path / "bad.robust.json"
    path.write_text(json.dumps(data))
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = _robust(str(path), "-t", "10", "--store", store)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and done.stdout == ""
    assert open_store(store).count_runs() == 0


@pytest.mark.parametrize(("args", "words"), [
    (["--method", "fast"], "`--method` must be one of exact, learned"),
    (["--format", "mps"], "`--format` must be one of knapsack, capital_budgeting, json"),
    (["--time-limit", "0"], "`--time-limit` must be a positive number"),
])
def test_bad_options_are_named_by_their_flag(tmp_path: Path, args: list[str], words: str) -> None:
    path = tmp_path / "small"
    path.write_text(knapsack_text(3, 1))
    done = _robust(str(path), *args)
    assert done.returncode == 2 and words in done.stderr


def test_the_learned_method_answers_a_verified_decision_with_exit_0(tmp_path: Path) -> None:
    # in this process and on 20 training pairs (samples in --config): the answer is verified however rough the network
    path = tmp_path / "small.rkp"
    path.write_text(knapsack_text(4, 5, gamma=1))
    config = tmp_path / "robust.toml"
    config.write_text("samples = 20\n")
    done = CliRunner().invoke(app, ["robust", str(path), "--method", "learned", "-t", "5", "--json", "--config",
                                    str(config), "--store", f"sqlite:///{tmp_path / 'r.db'}"])
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert "trained on 20 sampled" in out["plan_reason"]
    assert out["solver"] == "neur2ro" and out["status"] == "feasible" and out["verified"] and out["bound"] is None
    assert out["plan"]["source"] == "learned" and "value network trained on" in out["plan_reason"]
    assert open_store(f"sqlite:///{tmp_path / 'r.db'}").get_run(out["run_id"])["params"] == {
        "time_limit": 5.0, "seed": 0, "samples": 20}  # the run keeps how many pairs its network saw


def test_samples_below_ten_in_the_settings_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "small.rkp"
    path.write_text(knapsack_text(4, 5, gamma=1))
    config = tmp_path / "robust.toml"
    config.write_text("samples = 5\n")
    done = _robust(str(path), "--method", "learned", "--config", str(config), "--no-record")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {config}: setting `samples` must be an integer of at least 10, got 5\n"
