"""Files a command writes beside its answer (``--plot``, ``--output``): refused before the solve when they cannot
be written, and named in the ``--json`` answer when they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")
ROOT = Path(__file__).resolve().parents[2]
DELIVERIES = ROOT / "examples" / "routing" / "deliveries.csv"
KNAPSACK = ROOT / "examples" / "knapsack.lp"
# each command with a file it writes: fast settings, the flag naming the file
COMMANDS = {
    "route": (["route", str(DELIVERIES), "--iterations", "50"], "--plot"),
    "schedule": (["schedule", "ft06", "--method", "rule"], "--plot"),
    "solve": (["solve", str(KNAPSACK)], "--output"),
}


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": f"sqlite:///{tmp_path / 's.db'}", "MPLCONFIGDIR": str(tmp_path)}
    env.pop("OPTARIUM_DEBUG", None)
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def runs_recorded(tmp_path: Path) -> int:
    return open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() if (tmp_path / "s.db").exists() else 0


@pytest.mark.parametrize("name", ["route", "schedule"])
def test_a_plot_that_is_a_folder_is_refused_in_one_line_before_anything_is_recorded(tmp_path: Path, name: str) -> None:
    args, flag = COMMANDS[name]
    (tmp_path / "routes.png").mkdir()
    done = run(tmp_path, *args, flag, "routes.png")
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: option `{flag}` must be a file name, not a folder, got 'routes.png'\n"
    assert runs_recorded(tmp_path) == 0


@pytest.mark.parametrize("name", ["route", "schedule", "solve"])
def test_the_json_answer_names_the_file_written_and_null_without_one(tmp_path: Path, name: str) -> None:
    args, flag = COMMANDS[name]
    target = tmp_path / ("answer.sol" if flag == "--output" else "drawing.svg")
    key = flag.removeprefix("--")
    store = ["--store", f"sqlite:///{tmp_path / 's.db'}"]
    written = CliRunner().invoke(app, [*args, flag, str(target), "--json", *store])
    assert written.exit_code == 0, written.stderr
    answer = json.loads(written.stdout)
    assert answer[key] == str(target) and target.stat().st_size > 0
    assert answer["run_id"] is not None and answer["status"] in ("optimal", "feasible")
    plain = CliRunner().invoke(app, [*args, "--json", *store])
    assert plain.exit_code == 0, plain.stderr
    assert json.loads(plain.stdout)[key] is None
