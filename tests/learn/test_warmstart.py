"""Warm starts from the nearest solved instances: a hint to HiGHS, never trusted."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

import optarium
from optarium.learn.generators import generate
from optarium.learn.select import remember
from optarium.learn.warmstart import Start, jittered, predict_start, solve_warm
from optarium.store.base import Store, open_store

BASE = generate("multiple_knapsack", 0, n_items=14, n_knapsacks=2)


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
