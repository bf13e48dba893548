"""``optarium schedule`` through a real subprocess (and in-process where a second interpreter start would dominate)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.domains.scheduling.learned import random_instance
from optarium.domains.scheduling.solve import makespan, solve_jobshop
from optarium.store.base import open_store

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "schedule", *args], capture_output=True, text=True, timeout=120)


def test_schedule_ft06_json_plot_and_store(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    plot = tmp_path / "ft06.png"
    done = _run("ft06", "--time-limit", "5", "--threads", "2", "--plot", str(plot), "--json", "--store", store)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["makespan"] == 55 and out["gap"] == 0.0 and out["verified"] is True
    assert out["best_known"] == 55 and out["gap_to_best_known"] == 0.0 and out["method"] == "cp"
    assert out["kind"] == "jobshop" and out["status"] == "optimal" and out["bound"] == 55
    assert plot.stat().st_size > 1000 and plot.read_bytes()[:4] == b"\x89PNG"
    assert open_store(store).get_run(out["run_id"])["kind"] == "jobshop"


def test_learned_cp_at_a_very_short_limit_still_answers_with_a_verified_schedule(tmp_path: Path) -> None:
    instance = random_instance(50, 20, seed=3)
    path = tmp_path / "50x20.txt"
    rows = (" ".join(f"{m} {d}" for m, d in zip(machines, durations, strict=True))
            for machines, durations in zip(instance.machines.tolist(), instance.durations.tolist(), strict=True))
    path.write_text("50 20\n" + "\n".join(rows) + "\n")
    learned = makespan(solve_jobshop(instance, "learned", record=False))
    # in-process: the same command without a second interpreter start
    done = CliRunner().invoke(app, ["schedule", str(path), "--method", "learned+cp", "--time-limit", "0.01",
                                    "--threads", "1", "--json", "--no-record"])
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "time_limit" and out["verified"] is True
    assert learned is not None and out["makespan"] is not None and out["makespan"] <= learned


@pytest.mark.parametrize("method", ["rule", "learned"])
def test_instant_methods_on_a_file(tmp_path: Path, method: str) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("3 2\n0 3 1 2\n1 4 0 1\n0 2 1 5\n")
    rule = ["--rule", "spt"] if method == "rule" else []  # the learned method runs its own rule
    done = _run(str(path), "--method", method, *rule, "--json", "--store", f"sqlite:///{tmp_path / 'r.db'}")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["verified"] is True and out["gap"] is None and out["gap_to_best_known"] is None
    assert out["makespan"] >= 11  # machine 1 carries 2 + 4 + 5
    assert out["method"] == method and out["plan"]["source"] == "user"
    assert out["jobs"] == 3 and out["machines"] == 2


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["missing.txt"], "missing.txt"),
        (["ft06", "--time-limit", "0"], "--time-limit"),
        (["ft06", "--method", "tabu"], "tabu"),
        (["ft06", "--method", "rule", "--rule", "lifo"], "lifo"),
        (["ft06", "--threads", "0"], "--threads"),
        (["BAD_FILE"], "negative"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path, args: list[str], named: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n0 3 1 -4\n1 2 0 2\n")
    args = [str(bad) if a == "BAD_FILE" else a for a in args]
    named = "-4" if named == "negative" else named
    db = tmp_path / "runs.db"
    plot = tmp_path / "out.png"
    done = _run(*args, "--plot", str(plot), "--store", f"sqlite:///{db}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and named in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not plot.exists()
    assert not db.exists() or open_store(f"sqlite:///{db}").count_runs() == 0


def test_config_file_sets_the_settings_and_flags_override_it(tmp_path: Path) -> None:
    config = tmp_path / "schedule.toml"
    config.write_text('method = "rule"\nrule = "spt"\ntime_limit = 3\n')
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = _run("la01", "--config", str(config), "--json", "--store", store)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["solver"] == "rule:spt" and out["rule"] == "spt"
    assert open_store(store).get_run(out["run_id"])["params"]["time_limit"] == 3.0
    flagged = json.loads(_run("la01", "--config", str(config), "--rule", "fifo", "--json", "--no-record").stdout)
    assert flagged["solver"] == "rule:fifo"


@pytest.mark.parametrize(
    ("text", "key"),
    [('time_limit = -1\n', "time_limit"), ('method = "tabu"\n', "method"), ('threads = "two"\n', "threads"),
     ('colour = "red"\n', "colour")],
)
def test_a_bad_config_file_exits_2_naming_the_key_and_the_file(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    db = tmp_path / "runs.db"
    done = _run("ft06", "--config", str(config), "--store", f"sqlite:///{db}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert str(config) in done.stderr and f"`{key}`" in done.stderr
    assert not db.exists() or open_store(f"sqlite:///{db}").count_runs() == 0
