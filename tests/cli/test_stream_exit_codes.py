"""`optarium solve-stream` follows the one exit-code rule of cli/common.py over its instances.

1 when any instance ended without a usable answer (here: the cap came before any point), 0 when each
ended with one (a verified point, a proof of infeasibility).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.cli.stream import stream_exit_code
from optarium.learn.generators import generate
from optarium.problem.io import write_problem

from .conftest import market_split_lp

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["solve-stream", *args])
    return result.exit_code, result.stdout, result.stderr




def test_a_stream_exits_1_when_one_instance_got_no_point_within_the_cap(tmp_path: Path) -> None:
    knapsack = write_problem(generate("multiple_knapsack", 0, n_items=10, n_knapsacks=2), tmp_path / "mk0.mps")
    split = tmp_path / "split.lp"
    split.write_text(market_split_lp())
    code, out, err = invoke(str(knapsack), str(split), "--policy", "fixed", "--time-cap", "0.5", "--json",
                            "--store", "memory://")
    assert code == 1, err
    first, second = json.loads(out)["rows"]
    assert first["verified"] is True and (second["status"], second["verified"]) == ("time_limit", False)


def test_a_stream_of_answers_exits_0_a_proof_of_infeasibility_included(tmp_path: Path) -> None:
    knapsack = write_problem(generate("multiple_knapsack", 0, n_items=10, n_knapsacks=2), tmp_path / "mk0.mps")
    infeasible = shutil.copy(EXAMPLES / "infeasible.lp", tmp_path / "infeasible.lp")
    code, out, err = invoke(str(knapsack), str(infeasible), "--policy", "fixed", "--time-cap", "10", "--json",
                            "--store", "memory://")
    assert code == 0, err
    assert [row["status"] for row in json.loads(out)["rows"]] == ["optimal", "infeasible"]


def test_the_worst_instance_decides_the_streams_exit_code() -> None:
    answered = {"status": "time_limit", "verified": True}
    assert stream_exit_code([]) == 0
    assert stream_exit_code([answered, {"status": "optimal", "verified": True}]) == 0
    assert stream_exit_code([answered, {"status": "time_limit", "verified": False}]) == 1
    assert stream_exit_code([{"status": "error", "verified": False}, {"status": "interrupted", "verified": False}]) == 130
