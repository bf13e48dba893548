"""The lean GP: analytic gradients against finite differences, the posterior against the textbook formula."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.blackbox.gp_model import GaussianProcess
from optarium.blackbox.log_ei import log_h


def mixed_data(seed: int = 4, n: int = 15) -> tuple[np.ndarray, np.ndarray]:
    """Two float columns and one categorical of two choices (one-hot / sqrt 2, one length-scale group)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 4))
    X[:, 2:] = np.eye(2)[rng.integers(2, size=n)] / np.sqrt(2)
    y = np.sin(4 * X[:, 0]) + X[:, 1] ** 2 + X[:, 2]
    return X, (y - y.mean()) / y.std()


def central_difference(function, point: np.ndarray, step: float = 1e-6) -> np.ndarray:
    return np.array([(function(point + step * e) - function(point - step * e)) / (2 * step) for e in np.eye(len(point))])


@pytest.mark.parametrize("trend", [False, True])
def test_fit_objective_gradient_matches_finite_differences(trend: bool) -> None:
    X, y = mixed_data()
    objective = GaussianProcess([0, 1, 2, 2], 3, trend=trend).fit_objective(X, y)
    theta = np.random.default_rng(1).normal(scale=0.7, size=5 + trend)
    _, gradient = objective(theta)
    assert np.allclose(gradient, central_difference(lambda t: objective(t)[0], theta), atol=1e-6)


def test_fit_finds_the_hyperparameters_of_the_torch_fit() -> None:
    """The numbers the earlier torch implementation (autograd gradient, same L-BFGS-B) found on this data."""
    X, y = mixed_data()
    model = GaussianProcess([0, 1, 2, 2], 3, trend=True).fit(X, y)
    assert np.allclose(model.theta, [-0.3747, 1.0654, 1.0916, -0.0938, -8.9963, -1.0697], atol=2e-3)


def test_posterior_matches_the_direct_formula() -> None:
    X, y = mixed_data()
    model = GaussianProcess([0, 1, 2, 2], 3, trend=True).fit(X, y)
    points = mixed_data(seed=9, n=6)[0]
    K = model.kernel(X, X, model.log_lengthscale, model.log_outputscale) + model.noise * np.eye(len(X))
    cross = model.kernel(points, X, model.log_lengthscale, model.log_outputscale)
    prior = np.diagonal(model.kernel(points, points, model.log_lengthscale, model.log_outputscale))
    mean, variance = model.posterior(points)
    assert np.allclose(mean, cross @ np.linalg.solve(K, y))
    assert np.allclose(variance, prior - np.einsum("ij,ji->i", cross, np.linalg.solve(K, cross.T)))
    assert np.allclose(prior, model.prior_variance(points))


def test_posterior_gradient_matches_finite_differences() -> None:
    X, y = mixed_data()
    model = GaussianProcess([0, 1, 2, 2], 3, trend=True).fit(X, y)
    point = np.array([0.3, 0.6, 0.5, 0.2])
    mean, variance, mean_gradient, variance_gradient = model.posterior_gradient(point[None, :])
    assert np.allclose([mean[0], variance[0]], [v[0] for v in model.posterior(point[None, :])])
    assert np.allclose(mean_gradient[0], central_difference(lambda p: model.posterior(p[None, :])[0][0], point), atol=1e-6)
    assert np.allclose(variance_gradient[0], central_difference(lambda p: model.posterior(p[None, :])[1][0], point), atol=1e-6)
    weights = np.random.default_rng(2).normal(size=(1, len(X)))
    cross = lambda p: float(model.kernel(p[None, :], X, model.log_lengthscale, model.log_outputscale)[0] @ weights[0])  # noqa: E731
    assert np.allclose(model.kernel_gradient(point[None, :], weights)[0], central_difference(cross, point), atol=1e-6)


def test_log_h_is_the_log_of_expected_improvement_far_into_the_tail() -> None:
    from scipy.stats import norm

    z = np.array([-5.0, -1.5, -0.5, 0.0, 2.0])
    assert np.allclose(log_h(z), np.log(norm.pdf(z) + z * norm.cdf(z)))
    # h(z) -> phi(z) / z^2 as z -> -inf, where phi + z Phi itself underflows
    far = -40.0
    assert abs(log_h(np.array([far]))[0] - (-0.5 * far**2 - 0.5 * np.log(2 * np.pi) - 2 * np.log(-far))) < 0.01


@pytest.mark.parametrize("trend", [False, True])
def test_the_objective_without_its_gradient_has_the_same_value(trend: bool) -> None:
    X, y = mixed_data()
    objective = GaussianProcess([0, 1, 2, 2], 3, trend=trend).fit_objective(X, y)
    for theta in np.random.default_rng(2).normal(scale=0.7, size=(5, 5 + trend)):
        value, gradient = objective(theta, need_gradient=False)
        assert value == pytest.approx(objective(theta)[0], rel=1e-10) and gradient.size == 0


def test_hyperparameter_draws_follow_the_data() -> None:
    """Results that depend on the first column only: the draws give the second a longer length scale, stay in the
    fitting box, move between sweeps, are each conditioned on the data, and repeat for the same generator."""
    rng = np.random.default_rng(0)
    X = rng.random((20, 2))
    y = np.sin(6 * X[:, 0])
    y = (y - y.mean()) / y.std()
    model = GaussianProcess([0, 1], 2).fit(X, y)
    draws = model.hyperparameter_samples(X, y, 12, 3, np.random.default_rng(1))
    thetas = np.array([d.theta for d in draws])
    low, high = model._bounds()
    assert len(draws) == 12 and (thetas >= low).all() and (thetas <= high).all()
    assert len({tuple(t) for t in thetas}) == 12
    assert thetas[:, 1].mean() > thetas[:, 0].mean() + 1.0, thetas[:, :2]
    for draw in draws:
        assert np.allclose(draw.posterior(X)[0], y, atol=0.05)
    again = model.hyperparameter_samples(X, y, 12, 3, np.random.default_rng(1))
    assert np.array_equal(thetas, np.array([d.theta for d in again]))


def test_the_one_hot_distance_is_the_feature_distance() -> None:
    """On a space of categorical parameters alone the kernel sums each group's one-hot distance by one product."""
    from optarium.blackbox.gp_model import _distance, _one_hot_distance

    rng = np.random.default_rng(3)
    sizes, groups = [4, 3, 5], [0] * 4 + [1] * 3 + [2] * 5

    def codes(m: int) -> np.ndarray:
        return np.hstack([np.eye(k)[rng.integers(k, size=m)] / np.sqrt(2) for k in sizes])

    a, b = codes(30), codes(12)
    log_lengthscale = np.array([-0.4, 0.3, 1.1])
    model = GaussianProcess(groups, 3)
    columns = model._one_hot_columns()
    assert columns == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9, 10, 11]]
    scale = np.exp(log_lengthscale)[groups]
    expected = _distance(a / scale, b / scale, np)
    assert np.allclose(_one_hot_distance(a, b, np.exp(-2 * log_lengthscale), columns), expected, rtol=1e-12, atol=1e-12)
    assert np.allclose(model.kernel(a, b, log_lengthscale, 0.0), (1 + expected + expected**2 / 3) * np.exp(-expected), rtol=1e-12)
    assert GaussianProcess([0, 1, 2, 2], 3)._one_hot_columns() == []  # a float column: the per-feature distance
