"""Kwon et al.'s penalty method on ridge-penalty tuning, against exact hypergradient descent."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import minimize

from optarium.domains.bilevel.penalty import PenaltySettings, penalty_method
from optarium.domains.bilevel.ridge import RidgeTuning, tune_blackbox, tune_penalty
from optarium.errors import InvalidModelError, OptionError


def exact_local_optimum(problem: RidgeTuning, start: np.ndarray) -> float:
    """L-BFGS-B on the exact validation loss with its implicit-function gradient (no torch)."""
    n = problem.A_train.shape[0]

    def loss_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        w = problem.weights(x)
        hessian = problem.A_train.T @ problem.A_train / n + np.diag(np.exp(x))
        residual = problem.A_val @ w - problem.b_val
        adjoint = np.linalg.solve(hessian, 2 * problem.A_val.T @ residual / len(residual))
        return float(residual @ residual / len(residual)), -np.exp(x) * w * adjoint

    found = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", bounds=[problem.log_bounds] * len(start))
    return float(found.fun)


def test_penalty_method_reaches_the_exact_local_optimum_of_the_validation_loss() -> None:
    problem, _, _ = RidgeTuning.synthetic(n_features=6, n_informative=2, n_train=30, n_val=30, seed=1)
    start = problem.validation_loss(np.zeros(6))
    result = tune_penalty(problem, PenaltySettings(steps=120, lr_x=0.15))
    reference = exact_local_optimum(problem, np.zeros(6))
    assert result["validation_loss"] < 0.25 * start
    assert result["validation_loss"] <= reference * 1.01
    assert np.all(result["x"] >= problem.log_bounds[0]) and np.all(result["x"] <= problem.log_bounds[1])


def test_the_tracked_follower_answer_approaches_the_exact_one() -> None:
    problem, _, _ = RidgeTuning.synthetic(n_features=4, n_informative=2, n_train=20, n_val=20, seed=3)
    result = penalty_method(problem.upper, problem.lower, np.zeros(4), np.zeros(4),
                            PenaltySettings(steps=60, inner_steps=20, gamma_end=1e3))
    exact = problem.weights(result.x.numpy())
    # z tracks w* at the x before the last step on x, so it lags by one step
    assert np.linalg.norm(result.z.numpy() - exact) <= 1e-2 * max(1.0, np.linalg.norm(exact))
    # y minimises f/gamma + g, so it differs from w* by O(1/gamma)
    assert np.linalg.norm(result.y.numpy() - exact) <= 0.05 * max(1.0, np.linalg.norm(exact))
    assert result.steps == 60 and len(result.history) == 60 and result.history[-1][1] == pytest.approx(1e3)


def test_time_limit_stops_the_run() -> None:
    problem, _, _ = RidgeTuning.synthetic(n_features=4, n_informative=2, seed=0)
    result = penalty_method(problem.upper, problem.lower, np.zeros(4), np.zeros(4),
                            PenaltySettings(steps=100_000, time_limit=0.5))
    assert result.steps < 100_000 and result.seconds < 5


def test_black_box_study_over_the_same_variables_reports_an_exact_loss() -> None:
    problem, _, _ = RidgeTuning.synthetic(n_features=3, n_informative=1, seed=2)
    found = tune_blackbox(problem, 1.0, sampler="sobol", seed=0, batch=8)
    assert found["trials"] >= 8 and found["validation_loss"] == pytest.approx(problem.validation_loss(found["x"]))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"steps": 0}, "option `steps` must be a positive integer, got 0"),
        ({"lr_x": -1.0}, "option `lr_x` must be a positive finite number"),
        ({"gamma_start": 10.0, "gamma_end": 1.0}, "option `gamma_end` must be at least gamma_start=10.0"),
        ({"time_limit": 0.0}, "option `time_limit` must be a positive number of seconds or None"),
    ],
)
def test_settings_name_the_bad_value(kwargs: dict[str, float], expected: str) -> None:
    with pytest.raises(OptionError) as caught:
        PenaltySettings(**kwargs)  # type: ignore[arg-type]
    assert expected in str(caught.value)


def test_mismatched_ridge_data_is_refused() -> None:
    problem, _, _ = RidgeTuning.synthetic(n_features=3, n_informative=1, seed=0)
    with pytest.raises(InvalidModelError, match="same number of columns"):
        RidgeTuning(problem.A_train, problem.b_train, problem.A_val[:, :2], problem.b_val)


def test_the_penalty_method_leaves_torch_dynamo_unimported() -> None:
    """torch.optim's first optimiser imports torch._dynamo (seconds); the leader's Adam steps without it."""
    code = ("import sys\nfrom optarium.domains.bilevel.penalty import PenaltySettings\n"
            "from optarium.domains.bilevel.ridge import RidgeTuning, tune_penalty\n"
            "problem, _, _ = RidgeTuning.synthetic(n_features=4, n_informative=2, n_train=20, n_val=20, seed=3)\n"
            "result = tune_penalty(problem, PenaltySettings(steps=20))\n"
            "print(result['steps'], 'torch._dynamo' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["20", "False"]
