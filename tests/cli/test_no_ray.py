"""``--no-ray`` on every command that takes ``--ray``: the work is done here even where a Ray cluster is named
(``bench audit``'s own test is test_bench_audit_no_ray.py)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
# nothing listens here: a run that tried to join this cluster would fail
NO_CLUSTER = "127.0.0.1:9"


def test_solve_no_ray_solves_many_models_here_even_with_a_ray_address(tmp_path: Path) -> None:
    models = [str(ROOT / "examples" / "knapsack.lp"), str(ROOT / "examples" / "production.mps")]
    result = CliRunner().invoke(app, ["solve", *models, "--no-ray", "--ray-address", NO_CLUSTER, "--no-record", "--json"])
    assert result.exit_code == 0, result.stderr
    assert [(row["file"], row["status"]) for row in json.loads(result.stdout)] == [(model, "optimal") for model in models]
    on_ray = CliRunner().invoke(app, ["solve", *models, "--ray-address", NO_CLUSTER, "--no-record", "--json"])
    assert on_ray.exit_code == 2 and NO_CLUSTER in on_ray.stderr  # without --no-ray the address means Ray


def test_bench_nl_no_ray_runs_the_problems_here_even_with_a_ray_address() -> None:
    formulate = ROOT / "examples" / "formulate"
    result = CliRunner().invoke(app, ["bench", "nl", str(formulate / "problems.jsonl"), "--replay", str(formulate / "answers"),
                                      "--limit", "1", "--no-record", "--no-ray", "--ray-address", NO_CLUSTER, "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["problems"] == 1
