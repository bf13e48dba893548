"""`optarium solve` and `optarium runs` through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from optarium.store.base import open_store

from ..conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args: str, store: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": store}
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120, **kwargs)  # type: ignore[call-overload]


def test_solve_json_has_the_documented_fields(store_url: str) -> None:
    done = run("solve", str(EXAMPLES / "knapsack.lp"), "--json", store=store_url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert {"status", "objective", "solver", "verified", "max_violation", "seconds", "run_id"} <= set(result)
    assert result["status"] == "optimal" and result["objective"] == pytest.approx(32.0) and result["verified"]
    listed = json.loads(run("runs", "list", "--json", store=store_url).stdout)
    assert listed[0]["id"] == result["run_id"]
    shown = json.loads(run("runs", "show", str(result["run_id"]), "--json", "--values", store=store_url).stdout)
    assert shown["values"]["silver"] == pytest.approx(1.0)


def test_human_summary_and_output_files(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    done = run("solve", str(EXAMPLES / "production.mps"), "-o", str(tmp_path / "out.sol"), store=store)
    assert done.returncode == 0, done.stderr
    assert "optimal" in done.stdout and "verified" in done.stdout
    sol = (tmp_path / "out.sol").read_text().splitlines()
    assert sol[0].startswith("=obj= -1671.428")
    done = run("solve", str(EXAMPLES / "production.mps"), "-o", str(tmp_path / "out.json"), "-q", store=store)
    assert done.stdout == ""
    assert json.loads((tmp_path / "out.json").read_text())["values"]["chairs"] == pytest.approx(180 / 7)


def test_infeasible_is_an_answer_not_a_crash(tmp_path: Path) -> None:
    done = run("solve", str(EXAMPLES / "infeasible.lp"), "--json", "--cross-check", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["status"] == "infeasible" and result["cross_check"]["agree"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["solve", "missing.mps"], "missing.mps: no such file"),
        (["solve", "BROKEN", "--solver", "highs"], "line 5"),
        (["solve", str(EXAMPLES / "knapsack.lp"), "--time-limit", "-1"], "`--time-limit`"),
        (["solve", str(EXAMPLES / "knapsack.lp"), "--time-limit", "inf"], "`--time-limit`"),
        (["solve", str(EXAMPLES / "knapsack.lp"), "--gap", "3"], "`--gap`"),
        (["solve", str(EXAMPLES / "knapsack.lp"), "--threads", "0"], "`--threads`"),
        (["solve", str(EXAMPLES / "production.mps"), "--solver", "cpsat"], "cpsat` cannot take continuous"),
        (["solve", str(EXAMPLES / "knapsack.lp"), "--solver", "gurobi"], "unknown solver"),
        (["solve", str(EXAMPLES / "knapsack.lp"), "-o", "out.txt"], "--output"),
        (["runs", "show", "7"], "no store at"),  # a reading command creates no store
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    broken = tmp_path / "broken.lp"
    broken.write_text("Minimize\n obj: x\nSubject To\n c1: x >=\nEnd\n")
    args = [str(broken) if arg == "BROKEN" else arg for arg in args]
    store = f"sqlite:///{tmp_path / 's.db'}"
    done = run(*args, store=store, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    if (tmp_path / "s.db").exists():
        assert open_store(store).count_runs() == 0


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = run("--debug", "solve", "missing.mps", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 2 and "Traceback" in done.stderr


def interrupt_once_searching(args: list[str], store: str) -> tuple[int, str, str]:
    """Run ``optarium ARGS --solver-log``, send Ctrl-C once the solver's own log shows its search under way
    (rows below the header of its progress table), however long the command took to start; exit code, stdout, stderr."""
    def rows_below_the_header(log: list[str]) -> int:
        # HiGHS's table names the incumbent's column BestSol, SCIP's primalbound
        starts = [k for k, line in enumerate(log) if "BestSol" in line or "primalbound" in line]
        return len(log) - starts[0] - 1 if starts else 0

    return interrupt_when([OPTARIUM, *args, "--solver-log"], lambda log: rows_below_the_header(log) >= 2, after=0.5,
                          env={"OPTARIUM_STORE": store})


@pytest.mark.parametrize("solver", ["highs", "scip"])  # SCIP catches Ctrl-C itself
def test_ctrl_c_keeps_the_best_answer_found_so_far(tmp_path: Path, solver: str, market_split: Callable[..., Path]) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    model = market_split(tmp_path / "split.lp")
    output = tmp_path / "best.sol"
    code, out, _ = interrupt_once_searching(["solve", str(model), "--json", "--solver", solver, "-o", str(output)], store)
    assert code == 130
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["verified"] and result["objective"] is not None
    assert output.read_text().startswith(f"=obj= {result['objective']!r}")
    recorded = open_store(store).get_run(result["run_id"])
    assert recorded["status"] == "interrupted" and recorded["verified"]


def test_long_solve_shows_live_progress_on_a_terminal(
    tmp_path: Path, market_split: Callable[..., Path], on_terminal: Callable[..., tuple[int, str, str]]
) -> None:
    model = market_split(tmp_path / "split.lp")
    env = {"OPTARIUM_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    code, out, screen = on_terminal(["solve", str(model), "--time-limit", "3"], env)
    assert code == 0
    assert "time_limit" in out
    assert "solving" in screen and "bound" in screen
    code, out, screen = on_terminal(["solve", str(model), "--time-limit", "2", "--json"], env)
    assert json.loads(out)["status"] == "time_limit"
    assert screen.strip() == ""


def test_user_text_in_square_brackets_prints_literally(tmp_path: Path) -> None:
    model = tmp_path / "m[bold]1.lp"
    model.write_text("Minimize\n obj: x\nSubject To\n c1: x >= 1\nEnd\n")
    done = run("solve", str(model), "-o", str(tmp_path / "out[red].sol"), "--no-record", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 0, done.stderr
    assert f"solution written to {tmp_path / 'out[red].sol'}" in done.stdout
    assert (tmp_path / "out[red].sol").exists()


def test_sol_files_write_zero_without_a_sign(tmp_path: Path) -> None:
    model = tmp_path / "zero.lp"
    model.write_text("Minimize\n obj: x\nSubject To\n c1: x >= 0\n c2: - x >= 0\nBounds\n -10 <= x <= 10\nEnd\n")
    done = run("solve", str(model), "-o", str(tmp_path / "zero.sol"), "-q", "--no-record", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "zero.sol").read_text()
    assert text.splitlines() == ["=obj= 0.0", "x 0.0"] and "-0.0" not in text


def test_unbounded_and_infeasible_show_no_objective_or_verified_line(tmp_path: Path) -> None:
    model = tmp_path / "unbounded.lp"
    model.write_text("Maximize\n obj: x + y\nSubject To\n c1: x - y <= 1\nEnd\n")
    store = f"sqlite:///{tmp_path / 's.db'}"
    done = run("solve", str(model), "-o", str(tmp_path / "u.sol"), store=store)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "unbounded"
    assert "objective" not in done.stdout and "verified" not in done.stdout
    assert (tmp_path / "u.sol").read_text().splitlines()[0] == "=status= unbounded"
    done = run("solve", str(EXAMPLES / "infeasible.lp"), store=store)
    assert done.stdout.splitlines()[0] == "infeasible" and "objective" not in done.stdout


@pytest.mark.parametrize(("solver", "words"), [("highs", "Coefficient ranges"), ("scip", "presolving"), ("cpsat", "CP-SAT")])
def test_solver_log_goes_to_stderr_and_json_stays_clean(tmp_path: Path, solver: str, words: str) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    done = run("solve", str(EXAMPLES / "knapsack.lp"), "--solver", solver, "--json", "--solver-log", "--no-record", store=store)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["objective"] == pytest.approx(32.0)
    assert words in done.stderr
    quiet = run("solve", str(EXAMPLES / "knapsack.lp"), "--solver", solver, "--json", "--no-record", store=store)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_solver_log_from_python_goes_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    import optarium

    solution = optarium.solve(EXAMPLES / "knapsack.lp", solver="highs", record=False, solver_log=True)
    out, err = capfd.readouterr()
    assert solution.objective == pytest.approx(32.0)
    assert "Coefficient ranges" in err and out == ""


def test_the_solver_and_recomputed_objectives_are_shown_to_the_same_digits_with_their_distance(tmp_path: Path) -> None:
    from optarium.cli.solve import _recomputed

    done = run("solve", str(EXAMPLES / "knapsack.lp"), "--no-record", store=f"sqlite:///{tmp_path / 's.db'}")
    assert done.returncode == 0, done.stderr
    assert "optimal  objective 32\n" in done.stdout and "(recomputed objective 32, the same)" in done.stdout
    # a QP solver's objective and the one recomputed from its point may differ in the last digits: say how far
    assert _recomputed(0.014043202132651193, 0.01404362662757295) == "recomputed objective 0.01404362663, 4.2e-07 from the solver's"
