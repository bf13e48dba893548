"""Warm starts from the nearest solved instances: a hint to HiGHS, never trusted."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

import optarium
from optarium.learn.generators import generate
from optarium.learn.select import remember
from optarium.learn.warmstart import Start, jittered, predict_start, solve_warm
from optarium.store.base import Store, open_store

BASE = generate("multiple_knapsack", 0, n_items=14, n_knapsacks=2)
OPTARIUM = str(Path(sys.executable).parent / "optarium")


def _write_mps(path: Path) -> None:
    from optarium.problem.io import write_problem

    write_problem(BASE, path)


@pytest.fixture
def store() -> Store:
    return open_store(f"memory://warm-{uuid.uuid4().hex}")


def solved_neighbours(store: Store, count: int = 3) -> None:
    for seed in range(count):
        solve_warm(jittered(BASE, seed, 0.02), store)


def test_the_nearest_solved_instances_predict_a_start_that_is_used_and_verified(store: Store) -> None:
    solved_neighbours(store)
    problem = jittered(BASE, 99, 0.02)
    start = predict_start(problem, store, k=3)
    assert start is not None and len(start.neighbours) == 3 and start.values
    assert all(problem.is_integer[j] for j in start.values)
    warm = solve_warm(problem, store, k=3)
    cold = optarium.solve(problem, solver="highs", record=False)
    assert warm.status == "optimal" and warm.verified
    assert warm.objective == pytest.approx(cold.objective, rel=1e-6)
    assert warm.plan is not None and warm.plan.source == "learned"
    assert warm.plan.reason.startswith("warm start from 3 nearest solved instances")
    run = store.list_runs(limit=1)[0]
    assert run["plan"]["reason"] == warm.plan.reason and run["verified"]


def test_an_infeasible_start_is_dropped_and_the_answer_still_verified(store: Store) -> None:
    problem = jittered(BASE, 5, 0.02)
    every_item_everywhere = Start({int(j): 1.0 for j in np.flatnonzero(problem.is_integer)}, [], int(problem.is_integer.sum()))
    warm = solve_warm(problem, store, start=every_item_everywhere, record=False)
    cold = optarium.solve(problem, solver="highs", record=False)
    assert warm.status == "optimal" and warm.verified and warm.verification is not None
    assert warm.verification.max_violation is not None and warm.verification.max_violation <= 1e-6
    assert warm.objective == pytest.approx(cold.objective, rel=1e-6)


def test_without_a_solved_neighbour_the_solve_is_cold_and_says_so(store: Store) -> None:
    assert predict_start(BASE, store) is None
    remember([generate("set_cover", 0, n_rows=30, n_cols=40)], store)
    optarium.solve(generate("set_cover", 0, n_rows=30, n_cols=40), store=store)
    assert predict_start(BASE, store) is None
    solution = solve_warm(BASE, store, record=False)
    assert solution.verified and solution.plan is not None and "a cold start" in solution.plan.reason


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_a_start_reaches_the_backend_through_solve_and_is_recorded(store: Store, solver: str) -> None:
    cold = optarium.solve(BASE, solver=solver, record=False)
    half = dict(list(cold.values.items())[: BASE.n_vars // 2])
    warm = optarium.solve(BASE, solver=solver, store=store, start=half)
    assert warm.status == "optimal" and warm.verified
    assert warm.objective == pytest.approx(cold.objective, rel=1e-6)
    assert store.list_runs(limit=1)[0]["params"]["start"]["variables"] == len(half)
    plain = optarium.solve(BASE, solver=solver, store=store)
    assert plain.verified and "start" not in store.list_runs(limit=1)[0]["params"]


def test_a_start_naming_an_unknown_variable_or_a_value_outside_bounds_is_refused_before_solving(store: Store) -> None:
    name = BASE.var_names[0]
    with pytest.raises(optarium.errors.OptionError, match="`start` must be a variable of"):
        optarium.solve(BASE, store=store, start={"no_such_variable": 1.0})
    with pytest.raises(optarium.errors.OptionError, match=r"within the variable's bounds \[0, 1\]"):
        optarium.solve(BASE, store=store, start={name: 3.0})
    assert store.count_runs() == 0


def test_solve_warm_passes_its_start_to_scip_too(store: Store) -> None:
    solved_neighbours(store)
    warm = solve_warm(jittered(BASE, 98, 0.02), store, solver="scip", k=3)
    assert warm.solver == "scip" and warm.verified and warm.extra["warm_start"]["hinted"] > 0
    assert store.list_runs(limit=1)[0]["params"]["start"]["variables"] == warm.extra["warm_start"]["hinted"]


def test_a_start_file_is_read_and_a_bad_one_is_refused_by_the_cli_with_exit_2(tmp_path: Path) -> None:
    from optarium.problem.io import read_start

    model = tmp_path / "mk.mps"
    _write_mps(model)
    url = f"sqlite:///{tmp_path / 's.db'}"
    cold = optarium.solve(model, solver="highs", record=False)
    good = tmp_path / "good.sol"
    good.write_text("# from yesterday\n" + cold.to_sol())
    start = read_start(good)
    assert start == {name: float(value) for name, value in cold.values.items()}
    warm = optarium.solve(model, store=url, start=start)  # HiGHS solves the model it read, with the start
    assert warm.verified and warm.objective == pytest.approx(cold.objective, rel=1e-6)
    bad = tmp_path / "bad.sol"
    bad.write_text("=obj= 3\nno_such_variable 1\n")
    refused = subprocess.run([OPTARIUM, "solve", str(model), "--start", str(bad), "--store", url],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "--start" in refused.stderr and "no_such_variable" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert open_store(url).count_runs() == 1
