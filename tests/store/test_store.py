"""The run store on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

import optarium
from optarium.errors import NotFoundError, StoreBusyError, StoreError
from optarium.store.base import Run, open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_solve_is_recorded_and_found_again(store_url: str) -> None:
    solution = optarium.solve(EXAMPLES / "knapsack.lp", store=store_url)
    store = open_store(store_url)
    assert solution.run_id is not None
    listed = store.list_runs()
    assert [row["id"] for row in listed] == [solution.run_id]
    run = store.get_run(solution.run_id)
    assert run["status"] == "optimal"
    assert run["objective"] == pytest.approx(32.0)
    assert run["verified"] is True
    assert run["solver"] == "highs"
    assert run["features"]["n_binary"] == 6
    assert run["values"]["silver"] == pytest.approx(1.0)
    assert set(run["timings"]) >= {"read", "solve", "verify"}


def test_runs_of_the_same_problem_share_one_fingerprint(store_url: str, tmp_path: Path) -> None:
    first = optarium.solve(EXAMPLES / "knapsack.lp", store=store_url)
    rewritten = optarium.write_problem(optarium.read_problem(EXAMPLES / "knapsack.lp"), tmp_path / "knapsack.mps")
    second = optarium.solve(rewritten, solver="scip", store=store_url)
    store = open_store(store_url)
    fingerprints = {store.get_run(run.run_id)["fingerprint"] for run in (first, second)}  # type: ignore[arg-type]
    assert len(fingerprints) == 1
    assert len(store.list_runs(fingerprint=fingerprints.pop()[:12])) == 2


def test_infinite_values_are_stored_as_null(store_url: str) -> None:
    solution = optarium.solve(EXAMPLES / "infeasible.lp", store=store_url)
    run = open_store(store_url).get_run(solution.run_id)  # type: ignore[arg-type]
    assert run["status"] == "infeasible"
    assert run["objective"] is None


def test_a_failed_write_leaves_the_store_as_it_was(store_url: str) -> None:
    optarium.solve(EXAMPLES / "knapsack.lp", store=store_url)
    store = open_store(store_url)
    from optarium.store.schema import problems, runs

    with pytest.raises(RuntimeError, match="boom"), store.transaction() as connection:
        connection.execute(runs.delete())
        connection.execute(problems.delete())
        raise RuntimeError("boom")
    assert store.count_runs() == 1
    assert len(store.list_runs()) == 1


def test_unknown_run_id_is_a_clear_error(store_url: str) -> None:
    with pytest.raises(NotFoundError, match="no run with id 42"):
        open_store(store_url).get_run(42)


def test_bad_store_urls_are_clear_errors() -> None:
    with pytest.raises(StoreError, match=r"unknown scheme 'nosuchdb'; use sqlite:///"):
        open_store("nosuchdb://what")
    with pytest.raises(StoreError, match="cannot open store"):
        open_store("postgresql://nobody:wrong@127.0.0.1:1/none")


def test_workers_recording_the_same_new_problem_at_once_all_succeed(store_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    problem = optarium.read_problem(EXAMPLES / "knapsack.lp")
    store = open_store(store_url)

    def record(worker: int) -> int:
        return store.record_run(Run(
            kind="math_program", fingerprint=problem.fingerprint(), name=problem.name, features=problem.features(),
            source=f"worker {worker}", solver="highs", solver_version="test", plan={"reason": "test"}, params={},
            status="optimal", objective=32.0, verified=True,
        ))

    with ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(record, range(12)))
    assert len(set(ids)) == 12
    assert store.count_runs() == 12
    assert len(store.list_runs(limit=50, fingerprint=problem.fingerprint())) == 12


def test_workers_opening_one_new_store_at_once_all_succeed(store_url: str) -> None:
    import subprocess
    import sys
    import time

    # each worker is its own process (engines are per process) and creates the schema at the same moment
    start = time.time() + 3.0
    code = ("import sys, time; from optarium.store.base import Run, open_store; time.sleep(max(0.0, float(sys.argv[1]) - time.time()));"
            " print(open_store(sys.argv[2]).count_runs())")
    workers = [subprocess.Popen([sys.executable, "-c", code, str(start), store_url], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [worker.communicate(timeout=60) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0, 0, 0], [err for _, err in outcomes]
    assert [out.strip() for out, _ in outcomes] == ["0"] * 4


def _locked(path: Path) -> sqlite3.Connection:
    """Another process's write transaction on an SQLite store, held until closed."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_lock_held_past_the_timeout_is_store_busy_naming_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTARIUM_STORE_TIMEOUT", "0.5")
    store = open_store(f"sqlite:///{tmp_path / 'busy.db'}")
    row, _ = store.create_study({"name": "s", "space": {}, "sampler": "sobol", "sampler_reason": "", "direction": "minimize",
                                 "feedback": "value", "seed": 1, "budget": None})
    holder = _locked(tmp_path / "busy.db")
    try:
        started = time.perf_counter()
        with pytest.raises(StoreBusyError, match=r"stayed locked by other workers for more than 0.5 s; .*PostgreSQL") as caught:
            store.ask(row["id"], lambda index, rows: [{"number": 1, "params": {}, "point": [], "sampler": "sobol", "info": {}}])
        assert time.perf_counter() - started < 10
        assert "\n" not in str(caught.value)
        assert store.list_trials(row["id"]) == []  # reading is not blocked by a writer
    finally:
        holder.close()
    assert len(store.ask(row["id"], lambda index, rows: [{"number": 1, "params": {}, "point": [], "sampler": "sobol", "info": {}}])) == 1


def test_a_bad_store_timeout_setting_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTARIUM_STORE_TIMEOUT", "-1")
    with pytest.raises(StoreError, match="OPTARIUM_STORE_TIMEOUT must be a positive number of seconds, got '-1'"):
        open_store(f"sqlite:///{tmp_path / 'x.db'}")


@pytest.mark.parametrize("url", ["postgresql:/user:s3cret@host/db", "::::", "postgresql://user:s3cret@", "lab", "mysql://u:s3cret@h/db"])
def test_a_string_that_is_no_store_url_or_store_file_is_an_error_without_the_password(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match=r"use sqlite:///path/to/store.db, postgresql://") as caught:
        open_store(url)
    assert "s3cret" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_bare_file_path_with_a_store_suffix_is_an_sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("a.db", "b.sqlite", "c.SQLITE3"):
        assert open_store(name).count_runs() == 0
        assert (tmp_path / name).is_file()


def test_a_read_only_open_of_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=f"no store at {tmp_path / 'nonexistent_dir' / 'x.db'}"):
        open_store(f"sqlite:///{tmp_path / 'nonexistent_dir' / 'x.db'}", read_only=True)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("read_only", [True, False])
def test_a_folder_given_as_the_store_file_is_named_as_one(tmp_path: Path, read_only: bool) -> None:
    with pytest.raises(StoreError, match=re.escape(f"store {tmp_path} is a folder; give the store file inside it, "
                                                   f"e.g. sqlite:///{tmp_path / 'optarium.db'}")):
        open_store(f"sqlite:///{tmp_path}", read_only=read_only)
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_open_reads_and_never_writes(store_url: str) -> None:
    url = store_url
    optarium.solve(EXAMPLES / "knapsack.lp", store=url)
    reader = open_store(url, read_only=True)
    assert [row["status"] for row in reader.list_runs()] == ["optimal"]
    with pytest.raises(StoreError, match="read-only"):
        reader.save_artifact("policy", b"x")
    assert open_store(url).list_artifacts() == []


def test_a_read_only_open_of_a_store_too_old_to_read_says_so(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, status TEXT)")
    old.commit()
    old.close()
    with pytest.raises(StoreError, match="written by an older optarium and must be upgraded"):
        open_store(f"sqlite:///{path}", read_only=True)
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(StoreError, match="holds no optarium store"):
        open_store(str(empty), read_only=True)
