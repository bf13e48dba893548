"""A lean exact Gaussian process in torch (float64) for Bayesian optimization.

Matern-5/2 kernel with one length scale per input group (ARD): a continuous column is
its own group; the one-hot columns of a categorical parameter share one length scale,
so their distance is the Hamming distance. Hyper-parameters (length scales, output
scale, noise) are fitted by maximising the marginal likelihood plus log priors with
L-BFGS-B. Targets are standardised before fitting.

The length-scale prior is a soft box on the log length scale u,
``-0.1 (exp(2(u - c)) + exp(-2(u - c)))`` (the shape Optuna's GPSampler puts on the
inverse squared length scale): flat for length scales within a factor of about 2 of
``exp(c)``, steep beyond 0.2 and 5 times it. ``exp(c)`` is 1 (the unit cube) up to 5
parameters and grows as the square root of the dimension beyond, after the dimension
scaling of Hvarfner et al., "Vanilla Bayesian Optimization Performs Great in High
Dimensions" (ICML 2024). Their log-normal prior itself (BoTorch's default, median
length scale 9 in 5-D) was our first choice; it lets the fit ignore all but the steepest
directions of ill-conditioned functions: on BBOB f2 (ellipsoid, 5-D, instance 1, 100
evaluations) the final regret was 4.8e3 with it and 12 with the soft box.

Quadratic trend (``trend=True``, the GP sampler's setting): the kernel adds
``s (1 + u.v / D)^2`` on the features centred on the cube (u = 2x - 1), the covariance of
a quadratic polynomial in the inputs with Gaussian coefficients. This is the GP with
explicit basis functions of Rasmussen and Williams, "Gaussian Processes for Machine
Learning" (2006), section 2.7, with the coefficients integrated out. We depart from it in
two ways: the polynomial kernel stands in for one prior per monomial (all of them share
the variance s), and s is fitted with the other hyper-parameters under a log-normal prior
(median 0.05 of the standardised variance) instead of being taken as vague. Many
objectives are a bowl under local roughness (Rastrigin-like, the Schaffer functions);
the Matern part alone reverts to the mean away from the data and reads the bowl as
long length scales, the trend keeps it, and the Matern part models the roughness.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import torch

_SQRT5 = math.sqrt(5.0)
MIN_NOISE = 1e-6
TREND_OFF = -20.0  # log trend variance of a model without a quadratic trend


class GaussianProcess:
    """Fit with :meth:`fit`; then :meth:`posterior` gives mean and variance (standardised units)."""

    trend_prior = (-3.0, 2.0)  # mean and standard deviation of the log trend variance

    def __init__(self, groups: list[int], n_groups: int, trend: bool = False):
        """``groups[c]`` is the length-scale group of feature column ``c``; ``trend`` adds a
        fitted quadratic trend to the kernel."""
        self.groups = groups
        self.n_groups = n_groups
        self.trend = trend
        self.log_lengthscale: torch.Tensor | None = None
        self.log_outputscale = 0.0
        self.log_noise = math.log(1e-3)
        self.log_trend = TREND_OFF  # variance of the quadratic trend (see :meth:`kernel`)
        self.threshold = 0.0  # a feasibility model: the standardised value of "c = 0"
        self.cold_restart_below = 60  # observations: below this a warm-started fit may also restart cold

    # kernel -------------------------------------------------------------------------------
    def kernel(self, a: torch.Tensor, b: torch.Tensor, log_lengthscale: torch.Tensor, log_outputscale: torch.Tensor | float,
               log_trend: torch.Tensor | float | None = None) -> torch.Tensor:
        """Matern-5/2 plus a quadratic trend: ``exp(log_trend) (1 + u.v / D)^2`` with u, v the
        features centred on the cube (2x - 1), the covariance of a quadratic polynomial with
        Gaussian coefficients (``log_trend`` defaults to the model's own)."""
        import torch

        scale = torch.exp(log_lengthscale)[self.groups]
        d2 = ((a / scale)[:, None, :] - (b / scale)[None, :, :]).pow(2).sum(-1)
        r = torch.sqrt(d2 + 1e-12) * _SQRT5
        outputscale = torch.exp(torch.as_tensor(log_outputscale, dtype=a.dtype))
        out: torch.Tensor = (1.0 + r + r.pow(2) / 3.0) * torch.exp(-r) * outputscale
        log_trend = self.log_trend if log_trend is None else log_trend
        if isinstance(log_trend, torch.Tensor) or log_trend > TREND_OFF:
            trend = torch.exp(torch.as_tensor(log_trend, dtype=a.dtype))
            out = out + trend * (1.0 + (2.0 * a - 1.0) @ (2.0 * b - 1.0).T / a.shape[1]).pow(2)
        return out

    def prior_variance(self, x: torch.Tensor) -> torch.Tensor:
        """k(x, x) for each row of ``x``."""
        import torch

        u = 2.0 * x - 1.0
        trend = math.exp(self.log_trend) * (1.0 + u.pow(2).sum(1) / x.shape[1]).pow(2) if self.log_trend > TREND_OFF else 0.0
        return torch.full((x.shape[0],), self.outputscale, dtype=x.dtype) + trend

    # fitting ------------------------------------------------------------------------------
    @property
    def theta(self) -> list[float]:
        """Log length scales, log output scale, log noise and, with a trend, the log trend
        variance (to warm-start the next fit)."""
        assert self.log_lengthscale is not None
        return [*self.log_lengthscale.tolist(), self.log_outputscale, self.log_noise] + ([self.log_trend] if self.trend else [])

    def fit(self, x: np.ndarray, y: np.ndarray, max_iter: int = 80, start: list[float] | None = None,
            restart: bool = True) -> GaussianProcess:
        """Fit to features ``x`` (n, D) and standardised targets ``y`` (n,); ``start`` warm-starts,
        and with ``restart`` a second fit from the prior runs as well while data are few."""
        import numpy as np
        import torch
        from scipy.optimize import minimize

        X = torch.as_tensor(x, dtype=torch.float64)
        Y = torch.as_tensor(y, dtype=torch.float64)
        n = X.shape[0]
        centre = 0.5 * math.log(max(1.0, self.n_groups / 5.0))

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            t = torch.as_tensor(theta, dtype=torch.float64).requires_grad_(True)
            log_ls, log_os, log_noise = t[: self.n_groups], t[self.n_groups], t[self.n_groups + 1]
            log_trend = t[self.n_groups + 2] if self.trend else TREND_OFF
            K = self.kernel(X, X, log_ls, log_os, log_trend) + (torch.exp(log_noise) + MIN_NOISE) * torch.eye(n, dtype=torch.float64)
            try:
                L = torch.linalg.cholesky(K)
            except RuntimeError:
                return 1e10, np.zeros_like(theta)
            alpha = torch.cholesky_solve(Y[:, None], L)
            mll = -0.5 * (Y[:, None] * alpha).sum() - torch.log(torch.diagonal(L)).sum()
            log_prior = (
                -0.1 * (torch.exp(2.0 * (log_ls - centre)) + torch.exp(-2.0 * (log_ls - centre))).sum()
                - 0.5 * (log_os / 1.0).pow(2)
                - 0.5 * ((log_noise + 6.0) / 2.0).pow(2)
            )
            if self.trend:
                log_prior = log_prior - 0.5 * ((t[self.n_groups + 2] - self.trend_prior[0]) / self.trend_prior[1]).pow(2)
            loss = -(mll / n + log_prior / n)
            loss.backward()
            assert t.grad is not None
            return float(loss.detach()), t.grad.numpy().copy()

        default = np.concatenate([np.full(self.n_groups, centre - 0.8), [0.0, math.log(1e-3)], [self.trend_prior[0]] if self.trend else []])
        bounds = [(-5.0, 5.0)] * self.n_groups + [(-5.0, 4.0), (math.log(1e-8), math.log(2.0))] + ([(-12.0, 4.0)] if self.trend else [])
        starts = [default]
        if start is not None and len(start) == len(default):
            # Warm start from the previous ask; while data are few (and fits cheap) also
            # restart from the prior, since an early fit can sit in a poor local optimum.
            starts = [np.array(start, dtype=float)] + ([default] if restart and n < self.cold_restart_below else [])
        theta, best = default, math.inf
        for initial in starts:
            initial = np.clip(initial, [b[0] for b in bounds], [b[1] for b in bounds])
            result = minimize(objective, initial, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": max_iter})
            if np.isfinite(result.fun) and result.fun < best:
                theta, best = result.x, float(result.fun)
        self.log_lengthscale = torch.as_tensor(theta[: self.n_groups], dtype=torch.float64)
        self.log_outputscale = float(theta[self.n_groups])
        self.log_noise = float(theta[self.n_groups + 1])
        self.log_trend = float(theta[self.n_groups + 2]) if self.trend else TREND_OFF
        return self.condition(x, y)

    def log_evidence(self) -> float:
        """Log marginal likelihood of the conditioned targets under the current hyper-parameters."""
        assert self.log_lengthscale is not None, "fit before log_evidence"
        n = self.Y.shape[0]
        quad = float((self.Y * self.alpha).sum())
        return -0.5 * quad - float(self.L.diagonal().log().sum()) - 0.5 * n * math.log(2 * math.pi)

    @property
    def noise(self) -> float:
        return math.exp(self.log_noise) + MIN_NOISE

    @property
    def outputscale(self) -> float:
        return math.exp(self.log_outputscale)

    def condition(self, x: np.ndarray, y: np.ndarray, noise: float | None = None) -> GaussianProcess:
        """Keep the hyper-parameters, (re)condition on data; ``noise`` overrides the fitted noise."""
        import torch

        assert self.log_lengthscale is not None, "fit before condition"
        self.X = torch.as_tensor(x, dtype=torch.float64)
        self.Y = torch.as_tensor(y, dtype=torch.float64)
        level = self.noise if noise is None else noise
        K = self.kernel(self.X, self.X, self.log_lengthscale, self.log_outputscale)
        K = K + level * torch.eye(self.X.shape[0], dtype=torch.float64)
        self.L = _cholesky(K)
        self.alpha = torch.cholesky_solve(self.Y[:, None], self.L)[:, 0]
        # L^-1 once, so that every posterior variance is a product (cheaper to differentiate
        # through, many times per ask, than a triangular solve).
        self.L_inverse = torch.linalg.solve_triangular(self.L, torch.eye(self.L.shape[0], dtype=torch.float64), upper=False)
        return self

    def conditioned_copy(self, x: np.ndarray, y: np.ndarray, noise: float | None = None) -> GaussianProcess:
        """A new model with these hyper-parameters (all of them), conditioned on ``x``, ``y``."""
        import copy

        return copy.copy(self).condition(x, y, noise)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of the latent function at ``x`` (m, D) (differentiable in ``x``)."""

        assert self.log_lengthscale is not None
        Ks = self.kernel(x, self.X, self.log_lengthscale, self.log_outputscale)
        mean = Ks @ self.alpha
        v = Ks @ self.L_inverse.T
        var = (self.prior_variance(x) - v.pow(2).sum(1)).clamp_min(1e-12)
        return mean, var

    def sample_at_data(self, count: int, rng: np.random.Generator) -> torch.Tensor:
        """``count`` joint samples of the latent function at the training inputs, shape (count, n)."""
        import torch

        assert self.log_lengthscale is not None
        K = self.kernel(self.X, self.X, self.log_lengthscale, self.log_outputscale)
        v = torch.cholesky_solve(K, self.L)
        mean = K @ self.alpha
        cov = K - K @ v
        chol = _cholesky(0.5 * (cov + cov.T))
        normal = torch.as_tensor(rng.standard_normal((count, self.X.shape[0])), dtype=torch.float64)
        return mean[None, :] + normal @ chol.T


def _cholesky(K: torch.Tensor) -> torch.Tensor:
    import torch

    jitter = 1e-9
    for _ in range(8):
        L, info = torch.linalg.cholesky_ex(K + jitter * torch.eye(K.shape[0], dtype=K.dtype))
        if int(info) == 0:
            return L
        jitter *= 10
    raise RuntimeError("covariance matrix is not positive definite even with jitter")


def log_h(z: torch.Tensor) -> torch.Tensor:
    """log(phi(z) + z Phi(z)), stable for very negative z (Ament et al., "Unexpected
    Improvements to Expected Improvement for Bayesian Optimization", NeurIPS 2023)."""
    import torch

    c1 = math.log(2 * math.pi) / 2
    c2 = math.log(math.pi / 2) / 2
    large = z > -1
    z_large = torch.where(large, z, torch.zeros_like(z))
    phi = torch.exp(-0.5 * z_large.pow(2)) / math.sqrt(2 * math.pi)
    Phi = 0.5 * torch.erfc(-z_large / math.sqrt(2))
    value_large = torch.log((phi + z_large * Phi).clamp_min(1e-300))
    z_small = torch.where(large, -torch.ones_like(z), z)
    inner = torch.log(torch.special.erfcx(-z_small / math.sqrt(2)) * z_small.abs()) + c2
    log1mexp = torch.where(inner > -math.log(2), torch.log(-torch.expm1(inner)), torch.log1p(-torch.exp(inner)))
    value_small = -0.5 * z_small.pow(2) - c1 + log1mexp
    very_small = z_small < -1e8
    value_small = torch.where(very_small, -0.5 * z_small.pow(2) - c1 - 2 * torch.log(z_small.abs()), value_small)
    return torch.where(large, value_large, value_small)
