"""Equality-constrained NLP by an adaptive inexact Newton method on the exact augmented Lagrangian.

After Hong, Na, Mahoney, Kolar, "Constrained Optimization via Exact Augmented Lagrangian and
Randomized Iterative Sketching" (ICML 2023, AdaSketch-Newton). Departures: blocks of rows are
drawn by random reshuffling of a fixed partition (so their Gram factors are reused) instead of
i.i.d. sketches; when the sketch misses the accuracy within ``max_sketch_epochs`` on an explicit
matrix the step falls back to a sparse direct solve (the identity sketch), counted in
``direct_solves``; negative curvature along a step shifts the Hessian (as interior-point codes
do); when no penalty increase makes the step a descent direction the step is the merit's
negative gradient. docs/nonlinear.md has the details and the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, splu

Array = np.ndarray
Matrix = Any  # np.ndarray, a scipy sparse matrix, or (Hessian only) a LinearOperator
SketchKind = Literal["block", "gaussian", "exact"]

__all__ = ["EALResult", "kkt_residual", "sketch_solve", "solve"]


@dataclass(frozen=True)
class EALResult:
    """What :func:`solve` found.

    ``x`` has shape (n,), ``lam`` shape (m,); ``kkt_history[k]`` is the KKT residual
    ``max(|∇f + Gᵀλ|_∞, |c|_∞)`` before iteration k (and after the last one).
    """

    x: Array
    lam: Array
    kkt_history: list[float]
    converged: bool
    message: str
    iterations: int
    sketch_iterations: int
    direct_solves: int
    gradient_steps: int
    regularizations: int
    evaluations: int
    mu: float
    nu: float
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def kkt(self) -> float:
        return self.kkt_history[-1]


def kkt_residual(grad_lagrangian: Array, constraints: Array) -> float:
    """``max(|∇ₓL|_∞, |c|_∞)``, the stopping measure (0 for empty vectors)."""
    parts = [np.max(np.abs(v)) for v in (grad_lagrangian, constraints) if v.size]
    return float(max(parts)) if parts else 0.0


@dataclass
class _Point:
    x: Array
    lam: Array
    f: float
    c: Array
    jac: Matrix
    grad_lagrangian: Array

    def merit(self, mu: float, nu: float) -> float:
        gl = self.grad_lagrangian
        return float(
            self.f + self.lam @ self.c + 0.5 * mu * (self.c @ self.c) + 0.5 * nu * (gl @ gl)
        )


class _Sketcher:
    """Randomized iterative sketching (sketch-and-project) for ``K z = b``, K symmetric (N, N)."""

    def __init__(
        self,
        matrix: Matrix,
        kind: SketchKind,
        block_size: int,
        rng: np.random.Generator,
        primal_size: int | None = None,
    ):
        self.matrix = matrix
        self.primal_size = matrix.shape[0] if primal_size is None else primal_size
        self.kind = kind
        self.rng = rng
        size = matrix.shape[0]
        self.block_size = max(1, min(block_size, size))
        self.iterations = 0
        self.direct_solves = 0
        self._lu: Any = None
        if kind == "block":
            order = rng.permutation(size)
            self.blocks = np.array_split(order, math.ceil(size / self.block_size))
            self.rows = [matrix[idx] for idx in self.blocks]
            self.factors: list[Any] = [None] * len(self.blocks)

    def exact(self, rhs: Array) -> Array:
        if self._lu is None:
            csc = sp.csc_matrix(self.matrix)
            try:
                self._lu = splu(csc)
            except RuntimeError:  # singular KKT matrix: a tiny primal-dual regularization
                n_x = self.primal_size
                shift = 1e-10 * max(1.0, float(abs(csc).max()))
                diagonal = np.r_[np.full(n_x, shift), np.full(csc.shape[0] - n_x, -shift)]
                self._lu = splu(sp.csc_matrix(csc + sp.diags(diagonal)))
        self.direct_solves += 1
        return np.asarray(self._lu.solve(rhs))

    def _block_factor(self, j: int) -> Any:
        if self.factors[j] is None:
            rows = self.rows[j]
            gram = sp.csc_matrix(rows @ rows.T)
            shift = 1e-14 * max(1.0, float(gram.diagonal().max()))
            self.factors[j] = splu(sp.csc_matrix(gram + shift * sp.identity(gram.shape[0])))
        return self.factors[j]

    def run(self, rhs: Array, z: Array, target: float, max_epochs: int) -> tuple[Array, Array]:
        """Iterate from ``z`` until ``|K z - rhs| <= target`` or ``max_epochs`` passes; (z, K z - rhs)."""
        residual = self.matrix @ z - rhs
        if self.kind == "exact":
            z = self.exact(rhs)
            return z, self.matrix @ z - rhs
        size = z.size
        for _ in range(max_epochs):
            if np.linalg.norm(residual) <= target:
                break
            if self.kind == "block":
                for j in self.rng.permutation(len(self.blocks)):
                    rows, idx = self.rows[j], self.blocks[j]
                    local = rows @ z - rhs[idx]
                    z = z - rows.T @ self._block_factor(j).solve(local)
                    self.iterations += 1
                residual = self.matrix @ z - rhs
            else:
                for _ in range(max(1, size // self.block_size)):
                    sketch = self.rng.standard_normal((size, self.block_size))
                    projected = np.asarray(self.matrix @ sketch)
                    gram = projected.T @ projected
                    weights = np.linalg.lstsq(gram, sketch.T @ residual, rcond=None)[0]
                    step = projected @ weights
                    z = z - step
                    residual = residual - np.asarray(self.matrix @ step)
                    self.iterations += 1
        return z, residual


def _newton_step(
    point: _Point,
    hessian: Matrix,
    mu: float,
    nu: float,
    setup: tuple[SketchKind, int, float, float, int],
    rng: np.random.Generator,
    first_shift: float,
) -> tuple[Array, float, float, tuple[int, int, int, float]]:
    """An inexact Newton step (N,) that descends on the merit, the raised (mu, nu), and counts.

    The counts are (sketch iterations, direct solves, Hessian shifts tried, the shift used); an
    empty step means no Newton step descends and the caller takes the merit's negative gradient.
    A Hessian shift that was needed last iteration is tried again at a third of its size first.
    """
    sketch, block_size, accuracy, sharpen, max_epochs = setup
    n = point.x.size
    gl, c = point.grad_lagrangian, point.c
    gg, cc = float(gl @ gl), float(c @ c)
    rhs = -np.r_[gl, c]
    rhs_norm = float(np.linalg.norm(rhs))
    hessian_gl = np.asarray(hessian @ gl).ravel()
    jac_gl = np.asarray(point.jac @ gl).ravel()
    iterations = direct = 0
    shift = first_shift if first_shift > 1e-4 else 0.0
    for regularization in range(30):
        shifted = hessian if shift == 0 else _shifted(hessian, shift)
        matrix = _as_matrix(_kkt_matrix(shifted, point.jac), sketch)
        sketcher = _Sketcher(matrix, sketch, block_size, rng, primal_size=n)
        theta = accuracy * min(1.0, rhs_norm) ** sharpen
        z = np.zeros(rhs.size)
        while True:
            z, residual = sketcher.run(rhs, z, theta * rhs_norm, max_epochs)
            if np.linalg.norm(residual) > theta * rhs_norm and not isinstance(
                matrix, LinearOperator
            ):
                z = sketcher.exact(rhs)
                residual = matrix @ z - rhs
            dx = z[:n]
            if float(dx @ np.asarray(shifted @ dx).ravel()) < 1e-8 * float(dx @ dx):
                break  # negative curvature along the step: shift the Hessian and solve again
            cross = float(dx @ gl + z[n:] @ c)
            # the merit's slope along z is cross + nu*slope_g + mu*slope_c (true Hessian, not the
            # shifted one); require at most -(nu*gg + mu*cc)/2, i.e. cross <= nu*excess_g + mu*excess_c
            excess_g = -float(dx @ hessian_gl + z[n:] @ jac_gl) - 0.5 * gg
            excess_c = -float(c @ np.asarray(point.jac @ dx).ravel()) - 0.5 * cc
            deficit = cross - nu * excess_g - mu * excess_c
            counts = (
                iterations + sketcher.iterations,
                direct + sketcher.direct_solves,
                regularization,
                shift,
            )
            if deficit <= 0:
                return z, mu, nu, counts
            # raise the penalty that needs the smaller relative increase; while the solve is
            # still inexact, a raise beyond 10x asks for a more accurate solve instead
            exact = bool(sketcher.direct_solves) or theta < 1e-14
            limit = 1e12 if exact else 10.0
            raise_mu = mu * excess_c >= nu * excess_g
            if raise_mu and excess_c > 0 and deficit / excess_c <= limit * mu:
                return z, max(2.0 * mu, mu + 2.0 * deficit / excess_c), nu, counts
            if excess_g > 0 and deficit / excess_g <= limit * nu:
                return z, mu, max(2.0 * nu, nu + 2.0 * deficit / excess_g), counts
            if excess_c > 0 and deficit / excess_c <= limit * mu:
                return z, max(2.0 * mu, mu + 2.0 * deficit / excess_c), nu, counts
            if exact:
                return np.empty(0), mu, nu, counts
            theta /= 100.0
        iterations += sketcher.iterations
        direct += sketcher.direct_solves
        shift = max(1e-4, 10.0 * shift)
    return np.empty(0), mu, nu, (iterations, direct, 30, shift)


def _least_squares_multipliers(point: _Point) -> Array:
    """``argmin_λ |∇f + Gᵀλ|`` (m,), the usual first multipliers; zeros if G Gᵀ is singular."""
    jac = sp.csr_matrix(point.jac)
    gradient = point.grad_lagrangian - np.asarray(jac.T @ point.lam).ravel()
    gram = sp.csc_matrix(jac @ jac.T)
    try:
        lam = splu(gram).solve(-np.asarray(jac @ gradient).ravel())
    except RuntimeError:
        return np.zeros(jac.shape[0])
    return np.asarray(lam) if np.all(np.isfinite(lam)) else np.zeros(jac.shape[0])


def _shifted(hessian: Matrix, shift: float) -> Matrix:
    size = hessian.shape[0]
    if isinstance(hessian, LinearOperator):
        return LinearOperator(
            hessian.shape, matvec=lambda v: hessian @ v + shift * np.ravel(v), dtype=float
        )
    if sp.issparse(hessian):
        return sp.csr_matrix(hessian) + shift * sp.identity(size, format="csr")
    return np.asarray(hessian) + shift * np.eye(size)


def sketch_solve(
    matrix: Matrix,
    rhs: Array,
    *,
    tol: float = 1e-8,
    kind: SketchKind = "block",
    block_size: int = 256,
    max_epochs: int = 1000,
    seed: int = 0,
) -> tuple[Array, int]:
    """Solve ``K z = rhs`` (K symmetric (N, N), rhs (N,)) by sketch-and-project to ``|Kz - rhs| <= tol |rhs|``.

    Returns ``(z, sketch iterations)``; used by :func:`solve` and handy on its own for tests.
    """
    _check_sketch(kind, block_size, matrix)
    sketcher = _Sketcher(_as_matrix(matrix, kind), kind, block_size, np.random.default_rng(seed))
    z, _ = sketcher.run(
        rhs, np.zeros_like(rhs, dtype=float), tol * float(np.linalg.norm(rhs)), max_epochs
    )
    return z, sketcher.iterations


def _check_sketch(kind: str, block_size: int, matrix: Any) -> None:
    if kind not in ("block", "gaussian", "exact"):
        raise ValueError(f"sketch must be 'block', 'gaussian' or 'exact', got {kind=}")
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size=}")
    if kind != "gaussian" and isinstance(matrix, LinearOperator):
        raise ValueError(
            f"a Hessian given as a LinearOperator needs sketch='gaussian', got {kind=}"
        )


def _as_matrix(matrix: Matrix, kind: str) -> Matrix:
    if isinstance(matrix, LinearOperator):
        return matrix
    return (
        sp.csr_matrix(matrix) if kind != "gaussian" or sp.issparse(matrix) else np.asarray(matrix)
    )


def _kkt_matrix(hessian: Matrix, jac: Matrix) -> Matrix:
    n, m = hessian.shape[0], jac.shape[0]
    if isinstance(hessian, LinearOperator):
        jac_op = sp.csr_matrix(jac) if sp.issparse(jac) else np.asarray(jac)

        def matvec(v: Array) -> Array:
            v = np.asarray(v).ravel()
            return np.r_[hessian @ v[:n] + jac_op.T @ v[n:], jac_op @ v[:n]]

        return LinearOperator((n + m, n + m), matvec=matvec, dtype=float)
    return sp.bmat(
        [[sp.csr_matrix(hessian), sp.csr_matrix(jac).T], [sp.csr_matrix(jac), None]], format="csr"
    )


def solve(
    fun: Callable[[Array], float],
    grad: Callable[[Array], Array],
    cons: Callable[[Array], Array],
    jac: Callable[[Array], Matrix],
    hess: Callable[[Array, Array], Matrix],
    x0: Array,
    *,
    lam0: Array | None = None,
    tol: float = 1e-6,
    max_iter: int = 200,
    sketch: SketchKind = "block",
    block_size: int | None = None,
    accuracy: float = 0.5,
    sharpen: float = 1.0,
    mu: float = 1.0,
    nu: float = 1e-2,
    max_sketch_epochs: int = 20,
    seed: int = 0,
) -> EALResult:
    """Minimize ``fun(x)`` subject to ``cons(x) = 0`` from ``x0`` (n,), to a KKT residual of ``tol``.

    ``grad(x)`` (n,), ``cons(x)`` (m,), ``jac(x)`` (m, n) dense or sparse, ``hess(x, lam)`` the
    Hessian of the Lagrangian ``f + lamᵀc`` (n, n): dense, sparse, or a LinearOperator (a
    Hessian-vector product; needs ``sketch="gaussian"``). Each Newton system is solved by
    randomized sketching (``"block"``: row blocks of ``block_size``, default N/4; ``"gaussian"``;
    ``"exact"``: a direct solve) until its residual is at most ``accuracy * min(1, |b|)**sharpen * |b|``
    and the step descends on ``f + lamᵀc + mu/2|c|² + nu/2|∇ₓL|²``, raising ``mu``/``nu`` as needed.
    """
    import time

    x = np.asarray(x0, dtype=float).copy()
    if x.ndim != 1:
        raise ValueError(f"x0 must be a vector, got shape {x.shape=}")
    if tol <= 0:
        raise ValueError(f"tol must be positive, got {tol=}")
    if not 0 < accuracy < 1:
        raise ValueError(f"accuracy must lie in (0, 1), got {accuracy=}")
    if mu <= 0 or nu <= 0:
        raise ValueError(f"mu and nu must be positive, got {mu=}, {nu=}")
    if max_iter < 0:
        raise ValueError(f"max_iter must be non-negative, got {max_iter=}")
    rng = np.random.default_rng(seed)
    evaluations = 0
    clock = {"evaluate": 0.0, "sketch": 0.0, "line_search": 0.0}

    def evaluate(point_x: Array, point_lam: Array | None) -> _Point:
        nonlocal evaluations
        start = time.perf_counter()
        evaluations += 1
        c = np.asarray(cons(point_x), dtype=float).ravel()
        lam_here = np.zeros(c.size) if point_lam is None else np.asarray(point_lam, dtype=float)
        if lam_here.shape != c.shape:
            raise ValueError(
                f"lam0 must have one entry per constraint ({c.size}), got {lam_here.shape=}"
            )
        jac_here = jac(point_x)
        if jac_here.shape != (c.size, point_x.size):
            raise ValueError(
                f"jac(x) must have shape {(c.size, point_x.size)}, got {jac_here.shape=}"
            )
        gl = (
            np.asarray(grad(point_x), dtype=float).ravel()
            + np.asarray(jac_here.T @ lam_here).ravel()
        )
        point = _Point(point_x, lam_here, float(fun(point_x)), c, jac_here, gl)
        clock["evaluate"] += time.perf_counter() - start
        return point

    point = evaluate(x, lam0)
    n, m = x.size, point.c.size
    if lam0 is None and m:
        point = evaluate(x, _least_squares_multipliers(point))
    history = [kkt_residual(point.grad_lagrangian, point.c)]
    sketch_iterations = direct_solves = gradient_steps = regularizations = 0
    shift = 0.0
    message = "iteration limit reached"
    converged = False
    for _ in range(max_iter):
        if history[-1] <= tol:
            break
        start = time.perf_counter()
        hessian = hess(point.x, point.lam)
        _check_sketch(sketch, block_size or 1, hessian)
        step_setup = (
            sketch,
            block_size or max(1, (n + m) // 4),
            accuracy,
            sharpen,
            max_sketch_epochs,
        )
        z, mu, nu, stats = _newton_step(point, hessian, mu, nu, step_setup, rng, shift / 3.0)
        shift = stats[3]
        sketch_iterations += stats[0]
        direct_solves += stats[1]
        regularizations += stats[2]
        clock["sketch"] += time.perf_counter() - start
        start = time.perf_counter()
        gl, c = point.grad_lagrangian, point.c
        merit_grad = np.r_[
            gl + nu * np.asarray(hessian @ gl).ravel() + mu * np.asarray(point.jac.T @ c).ravel(),
            c + nu * np.asarray(point.jac @ gl).ravel(),
        ]
        if z.size == 0:
            z = -merit_grad
            gradient_steps += 1
        slope = float(merit_grad @ z)
        merit = point.merit(mu, nu)
        step = 1.0
        trial = point
        while step > 1e-14:
            trial = evaluate(point.x + step * z[:n], point.lam + step * z[n:])
            # Armijo, relaxed by rounding error: near the solution merit changes drown in it
            if trial.merit(mu, nu) <= merit + 1e-4 * step * slope + 1e-13 * abs(merit):
                break
            step /= 2.0
        clock["line_search"] += time.perf_counter() - start
        if step <= 1e-14:
            message = "line search failed: no decrease of the exact augmented Lagrangian"
            break
        point = trial
        history.append(kkt_residual(point.grad_lagrangian, point.c))
    if history[-1] <= tol:
        converged, message = True, f"KKT residual {history[-1]:.3g} <= tol {tol:g}"
    return EALResult(
        x=point.x,
        lam=point.lam,
        kkt_history=history,
        converged=converged,
        message=message,
        iterations=len(history) - 1,
        sketch_iterations=sketch_iterations,
        direct_solves=direct_solves,
        gradient_steps=gradient_steps,
        regularizations=regularizations,
        evaluations=evaluations,
        mu=mu,
        nu=nu,
        seconds=clock,
    )
