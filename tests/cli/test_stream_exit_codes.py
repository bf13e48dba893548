"""`optarium solve-stream` follows the one exit-code rule of cli/common.py over its instances.

1 when any instance ended without a usable answer (here: the cap came before any point), 0 when each
ended with one (a verified point, a proof of infeasibility).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.cli.stream import stream_exit_code
from optarium.learn.generators import generate
from optarium.problem.io import write_problem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["solve-stream", *args])
    return result.exit_code, result.stdout, result.stderr


def write_market_split(path: Path, rows: int = 6, columns: int = 50, seed: int = 7) -> Path:
    """Rows ``weights @ x == targets`` over binary x: no solver finds a point of them in a fraction of a second."""
    weights = np.random.default_rng(seed).integers(0, 100, size=(rows, columns))
    targets = weights.sum(axis=1) // 2
    lines = ["Minimize", " obj: " + " + ".join(f"x{j}" for j in range(columns)), "Subject To"]
    lines += [f" r{i}: " + " + ".join(f"{w} x{j}" for j, w in enumerate(row)) + f" = {target}"
              for i, (row, target) in enumerate(zip(weights, targets, strict=True))]
    lines += ["Binary", " " + " ".join(f"x{j}" for j in range(columns)), "End"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_stream_exits_1_when_one_instance_got_no_point_within_the_cap(tmp_path: Path) -> None:
    knapsack = write_problem(generate("multiple_knapsack", 0, n_items=10, n_knapsacks=2), tmp_path / "mk0.mps")
    split = write_market_split(tmp_path / "split.lp")
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
