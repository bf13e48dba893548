"""``optarium solve-stream --history NAME``: what one day's stream learned, the next day's starts from."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.learn.generators import generate
from optarium.problem.io import write_problem


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_two_streams_with_one_history_add_up_in_one_learned_artifact(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    for day in (1, 2):
        folder = tmp_path / f"day{day}"
        folder.mkdir()
        write_problem(generate("multiple_knapsack", day, n_items=6, n_knapsacks=2), folder / "mk.mps")
        code, out, err = invoke("solve-stream", str(folder), "--history", "knapsacks", "--time-cap", "10", "--json",
                                "--store", url)
        assert code == 0, err
    assert "1 earlier run from history 'knapsacks'" in json.loads(out)["rows"][0]["reason"]
    code, out, err = invoke("learn", "show", "stream.", "--json", "--store", url)
    assert code == 0 and [(row["name"], row["version"], row["meta"]["runs"]) for row in json.loads(out)] == [
        ("stream.knapsacks", 1, 1), ("stream.knapsacks", 2, 2)]


def test_history_with_another_policy_is_one_line_naming_the_flag(tmp_path: Path) -> None:
    folder = tmp_path / "day"
    folder.mkdir()
    write_problem(generate("multiple_knapsack", 0, n_items=6, n_knapsacks=2), folder / "mk.mps")
    code, out, err = invoke("solve-stream", str(folder), "--policy", "bandit", "--history", "knapsacks",
                            "--store", f"sqlite:///{tmp_path / 'store.db'}")
    assert (code, out) == (2, "") and err.startswith("error: option `--history` must be left out with the bandit policy")
    assert err.count("\n") == 1 and not (tmp_path / "store.db").exists()


def test_a_history_name_with_spaces_in_a_config_file_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "stream.toml").write_text('history = "monday auctions"\n')
    code, out, err = invoke("solve-stream", str(tmp_path), "--config", str(tmp_path / "stream.toml"),
                            "--store", f"sqlite:///{tmp_path / 'store.db'}")
    assert (code, out) == (2, "") and err.startswith(f"error: {tmp_path / 'stream.toml'}: setting `history`"), err


def test_history_with_another_policy_in_a_config_file_names_the_file_and_key(tmp_path: Path) -> None:
    (tmp_path / "stream.toml").write_text('policy = "bandit"\nhistory = "knapsacks"\n')
    code, out, err = invoke("solve-stream", str(tmp_path), "--config", str(tmp_path / "stream.toml"),
                            "--store", f"sqlite:///{tmp_path / 'store.db'}")
    assert (code, out) == (2, "") and err.startswith(f"error: {tmp_path / 'stream.toml'}: setting `history`"), err
    assert "bandit policy" in err and err.count("\n") == 1 and not (tmp_path / "store.db").exists()
