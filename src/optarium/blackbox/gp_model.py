"""A lean exact Gaussian process in numpy (float64) for Bayesian optimization.

Matern-5/2 kernel with one length scale per input group (ARD): a continuous column is
its own group; the one-hot columns of a categorical parameter share one length scale,
so their distance is the Hamming distance. Hyper-parameters (length scales, output
scale, noise) are fitted by maximising the marginal likelihood plus log priors with
a box-constrained L-BFGS (:mod:`box_minimize`) on the analytic gradient (Rasmussen and
Williams, "Gaussian Processes for Machine Learning", 2006, equation 5.9). Targets are
standardised before fitting.

Fit, posterior and its gradient in the inputs run in numpy alone, so that a
single-objective ask imports neither torch nor scipy; :meth:`GaussianProcess.kernel` and :meth:`GaussianProcess.posterior`
also take torch tensors (and are then differentiable by autograd) for the Monte-Carlo
acquisitions of the multi-objective and offline samplers, on the same fitted model.

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
explicit basis functions of Rasmussen and Williams (2006), section 2.7, with the
coefficients integrated out. We depart from it in
two ways: the polynomial kernel stands in for one prior per monomial (all of them share
the variance s), and s is fitted with the other hyper-parameters under a log-normal prior
(median 0.05 of the standardised variance) instead of being taken as vague. Many
objectives are a bowl under local roughness (Rastrigin-like, the Schaffer functions);
the Matern part alone reverts to the mean away from the data and reads the bowl as
long length scales, the trend keeps it, and the Matern part models the roughness.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np

_SQRT5 = math.sqrt(5.0)
_DISTANCE_FLOOR = 1e-12  # added to squared distances: keeps sqrt differentiable at zero
MIN_NOISE = 1e-6
TREND_OFF = -20.0  # log trend variance of a model without a quadratic trend


class GaussianProcess:
    """Fit with :meth:`fit`; then :meth:`posterior` gives mean and variance (standardised units).

    Fitted quantities (numpy): ``log_lengthscale`` (one per group), ``log_outputscale``,
    ``log_noise``, ``log_trend``; after :meth:`condition`, the training inputs ``X`` (n, D),
    targets ``Y`` (n,), the Cholesky factor ``L`` of their covariance, ``alpha`` = K^-1 Y and
    ``L_inverse``.
    """

    trend_prior = (-3.0, 2.0)  # mean and standard deviation of the log trend variance

    def __init__(self, groups: list[int], n_groups: int, trend: bool = False):
        """``groups[c]`` is the length-scale group of feature column ``c``; ``trend`` adds a
        fitted quadratic trend to the kernel."""
        self.groups = groups
        self.n_groups = n_groups
        self.trend = trend
        self.log_lengthscale: np.ndarray | None = None
        self.log_outputscale = 0.0
        self.log_noise = math.log(1e-3)
        self.log_trend = TREND_OFF  # variance of the quadratic trend (see :meth:`kernel`)
        self.threshold = 0.0  # a feasibility model: the standardised value of "c = 0"
        self.cold_restart_below = 60  # observations: below this a warm-started fit may also restart cold

    # kernel -------------------------------------------------------------------------------
    def kernel(self, a: Any, b: Any, log_lengthscale: Any, log_outputscale: Any, log_trend: Any = None) -> Any:
        """Matern-5/2 plus a quadratic trend: ``exp(log_trend) (1 + u.v / D)^2`` with u, v the
        features centred on the cube (2x - 1), the covariance of a quadratic polynomial with
        Gaussian coefficients (``log_trend`` defaults to the model's own). ``a`` (m, D) and
        ``b`` (n, D) are numpy arrays, or torch tensors (the result is then a tensor,
        differentiable in every argument)."""
        xp = _namespace(a)
        b = _like(b, xp)
        if xp is _numpy() and self._one_hot_columns():
            r = _one_hot_distance(a, b, xp.exp(-2.0 * _like(log_lengthscale, xp)), self._one_hot_columns())
        else:
            scale = xp.exp(_like(log_lengthscale, xp))[self.groups]
            r = _distance(a / scale, b / scale, xp)
        out = _matern(r, xp) * _exp(log_outputscale, xp)
        log_trend = self.log_trend if log_trend is None else log_trend
        if not isinstance(log_trend, (int, float)) or log_trend > TREND_OFF:
            out = out + _exp(log_trend, xp) * _trend_base(a, b) ** 2
        return out

    def _one_hot_columns(self) -> list[list[int]]:
        """Each group's feature columns when every group has two or more (the one-hot codes of a
        space of categorical parameters alone); empty otherwise."""
        columns: list[list[int]] = [[] for _ in range(self.n_groups)]
        for column, group in enumerate(self.groups):
            columns[group].append(column)
        return columns if all(len(c) >= 2 for c in columns) else []

    def prior_variance(self, x: Any) -> Any:
        """k(x, x) for each row of ``x`` (numpy array or torch tensor)."""
        xp = _namespace(x)
        variance = xp.full((x.shape[0],), self.outputscale, dtype=x.dtype)
        if self.log_trend > TREND_OFF:
            variance = variance + math.exp(self.log_trend) * (1.0 + ((2.0 * x - 1.0) ** 2).sum(1) / x.shape[1]) ** 2
        return variance

    # fitting ------------------------------------------------------------------------------
    @property
    def theta(self) -> list[float]:
        """Log length scales, log output scale, log noise and, with a trend, the log trend
        variance (to warm-start the next fit)."""
        assert self.log_lengthscale is not None
        return [*(float(v) for v in self.log_lengthscale), self.log_outputscale, self.log_noise] + ([self.log_trend] if self.trend else [])

    def fit(self, x: np.ndarray, y: np.ndarray, max_iter: int = 80, start: list[float] | None = None,
            restart: bool = True) -> GaussianProcess:
        """Fit to features ``x`` (n, D) and standardised targets ``y`` (n,); ``start`` warm-starts,
        and with ``restart`` a second fit from the prior runs as well while data are few."""
        import numpy as np

        from optarium.blackbox.box_minimize import minimize_box

        objective = self.fit_objective(x, y)
        groups, centre = self.n_groups, self._centre()
        default = np.concatenate([np.full(groups, centre - 0.8), [0.0, math.log(1e-3)], [self.trend_prior[0]] if self.trend else []])
        starts = [default]
        if start is not None and len(start) == len(default):
            # Warm start from the previous ask; while data are few (and fits cheap) also
            # restart from the prior, since an early fit can sit in a poor local optimum.
            starts = [np.array(start, dtype=float)] + ([default] if restart and len(y) < self.cold_restart_below else [])
        low, high = self._bounds()
        theta, best = default, math.inf
        for initial in starts:
            found, value = minimize_box(objective, initial, low, high, max_iter=max_iter)
            if np.isfinite(value) and value < best:
                theta, best = found, value
        self._set_theta(theta)
        return self.condition(x, y)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The box the hyper-parameters (in :attr:`theta`'s order) are fitted and sampled in."""
        import numpy as np

        bounds = [(-5.0, 5.0)] * self.n_groups + [(-5.0, 4.0), (math.log(1e-8), math.log(2.0))] + ([(-12.0, 4.0)] if self.trend else [])
        return np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])

    def _set_theta(self, theta: np.ndarray) -> None:
        import numpy as np

        groups = self.n_groups
        self.log_lengthscale = np.array(theta[:groups], dtype=float)
        self.log_outputscale = float(theta[groups])
        self.log_noise = float(theta[groups + 1])
        self.log_trend = float(theta[groups + 2]) if self.trend else TREND_OFF

    def hyperparameter_samples(self, x: np.ndarray, y: np.ndarray, count: int, burn: int,
                               rng: np.random.Generator) -> list[GaussianProcess]:
        """``count`` draws of the hyper-parameters from their posterior given ``x``, ``y`` (the
        likelihood and priors of :meth:`fit`), one per sweep of a coordinate-wise slice sampler
        (Neal, "Slice Sampling", Annals of Statistics 2003; steps of width 1 in log space, stepped
        out at most 4 times each way) after ``burn`` sweeps, started at the fitted values; each
        draw a copy of this model conditioned on its own data (pending fantasies included)."""
        import copy

        import numpy as np

        objective = self.fit_objective(x, y)
        n = len(y)
        low, high = self._bounds()
        theta = np.clip(np.array(self.theta, dtype=float), low, high)

        def log_density(t: np.ndarray) -> float:
            return -n * objective(t, need_gradient=False)[0]

        current = log_density(theta)
        draws: list[GaussianProcess] = []
        for sweep in range(burn + count):
            for j in rng.permutation(len(theta)):
                level = current + math.log(max(rng.random(), 1e-300))  # random() may be 0.0
                a = max(low[j], theta[j] - rng.random())
                b = min(high[j], a + 1.0)
                for _ in range(4):
                    if a <= low[j] or log_density(_with(theta, j, a)) < level:
                        break
                    a = max(low[j], a - 1.0)
                for _ in range(4):
                    if b >= high[j] or log_density(_with(theta, j, b)) < level:
                        break
                    b = min(high[j], b + 1.0)
                for _ in range(20):  # shrink towards the current value until a point is on the slice
                    trial = _with(theta, j, a + rng.random() * (b - a))
                    value = log_density(trial)
                    if value >= level:
                        theta, current = trial, value
                        break
                    if trial[j] < theta[j]:
                        a = trial[j]
                    else:
                        b = trial[j]
            if sweep >= burn:
                draw = copy.copy(self)
                draw._set_theta(theta)
                draws.append(draw.condition(self.X, self.Y))
        return draws

    def _centre(self) -> float:
        """The log length scale the prior is centred on (see the module docstring)."""
        return 0.5 * math.log(max(1.0, self.n_groups / 5.0))

    def fit_objective(self, x: np.ndarray, y: np.ndarray) -> Any:
        """theta -> (loss, gradient): the negative log marginal likelihood plus log priors, per
        observation, of targets ``y`` at features ``x``, and its analytic gradient (an empty one
        with ``need_gradient=False``)
        (Rasmussen and Williams, equation 5.9: d log p / d theta = tr((alpha alpha' - K^-1) dK/d theta) / 2)."""
        import numpy as np

        X = np.asarray(x, dtype=float)
        Y = np.asarray(y, dtype=float)
        n, groups, centre, trend = X.shape[0], self.n_groups, self._centre(), self.trend
        membership = np.zeros((X.shape[1], groups))
        membership[np.arange(X.shape[1]), self.groups] = 1.0
        # Squared differences summed within each length-scale group, (n * n, groups): fixed during the fit.
        grouped = ((X[:, None, :] - X[None, :, :]) ** 2).reshape(n * n, -1) @ membership
        polynomial = _trend_base(X, X) ** 2 if trend else None
        diagonal = np.arange(n)

        def objective(theta: np.ndarray, need_gradient: bool = True) -> tuple[float, np.ndarray]:
            log_ls, log_os, log_noise = theta[:groups], float(theta[groups]), float(theta[groups + 1])
            inverse_square = np.exp(-2.0 * log_ls)
            r = _SQRT5 * np.sqrt(grouped @ inverse_square + _DISTANCE_FLOOR).reshape(n, n)
            decay = np.exp(-r)
            matern = (1.0 + r + r * r / 3.0) * decay
            outputscale, noise = math.exp(log_os), math.exp(log_noise)
            K = outputscale * matern
            if polynomial is not None:
                K = K + math.exp(float(theta[groups + 2])) * polynomial
            K[diagonal, diagonal] += noise + MIN_NOISE
            try:
                L = np.linalg.cholesky(K)
            except np.linalg.LinAlgError:
                return 1e10, np.zeros_like(theta)
            if not need_gradient:  # the value alone: one triangular system instead of K^-1
                z = np.linalg.solve(L, Y)
                shifted = log_ls - centre
                log_prior = (-0.1 * float((np.exp(2.0 * shifted) + np.exp(-2.0 * shifted)).sum())
                             - 0.5 * log_os**2 - 0.5 * ((log_noise + 6.0) / 2.0) ** 2)
                if polynomial is not None:
                    log_prior -= 0.5 * ((float(theta[groups + 2]) - self.trend_prior[0]) / self.trend_prior[1]) ** 2
                return (0.5 * float(z @ z) + float(np.log(np.diagonal(L)).sum()) - log_prior) / n, np.empty(0)
            L_inverse = np.linalg.inv(L)
            K_inverse = L_inverse.T @ L_inverse
            alpha = K_inverse @ Y
            W = np.outer(alpha, alpha) - K_inverse  # 2 d(log evidence)/dK
            mll = -0.5 * float(Y @ alpha) - float(np.log(np.diagonal(L)).sum())
            gradient = np.empty(len(theta))
            # dK/d log lengthscale_g = outputscale 5/3 (1 + r) exp(-r) D_g / lengthscale_g^2
            gradient[:groups] = 0.5 * ((W * decay * (1.0 + r)).ravel() @ grouped) * (outputscale * 5.0 / 3.0) * inverse_square
            gradient[groups] = 0.5 * float((W * matern).sum()) * outputscale
            gradient[groups + 1] = 0.5 * float(np.trace(W)) * noise
            shifted = log_ls - centre
            log_prior = (-0.1 * float((np.exp(2.0 * shifted) + np.exp(-2.0 * shifted)).sum())
                         - 0.5 * log_os**2 - 0.5 * ((log_noise + 6.0) / 2.0) ** 2)
            gradient[:groups] += -0.2 * (np.exp(2.0 * shifted) - np.exp(-2.0 * shifted))
            gradient[groups] += -log_os
            gradient[groups + 1] += -(log_noise + 6.0) / 4.0
            if polynomial is not None:
                log_trend = float(theta[groups + 2])
                mean, spread = self.trend_prior
                gradient[groups + 2] = 0.5 * float((W * polynomial).sum()) * math.exp(log_trend) - (log_trend - mean) / spread**2
                log_prior -= 0.5 * ((log_trend - mean) / spread) ** 2
            return -(mll + log_prior) / n, -gradient / n

        return objective

    def log_evidence(self) -> float:
        """Log marginal likelihood of the conditioned targets under the current hyper-parameters."""
        import numpy as np

        assert self.log_lengthscale is not None, "fit before log_evidence"
        n = self.Y.shape[0]
        quad = float(self.Y @ self.alpha)
        return -0.5 * quad - float(np.log(np.diagonal(self.L)).sum()) - 0.5 * n * math.log(2 * math.pi)

    @property
    def noise(self) -> float:
        return math.exp(self.log_noise) + MIN_NOISE

    @property
    def outputscale(self) -> float:
        return math.exp(self.log_outputscale)

    def condition(self, x: np.ndarray, y: np.ndarray, noise: float | None = None) -> GaussianProcess:
        """Keep the hyper-parameters, (re)condition on data; ``noise`` overrides the fitted noise."""
        import numpy as np

        assert self.log_lengthscale is not None, "fit before condition"
        self.X = np.array(x, dtype=float)
        self.Y = np.array(y, dtype=float)
        n = self.X.shape[0]
        level = self.noise if noise is None else noise
        K = self.kernel(self.X, self.X, self.log_lengthscale, self.log_outputscale) + level * np.eye(n)
        self.L = _cholesky(K)
        # L^-1 once, so that every posterior variance is a product.
        self.L_inverse = np.linalg.inv(self.L)
        self.alpha = self.solve(self.Y)
        return self

    def solve(self, b: np.ndarray) -> np.ndarray:
        """K^-1 b for the conditioned covariance K (noise included), ``b`` of shape (n,) or (n, k)."""
        import numpy as np

        return np.asarray(self.L_inverse.T @ (self.L_inverse @ b))

    def conditioned_copy(self, x: np.ndarray, y: np.ndarray, noise: float | None = None) -> GaussianProcess:
        """A new model with these hyper-parameters (all of them), conditioned on ``x``, ``y``."""
        import copy

        return copy.copy(self).condition(x, y, noise)

    def posterior(self, x: Any) -> tuple[Any, Any]:
        """Mean and variance (m,) of the latent function at ``x`` (m, D): numpy arrays for a numpy
        ``x``; for a torch tensor, tensors differentiable in ``x``."""
        assert self.log_lengthscale is not None
        xp = _namespace(x)
        X, alpha, L_inverse = (_like(v, xp) for v in (self.X, self.alpha, self.L_inverse))
        Ks = self.kernel(x, X, self.log_lengthscale, self.log_outputscale)
        mean = Ks @ alpha
        v = Ks @ L_inverse.T
        variance = self.prior_variance(x) - (v**2).sum(1)
        return mean, (variance.clamp_min(1e-12) if xp is not _numpy() else _numpy().maximum(variance, 1e-12))

    def posterior_gradient(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Mean and variance (m,) at ``x`` (m, D), as :meth:`posterior`, and their gradients in ``x`` (m, D)."""
        import numpy as np

        assert self.log_lengthscale is not None
        scale = np.exp(self.log_lengthscale)[self.groups]
        r = _distance(x / scale, self.X / scale, np)
        decay = np.exp(-r)
        Ks = (1.0 + r + r * r / 3.0) * decay * self.outputscale
        base = _trend_base(x, self.X) if self.log_trend > TREND_OFF else None
        if base is not None:
            Ks = Ks + math.exp(self.log_trend) * base**2
        mean = Ks @ self.alpha
        v = Ks @ self.L_inverse.T
        variance = self.prior_variance(x) - (v**2).sum(1)
        clamped = variance < 1e-12
        weights = v @ self.L_inverse  # K^-1 k(X, x), (m, n)
        mean_gradient = self._cross_gradient(x, np.broadcast_to(self.alpha, Ks.shape), r, decay, base)
        variance_gradient = self._prior_variance_gradient(x) - 2.0 * self._cross_gradient(x, weights, r, decay, base)
        variance_gradient[clamped] = 0.0
        return mean, np.maximum(variance, 1e-12), mean_gradient, variance_gradient

    def kernel_gradient(self, x: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """sum_j weights[m, j] d k(x_m, X_j) / d x_m, shape (m, D), for ``x`` (m, D), ``weights`` (m, n)."""
        import numpy as np

        assert self.log_lengthscale is not None
        scale = np.exp(self.log_lengthscale)[self.groups]
        r = _distance(x / scale, self.X / scale, np)
        base = _trend_base(x, self.X) if self.log_trend > TREND_OFF else None
        return self._cross_gradient(x, weights, r, np.exp(-r), base)

    def _cross_gradient(self, x: np.ndarray, weights: np.ndarray, r: np.ndarray, decay: np.ndarray,
                        base: np.ndarray | None) -> np.ndarray:
        """sum_j weights[m, j] d k(x_m, X_j) / d x_m given the scaled distances ``r``, exp(-r) and the
        trend's ``1 + u.v / D`` (m, n): the Matern part's derivative is
        -5/3 outputscale (1 + r) exp(-r) (x - X_j) / lengthscale^2."""
        import numpy as np

        assert self.log_lengthscale is not None
        scale = np.exp(self.log_lengthscale)[self.groups]
        B = weights * decay * (1.0 + r)
        gradient = -(5.0 / 3.0) * self.outputscale * (x * B.sum(1)[:, None] - B @ self.X) / scale**2
        if base is not None:
            gradient = gradient + (4.0 * math.exp(self.log_trend) / x.shape[1]) * ((weights * base) @ (2.0 * self.X - 1.0))
        return np.asarray(gradient)

    def _prior_variance_gradient(self, x: np.ndarray) -> np.ndarray:
        import numpy as np

        if self.log_trend <= TREND_OFF:
            return np.zeros_like(x)
        u = 2.0 * x - 1.0
        width = x.shape[1]
        return np.asarray(8.0 * math.exp(self.log_trend) / width * u * (1.0 + (u**2).sum(1) / width)[:, None])

    def sample_at_data(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` joint samples of the latent function at the training inputs, shape (count, n)."""
        assert self.log_lengthscale is not None
        K = self.kernel(self.X, self.X, self.log_lengthscale, self.log_outputscale)
        mean = K @ self.alpha
        cov = K - K @ self.solve(K)
        chol = _cholesky(0.5 * (cov + cov.T))
        normal = rng.standard_normal((count, self.X.shape[0]))
        return mean[None, :] + normal @ chol.T


def _with(theta: np.ndarray, j: int, value: float) -> np.ndarray:
    out = theta.copy()
    out[j] = value
    return out


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread: matrices of a few hundred rows are fastest on one,
    and many threads on a busy machine are up to 50x slower (without threadpoolctl, unchanged)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _numpy() -> Any:
    import numpy as np

    return np


def _namespace(a: Any) -> Any:
    """numpy for a numpy array, torch for a tensor (imported only then)."""
    import numpy as np

    if isinstance(a, np.ndarray):
        return np
    import torch

    return torch


def _like(value: Any, xp: Any) -> Any:
    """``value`` as an array of namespace ``xp`` (float64; a tensor passes through unchanged)."""
    if xp is _numpy():
        return xp.asarray(value, dtype=float)
    return xp.as_tensor(value, dtype=xp.float64)


def _exp(value: Any, xp: Any) -> Any:
    return math.exp(value) if isinstance(value, (int, float)) else xp.exp(_like(value, xp))


def _distance(a: Any, b: Any, xp: Any) -> Any:
    """sqrt(5) times the Euclidean distances (m, n) between the rows of ``a`` and ``b`` (already
    divided by the length scales)."""
    return xp.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) + _DISTANCE_FLOOR) * _SQRT5


def _one_hot_distance(a: np.ndarray, b: np.ndarray, inverse_square: np.ndarray, columns: list[list[int]]) -> np.ndarray:
    """:func:`_distance` for one-hot groups: each group's squared distance |a|^2 + |b|^2 - 2 a.b by one
    product over its columns (exact for one-hot codes), divided by its squared length scale, instead of
    a difference per feature column (the (m, n, D) array that dominated an ask on an enumerated space)."""
    import numpy as np

    total = np.zeros((a.shape[0], b.shape[0]))
    for group, cols in enumerate(columns):
        left, right = a[:, cols], b[:, cols]
        square = (left * left).sum(1)[:, None] + (right * right).sum(1)[None, :] - 2.0 * (left @ right.T)
        total += np.maximum(square, 0.0) * inverse_square[group]
    return np.asarray(np.sqrt(total + _DISTANCE_FLOOR) * _SQRT5)


def _matern(r: Any, xp: Any) -> Any:
    return (1.0 + r + r**2 / 3.0) * xp.exp(-r)


def _trend_base(a: Any, b: Any) -> Any:
    """``1 + u.v / D`` (m, n) with u, v the rows of ``a`` and ``b`` centred on the cube."""
    return 1.0 + (2.0 * a - 1.0) @ (2.0 * b - 1.0).T / a.shape[1]


def _cholesky(K: np.ndarray) -> np.ndarray:
    import numpy as np

    jitter = 1e-9
    identity = np.eye(K.shape[0])
    for _ in range(8):
        try:
            return np.asarray(np.linalg.cholesky(K + jitter * identity))
        except np.linalg.LinAlgError:
            jitter *= 10
    raise RuntimeError("covariance matrix is not positive definite even with jitter")
