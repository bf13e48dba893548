"""`optarium runs export`: recorded runs as CSV, JSON or Parquet rows, read from a read-only store."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import optarium

OPTARIUM = str(Path(sys.executable).parent / "optarium")
KNAPSACK = Path(__file__).resolve().parents[2] / "examples" / "knapsack.lp"


def run(*args: str, store: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": store}
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd)


@pytest.fixture()
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 's.db'}"
    optarium.solve(KNAPSACK, store=url)
    optarium.solve(KNAPSACK, solver="highs", store=url)
    return url


def test_runs_export_writes_one_row_per_run_with_plan_and_verification(store: str, tmp_path: Path) -> None:
    done = run("runs", "export", store=store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(done.stdout.splitlines()))
    assert len(rows) == 2
    assert list(rows[0]) == [
        "id", "created_at", "kind", "name", "fingerprint", "solver", "solver_version", "plan_source", "plan_reason",
        "status", "objective", "bound", "gap", "verified", "max_violation", "seconds",
    ]
    assert {row["plan_source"] for row in rows} == {"rules", "user"}
    assert all(row["status"] == "optimal" and row["verified"] == "True" and row["solver"] == "highs" for row in rows)
    assert rows[0]["plan_reason"] and float(rows[0]["objective"]) == float(rows[1]["objective"])
    assert run("runs", "export", "-o", "runs.json", "--limit", "1", store=store, cwd=tmp_path).returncode == 0
    (newest,) = json.loads((tmp_path / "runs.json").read_text())
    assert newest["id"] == max(int(row["id"]) for row in rows) and newest["kind"] == "math_program"


def test_runs_export_filters_by_kind_and_status_and_writes_parquet(store: str, tmp_path: Path) -> None:
    assert run("runs", "export", "--kind", "routing", "--format", "json", store=store, cwd=tmp_path).stdout.strip() == "[]"
    assert run("runs", "export", "--status", "error", "--format", "json", store=store, cwd=tmp_path).stdout.strip() == "[]"
    done = run("runs", "export", "-o", "runs.parquet", "--status", "optimal", store=store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "runs.parquet")
    assert table.num_rows == 2 and table.column("verified").to_pylist() == [True, True]


def test_runs_export_never_creates_a_store(tmp_path: Path) -> None:
    missing = run("runs", "export", store=f"sqlite:///{tmp_path / 'none.db'}", cwd=tmp_path)
    assert missing.returncode == 2 and "no store at" in missing.stderr and not (tmp_path / "none.db").exists()


def test_bad_format_is_one_line_exit_2(store: str, tmp_path: Path) -> None:
    done = run("runs", "export", "--format", "xlsx", store=store, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == "error: --format must be csv, json or parquet, got 'xlsx'"


def test_a_file_suffix_no_format_has_is_refused_unless_the_format_is_given(store: str, tmp_path: Path) -> None:
    """-o runs.xlsx wrote CSV under that name; now one line asks for --format, and with it the file is written."""
    done = run("runs", "export", "-o", str(tmp_path / "runs.xlsx"), store=store, cwd=tmp_path)
    assert done.returncode == 2 and not (tmp_path / "runs.xlsx").exists()
    assert done.stderr.strip() == "error: runs.xlsx: no format is written as .xlsx; name the file .csv, .json or .parquet, or give --format"
    given = run("runs", "export", "-o", str(tmp_path / "runs.txt"), "--format", "csv", store=store, cwd=tmp_path)
    assert given.returncode == 0 and (tmp_path / "runs.txt").read_text().startswith("id,")


def test_runs_list_and_show_print_problem_names_literally(tmp_path: Path) -> None:
    from optarium.store.base import Run, open_store

    url = f"sqlite:///{tmp_path / 'names.db'}"
    run_id = open_store(url).record_run(Run(
        kind="math_program", fingerprint="b" * 64, name="plant[bold]7", features={}, source="test", solver="highs",
        solver_version="1", plan={"solver": "highs", "reason": "a [red]reason", "source": "user"}, params={},
        status="optimal", objective=1.0, verified=True,
    ))
    listed = run("runs", "list", store=url, cwd=tmp_path)
    assert listed.returncode == 0 and "plant[bold]7" in listed.stdout
    shown = run("runs", "show", str(run_id), store=url, cwd=tmp_path)
    assert "name: plant[bold]7" in shown.stdout and "reason: a [red]reason" in shown.stdout
