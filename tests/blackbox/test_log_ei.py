"""The GP sampler's acquisition: analytic gradients of log EI, noisy log EI and log P(feasible)."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.blackbox.gp_model import GaussianProcess
from optarium.blackbox.log_ei import Acquisition, IntegratedAcquisition, log_ndtr


def fitted(seed: int, trend: bool = True) -> tuple[GaussianProcess, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((14, 3))
    y = ((X - 0.4) ** 2).sum(1) + 0.05 * np.sin(9 * X[:, 0])
    y = (y - y.mean()) / y.std()
    return GaussianProcess([0, 1, 2], 3, trend=trend).fit(X, y), y


def acquisitions() -> dict[str, Acquisition]:
    model, y = fitted(0)
    constraint, _ = fitted(1, trend=False)
    constraint.threshold = 0.3
    samples = model.sample_at_data(8, np.random.default_rng(3))
    noiseless = model.conditioned_copy(model.X, y, noise=1e-6 * model.outputscale)
    return {
        "log_ei": Acquisition(model, float(y.min()), None),
        "log_ei_feasible": Acquisition(model, float(y.min()), constraint),
        "log_nei": Acquisition(noiseless, None, None, noiseless.solve(samples.T), samples.min(axis=1)),
        "feasible_only": Acquisition(model, None, constraint),
        "integrated": IntegratedAcquisition([Acquisition(draw, float(y.min()), constraint)
                                             for draw in model.hyperparameter_samples(model.X, y, 3, 1, np.random.default_rng(4))]),
    }


@pytest.mark.parametrize("name", ["log_ei", "log_ei_feasible", "log_nei", "feasible_only", "integrated"])
def test_acquisition_gradient_matches_finite_differences(name: str) -> None:
    acquisition = acquisitions()[name]
    points = np.random.default_rng(5).random((4, 3))
    values, gradient = acquisition.with_gradient(points)
    assert np.allclose(values, acquisition(points))
    step = 1e-6
    for j in range(3):
        shift = np.zeros(3)
        shift[j] = step
        numeric = (acquisition(points + shift) - acquisition(points - shift)) / (2 * step)
        assert np.allclose(gradient[:, j], numeric, rtol=1e-4, atol=1e-6)


def test_integrated_log_ei_is_the_log_of_the_mean_ei() -> None:
    model, y = fitted(0)
    draws = model.hyperparameter_samples(model.X, y, 4, 1, np.random.default_rng(2))
    parts = [Acquisition(draw, float(y.min()), None) for draw in draws]
    points = np.random.default_rng(6).random((5, 3))
    expected = np.log(np.mean([np.exp(part(points)) for part in parts], axis=0))
    assert np.allclose(IntegratedAcquisition(parts)(points), expected)
    assert np.allclose(IntegratedAcquisition(parts[:1])(points), parts[0](points))


def test_integrated_log_ei_is_minus_infinity_where_every_draw_is() -> None:
    class Nothing:
        def __call__(self, features: np.ndarray) -> np.ndarray:
            return np.full(len(features), -np.inf)

        def with_gradient(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return self(features), np.zeros_like(features)

    integrated = IntegratedAcquisition([Nothing(), Nothing()])  # type: ignore[list-item]
    points = np.random.default_rng(6).random((3, 3))
    assert (integrated(points) == -np.inf).all()
    values, gradient = integrated.with_gradient(points)
    assert (values == -np.inf).all() and (gradient == 0).all()


def test_log_ei_is_the_log_of_the_closed_form() -> None:
    from scipy.stats import norm

    model, y = fitted(0)
    points = np.random.default_rng(6).random((5, 3))
    mean, variance = model.posterior(points)
    sigma = np.sqrt(variance)
    z = (y.min() - mean) / sigma
    expected = np.log(sigma * (norm.pdf(z) + z * norm.cdf(z)))
    assert np.allclose(Acquisition(model, float(y.min()), None)(points), expected)


def test_log_ndtr_matches_scipy_in_both_tails() -> None:
    from scipy.special import log_ndtr as reference

    t = np.array([-60.0, -30.0, -5.5, -5.0, -4.9, -1.0, 0.0, 0.5, 5.0, 12.0])
    assert np.allclose(log_ndtr(t), reference(t), rtol=1e-10, atol=0.0)
