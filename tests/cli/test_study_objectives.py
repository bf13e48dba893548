"""`optarium study list|show|create --json` give a two-objective study's directions, never one
direction; `study plot` refuses values too large to draw with one line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app

SPACE = "x: {type: float, low: 0.0, high: 1.0}\n"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _studies(tmp_path: Path) -> str:
    """A store with a two-objective study ``mo`` and a one-objective study ``so``."""
    (tmp_path / "space.yaml").write_text(SPACE)
    store = f"sqlite:///{tmp_path / 's.db'}"
    two = ["--directions", "maximize,minimize", "--sampler", "sobol"]  # a design: no model to import
    for name, flags in (("mo", two), ("so", ["--direction", "maximize", "--sampler", "random"])):
        code, _, err = invoke("study", "create", name, "--space", str(tmp_path / "space.yaml"), *flags,
                              "--store", store)
        assert code == 0, err
    return store


def test_list_json_gives_every_study_its_directions_and_one_direction_only_where_there_is_one(tmp_path: Path) -> None:
    store = _studies(tmp_path)
    code, out, err = invoke("study", "list", "--store", store, "--json")
    assert code == 0, err
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["mo"]["directions"] == ["maximize", "minimize"] and "direction" not in rows["mo"]
    assert rows["so"]["directions"] == ["maximize"] and rows["so"]["direction"] == "maximize"
    code, out, _ = invoke("study", "list", "--store", store)
    assert code == 0 and "max,min" in out


def test_show_and_create_json_of_two_objectives_name_no_single_direction(tmp_path: Path) -> None:
    store = _studies(tmp_path)
    code, out, err = invoke("study", "show", "mo", "--store", store, "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["directions"] == ["maximize", "minimize"] and "direction" not in shown
    code, out, err = invoke("study", "create", "mo", "--space", str(tmp_path / "space.yaml"), "--directions",
                            "maximize,minimize", "--sampler", "sobol", "--load-if-exists", "--store", store, "--json")
    assert code == 0, err
    assert "direction" not in json.loads(out)
    shown = json.loads(invoke("study", "show", "so", "--store", store, "--json")[1])
    assert shown["direction"] == "maximize"


def test_plot_of_values_near_the_largest_float_is_one_line_and_exit_2(tmp_path: Path) -> None:
    store = _studies(tmp_path)
    assert invoke("study", "ask", "mo", "--n", "2", "--store", store)[0] == 0
    assert invoke("study", "tell", "mo", "1", "1e308", "-1e308", "--store", store)[0] == 0
    assert invoke("study", "tell", "mo", "2", "-1e308", "1e308", "--store", store)[0] == 0
    for kind in ("front", "hypervolume"):
        output = tmp_path / f"{kind}.png"
        code, out, err = invoke("study", "plot", "mo", "--kind", kind, "--output", str(output), "--store", store)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: "), err
        assert not output.exists()
