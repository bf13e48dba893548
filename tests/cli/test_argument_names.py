"""A bad or missing command argument is named as the help names it (FAMILY, FOLDER, SOURCES, NAME, NEW_NAME), and a
bad flag value by its flag (``--time-limit``), never by the Python parameter behind it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
KNAPSACK = str(ROOT / "examples" / "knapsack.lp")
SPACE = str(ROOT / "examples" / "space.yaml")


def refused(args: list[str]) -> str:
    """The one line a refused command printed (it exits 2 and prints nothing on stdout)."""
    result = CliRunner().invoke(app, args)
    assert (result.exit_code, result.stdout) == (2, ""), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0].removeprefix("error: ")


def test_generate_names_its_family_argument_and_the_out_flag(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    assert refused(["generate", "knapsak", "--out", out]).startswith(
        "argument FAMILY must be one of combinatorial_auction, facility_location,")
    assert refused(["generate", "knapsak", "--out", out]).endswith(" (see --list), got 'knapsak'")
    assert refused(["generate", "--out", out]).startswith("missing argument FAMILY: one of combinatorial_auction,")
    assert refused(["generate", "set_cover"]) == "missing option `--out`: a folder to write the instances into"
    assert not (tmp_path / "out").exists()


def test_tune_and_solve_stream_name_their_folder_arguments(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    missing = str(tmp_path / "nowhere")
    assert refused(["tune", missing, "--budget", "6", *store]) == f"argument FOLDER must be a folder of MPS or LP files, got {missing!r}"
    assert refused(["solve-stream", missing, *store]) == f"argument SOURCES must be an existing folder or file, got {missing!r}"


def test_study_create_and_rename_name_their_name_arguments(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    assert refused(["study", "create", "", "--space", SPACE, *store]) == (
        "argument NAME must be a non-empty string of at most 255 characters, got ''")
    assert refused(["study", "create", "s", *store]) == (
        "missing option `--space`: a space file, or a [space] table in the --config file")
    assert CliRunner().invoke(app, ["study", "create", "s", "--space", SPACE, *store]).exit_code == 0
    assert refused(["study", "rename", "s", "", *store]) == (
        "argument NEW_NAME must be a non-empty string of at most 255 characters, got ''")


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_equiv_names_the_time_limit_flag(limit: str) -> None:
    assert refused(["equiv", KNAPSACK, KNAPSACK, "--time-limit", limit]) == (
        f"option `--time-limit` must be a positive number of seconds, got {float(limit)}")


def test_equiv_names_the_settings_file_for_a_value_from_it(tmp_path: Path) -> None:
    config = tmp_path / "equiv.toml"
    config.write_text("time_limit = 0\n")
    assert refused(["equiv", KNAPSACK, KNAPSACK, "--config", str(config)]) == (
        f"{config}: setting `time_limit` must be a positive number of seconds, got 0.0")


def test_study_create_names_the_sampler_flag_or_the_file_for_a_sampler_the_objectives_cannot_take(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    assert refused(["study", "create", "s", "--space", SPACE, "--sampler", "ehvi", *store]).startswith(
        "option `--sampler` must be a single-objective sampler;")
    assert refused(["study", "create", "s", "--space", SPACE, "--directions", "minimize,maximize", "--sampler", "gp",
                    *store]).startswith("option `--sampler` must be for several objectives one of auto,")
    config = tmp_path / "study.toml"
    config.write_text('sampler = "nsga2"\n')
    assert refused(["study", "create", "s", "--space", SPACE, "--config", str(config), *store]).startswith(
        f"{config}: setting `sampler` must be a single-objective sampler;")


def test_generate_out_below_a_file_is_one_line_naming_the_flag(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder\n")
    out = tmp_path / "notes.txt" / "instances"
    assert refused(["generate", "set_cover", "--n", "1", "--out", str(out)]) == (
        f"option `--out` must be a folder that can be made and written (File exists), got {str(out)!r}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
