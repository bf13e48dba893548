"""`optarium robust` and `optarium bilevel` on bad input: one line, exit code 2, nothing recorded, for every method."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app

from ..domains.robust.problems import short


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _short(upper: float, at_least: float | None = None) -> str:
    return json.dumps(short(upper, at_least).build().to_dict())


@pytest.mark.parametrize("method", ["exact", "learned"])
def test_a_scenario_without_recourse_is_named_for_either_method_and_nothing_is_recorded(tmp_path: Path, method: str) -> None:
    path = tmp_path / "p.robust.json"
    path.write_text(_short(upper=2))
    store = tmp_path / "s.db"
    code, out, err = invoke("robust", str(path), "--method", method, "-t", "10", "--store", f"sqlite:///{store}")
    assert code == 2 and out == "", err
    assert err == f"error: {path}: the recourse is infeasible for scenario (demand[0]=6) whatever the first-stage decision\n"
    assert not store.exists()


def test_the_learned_method_refuses_a_problem_without_any_first_stage_decision(tmp_path: Path) -> None:
    path = tmp_path / "p.robust.json"
    path.write_text(_short(upper=10, at_least=5))
    code, out, err = invoke("robust", str(path), "--method", "learned", "-t", "10", "--no-record")
    assert (code, out) == (2, "") and err.count("\n") == 1, err
    assert "no first-stage decision satisfies the rows without recourse or uncertainty" in err
    code, out, err = invoke("robust", str(path), "--method", "exact", "-t", "10", "--json", "--no-record")
    assert code == 0 and json.loads(out)["status"] == "infeasible"  # a proved answer, as optarium solve says


def test_an_infinite_time_limit_names_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "p.robust.json"
    path.write_text(_short(upper=10))
    code, out, err = invoke("robust", str(path), "--time-limit", "inf", "--no-record")
    assert (code, out, err) == (2, "", "error: option `--time-limit` must be a positive number of seconds, got inf\n")


def test_a_negative_seed_names_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "p.robust.json"
    path.write_text(_short(upper=10))
    code, out, err = invoke("robust", str(path), "--method", "learned", "--seed", "-1", "--no-record")
    assert (code, out, err) == (2, "", "error: option `--seed` must be a non-negative integer, got -1\n")


def test_a_bilevel_file_that_is_not_text_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b"\x00\xff\xfe")
    store = tmp_path / "s.db"
    code, out, err = invoke("bilevel", str(path), "--store", f"sqlite:///{store}")
    assert (code, out, err) == (2, "", f"error: {path}: not a text file (not UTF-8)\n")
    assert not store.exists()
