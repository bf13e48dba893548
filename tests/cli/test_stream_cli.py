"""`optarium solve-stream`: one run per file with a plan reason; bad input is one line and exit code 2.

The command is mounted here as cli/main.py mounts the others (``command(solve_stream)``).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from optarium.cli.common import command
from optarium.cli.stream import solve_stream
from optarium.learn.generators import generate
from optarium.problem.io import write_problem
from optarium.store.base import open_store

app = typer.Typer()
app.command("solve-stream")(command(solve_stream))
app.command("unused")(lambda: None)  # two commands, so the first is addressed by name as in optarium


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["solve-stream", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_folder_is_solved_in_order_and_each_run_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "stream"
    folder.mkdir()
    for seed in range(3):
        write_problem(generate("multiple_knapsack", seed, n_items=10, n_knapsacks=2), folder / f"mk{seed}.mps")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code, out, err = invoke(str(folder), "--policy", "bandit", "--time-cap", "10", "--compare", "--json", "--store", url)
    assert code == 0, err
    summary = json.loads(out)
    assert [row["instance"] for row in summary["rows"]] == ["mk0", "mk1", "mk2"]
    assert summary["best_fixed"] in summary["totals"] and summary["vs_best_fixed"] > 0
    runs = open_store(url).list_runs(limit=10)
    assert len(runs) == 3 and all(run["plan"]["source"] == "bandit" and run["plan"]["reason"] for run in runs)


def test_an_empty_folder_or_unknown_policy_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    code, _out, err = invoke(str(tmp_path / "empty"), "--store", url)
    assert code == 2 and err.count("\n") == 1 and "has none" in err
    code, _out, err = invoke(str(tmp_path / "missing.mps"), "--store", url)
    assert code == 2 and "an existing folder or file" in err
    code, _out, err = invoke(str(tmp_path / "empty"), "--policy", "greedy", "--store", url)
    assert code == 2 and "policy" in err


def test_a_learning_rate_that_is_not_positive_is_refused_before_any_solve(tmp_path: Path) -> None:
    folder = tmp_path / "stream"
    folder.mkdir()
    write_problem(generate("multiple_knapsack", 0, n_items=10, n_knapsacks=2), folder / "mk0.mps")
    code, _out, err = invoke(str(folder), "--learning-rate", "0", "--store", f"sqlite:///{tmp_path / 'store.db'}")
    assert code == 2 and "option `--learning-rate`" in err and err.count("\n") == 1
    assert not (tmp_path / "store.db").exists()
