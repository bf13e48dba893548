"""Topological swaps learn acyclic graphs and reach the best order on small problems."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optarium.nonlinear_methods import notears_swaps as ns


def test_shd_counts_missing_extra_and_reversed_edges_once() -> None:
    truth = np.zeros((3, 3))
    truth[0, 1] = truth[1, 2] = 1.0
    estimate = np.zeros((3, 3))
    estimate[1, 0] = 1.0  # reversed
    estimate[0, 2] = 1.0  # extra; 1 -> 2 missing
    assert ns.shd(estimate, truth) == 3
    assert ns.shd(truth, truth) == 0


def test_is_dag_detects_cycles() -> None:
    weights = np.zeros((3, 3))
    weights[0, 1] = weights[1, 2] = 1.0
    assert ns.is_dag(weights)
    weights[2, 0] = 1.0
    assert not ns.is_dag(weights)


@pytest.mark.parametrize("init", ["greedy", "random"])
def test_swaps_recover_an_easy_dag_exactly(init: str) -> None:
    x, truth = ns.simulate_linear_sem(8, 10, 2000, seed=3)
    start = None if init == "greedy" else [int(k) for k in np.random.default_rng(1).permutation(8)]
    result = ns.swap_search(x, init=start)
    assert ns.is_dag(result.weights)
    assert ns.shd(result.weights, truth) == 0
    assert result.order is not None and sorted(result.order) == list(range(8))
    # every learned edge goes forward in the returned order
    position = {node: k for k, node in enumerate(result.order)}
    assert all(position[i] < position[j] for i, j in zip(*np.nonzero(result.weights), strict=True))


def test_swap_search_from_the_worst_start_reaches_the_best_order_by_brute_force() -> None:
    x, _ = ns.simulate_linear_sem(5, 6, 500, seed=4)
    x = x - x.mean(axis=0)
    covariance = x.T @ x / len(x)

    def score(order: list[int]) -> float:
        factor = np.linalg.cholesky(covariance[np.ix_(order, order)])
        return 0.5 * float(np.sum(np.diag(factor) ** 2))

    orders = [list(p) for p in itertools.permutations(range(5))]
    best = min(score(order) for order in orders)
    worst = max(orders, key=score)
    result = ns.swap_search(x, init=worst, threshold=0.0)
    assert score(result.order or []) == pytest.approx(best, rel=1e-9)
    assert result.iterations > 0


def test_l1_fit_lowers_the_penalized_objective_against_least_squares_weights() -> None:
    x, _ = ns.simulate_linear_sem(10, 15, 1000, seed=5)
    plain = ns.swap_search(x, threshold=0.0)
    sparse = ns.swap_search(x, l1=0.1, threshold=0.0, max_candidates=10)
    centred = x - x.mean(axis=0)
    assert ns.least_squares_objective(centred, sparse.weights, 0.1) <= ns.least_squares_objective(
        centred, plain.weights, 0.1
    )
    assert np.count_nonzero(sparse.weights) < np.count_nonzero(plain.weights)
    assert ns.is_dag(sparse.weights)


def test_notears_returns_an_acyclic_graph_close_to_the_truth() -> None:
    x, truth = ns.simulate_linear_sem(6, 6, 1000, seed=6)
    result = ns.notears(x, l1=0.1)
    assert ns.is_dag(result.weights)
    assert ns.shd(result.weights, truth) <= 2


def test_bad_arguments_name_the_value() -> None:
    x, _ = ns.simulate_linear_sem(4, 3, 50, seed=0)
    with pytest.raises(ValueError, match=r"init=\[0, 0, 1, 2\]"):
        ns.swap_search(x, init=[0, 0, 1, 2])
    with pytest.raises(ValueError, match="l1=-1"):
        ns.swap_search(x, l1=-1)
    with pytest.raises(ValueError, match="d=1"):
        ns.simulate_linear_sem(1, 0, 10)
