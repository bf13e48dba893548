"""``optarium study`` through a real subprocess: the shell loop a lab script runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPTARIUM = str(Path(sys.executable).parent / "optarium")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, "study", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_shell_loop_create_ask_tell_best_show_plot(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    created = cli("create", "suzuki", "--space", str(ROOT / "examples" / "space.yaml"), "--direction", "maximize",
                  "--seed", "4", "--store", store, "--json", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "gp" in json.loads(created.stdout)["sampler_reason"]
    for _ in range(3):
        asked = cli("ask", "suzuki", "--n", "2", "--store", store, "--json", cwd=tmp_path)
        assert asked.returncode == 0, asked.stderr
        batch = json.loads(asked.stdout)
        assert [sorted(row) for row in batch] == [["params", "trial_id"]] * 2
        for row in batch:
            value = str(-row["params"]["temperature"] / 10.0)  # negative values are values, not options
            told = cli("tell", "suzuki", str(row["trial_id"]), value, "--store", store, "--json", cwd=tmp_path)
            assert told.returncode == 0, told.stderr
    best = json.loads(cli("best", "suzuki", "--store", store, "--json", cwd=tmp_path).stdout)
    shown = json.loads(cli("show", "suzuki", "--store", store, "--json", cwd=tmp_path).stdout)
    assert best["value"] == max(t["value"] for t in shown["trial_list"])
    assert shown["trials"] == {"pending": 0, "complete": 6, "failed": 0}
    plotted = cli("plot", "suzuki", "--output", "best.png", "--store", store, cwd=tmp_path)
    assert plotted.returncode == 0, plotted.stderr
    assert (tmp_path / "best.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    bad_space = tmp_path / "bad.yaml"
    bad_space.write_text("lr: {type: float, low: 0.0, high: 0.1, log: true}\n")
    failed = cli("create", "s", "--space", str(bad_space), "--store", store, cwd=tmp_path)
    assert failed.returncode == 2 and failed.stderr.strip().count("\n") == 0
    assert "low=0.0" in failed.stderr
    assert cli("ask", "s", "--store", store, cwd=tmp_path).stderr.startswith("error: no study named 's'")

    assert cli("create", "s", "--space", str(ROOT / "examples" / "space.yaml"), "--store", store, cwd=tmp_path).returncode == 0
    trial_id = json.loads(cli("ask", "s", "--store", store, "--json", cwd=tmp_path).stdout)[0]["trial_id"]
    for args, fragment in [
        ((str(trial_id), "nan"), "must be finite, got 'nan'; tell a failed run with --failed"),
        ((str(trial_id), "-inf"), "must be finite, got '-inf'"),
        ((str(trial_id), "fast"), "'fast'"),
        (("42", "1.0"), "no trial 42"),
    ]:
        told = cli("tell", "s", *args, "--store", store, cwd=tmp_path)
        assert told.returncode == 2 and fragment in told.stderr, told.stderr
    shown = json.loads(cli("show", "s", "--store", store, "--json", cwd=tmp_path).stdout)
    assert shown["trials"] == {"pending": 1, "complete": 0, "failed": 0}
    assert cli("tell", "s", str(trial_id), "--failed", "--store", store, cwd=tmp_path).returncode == 0
    again = cli("tell", "s", str(trial_id), "1.0", "--store", store, cwd=tmp_path)
    assert again.returncode == 2 and "already failed" in again.stderr
    wrong_store = cli("best", "s", "--store", "nosuch://x", cwd=tmp_path)
    assert wrong_store.returncode == 2 and "nosuch://x" in wrong_store.stderr


def test_a_memory_store_is_refused_because_each_command_is_its_own_process(tmp_path: Path) -> None:
    refused = cli("create", "s", "--space", str(ROOT / "examples" / "space.yaml"), "--store", "memory://lab", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0
    assert "`--store`" in refused.stderr and "memory://lab" in refused.stderr
    env = {**os.environ, "OPTARIUM_STORE": "memory://lab"}
    from_env = subprocess.run([OPTARIUM, "study", "ask", "s"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert from_env.returncode == 2 and "memory://lab" in from_env.stderr


def test_a_binary_space_file_is_one_line_exit_2_and_no_study(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    binary = tmp_path / "space.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    failed = cli("create", "s", "--space", str(binary), "--store", store, cwd=tmp_path)
    assert failed.returncode == 2, failed.stderr
    assert failed.stderr.strip() == f"error: {binary}: not a UTF-8 text file; a space file is YAML text"
    assert cli("show", "s", "--store", store, cwd=tmp_path).stderr.startswith("error: no store at")


def test_a_store_locked_past_the_timeout_is_exit_3_saying_what_to_do(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "lab.db"
    store = f"sqlite:///{path}"
    assert cli("create", "s", "--space", str(ROOT / "examples" / "space.yaml"), "--store", store, cwd=tmp_path).returncode == 0
    trial_id = json.loads(cli("ask", "s", "--store", store, "--json", cwd=tmp_path).stdout)[0]["trial_id"]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another worker holding the write lock
    try:
        env = {**os.environ, "OPTARIUM_STORE_TIMEOUT": "0.5"}
        for args in (("ask", "s"), ("tell", "s", str(trial_id), "1.5")):
            busy = subprocess.run([OPTARIUM, "study", *args, "--store", store], cwd=tmp_path, capture_output=True,
                                  text=True, timeout=120, env=env)
            assert busy.returncode == 3, busy.stderr
            assert busy.stderr.strip() == (f"error: store {path} stayed locked by other workers for more than 0.5 s; wait and "
                                           "try again, set OPTARIUM_STORE_TIMEOUT to wait longer, or move many workers to PostgreSQL")
        shown = subprocess.run([OPTARIUM, "study", "show", "s", "--json", "--store", store], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120, env=env)
        assert json.loads(shown.stdout)["trials"] == {"pending": 1, "complete": 0, "failed": 0}  # reads still work
    finally:
        holder.close()
    assert cli("tell", "s", str(trial_id), "1.5", "--store", store, cwd=tmp_path).returncode == 0


def _study_with_trials(tmp_path: Path, name: str, store: str) -> None:
    assert cli("create", name, "--space", str(ROOT / "examples" / "space.yaml"), "--seed", "2", "--store", store,
               cwd=tmp_path).returncode == 0
    asked = json.loads(cli("ask", name, "--n", "3", "--store", store, "--json", cwd=tmp_path).stdout)
    assert cli("tell", name, str(asked[0]["trial_id"]), "2.5", "--store", store, cwd=tmp_path).returncode == 0
    assert cli("tell", name, str(asked[1]["trial_id"]), "--failed", "--store", store, cwd=tmp_path).returncode == 0


def test_list_shows_each_study_with_trial_counts_best_value_and_last_activity(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _study_with_trials(tmp_path, "screen", store)
    assert cli("create", "empty", "--space", str(ROOT / "examples" / "space.yaml"), "--sampler", "sobol",
               "--direction", "maximize", "--store", store, cwd=tmp_path).returncode == 0
    listed = cli("list", "--store", store, "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["screen"]["complete"] == 1 and rows["screen"]["pending"] == 1 and rows["screen"]["failed"] == 1
    assert rows["screen"]["best_value"] == 2.5 and rows["screen"]["sampler"] == "auto"
    assert rows["empty"]["best_value"] is None and rows["empty"]["direction"] == "maximize"
    assert rows["screen"]["last_activity"] and rows["empty"]["last_activity"]
    human = cli("list", "--store", store, cwd=tmp_path).stdout
    assert "screen" in human and "empty" in human and "2.5" in human


def test_rename_keeps_the_trials_and_a_taken_name_is_one_line_exit_2(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _study_with_trials(tmp_path, "old", store)
    assert cli("create", "taken", "--space", str(ROOT / "examples" / "space.yaml"), "--store", store, cwd=tmp_path).returncode == 0
    taken = cli("rename", "old", "taken", "--store", store, cwd=tmp_path)
    assert taken.returncode == 2 and taken.stderr.strip().count("\n") == 0 and "'taken'" in taken.stderr
    assert cli("rename", "old", "new", "--store", store, cwd=tmp_path).returncode == 0
    shown = json.loads(cli("show", "new", "--store", store, "--json", cwd=tmp_path).stdout)
    assert shown["trials"] == {"pending": 1, "complete": 1, "failed": 1}
    assert cli("show", "old", "--store", store, cwd=tmp_path).returncode == 2


def test_delete_without_yes_and_without_a_terminal_refuses_and_keeps_the_study(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _study_with_trials(tmp_path, "gone", store)
    refused = subprocess.run([OPTARIUM, "study", "delete", "gone", "--store", store], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0 and "--yes" in refused.stderr
    assert cli("show", "gone", "--store", store, cwd=tmp_path).returncode == 0
    deleted = cli("delete", "gone", "--yes", "--store", store, "--json", cwd=tmp_path)
    assert deleted.returncode == 0 and json.loads(deleted.stdout) == {"deleted": "gone", "trials": 3}
    assert json.loads(cli("list", "--store", store, "--json", cwd=tmp_path).stdout) == []


def test_export_writes_one_row_per_trial_as_csv_json_and_parquet(tmp_path: Path) -> None:
    import csv

    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _study_with_trials(tmp_path, "screen", store)
    as_csv = cli("export", "screen", "--store", store, cwd=tmp_path)
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(as_csv.stdout.splitlines()))
    assert [row["state"] for row in rows] == ["complete", "failed", "pending"]
    assert rows[0]["value"] == "2.5" and rows[1]["value"] == "" and rows[0]["params_solvent"]
    assert {"number", "feasibility", "params_temperature", "sampler", "created_at", "finished_at"} <= set(rows[0])
    assert cli("export", "screen", "-o", "trials.json", "--store", store, cwd=tmp_path).returncode == 0
    as_json = json.loads((tmp_path / "trials.json").read_text())
    assert [row["number"] for row in as_json] == [1, 2, 3] and as_json[0]["finished_at"]
    parquet = cli("export", "screen", "-o", "trials.data", "--format", "parquet", "--store", store, cwd=tmp_path)
    assert parquet.returncode == 0, parquet.stderr
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "trials.data").column("state").to_pylist() == ["complete", "failed", "pending"]


def test_parquet_without_pyarrow_is_one_line_saying_to_install_it(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _study_with_trials(tmp_path, "screen", store)
    code = ("import sys; sys.modules['pyarrow'] = None; sys.argv = ['optarium', *sys.argv[1:]]\n"
            "from optarium.cli.main import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "study", "export", "screen", "-o", "t.parquet", "--store", store],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0
    assert "pip install pyarrow" in done.stderr and not (tmp_path / "t.parquet").exists()


def test_create_load_if_exists_returns_the_study_and_refuses_a_different_space(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _study_with_trials(tmp_path, "screen", store)
    again = cli("create", "screen", "--space", str(ROOT / "examples" / "space.yaml"), "--load-if-exists", "--store", store,
                "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["trials"] == {"pending": 1, "complete": 1, "failed": 1}
    other = tmp_path / "other.yaml"
    other.write_text("x: {type: float, low: 0.0, high: 1.0}\n")
    refused = cli("create", "screen", "--space", str(other), "--load-if-exists", "--store", store, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0 and "different space" in refused.stderr
    plain = cli("create", "screen", "--space", str(ROOT / "examples" / "space.yaml"), "--store", store, cwd=tmp_path)
    assert plain.returncode == 2 and "already exists" in plain.stderr


def test_names_in_square_brackets_are_printed_literally_and_found_again(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    created = cli("create", "exp[bold]1", "--space", str(ROOT / "examples" / "space.yaml"), "--store", store, cwd=tmp_path)
    assert created.returncode == 0 and "created study exp[bold]1 " in created.stdout
    assert cli("ask", "exp[bold]1", "--store", store, cwd=tmp_path).returncode == 0
    shown = cli("show", "exp[bold]1", "--store", store, cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout.startswith("exp[bold]1 ")
    assert "exp[bold]1" in cli("list", "--store", store, cwd=tmp_path).stdout
    renamed = cli("rename", "exp[bold]1", "[red]x", "--store", store, cwd=tmp_path)
    assert renamed.stdout.strip() == "renamed study exp[bold]1 to [red]x"


def test_create_takes_its_settings_and_space_from_a_config_file_and_flags_override_it(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    config = tmp_path / "study.toml"
    config.write_text('sampler = "sobol"\ndirection = "maximize"\nseed = 7\nbudget = 12\n'
                      '[space.temperature]\ntype = "float"\nlow = 20\nhigh = 100\n')
    created = cli("create", "oven", "--config", str(config), "--sampler", "random", "--store", store, "--json",
                  cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    summary = json.loads(created.stdout)
    assert (summary["sampler"], summary["direction"], summary["seed"], summary["budget"]) == ("random", "maximize", 7, 12)
    assert summary["space"] == {"temperature": {"type": "float", "low": 20.0, "high": 100.0, "log": False}}


def test_a_config_file_with_an_unknown_key_or_no_space_is_one_line_exit_2_and_no_study(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    config = tmp_path / "study.toml"
    config.write_text('samplr = "gp"\n')
    typo = cli("create", "oven", "--config", str(config), "--store", store, cwd=tmp_path)
    assert typo.returncode == 2 and typo.stderr.strip().count("\n") == 0
    assert "study.toml" in typo.stderr and "samplr" in typo.stderr
    config.write_text('sampler = "gp"\n')
    spaceless = cli("create", "oven", "--config", str(config), "--store", store, cwd=tmp_path)
    assert spaceless.returncode == 2 and "[space]" in spaceless.stderr
    assert not (tmp_path / "lab.db").exists()


def test_multi_objective_shell_loop_tell_best_plot_and_bad_tells(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    created = cli("create", "yield-cost", "--space", str(ROOT / "examples" / "space.yaml"), "--directions",
                  "maximize,minimize", "--sampler", "sobol", "--seed", "2", "--store", store, "--json", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["directions"] == ["maximize", "minimize"]
    batch = json.loads(cli("ask", "yield-cost", "--n", "4", "--store", store, "--json", cwd=tmp_path).stdout)
    first = str(batch[0]["trial_id"])
    for args, fragment in [((first, "1.0"), "takes 2 values (maximize, minimize), got 1"),
                           ((first, "1.0", "nan"), "value must be finite"),
                           ((first, "1", "2", "3"), "got 3")]:
        told = cli("tell", "yield-cost", *args, "--store", store, cwd=tmp_path)
        assert told.returncode == 2 and told.stderr.strip().count("\n") == 0 and fragment in told.stderr, told.stderr
    for row, values in zip(batch, [("0.9", "5"), ("0.5", "-1"), ("0.4", "2"), ("0.95", "7")], strict=True):
        told = cli("tell", "yield-cost", str(row["trial_id"]), *values, "--store", store, cwd=tmp_path)
        assert told.returncode == 0, told.stderr
    best = json.loads(cli("best", "yield-cost", "--store", store, "--json", cwd=tmp_path).stdout)
    assert sorted(t["values"] for t in best["pareto_front"]) == [[0.5, -1.0], [0.9, 5.0], [0.95, 7.0]]
    # reference (0, 10): boxes 0.5*11 + 0.9*5 - 0.5*5 + (0.95-0.9)*3 = 7.65
    given = json.loads(cli("best", "yield-cost", "--reference", "0,10", "--store", store, "--json", cwd=tmp_path).stdout)
    assert abs(given["hypervolume"] - 7.65) < 1e-9
    useless = cli("best", "yield-cost", "--reference", "1,-5", "--store", store, cwd=tmp_path)
    assert useless.returncode == 2 and "dominates nothing" in useless.stderr
    plotted = cli("plot", "yield-cost", "--output", "front.png", "--store", store, cwd=tmp_path)
    assert plotted.returncode == 0, plotted.stderr
    assert (tmp_path / "front.png").read_bytes()[:4] == b"\x89PNG"
    wrong = cli("create", "bad", "--space", str(ROOT / "examples" / "space.yaml"), "--directions", "maximize,up",
                "--store", store, cwd=tmp_path)
    assert wrong.returncode == 2 and wrong.stderr.strip().count("\n") == 0
    assert "bad" not in cli("list", "--store", store, cwd=tmp_path).stdout
