"""Learning to Relax (Khodak et al., "Learning to Relax: Setting Solver Parameters Across a
Sequence of Linear System Instances", ICLR 2024): pick SOR's ω for each of a stream of
linear systems from the iteration counts alone.

- ``sor(A, b, omega)`` and ``ssor_cg(A, b, omega)`` count iterations to a relative residual;
- ``OmegaBandit``: Tsallis-INF (α = 1/2) over a grid of ω in [1, ω_max], loss = iterations / max_iterations;
  ``policy="thompson"`` samples each ω's mean log-iteration count from its posterior instead;
- ``ContextualOmegaBandit``: ChebCB, i.e. SquareCB with one Chebyshev-polynomial regression of
  the loss on the context (e.g. the shift c of A = L + c·I) per grid ω.

Departures from the paper: the grid size and learning rates are set by screening, not by the
regret bounds; the Chebyshev regressions are ridge fits refitted each step; the Thompson
policy is ours (the paper's bandit is Tsallis-INF), after the MILP stream's policy.

Example::

    from optarium.learn.relax import OmegaBandit, shifted_laplacians, sor
    bandit = OmegaBandit(seed=0)
    for system in shifted_laplacians(20, size=8, seed=1):
        omega = bandit.ask()
        bandit.tell(omega, sor(system.A, system.b, omega).iterations)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from optarium.errors import InvalidModelError, OptionError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

DEFAULT_TOL = 1e-8
DEFAULT_MAX_ITERATIONS = 1000


@dataclass(frozen=True)
class RelaxResult:
    """The outcome of one iterative solve: ``x`` (n,), iterations used, whether the tolerance was met."""

    x: NDArray[np.float64]
    iterations: int
    converged: bool
    residual: float
    omega: float


@dataclass(frozen=True)
class LinearSystem:
    """One instance of a stream: ``A`` (n, n) sparse SPD, ``b`` (n,), and its ``context`` (the shift c)."""

    A: sp.csr_matrix
    b: NDArray[np.float64]
    context: float


def _check_omega(omega: float) -> float:
    if not isinstance(omega, int | float) or not 0.0 < float(omega) < 2.0:
        raise OptionError("omega", omega, "in the open interval (0, 2)")
    return float(omega)


def _check_system(A: Any, b: ArrayLike, tol: float, max_iterations: int) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    matrix = sp.csr_matrix(A, dtype=np.float64)
    if matrix.shape[0] != matrix.shape[1]:
        raise InvalidModelError(f"`A` must be square, got shape {matrix.shape}")
    rhs = np.asarray(b, dtype=np.float64).reshape(-1)
    if rhs.shape != (matrix.shape[0],):
        raise InvalidModelError(f"`b` must have {matrix.shape[0]} entries, got {rhs.size}")
    if not (np.isfinite(matrix.data).all() and np.isfinite(rhs).all()):
        raise InvalidModelError("`A` and `b` must be finite")
    if matrix.nnz and abs(matrix - matrix.T).max() > 1e-12 * abs(matrix).max():
        raise InvalidModelError("`A` must be symmetric positive definite for SOR to converge; it is not symmetric")
    diagonal = matrix.diagonal()
    if (diagonal <= 0).any():
        row = int(np.flatnonzero(diagonal <= 0)[0])
        raise InvalidModelError(f"`A` must be symmetric positive definite; its diagonal entry {row} is {diagonal[row]}")
    if not 0.0 < tol < 1.0:
        raise OptionError("tol", tol, "in (0, 1)")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) or max_iterations < 1:
        raise OptionError("max_iterations", max_iterations, "a positive integer")
    return matrix, rhs


def _sweep_factor(A: sp.csr_matrix, omegas: NDArray[np.float64]) -> Any:
    """LU of block-diag(D/ω + L) for every ω: one forward SOR sweep for all ω per solve."""
    from scipy.sparse.linalg import splu

    lower = sp.tril(A, -1)
    blocks = [lower + sp.diags(A.diagonal() / omega) for omega in omegas]
    # natural order and no pivoting: the factor of a triangular matrix is the matrix itself
    return splu(sp.block_diag(blocks, format="csc"), permc_spec="NATURAL", diag_pivot_thresh=0.0)


def sor_iterations(
    A: Any, b: ArrayLike, omegas: Sequence[float], *, tol: float = DEFAULT_TOL,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> NDArray[np.int64]:
    """SOR iterations (from x = 0) to ``|b - A x| <= tol |b|`` for each ω in ``omegas``; ``max_iterations`` if never.

    The same arithmetic as :func:`sor`, one ω at a time.
    """
    matrix, rhs = _check_system(A, b, tol, max_iterations)
    counts = [_sor_batch(matrix, rhs, [omega], tol, max_iterations)[1][0] for omega in omegas]
    return np.array(counts, dtype=np.int64)


def _sor_batch(
    A: Any, b: ArrayLike, omegas: Sequence[float], tol: float, max_iterations: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    matrix, rhs = _check_system(A, b, tol, max_iterations)
    grid = np.array([_check_omega(omega) for omega in omegas])
    k, n = grid.size, rhs.size
    factor = _sweep_factor(matrix, grid)
    big = sp.block_diag([matrix] * k, format="csr")
    target = np.tile(rhs, k)
    scale = max(float(np.linalg.norm(rhs)), np.finfo(float).tiny)
    x = np.zeros(k * n)
    iterations = np.full(k, max_iterations, dtype=np.int64)
    residual = np.zeros(k)
    active = np.ones(k, dtype=bool)
    for step in range(max_iterations + 1):
        r = target - big @ x
        residual = np.linalg.norm(r.reshape(k, n), axis=1) / scale
        done = active & (residual <= tol)
        iterations[done] = step
        active &= ~done
        if not active.any() or step == max_iterations:
            break
        if not np.isfinite(residual).all() or (residual[active] > 1e8).any():
            raise InvalidModelError("SOR diverged: `A` must be symmetric positive definite")
        x += factor.solve(r) * np.repeat(active, n)
    return x.reshape(k, n), iterations, residual


def sor(
    A: Any, b: ArrayLike, omega: float, *, tol: float = DEFAULT_TOL, max_iterations: int = DEFAULT_MAX_ITERATIONS
) -> RelaxResult:
    """Successive over-relaxation from x = 0 until ``|b - A x| <= tol |b|``; ω = 1 is Gauss-Seidel.

    ``A`` must be square and symmetric positive definite (checked: symmetry and a positive
    diagonal; a diverging run is refused), ``omega`` in (0, 2).
    """
    x, iterations, residual = _sor_batch(A, b, [omega], tol, max_iterations)
    return RelaxResult(x[0], int(iterations[0]), bool(residual[0] <= tol), float(residual[0]), float(omega))


def ssor_cg(
    A: Any, b: ArrayLike, omega: float, *, tol: float = DEFAULT_TOL, max_iterations: int = DEFAULT_MAX_ITERATIONS
) -> RelaxResult:
    """Conjugate gradients preconditioned by SSOR(ω), from x = 0, counting iterations to ``tol``."""
    from scipy.sparse.linalg import LinearOperator, cg

    matrix, rhs = _check_system(A, b, tol, max_iterations)
    omega = _check_omega(omega)
    factor = _sweep_factor(matrix, np.array([omega]))
    diagonal = matrix.diagonal() / omega

    def apply(r: NDArray[np.float64]) -> NDArray[np.float64]:
        # M^{-1} = (2 - ω)/ω · (D/ω + U)^{-1} (D/ω) (D/ω + L)^{-1}, with U = Lᵀ
        half = factor.solve(np.ravel(r))
        return (2.0 - omega) / omega * factor.solve(diagonal * half, trans="T")

    count = [0]

    def callback(_: NDArray[np.float64]) -> None:
        count[0] += 1

    n = rhs.size
    x, info = cg(matrix, rhs, rtol=tol, atol=0.0, maxiter=max_iterations,
                 M=LinearOperator((n, n), matvec=apply, dtype=np.float64), callback=callback)
    if info < 0 or not np.isfinite(x).all():
        raise InvalidModelError("SSOR-preconditioned CG broke down: `A` must be symmetric positive definite")
    residual = float(np.linalg.norm(rhs - matrix @ x) / max(float(np.linalg.norm(rhs)), np.finfo(float).tiny))
    return RelaxResult(x, count[0], info == 0, residual, omega)


def laplacian_2d(size: int) -> sp.csr_matrix:
    """The 5-point Laplacian of a ``size`` × ``size`` grid (diagonal 4, neighbours -1), shape (size², size²)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 2:
        raise OptionError("size", size, "an integer of at least 2")
    path = sp.diags([-np.ones(size - 1), 2 * np.ones(size), -np.ones(size - 1)], [-1, 0, 1])
    eye = sp.identity(size)
    return sp.csr_matrix(sp.kron(eye, path) + sp.kron(path, eye))


def shifted_laplacians(
    n: int, *, size: int = 16, shifts: tuple[float, float] = (0.0, 1.0), seed: int = 0
) -> Iterator[LinearSystem]:
    """``n`` systems ``(L + c I) x = b`` with ``c`` uniform in ``shifts`` and ``b`` standard normal."""
    low, high = shifts
    if not 0.0 <= low <= high:
        raise OptionError("shifts", shifts, "a pair 0 <= low <= high")
    rng = np.random.default_rng(seed)
    base = laplacian_2d(size)
    eye = sp.identity(size * size, format="csr")
    for _ in range(n):
        shift = float(rng.uniform(low, high))
        yield LinearSystem(sp.csr_matrix(base + shift * eye), rng.standard_normal(size * size), shift)


def default_omegas(count: int = 12, high: float = 1.95) -> NDArray[np.float64]:
    """``count`` evenly spaced ω in [1, high]; over-relaxation is where SOR gains on SPD systems."""
    if count < 2 or not 1.0 < high < 2.0:
        raise OptionError("count, high", (count, high), "count >= 2 and 1 < high < 2")
    return np.linspace(1.0, high, count)


def _tsallis_weights(losses: NDArray[np.float64], rate: float) -> NDArray[np.float64]:
    """argmin over the simplex of <p, losses> - (4/rate) Σ √p_i: p_i = 4 / (rate (L_i - x))², Newton on x."""
    x = float(losses.min()) - 2.0 / rate
    for _ in range(100):
        w = 4.0 / (rate * (losses - x)) ** 2
        total = w.sum()
        step = (total - 1.0) / (rate * (w**1.5).sum())
        x -= step
        if abs(total - 1.0) < 1e-12:
            break
    weights = 4.0 / (rate * (losses - x)) ** 2
    return weights / weights.sum()


POLICIES = ("tsallis", "thompson")


class OmegaBandit:
    """A bandit over a grid of ω: ``ask()`` an ω, ``tell(omega, iterations)``.

    ``policy="tsallis"`` (the paper's): Tsallis-INF on the loss
    ``min(iterations, max_iterations) / max_iterations``, rate ``learning_rate / sqrt(t)`` at
    step t. ``policy="thompson"``: each ω is run ``warmup`` times in turn, then every ask draws
    each ω's mean log-iteration count from a normal posterior (its sample mean, the pooled
    variance over its count) and takes the smallest draw.
    """

    def __init__(
        self, omegas: ArrayLike | None = None, *, max_iterations: int = DEFAULT_MAX_ITERATIONS,
        learning_rate: float = 64.0, policy: str = "tsallis", warmup: int = 1, seed: int = 0,
    ) -> None:
        grid = default_omegas() if omegas is None else np.asarray(omegas, dtype=np.float64).reshape(-1)
        for omega in grid:
            _check_omega(float(omega))
        if grid.size < 1:
            raise OptionError("omegas", [], "at least one value")
        if learning_rate <= 0:
            raise OptionError("learning_rate", learning_rate, "positive")
        if max_iterations < 1:
            raise OptionError("max_iterations", max_iterations, "a positive integer")
        if policy not in POLICIES:
            raise OptionError("policy", policy, "one of " + ", ".join(POLICIES))
        if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 1:
            raise OptionError("warmup", warmup, "a positive integer")
        self.omegas = grid
        self.max_iterations = max_iterations
        self.learning_rate = float(learning_rate)
        self.policy = policy
        self.warmup = warmup
        self.estimates = np.zeros(grid.size)
        self.steps = 0
        self._rng = np.random.default_rng(seed)
        self._pending: dict[float, float] = {}
        # Thompson: per ω the count, sum and sum of squares of log(iterations)
        self._n = np.zeros(grid.size)
        self._sum = np.zeros(grid.size)
        self._squares = np.zeros(grid.size)

    @property
    def probabilities(self) -> NDArray[np.float64]:
        """The distribution over ``omegas`` the next ``ask`` samples from, shape (k,)
        (for Thompson sampling after the warm-up, estimated from 2,000 posterior draws)."""
        if self.policy == "tsallis":
            return _tsallis_weights(self.estimates, self.learning_rate / math.sqrt(self.steps + 1))
        p = np.zeros(self.omegas.size)
        if self._n.min() < self.warmup:
            p[int(np.argmin(self._n))] = 1.0
            return p
        draws = self._draw(np.random.default_rng([self.steps, 11]), 2000)
        return np.bincount(draws.argmin(axis=1), minlength=self.omegas.size) / 2000.0

    def _draw(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        """``size`` draws of every ω's mean log-iteration count from its posterior, shape (size, k)."""
        means = self._sum / self._n
        residual = float((self._squares - self._n * means**2).sum())
        variance = max(residual / max(self._n.sum() - self._n.size, 1.0), 1e-6)
        return means + rng.standard_normal((size, self.omegas.size)) * np.sqrt(variance / self._n)

    def ask(self) -> float:
        """The ω to use for the next system."""
        if self.policy == "thompson":
            under = np.flatnonzero(self._n < self.warmup)
            arm = int(under[0]) if under.size else int(self._draw(self._rng, 1)[0].argmin())
            omega = float(self.omegas[arm])
            self._pending[omega] = 1.0
            return omega
        p = self.probabilities
        arm = int(self._rng.choice(p.size, p=p))
        omega = float(self.omegas[arm])
        self._pending[omega] = float(p[arm])
        return omega

    def tell(self, omega: float, iterations: int) -> None:
        """Report the iterations the ω from :meth:`ask` took."""
        if omega not in self._pending:
            raise OptionError("omega", omega, "a value returned by ask() and not yet told")
        probability = self._pending.pop(omega)
        arm = int(np.flatnonzero(self.omegas == omega)[0])
        paid = min(int(iterations), self.max_iterations)
        self.estimates[arm] += paid / self.max_iterations / probability
        cost = math.log(max(paid, 1))
        self._n[arm] += 1
        self._sum[arm] += cost
        self._squares[arm] += cost * cost
        self.steps += 1


def chebyshev_features(context: float, low: float, high: float, degree: int) -> NDArray[np.float64]:
    """T_0..T_degree at ``context`` mapped from [low, high] to [-1, 1], shape (degree + 1,)."""
    z = float(np.clip(2.0 * (context - low) / (high - low) - 1.0, -1.0, 1.0)) if high > low else 0.0
    return np.polynomial.chebyshev.chebvander(np.array([z]), degree)[0]


class ContextualOmegaBandit:
    """ChebCB: SquareCB whose per-ω loss model is a Chebyshev polynomial in the context.

    ``ask(context)`` an ω, ``tell(context, omega, iterations)``. ``context_range`` is where
    contexts lie (e.g. the shift range); exploration follows inverse-gap weighting with
    ``gamma = exploration * sqrt(k t)``.
    """

    def __init__(
        self, context_range: tuple[float, float], omegas: ArrayLike | None = None, *,
        max_iterations: int = DEFAULT_MAX_ITERATIONS, degree: int = 4, exploration: float = 256.0,
        ridge: float = 1e-3, seed: int = 0,
    ) -> None:
        grid = default_omegas() if omegas is None else np.asarray(omegas, dtype=np.float64).reshape(-1)
        for omega in grid:
            _check_omega(float(omega))
        low, high = context_range
        if not low <= high:
            raise OptionError("context_range", context_range, "a pair low <= high")
        if degree < 0 or exploration <= 0 or ridge <= 0:
            raise OptionError("degree, exploration, ridge", (degree, exploration, ridge), "degree >= 0, the others > 0")
        self.omegas = grid
        self.context_range = (float(low), float(high))
        self.max_iterations = max_iterations
        self.degree = degree
        self.exploration = exploration
        size = degree + 1
        self._gram = np.stack([ridge * np.eye(size)] * grid.size)
        self._moment = np.zeros((grid.size, size))
        self._coef = np.zeros((grid.size, size))
        self.steps = 0
        self._rng = np.random.default_rng(seed)

    def predict(self, context: float) -> NDArray[np.float64]:
        """Predicted loss of each ω at ``context``, shape (k,)."""
        return self._coef @ chebyshev_features(context, *self.context_range, self.degree)

    def probabilities(self, context: float) -> NDArray[np.float64]:
        """Inverse-gap weights over ``omegas`` at ``context``, shape (k,)."""
        predicted = self.predict(context)
        k = predicted.size
        best = int(np.argmin(predicted))
        gamma = self.exploration * math.sqrt(k * (self.steps + 1))
        p = 1.0 / (k + gamma * (predicted - predicted[best]))
        p[best] = 0.0
        p[best] = 1.0 - p.sum()
        return p

    def ask(self, context: float) -> float:
        """The ω to use for a system with this context."""
        p = self.probabilities(context)
        return float(self.omegas[int(self._rng.choice(p.size, p=p))])

    def tell(self, context: float, omega: float, iterations: int) -> None:
        """Report the iterations ω took on the system with this context."""
        match = np.flatnonzero(self.omegas == omega)
        if match.size == 0:
            raise OptionError("omega", omega, f"one of the grid {self.omegas.round(4).tolist()}")
        arm = int(match[0])
        features = chebyshev_features(context, *self.context_range, self.degree)
        loss = min(int(iterations), self.max_iterations) / self.max_iterations
        self._gram[arm] += np.outer(features, features)
        self._moment[arm] += loss * features
        self._coef[arm] = np.linalg.solve(self._gram[arm], self._moment[arm])
        self.steps += 1
