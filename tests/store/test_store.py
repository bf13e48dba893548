"""The run store on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

import optarium
from optarium.errors import NotFoundError, StoreError
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
    with pytest.raises(StoreError, match=r"not a database URL|cannot use store URL"):
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
