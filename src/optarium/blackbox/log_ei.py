"""The GP sampler's acquisition in numpy: log expected improvement, noisy log EI, log P(feasible).

Log EI after Ament et al., "Unexpected Improvements to Expected Improvement for Bayesian
Optimization" (NeurIPS 2023); noisy EI after Letham et al., "Constrained Bayesian
Optimization with Noisy Experiments" (2019), as :mod:`gp` describes. Values and their
analytic gradients in the features: d log h(z) / dz = exp(log Phi(z) - log h(z)). numpy
alone (erfc from the math module, element by element): importing scipy.special costs more
than the whole acquisition of an ask from the shell.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from optarium.blackbox.gp_model import GaussianProcess

_CHUNK = 1024  # candidate rows per evaluation: bounds the (rows, observations, features) distances


class Differentiable(Protocol):
    """An acquisition that gives values (m,) and their gradients (m, D) at features (m, D)."""

    def with_gradient(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


class Acquisition:
    """log EI of ``model`` below ``best`` (or noisy log EI over joint samples, when
    ``sample_alphas`` (n, S) = K^-1 samples and their feasible minima ``sample_bests`` (S,)
    are given), plus log P(feasible) under ``constraint``; zero where there is no incumbent."""

    def __init__(self, model: GaussianProcess, best: float | None, constraint: GaussianProcess | None,
                 sample_alphas: np.ndarray | None = None, sample_bests: np.ndarray | None = None):
        self.model = model
        self.best = best
        self.constraint = constraint
        self.sample_alphas = sample_alphas
        self.sample_bests = sample_bests

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """Values (m,) at ``features`` (m, D)."""
        import numpy as np

        return np.concatenate([self._evaluate(features[i : i + _CHUNK], False)[0] for i in range(0, len(features), _CHUNK)])

    def with_gradient(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values (m,) and their gradients (m, D) at ``features`` (m, D)."""
        import numpy as np

        parts = [self._evaluate(features[i : i + _CHUNK], True) for i in range(0, len(features), _CHUNK)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _evaluate(self, features: np.ndarray, gradient: bool) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        value = np.zeros(len(features))
        grad = np.zeros_like(features)
        model = self.model
        noisy = self.sample_alphas is not None
        if (noisy and self.sample_bests is not None) or (not noisy and self.best is not None):
            if gradient:
                mean, variance, mean_gradient, variance_gradient = model.posterior_gradient(features)
            else:
                mean, variance = model.posterior(features)
            sigma = np.sqrt(variance)
            if noisy:
                assert self.sample_alphas is not None and self.sample_bests is not None and model.log_lengthscale is not None
                Ks = model.kernel(features, model.X, model.log_lengthscale, model.log_outputscale)
                z = (self.sample_bests[None, :] - Ks @ self.sample_alphas) / sigma[:, None]  # (m, S)
                log_improvement = log_h(z)
                top = log_improvement.max(axis=1, keepdims=True)
                share = np.exp(log_improvement - top)  # each sample's weight in the log-sum-exp, unnormalised
                total = share.sum(axis=1)
                value = top[:, 0] + np.log(total) - math.log(len(self.sample_bests)) + np.log(sigma)
                if gradient:
                    # weight of each sample in the log-sum-exp times d log h / dz
                    weights = share / total[:, None] * np.exp(log_ndtr(z) - log_improvement)
                    sigma_gradient = variance_gradient / (2.0 * sigma[:, None])
                    means_gradient = model.kernel_gradient(features, weights @ self.sample_alphas.T)
                    grad = ((-means_gradient - (weights * z).sum(1)[:, None] * sigma_gradient) / sigma[:, None]
                            + sigma_gradient / sigma[:, None])
            else:
                assert self.best is not None
                z = (self.best - mean) / sigma
                log_improvement = log_h(z)
                value = log_improvement + np.log(sigma)
                if gradient:
                    sigma_gradient = variance_gradient / (2.0 * sigma[:, None])
                    slope = np.exp(log_ndtr(z) - log_improvement)
                    grad = (slope[:, None] * (-mean_gradient - z[:, None] * sigma_gradient) + sigma_gradient) / sigma[:, None]
        if self.constraint is not None:
            constraint = self.constraint
            if gradient:
                mean_c, variance_c, mean_c_gradient, variance_c_gradient = constraint.posterior_gradient(features)
            else:
                mean_c, variance_c = constraint.posterior(features)
            sd = np.sqrt(variance_c + constraint.noise)
            t = (constraint.threshold - mean_c) / sd
            log_feasible = log_ndtr(t)
            value = value + log_feasible
            if gradient:
                slope = np.exp(-0.5 * t**2 - 0.5 * math.log(2 * math.pi) - log_feasible)
                grad = grad + slope[:, None] * (-mean_c_gradient / sd[:, None] - (t / (2.0 * sd**2))[:, None] * variance_c_gradient)
        return value, grad


class IntegratedAcquisition:
    """The log of the mean of the acquisitions' values (in linear space): EI integrated over
    hyper-parameter draws (Snoek, Larochelle and Adams, "Practical Bayesian Optimization of
    Machine Learning Algorithms", NeurIPS 2012), one :class:`Acquisition` per draw."""

    def __init__(self, parts: list[Acquisition]):
        self.parts = parts

    def __call__(self, features: np.ndarray) -> np.ndarray:
        """Values (m,) at ``features`` (m, D)."""
        import numpy as np

        values = np.stack([part(features) for part in self.parts])
        top = values.max(axis=0)
        finite = np.isfinite(top)  # -inf in every draw stays -inf (not nan)
        shift = np.where(finite, top, 0.0)
        mean = np.where(finite, np.exp(values - shift).mean(axis=0), 1.0)
        return np.asarray(np.where(finite, shift + np.log(mean), top))

    def with_gradient(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values (m,) and their gradients (m, D): each draw's gradient weighted by its share of the mean."""
        import numpy as np

        parts = [part.with_gradient(features) for part in self.parts]
        values = np.stack([p[0] for p in parts])
        top = values.max(axis=0)
        finite = np.isfinite(top)
        share = np.exp(values - np.where(finite, top, 0.0))
        total = np.where(finite, share.sum(axis=0), 1.0)
        gradient = np.einsum("sm,smd->md", np.where(finite, share / total, 0.0), np.stack([p[1] for p in parts]))
        return np.where(finite, top + np.log(total / len(parts)), top), gradient


def log_h(z: np.ndarray) -> np.ndarray:
    """log(phi(z) + z Phi(z)), stable for very negative z (Ament et al. 2023). Its derivative is
    Phi(z) / h(z) = exp(log_ndtr(z) - log_h(z))."""
    import numpy as np

    c1 = math.log(2 * math.pi) / 2
    c2 = math.log(math.pi / 2) / 2
    z = np.asarray(z, dtype=float)
    large = z > -1
    with np.errstate(all="ignore"):
        z_large = np.where(large, z, 0.0)
        phi = np.exp(-0.5 * z_large**2) / math.sqrt(2 * math.pi)
        Phi = 0.5 * _erfc(-z_large / math.sqrt(2))
        value_large = np.log(np.maximum(phi + z_large * Phi, 1e-300))
        z_small = np.where(large, -1.0, z)
        inner = np.log(_erfcx(-z_small / math.sqrt(2)) * np.abs(z_small)) + c2
        log1mexp = np.where(inner > -math.log(2), np.log(-np.expm1(inner)), np.log1p(-np.exp(inner)))
        value_small = -0.5 * z_small**2 - c1 + log1mexp
        value_small = np.where(z_small < -1e8, -0.5 * z_small**2 - c1 - 2 * np.log(np.abs(z_small)), value_small)
    return np.asarray(np.where(large, value_large, value_small))


def log_ndtr(t: np.ndarray) -> np.ndarray:
    """log Phi(t), the log of the standard normal distribution function, accurate in both tails."""
    import numpy as np

    t = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        upper = np.log1p(-0.5 * _erfc(np.maximum(t, 0.0) / math.sqrt(2)))
        middle = np.log(0.5 * _erfc(-np.clip(t, -5.0, 0.0) / math.sqrt(2)))
        lower = np.log(0.5 * _erfcx(-np.minimum(t, -5.0) / math.sqrt(2))) - 0.5 * np.minimum(t, -5.0) ** 2
    return np.asarray(np.where(t > 0, upper, np.where(t > -5.0, middle, lower)))


def _erfc(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.asarray(np.frompyfunc(math.erfc, 1, 1)(x), dtype=float)


def _erfcx(x: np.ndarray) -> np.ndarray:
    """exp(x^2) erfc(x) for x >= 0: directly up to 25 (erfc(25) is still a normal float), by its
    asymptotic series beyond (relative error below 1e-12 there)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    near = np.minimum(x, 25.0)
    with np.errstate(all="ignore"):
        direct = np.exp(near**2) * _erfc(near)
        far = np.maximum(x, 25.0)
        inverse = 1.0 / (2.0 * far**2)
        series = 1.0 / (far * math.sqrt(math.pi)) * (1.0 - inverse * (1.0 - 3.0 * inverse * (1.0 - 5.0 * inverse * (1.0 - 7.0 * inverse))))
    return np.asarray(np.where(x <= 25.0, direct, series))
