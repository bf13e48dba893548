"""optarium solve on .nl files through the real CLI: answers, --global, and bad input as one line with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    env.pop("OPTARIUM_DEBUG", None)
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def assert_refused(done: subprocess.CompletedProcess[str], tmp_path: Path, *fragments: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    if (tmp_path / "s.db").exists():
        assert open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() == 0


def test_solve_an_nl_file_as_json_with_global(tmp_path: Path, data: Path) -> None:
    done = run(tmp_path, "solve", str(data / "ex1222.nl"), "--global", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["kind"] == "nonlinear" and summary["status"] == "optimal" and summary["verified"]
    assert abs(summary["objective"] - 1.0765430830) <= 1e-6 * 1.08
    assert "global optimum asked" in summary["plan_reason"] or "integer" in summary["plan_reason"]
    assert open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() == 1


def test_a_local_solver_answers_locally_optimal(tmp_path: Path, data: Path) -> None:
    done = run(tmp_path, "solve", str(data / "prob06.nl"), "--solver", "slsqp", "--json", "--no-record")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "locally_optimal"


def test_global_asked_of_a_local_solver_on_a_nonconvex_file_is_refused(tmp_path: Path, data: Path) -> None:
    done = run(tmp_path, "solve", str(data / "prob06.nl"), "--solver", "slsqp", "--global")
    assert_refused(done, tmp_path, "slsqp", "not proven convex", "--solver scip")


def test_an_unsupported_operator_in_a_file_is_named(tmp_path: Path, data: Path) -> None:
    text = (data / "st_e13.nl").read_text().replace("C0\no16\no5\nv0\nn2\n", "C0\no16\no37\nv0\n")
    (tmp_path / "tanh.nl").write_text(text)
    assert_refused(run(tmp_path, "solve", "tanh.nl"), tmp_path, "tanh.nl", "unsupported operator o37 (tanh)")


def test_a_log_of_a_variable_that_may_be_zero_is_refused(tmp_path: Path, data: Path) -> None:
    text = (data / "st_e13.nl").read_text().replace("C0\no16\no5\nv0\nn2\n", "C0\no16\no43\nv0\n")
    (tmp_path / "log.nl").write_text(text)
    assert_refused(run(tmp_path, "solve", "log.nl"), tmp_path, "log.nl", "argument of log may be <= 0", "constraint c0")


@pytest.mark.parametrize(("solver", "file", "log_line"), [("ipopt", "prob06.nl", "This is Ipopt version"),
                                                          ("scip", "ex1222.nl", "SCIP Status")])
def test_the_solver_log_goes_to_stderr_and_json_alone_to_stdout(tmp_path: Path, data: Path, solver: str, file: str,
                                                                  log_line: str) -> None:
    pytest.importorskip("cyipopt" if solver == "ipopt" else "pyscipopt")
    done = run(tmp_path, "solve", str(data / file), "--solver", solver, "--solver-log", "--json", "--no-record")
    assert done.returncode == 0, done.stderr
    summary, end = json.JSONDecoder().raw_decode(done.stdout)
    assert done.stdout[end:] == "\n" and summary["solver"] == solver and summary["verified"]
    assert log_line in done.stderr


def test_cross_check_without_a_second_backend_says_why(tmp_path: Path, data: Path) -> None:
    """A MINLP only SCIP takes: --cross-check says no second backend can take it (it printed 'cross-check None: None None')."""
    done = run(tmp_path, "solve", str(data / "ex1222.nl"), "--cross-check")
    assert done.returncode == 0, done.stderr
    assert "cross-check: no second installed backend can take this problem" in done.stdout, done.stdout
    assert "None" not in done.stdout, done.stdout
