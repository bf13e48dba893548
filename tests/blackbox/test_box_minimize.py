"""The box-constrained L-BFGS: the minimum L-BFGS-B finds, inside the box and on its faces."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.blackbox.box_minimize import minimize_box


def rosenbrock(x: np.ndarray) -> tuple[float, np.ndarray]:
    value = float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))
    gradient = np.zeros_like(x)
    gradient[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    gradient[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return value, gradient


@pytest.mark.parametrize("high", [2.0, 0.5])
def test_finds_the_minimum_l_bfgs_b_finds_inside_and_on_the_box(high: float) -> None:
    from scipy.optimize import minimize

    low, upper = np.full(4, -2.0), np.full(4, high)
    start = np.array([-1.2, 1.0, -0.5, 0.3])
    x, value = minimize_box(rosenbrock, start, low, upper, max_iter=500, gtol=1e-8)
    reference = minimize(rosenbrock, start, jac=True, method="L-BFGS-B", bounds=list(zip(low, upper, strict=True)),
                         options={"maxiter": 500, "gtol": 1e-8})
    assert np.all((low <= x) & (x <= upper))
    assert value == pytest.approx(reference.fun, abs=1e-7)
    assert np.allclose(x, reference.x, atol=1e-3)


def test_a_failing_objective_keeps_the_last_good_point() -> None:
    """Values of 1e10 (a covariance that is not positive definite) are stepped back from."""

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        if x[0] > 1.5:
            return 1e10, np.zeros_like(x)
        return float(((x - 2.0) ** 2).sum()), 2 * (x - 2.0)

    x, value = minimize_box(objective, np.zeros(2), np.full(2, -5.0), np.full(2, 5.0), max_iter=100)
    assert x[0] <= 1.5 and value == pytest.approx(objective(x)[0]) and value < 8.0  # 8.0: the start
