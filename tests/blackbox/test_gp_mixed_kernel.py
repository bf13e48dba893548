"""The GP's mixed additive and product kernel for categorical parameters (CoCaBO-style)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optarium.blackbox.gp_model import GaussianProcess
from optarium.blackbox.study import Study

LEVELS = 5


def one_hot(rows: np.ndarray) -> np.ndarray:
    """Three categorical parameters of ``LEVELS`` choices, one-hot / sqrt 2 as the GP sampler encodes them."""
    return np.hstack([np.eye(LEVELS)[rows[:, j]] / np.sqrt(2) for j in range(rows.shape[1])])


def central_difference(function, point: np.ndarray, step: float = 1e-6) -> np.ndarray:
    return np.array([(function(point + step * e) - function(point - step * e)) / (2 * step) for e in np.eye(len(point))])


def mixed_data(seed: int = 4, n: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Two float columns and one categorical of two choices."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 4))
    X[:, 2:] = np.eye(2)[rng.integers(2, size=n)] / np.sqrt(2)
    y = np.sin(4 * X[:, 0]) * X[:, 1] + X[:, 2]
    return X, (y - y.mean()) / y.std()


@pytest.mark.parametrize("trend", [False, True])
def test_mixed_fit_objective_gradient_matches_finite_differences(trend: bool) -> None:
    X, y = mixed_data()
    objective = GaussianProcess([0, 1, 2, 2], 3, trend=trend, additive=True).fit_objective(X, y)
    theta = np.random.default_rng(1).normal(scale=0.7, size=6 + trend)
    _, gradient = objective(theta)
    assert np.allclose(gradient, central_difference(lambda t: objective(t)[0], theta), atol=1e-6)


def test_mixed_posterior_and_its_gradient_match_the_kernel() -> None:
    X, y = mixed_data()
    model = GaussianProcess([0, 1, 2, 2], 3, trend=True, additive=True).fit(X, y)
    assert 0.0 < model.product_weight < 1.0
    points = mixed_data(seed=9, n=6)[0]
    K = model.kernel(X, X, model.log_lengthscale, model.log_outputscale) + model.noise * np.eye(len(X))
    cross = model.kernel(points, X, model.log_lengthscale, model.log_outputscale)
    prior = np.diagonal(model.kernel(points, points, model.log_lengthscale, model.log_outputscale))
    mean, variance = model.posterior(points)
    assert np.allclose(mean, cross @ np.linalg.solve(K, y))
    assert np.allclose(variance, prior - np.einsum("ij,ji->i", cross, np.linalg.solve(K, cross.T)))
    assert np.allclose(prior, model.prior_variance(points))
    point = points[0]
    _, _, mean_gradient, variance_gradient = model.posterior_gradient(point[None, :])
    assert np.allclose(mean_gradient[0], central_difference(lambda p: model.posterior(p[None, :])[0][0], point), atol=1e-6)
    assert np.allclose(variance_gradient[0], central_difference(lambda p: model.posterior(p[None, :])[1][0], point), atol=1e-6)


def test_a_product_weight_of_one_is_the_kernel_without_categoricals() -> None:
    X, _ = mixed_data()
    plain = GaussianProcess([0, 1, 2, 2], 3)
    mixed = GaussianProcess([0, 1, 2, 2], 3, additive=True)
    log_lengthscale = np.array([-0.5, 0.2, 0.4])
    assert np.allclose(mixed.kernel(X, X, log_lengthscale, 0.3, logit_product=40.0), plain.kernel(X, X, log_lengthscale, 0.3))
    assert not np.allclose(mixed.kernel(X, X, log_lengthscale, 0.3, logit_product=0.0), plain.kernel(X, X, log_lengthscale, 0.3))


def test_the_mixed_model_ranks_untried_points_with_the_best_level_first() -> None:
    """A main effect: level 2 of the first parameter lowers the loss wherever it appears; after ten
    results (two of them with that level) the model's mean puts every untried point with it first."""
    grid = np.array(list(itertools.product(range(LEVELS), repeat=3)))
    effects = np.random.default_rng(0).normal(scale=0.3, size=(3, LEVELS))
    effects[0, 2] = -2.0
    loss = effects[0][grid[:, 0]] + effects[1][grid[:, 1]] + effects[2][grid[:, 2]]
    seen = np.random.default_rng(0).choice(len(grid), 10, replace=False)
    assert (grid[seen, 0] == 2).sum() == 2
    y = (loss[seen] - loss[seen].mean()) / loss[seen].std()
    model = GaussianProcess([j for j in range(3) for _ in range(LEVELS)], 3, additive=True).fit(one_hot(grid[seen]), y)
    untried = np.setdiff1d(np.arange(len(grid)), seen)
    mean, _ = model.posterior(one_hot(grid[untried]))
    ranked = grid[untried[np.argsort(mean)], 0]
    with_level = int((ranked == 2).sum())
    assert (ranked[:with_level] == 2).all()


def test_the_gp_sampler_mixes_kernels_only_where_there_are_categoricals() -> None:
    """The recorded hyper-parameters: a mixing weight and no trend for a space with a categorical
    parameter, a trend and no mixing weight for a continuous one."""
    spaces = {
        "categorical": {"a": {"type": "categorical", "choices": ["x", "y", "z"]}, "b": {"type": "float", "low": 0, "high": 1}},
        "continuous": {"a": {"type": "float", "low": 0, "high": 1}, "b": {"type": "float", "low": 0, "high": 1}},
    }
    lengths = {}
    for name, space in spaces.items():
        study = Study.create(name, space, sampler="gp", seed=3, store="memory://")
        for _ in range(6):
            (trial,) = study.ask()
            a = trial.params["a"]
            study.tell(trial, trial.params["b"] + (float(a) if name == "continuous" else 0.5 * (a == "x")))
        theta = [t.info["theta"] for t in study.trials if "theta" in t.info]
        assert theta, name
        lengths[name] = len(theta[-1])
    # length scales (2), output scale, noise; then the trend or the mixing weight
    assert lengths == {"categorical": 5, "continuous": 5}
