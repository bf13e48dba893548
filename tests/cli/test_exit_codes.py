"""The one exit-code rule of cli/common.py, through solve, bilevel, robust and schedule in-process.

0 for an answer (a verified solution, a time limit that left one, a proof of infeasibility), 1 for a
run that failed (an error, or a time limit that came before any solution), 130 for Ctrl-C.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.common import status_exit_code
from optarium.cli.main import app
from optarium.solution import STATUSES

from .conftest import market_split_lp, market_split_rows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_one_exit_code_with_and_without_a_verified_point(status: str) -> None:
    expected = {"error": (1, 1), "interrupted": (130, 130), "time_limit": (0, 1)}.get(status, (0, 0))
    assert (status_exit_code(status, verified=True), status_exit_code(status, verified=False)) == expected


def test_solve_exits_1_when_the_time_limit_came_before_any_point(tmp_path: Path) -> None:
    model = tmp_path / "split.lp"
    model.write_text(market_split_lp())
    code, out, err = invoke("solve", str(model), "--time-limit", "0.05", "--no-record", "--json")
    assert code == 1, err
    summary = json.loads(out)
    assert summary["status"] == "time_limit" and summary["objective"] is None and summary["verified"] is False


def test_solve_many_exits_1_when_one_file_got_no_point_and_0_for_a_proved_infeasible_one(tmp_path: Path) -> None:
    model = tmp_path / "split.lp"
    model.write_text(market_split_lp())
    code, out, err = invoke("solve", str(EXAMPLES / "infeasible.lp"), "--no-record", "--json")
    assert (code, json.loads(out)["status"]) == (0, "infeasible"), err
    code, out, err = invoke("solve", str(EXAMPLES / "infeasible.lp"), str(model), "--time-limit", "0.05",
                            "--no-record", "--json")
    assert code == 1, err
    assert [row["status"] for row in json.loads(out)] == ["infeasible", "time_limit"]


def test_bilevel_exits_1_when_the_time_limit_came_before_any_solution(tmp_path: Path) -> None:
    weights, targets = market_split_rows()
    columns = weights.shape[1]
    problem = {
        "format": "bilevel-linear-json", "version": 1, "name": "split",
        "leader": {"variables": [{"name": f"x{j}", "lb": 0, "ub": 1, "integer": True} for j in range(columns)],
                   "objective": {"sense": "min", "x": [1] * columns, "y": [1]},
                   "constraints": [{"name": f"r{i}", "x": row.tolist(), "y": [0], "sense": "=", "rhs": int(target)}
                                   for i, (row, target) in enumerate(zip(weights, targets, strict=True))]},
        "follower": {"variables": [{"name": "y", "lb": 0, "ub": 1}],
                     "objective": {"sense": "min", "x": [0] * columns, "y": [1]},
                     "constraints": [{"name": "c", "x": [1] + [0] * (columns - 1), "y": [1], "sense": ">=", "rhs": 0}]},
    }
    path = tmp_path / "split.json"
    path.write_text(json.dumps(problem))
    code, out, err = invoke("bilevel", str(path), "--time-limit", "0.05", "--no-record", "--json")
    assert code == 1, err
    summary = json.loads(out)
    assert summary["status"] == "time_limit" and summary["objective"] is None


def test_robust_exits_1_without_a_decision_at_the_time_limit_and_0_with_a_verified_one(tmp_path: Path) -> None:
    from optarium.domains.robust import RobustBuilder

    weights, targets = market_split_rows()
    builder = RobustBuilder("split")
    x = builder.first_stage(weights.shape[1], "x", upper=1, vtype="integer")
    y = builder.recourse(1, "y", upper=10, vtype="integer")
    demand = builder.uncertain(1, "demand", lower=0, upper=6)
    builder.objective(sum(x[j] for j in range(weights.shape[1])) + 3 * y[0])
    builder.constrain(y[0], ">=", demand[0])
    for row, target in zip(weights, targets, strict=True):
        builder.constrain(sum(int(w) * x[j] for j, w in enumerate(row)), "==", int(target))
    path = tmp_path / "split.robust.json"
    path.write_text(json.dumps(builder.build().to_dict()))
    code, out, err = invoke("robust", str(path), "--time-limit", "0.05", "--no-record", "--json")
    assert code == 1, err
    assert json.loads(out)["status"] == "time_limit" and json.loads(out)["objective"] is None
    # branch-and-price starts from a decision: a limit too short for a proof still leaves a verified one
    code, out, err = invoke("robust", str(EXAMPLES / "robust" / "knapsack_n10.rkp"), "--time-limit", "0.001",
                            "--no-record", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["status"] == "time_limit" and summary["verified"] is True


def test_schedule_exits_1_when_cp_sat_found_no_schedule_in_the_time_limit() -> None:
    code, out, err = invoke("schedule", "ta71", "--time-limit", "0.01", "--threads", "1", "--no-record", "--json")
    assert code == 1, err
    summary = json.loads(out)
    assert summary["status"] == "time_limit" and summary["verified"] is False
