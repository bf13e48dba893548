"""`optarium solve A B C --jobs N`: each file solved, verified and recorded as its own run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from optarium.store.base import open_store

from ..conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MODELS = [str(EXAMPLES / name) for name in ("knapsack.lp", "production.mps", "infeasible.lp")]


def run(*args: str, store: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": store}
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120)


def test_many_files_in_two_workers_are_each_a_verified_run(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    done = run("solve", *MODELS, "--jobs", "2", "--json", store=store)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [row["file"] for row in rows] == MODELS
    assert [row["status"] for row in rows] == ["optimal", "optimal", "infeasible"]
    assert rows[0]["objective"] == 32 and rows[0]["verified"] and rows[1]["verified"]
    run_ids = [row["run_id"] for row in rows]
    assert len(set(run_ids)) == 3 and None not in run_ids
    recorded = open_store(store)
    assert recorded.count_runs() == 3
    assert recorded.get_run(rows[1]["run_id"])["status"] == "optimal"


def test_a_bad_file_is_reported_in_its_row_and_the_others_still_solve(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    broken = tmp_path / "broken.lp"
    broken.write_text("Minimize\n obj: x\nSubject To\n c1: x >=\nEnd\n")
    done = run("solve", MODELS[0], str(broken), MODELS[1], "--json", store=store)
    assert done.returncode == 2
    rows = json.loads(done.stdout)
    assert [row["status"] for row in rows] == ["optimal", "bad_input", "optimal"]
    assert str(broken) in rows[1]["message"] and rows[1]["run_id"] is None
    assert set(rows[1]) == set(rows[0])  # one schema for every row
    assert open_store(store).count_runs() == 2


def test_the_summary_table_names_each_file_and_run(tmp_path: Path) -> None:
    done = run("solve", *MODELS[:2], "--jobs", "2", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0]
    assert all(column in header for column in ("file", "status", "objective", "verified", "seconds", "run id"))
    assert "knapsack" in done.stdout and "production" in done.stdout and "-1671.428571" in done.stdout


def test_output_with_many_files_must_be_an_existing_folder(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    done = run("solve", *MODELS[:2], "-o", str(tmp_path / "out.sol"), store=store)
    assert done.returncode == 2 and "an existing folder" in done.stderr
    assert not (tmp_path / "s.db").exists() or open_store(store).count_runs() == 0
    folder = tmp_path / "answers"
    folder.mkdir()
    done = run("solve", *MODELS, "-o", str(folder), "-q", store=store)
    assert done.returncode == 0 and done.stdout == ""
    assert sorted(path.name for path in folder.iterdir()) == ["infeasible.lp.sol", "knapsack.lp.sol", "production.mps.sol"]
    assert (folder / "knapsack.lp.sol").read_text().startswith("=obj= 32.0")
    assert (folder / "infeasible.lp.sol").read_text().startswith("=status= infeasible")


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    done = run("solve", *MODELS, "--jobs", "0", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 2 and "--jobs" in done.stderr


def test_ctrl_c_in_a_batch_keeps_each_running_files_best_answer(tmp_path: Path, market_split: Callable[..., Path]) -> None:
    """SIGINT to the command alone (``kill -INT PID``), passed on to the workers, stops the running solves, which
    keep their points (test_solve_many_signals.py: Ctrl-C to the whole group, and the workers ending with the command)."""
    store = f"sqlite:///{tmp_path / 's.db'}"
    models = [str(market_split(tmp_path / f"split{copy}.lp", 7)) for copy in (1, 2)] + [MODELS[0]]
    # in a session of its own, as a command at a terminal; SIGINT to the command alone, once both solves are
    # under way (HiGHS's own log names each model) and past presolve (each has a point to keep)
    code, out, err = interrupt_when(
        [OPTARIUM, "solve", *models, "--jobs", "2", "--json", "--solver", "highs", "--solver-log"],
        lambda log: all(any(line.startswith(f"MIP split{copy} has") for line in log) for copy in (1, 2)),
        after=1, env={"OPTARIUM_STORE": store}, new_session=True)
    assert code == 130, err
    rows = json.loads(out)
    assert [row["file"] for row in rows] == models[:2]  # the third never started
    assert all(row["status"] == "interrupted" and row["verified"] for row in rows)
    assert open_store(store).count_runs() == 2


def test_a_batch_shows_its_progress_on_a_terminal_only(
    tmp_path: Path, on_terminal: Callable[..., tuple[int, str, str]]
) -> None:
    code, out, screen = on_terminal(["solve", *MODELS, "--no-record"])
    assert code == 0
    assert "solving" in screen and "3/3" in screen
    assert "knapsack.lp" in out and "solving" not in out
    piped = run("solve", *MODELS, "--no-record", store=f"sqlite:///{tmp_path / 's.db'}")
    assert piped.stderr == ""
