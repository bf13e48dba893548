"""``optarium bilevel`` through a real subprocess: JSON output, the record, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from optarium.store.base import open_store

from ...conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")
DATA = Path(__file__).resolve().parent / "data"


def _bilevel(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "bilevel", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_json_reports_the_verified_answer_and_records_the_run(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = _bilevel(str(DATA / "moore_bard.mps"), "--json", "--store", store, "--time-limit", "30")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["kind"] == "bilevel" and out["status"] == "optimal" and out["verified"] is True
    assert out["solver"] == "valuefunction" and out["x"] == {"x": 2.0} and out["y"] == {"y": 2.0}
    assert out["objective"] == -22.0 and out["bound"] == -22.0 and out["gap"] == 0.0
    assert out["follower_objective"] == out["follower_optimum"] == 2.0 and out["rounds"] >= 2
    run = open_store(store).get_run(out["run_id"])
    assert run["status"] == "optimal" and run["params"]["time_limit"] == 30.0 and run["verification"]["reader"] == "mibs"
    assert run["timings"]["read"] == pytest.approx(out["timings"]["read"], abs=1e-6)  # the read is kept with the run


def test_method_flag_and_readable_summary(tmp_path: Path) -> None:
    done = _bilevel(str(DATA / "basblib_bf_1982_02.json"), "--method", "kkt", "--no-record")
    assert done.returncode == 0, done.stderr
    assert "optimal  leader objective -3.25" in done.stdout and "verified" in done.stdout and "kkt" in done.stdout


def test_quiet_prints_nothing_and_keeps_the_exit_code() -> None:
    from typer.testing import CliRunner

    from optarium.cli.main import app

    done = CliRunner().invoke(app, ["bilevel", str(DATA / "basblib_bf_1982_02.json"), "--quiet", "--no-record"])
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")


def test_an_unbounded_bilevel_problem_is_an_answer(tmp_path: Path) -> None:
    done = _bilevel(str(DATA / "bolib_TuyEtal2007Ex3.json"), "--json", "--no-record")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "unbounded"


UNBOUNDED_FOLLOWER = {
    "leader": {"variables": [{"name": "x", "lb": 0, "ub": 5}], "objective": {"sense": "min", "x": [1], "y": [1]}},
    "follower": {"variables": [{"name": "y", "lb": 0, "ub": None}], "objective": {"sense": "max", "x": [0], "y": [1]},
                 "constraints": [{"name": "c", "x": [1], "y": [-1], "sense": "<=", "rhs": 3}]},
}
CONTINUOUS_LINK = {  # an integer follower whose row holds a continuous leader variable: no method takes it
    "leader": {"variables": [{"name": "x", "lb": 0, "ub": 5}], "objective": {"sense": "min", "x": [1], "y": [1]}},
    "follower": {"variables": [{"name": "y", "lb": 0, "ub": 10, "integer": True}], "objective": {"sense": "max", "x": [0], "y": [1]},
                 "constraints": [{"name": "c", "x": [1], "y": [1], "sense": "<=", "rhs": 3.5}]},
}
MISMATCHED = {
    "leader": {"variables": [{"name": "x"}], "objective": {"x": [1, 2], "y": [1]}},
    "follower": {"variables": [{"name": "y"}], "objective": {"x": [0], "y": [1]}},
}


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        ({"p.json": UNBOUNDED_FOLLOWER}, ["p.json"],
         "p.json: the follower's problem is unbounded for some leader decisions, e.g. x=0"),
        ({"p.json": MISMATCHED}, ["p.json"], "p.json: `leader.objective` has 2 x and 1 y coefficients for 1 leader"),
        ({"p.mps": (DATA / "moore_bard.mps").read_text()}, ["p.mps"], "p.aux: no auxiliary file; the MibS form needs one"),
        ({"p.mps": (DATA / "moore_bard.mps").read_text()}, ["p.mps", "--aux", "q.aux"], "q.aux: no such auxiliary file"),
        ({"p.json": MISMATCHED}, ["absent.json"], "absent.json: no such file"),
        ({"p.aux": (DATA / "moore_bard.aux").read_text().replace("moore_bard.mps", "p.mps"),
          "p.mps": (DATA / "moore_bard.mps").read_text()}, ["p.aux", "--method", "kkt"],
         "option `--method` must be a method that can take a follower with integer variables (valuefunction), got 'kkt'"),
        ({"p.json": CONTINUOUS_LINK}, ["p.json"],
         "p.json: the valuefunction method cannot take this problem (leader variable 'x' appears in a follower row but is continuous"),
        ({"p.json": (DATA / "basblib_bf_1982_02.json").read_text()}, ["p.json", "--method", "valuefunction"],
         "option `--method` must be a method that can take this problem (leader variable 'x_1' appears in a follower row "
         "but is continuous; value-function cuts need the linking leader variables to be integer) (kkt), got 'valuefunction'"),
        ({"p.json": MISMATCHED}, ["p.json", "--time-limit", "0"], "option `--time-limit` must be a positive number"),
        ({"p.json": MISMATCHED}, ["p.json", "--method", "bfs"], "option `--method` must be one of auto, kkt, valuefunction"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_recorded(tmp_path: Path, files: dict[str, object], args: list[str],
                                                            expected: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content if isinstance(content, str) else json.dumps(content))
    store = tmp_path / "runs.db"
    done = _bilevel(*args, "--store", f"sqlite:///{store}", cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and expected in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""
    assert not store.exists()  # refused before the store is opened


def test_a_config_file_sets_the_method_and_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "bilevel.toml"
    config.write_text("method = 'valuefunction'\ntime_limit = 20\n")
    done = _bilevel(str(DATA / "moore_bard.aux"), "--config", str(config), "--time-limit", "15", "--json", "--no-record")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["solver"] == "valuefunction" and out["plan"]["source"] == "user"
    config.write_text("method = 'valuefunction'\ncolour = 1\n")
    bad = _bilevel(str(DATA / "moore_bard.aux"), "--config", str(config), "--no-record")
    assert bad.returncode == 2 and "setting `colour` is not a setting" in bad.stderr


def one_json_document(stdout: str) -> dict[str, Any]:
    """The JSON document that is all of ``stdout`` (a failure if anything else was printed there)."""
    document, end = json.JSONDecoder().raw_decode(stdout)
    assert stdout[end:] == "\n" and isinstance(document, dict), stdout
    return document


def test_json_is_one_document_and_nothing_else_on_stdout() -> None:
    done = _bilevel(str(DATA / "basblib_bf_1982_02.json"), "--method", "kkt", "--json", "--no-record")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert one_json_document(done.stdout)["status"] == "optimal"


def random_bilevel(n_x: int, n_y: int, rows: int, seed: int, *, integer: bool) -> dict[str, Any]:
    """A random linear bilevel problem in the JSON form, the leader working against the follower; at
    these sizes (40, 80, 80 continuous; 6, 6, 6 integer) SCIP runs for many seconds."""
    rng = np.random.default_rng(seed)
    dy = rng.integers(-5, 6, n_y)
    cy = -2 * dy + rng.integers(-3 + integer, 4 - integer, n_y)
    follower_rows = [{"name": f"c{i}", "x": rng.integers(-4 + integer, 5 - integer, n_x).tolist(),
                      "y": rng.integers(-4 + integer, 5 - integer, n_y).tolist(), "sense": "<=",
                      "rhs": int(rng.integers(5, 25 if integer else 30))} for i in range(rows)]
    leader_rows = [{"name": "budget", "x": [1] * n_x, "y": [0] * n_y, "sense": "<=", "rhs": 3 * n_x}] if integer else []
    return {"leader": {"variables": [{"name": f"x{j}", "lb": 0, "ub": 10, "integer": integer} for j in range(n_x)],
                       "objective": {"sense": "min", "x": rng.integers(-5, 6, n_x).tolist(), "y": cy.tolist()},
                       "constraints": leader_rows},
            "follower": {"variables": [{"name": f"y{k}", "lb": 0, "ub": 10, "integer": integer} for k in range(n_y)],
                         "objective": {"sense": "min", "x": [0] * n_x, "y": dy.tolist()}, "constraints": follower_rows}}


def interrupt_once_started(path: Path, store: str, *, after: float) -> tuple[int, str, str]:
    """Run ``optarium -v bilevel PATH --json``, send Ctrl-C ``after`` seconds past the log's 'started'
    line (the method under way, however long the command took to start); exit code, stdout, stderr."""
    return interrupt_when([OPTARIUM, "-v", "bilevel", str(path), "--json", "--store", store, "--time-limit", "60"],
                          lambda log: any(line.endswith(" started\n") for line in log), after=after, timeout=60)


def test_ctrl_c_keeps_the_best_bilevel_point_found_so_far(tmp_path: Path) -> None:
    problem = tmp_path / "integer.json"
    problem.write_text(json.dumps(random_bilevel(6, 6, 6, seed=2, integer=True)))
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    code, out, log = interrupt_once_started(problem, store, after=0.5)  # value-function rounds: a point in the first
    assert code == 130, log
    result = one_json_document(out)  # SCIP's Ctrl-C notice is kept off standard output
    assert result["solver"] == "valuefunction" and result["status"] == "interrupted" and result["verified"], result
    assert result["objective"] is not None and result["bound"] <= result["objective"] and result["rounds"] >= 1
    assert "Traceback" not in log
    assert open_store(store).get_run(result["run_id"])["status"] == "interrupted"


def test_ctrl_c_before_any_point_is_exit_130_with_nothing_on_stdout(tmp_path: Path) -> None:
    problem = tmp_path / "continuous.json"
    problem.write_text(json.dumps(random_bilevel(40, 80, 80, seed=2, integer=False)))
    store = tmp_path / "runs.db"
    code, out, log = interrupt_once_started(problem, f"sqlite:///{store}", after=0.5)  # KKT: no point for many seconds
    assert (code, out) == (130, ""), log
    assert log.endswith("\ninterrupted\n") and "kkt started" in log and "Traceback" not in log
    assert not store.exists() or open_store(f"sqlite:///{store}").count_runs() == 0
