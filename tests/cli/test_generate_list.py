"""``optarium generate --list`` only names the families: a bad ``--config`` beside it is not read."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optarium.cli.main import app


def test_list_names_the_families_even_with_a_settings_file_that_is_not_toml(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("n = = 3\n")
    result = CliRunner().invoke(app, ["generate", "--list", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    assert "multiple_knapsack" in {item["family"] for item in json.loads(result.stdout)}


def test_list_names_the_families_even_with_a_settings_file_that_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--list", "--config", str(tmp_path / "absent.toml")])
    assert result.exit_code == 0, result.stderr
    assert "\nmultiple_knapsack: " in result.stdout


def test_a_bad_settings_file_still_stops_a_run_that_writes_instances(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("n = = 3\n")
    result = CliRunner().invoke(app, ["generate", "multiple_knapsack", "--out", str(tmp_path / "out"), "--config",
                                      str(config)])
    assert (result.exit_code, result.stdout) == (2, "") and result.stderr.startswith(f"error: {config} is not valid TOML")
    assert not (tmp_path / "out").exists()
