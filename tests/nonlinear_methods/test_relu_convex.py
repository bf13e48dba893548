"""Convex ReLU training reaches the certified global optimum of the nonconvex training problem."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from optarium.nonlinear_methods import relu_convex as rc

BETA = 0.1


@pytest.fixture(scope="module")
def tiny() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(size=(8, 2)), np.ones(8)]
    return x, rng.normal(size=8)


@pytest.fixture(scope="module")
def trained(tiny: tuple[np.ndarray, np.ndarray]) -> rc.ConvexReLUResult:
    x, y = tiny
    return rc.train(x, y, beta=BETA, patterns=rc.all_patterns(x), tol=1e-8, max_iter=20_000)


def test_all_patterns_lists_every_region_and_contains_every_sampled_pattern(
    tiny: tuple[np.ndarray, np.ndarray],
) -> None:
    x, _ = tiny
    patterns = rc.all_patterns(x)
    regions = 2 * sum(math.comb(7, k) for k in range(3))
    assert len(patterns) == regions - 1  # the all-off pattern is left out
    listed = {p.tobytes() for p in patterns}
    sampled = rc.sample_patterns(x, 5000, seed=1)
    assert all(p.tobytes() in listed for p in sampled)


def test_admm_optimum_is_certified_by_the_dual_bound(
    tiny: tuple[np.ndarray, np.ndarray], trained: rc.ConvexReLUResult
) -> None:
    x, y = tiny
    assert trained.converged
    fitted = np.maximum(x @ trained.first_layer.T, 0.0) @ trained.second_layer
    lower = rc.dual_bound(x, y, fitted, BETA)
    assert lower <= trained.objective + 1e-9
    assert trained.objective - lower <= 1e-5 * trained.objective
    # the recovered network attains the convex program's value
    assert trained.objective == pytest.approx(trained.convex_objective, rel=1e-5)


def test_no_local_training_run_beats_the_global_optimum(
    tiny: tuple[np.ndarray, np.ndarray], trained: rc.ConvexReLUResult
) -> None:
    x, y = tiny
    width = 10

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        first, second = params[: width * 3].reshape(width, 3), params[width * 3 :]
        hidden = x @ first.T
        error = np.maximum(hidden, 0.0) @ second - y
        grad_first = ((error[:, None] * second[None, :]) * (hidden > 0)).T @ x + BETA * first
        grad_second = np.maximum(hidden, 0.0).T @ error + BETA * second
        value = rc.network_objective(x, y, first, second, BETA)
        return value, np.r_[grad_first.ravel(), grad_second]

    rng = np.random.default_rng(5)
    finals = [
        minimize(
            loss, rng.normal(size=width * 4), jac=True, method="L-BFGS-B", options={"maxiter": 300}
        ).fun
        for _ in range(8)
    ]
    assert min(finals) >= trained.objective - 1e-6


def test_sampled_patterns_give_a_network_no_better_than_the_global_optimum(
    tiny: tuple[np.ndarray, np.ndarray], trained: rc.ConvexReLUResult
) -> None:
    x, y = tiny
    patterns = rc.sample_patterns(x, 6, seed=2)
    assert patterns.shape == (len(patterns), 8) and len(patterns) <= 6
    assert len({p.tobytes() for p in patterns}) == len(patterns)
    sampled = rc.train(x, y, beta=BETA, patterns=patterns, tol=1e-8, max_iter=20_000)
    assert sampled.objective >= trained.objective - 1e-6
    for neuron in sampled.first_layer:  # each neuron acts as a linear unit on one sampled pattern
        hidden = x @ neuron
        mismatch = np.abs(np.maximum(hidden, 0.0)[None, :] - patterns * hidden[None, :]).max(axis=1)
        assert mismatch.min() <= 1e-5 * max(1.0, float(np.abs(hidden).max()))


def test_bad_arguments_name_the_value(tiny: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = tiny
    with pytest.raises(ValueError, match="beta=0"):
        rc.train(x, y, beta=0)
    with pytest.raises(ValueError, match=r"y.shape=\(3,\)"):
        rc.train(x, y[:3], beta=BETA)
    with pytest.raises(ValueError, match="count=0"):
        rc.sample_patterns(x, 0)
    with pytest.raises(ValueError, match="general position"):
        rc.all_patterns(np.c_[np.arange(4.0), 2 * np.arange(4.0), np.ones(4)])
