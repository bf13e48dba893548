"""The GP sampler's acquisition in numpy: log expected improvement, noisy log EI, log P(feasible).

Log EI after Ament et al., "Unexpected Improvements to Expected Improvement for Bayesian
Optimization" (NeurIPS 2023); noisy EI after Letham et al., "Constrained Bayesian
Optimization with Noisy Experiments" (2019), as :mod:`gp` describes. Values and their
analytic gradients in the features: d log h(z) / dz = exp(log Phi(z) - log h(z)).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

from optarium.blackbox.gp_model import log_h

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
        from scipy.special import log_ndtr, logsumexp, softmax

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
                value = logsumexp(log_improvement, axis=1) - math.log(len(self.sample_bests)) + np.log(sigma)
                if gradient:
                    # weight of each sample in the log-sum-exp times d log h / dz
                    weights = softmax(log_improvement, axis=1) * np.exp(log_ndtr(z) - log_improvement)
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
