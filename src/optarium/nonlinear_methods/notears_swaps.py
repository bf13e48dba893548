"""Linear DAG learning: the NOTEARS objective optimized by topological swaps, and NOTEARS itself.

After Deng, Bello, Aragam, Ravikumar, "Optimizing NOTEARS Objectives via Topological Swaps"
(ICML 2023): search over topological orders, each scored by the least-squares (+ℓ1) fit with
every node regressed on its predecessors; swaps are proposed where the fitted W violates the
KKT conditions of the order-free problem (a large gradient on an edge the order forbids).
Departures: a swap moves one node to just before another; the start is the greedy order (each next node the one best explained by those
already placed), not a NOTEARS solution; the least-squares score of an order is read off one
Cholesky factor; swaps are taken steepest-first, without the paper's backtracking.
:func:`notears` is the original continuous method (Zheng et al., NeurIPS 2018): an augmented
Lagrangian on ``h(W) = tr(exp(W∘W)) - d`` with L-BFGS-B, as in the authors' code.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

Array = np.ndarray

__all__ = [
    "DagResult",
    "is_dag",
    "least_squares_objective",
    "notears",
    "shd",
    "simulate_linear_sem",
    "swap_search",
]


@dataclass(frozen=True)
class DagResult:
    """A learned weighted adjacency ``weights`` (d, d), ``weights[i, j]`` the edge i -> j.

    ``objective`` is ``1/(2n)|X - XW|² + l1 |W|₁`` at ``weights`` (after thresholding),
    ``order`` a topological order (swaps only), ``iterations`` swaps or augmented-Lagrangian
    rounds, ``evaluations`` order scores or L-BFGS-B runs.
    """

    weights: Array
    objective: float
    order: list[int] | None
    iterations: int
    evaluations: int
    seconds: float


def least_squares_objective(x: Array, weights: Array, l1: float = 0.0) -> float:
    """``1/(2n)|X - XW|_F² + l1 |W|₁`` for X (n, d), W (d, d)."""
    residual = x - x @ weights
    return float(0.5 / x.shape[0] * np.sum(residual**2) + l1 * np.abs(weights).sum())


def is_dag(weights: Array) -> bool:
    """Whether the nonzero pattern of ``weights`` (d, d) has no directed cycle."""
    adjacency = weights != 0
    indegree = adjacency.sum(axis=0)
    ready = [j for j in range(len(indegree)) if indegree[j] == 0]
    seen = 0
    while ready:
        node = ready.pop()
        seen += 1
        for child in np.flatnonzero(adjacency[node]):
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(int(child))
    return seen == len(indegree)


def shd(estimate: Array, truth: Array) -> int:
    """Structural Hamming distance: missing + extra edges, a reversed edge counted once."""
    est, true = estimate != 0, truth != 0
    est_skeleton, true_skeleton = est | est.T, true | true.T
    upper = np.triu(np.ones_like(est, dtype=bool), 1)
    missing_or_extra = int(np.sum((est_skeleton != true_skeleton) & upper))
    reversed_ = int(np.sum(est & true.T & ~true))
    return missing_or_extra + reversed_


def simulate_linear_sem(d: int, edges: int, n: int, seed: int = 0) -> tuple[Array, Array]:
    """An Erdős–Rényi DAG with ``edges`` expected edges, weights ±U[0.5, 2], unit Gaussian noise.

    Returns ``(X (n, d), W (d, d))`` with ``X = X W + noise``.
    """
    if d < 2 or edges < 0 or n < 1:
        raise ValueError(f"need d >= 2, edges >= 0, n >= 1, got {d=}, {edges=}, {n=}")
    rng = np.random.default_rng(seed)
    probability = min(1.0, 2.0 * edges / (d * (d - 1)))
    lower = np.tril(rng.random((d, d)) < probability, -1)
    perm = rng.permutation(d)
    mask = lower[np.ix_(perm, perm)].T  # i -> j only if i precedes j in a hidden order
    weights = mask * rng.uniform(0.5, 2.0, (d, d)) * rng.choice([-1.0, 1.0], (d, d))
    noise = rng.normal(size=(n, d))
    x = noise @ np.linalg.inv(np.eye(d) - weights)
    return x, weights


class _Fits:
    """Per-node fits given predecessor sets, cached: OLS, or ℓ1 by batched FISTA when l1 > 0."""

    def __init__(self, covariance: Array, l1: float):
        self.covariance = covariance
        self.l1 = l1
        self.cache: dict[tuple[int, tuple[int, ...]], tuple[Array, float]] = {}
        self.step = 1.0 / max(float(np.linalg.eigvalsh(covariance)[-1]), 1e-12)

    def __call__(self, order: list[int]) -> tuple[Array, float]:
        """``(W (d, d), objective)`` for the best W whose edges follow ``order``."""
        d = len(order)
        keys = [(node, tuple(sorted(order[:k]))) for k, node in enumerate(order)]
        missing = [key for key in keys if key not in self.cache]
        if missing:
            self._fit(missing)
        weights = np.zeros((d, d))
        total = 0.0
        for node, parents in keys:
            column, value = self.cache[(node, parents)]
            weights[:, node] = column
            total += value
        return weights, total

    def _fit(self, keys: list[tuple[int, tuple[int, ...]]]) -> None:
        cov = self.covariance
        d = cov.shape[0]
        columns = np.zeros((d, len(keys)))
        allowed = np.zeros((d, len(keys)), dtype=bool)
        for k, (node, parents) in enumerate(keys):
            if parents:
                idx = list(parents)
                columns[idx, k] = np.linalg.solve(cov[np.ix_(idx, idx)], cov[idx, node])
                allowed[idx, k] = True
        targets = cov[:, [node for node, _ in keys]]
        if self.l1 > 0:
            columns = self._fista(columns, allowed, targets)
        values = (
            0.5 * np.einsum("ik,ij,jk->k", columns, cov, columns)
            - np.einsum("ik,ik->k", targets, columns)
            + 0.5 * np.diag(cov)[[node for node, _ in keys]]
            + self.l1 * np.abs(columns).sum(axis=0)
        )
        for k, key in enumerate(keys):
            self.cache[key] = (columns[:, k], float(values[k]))

    def _fista(self, start: Array, allowed: Array, targets: Array) -> Array:
        step, current, momentum, t = self.step, start, start.copy(), 1.0
        for _ in range(3000):
            moved = momentum - step * (self.covariance @ momentum - targets)
            shrunk = np.sign(moved) * np.maximum(np.abs(moved) - step * self.l1, 0.0) * allowed
            t_next = 0.5 * (1 + math.sqrt(1 + 4 * t * t))
            momentum = shrunk + (t - 1) / t_next * (shrunk - current)
            done = np.max(np.abs(shrunk - current)) < 1e-9
            current, t = shrunk, t_next
            if done:
                break
        return current


def _order_score(covariance: Array, order: list[int]) -> float:
    """Least-squares score of an order: ½ Σ residual variances = ½ Σ diag(chol(Σ_π))²."""
    factor = np.linalg.cholesky(covariance[np.ix_(order, order)])
    return 0.5 * float(np.sum(np.diag(factor) ** 2))


def _greedy_order(covariance: Array) -> list[int]:
    """Each next node the one with the smallest residual variance given those placed."""
    d = covariance.shape[0]
    order: list[int] = []
    rest = list(range(d))
    while rest:
        if order:
            solve = np.linalg.solve(
                covariance[np.ix_(order, order)], covariance[np.ix_(order, rest)]
            )
            residual = np.diag(covariance)[rest] - np.sum(
                covariance[np.ix_(order, rest)] * solve, axis=0
            )
        else:
            residual = np.diag(covariance)[rest]
        order.append(rest.pop(int(np.argmin(residual))))
    return order


def swap_search(
    x: Array,
    *,
    l1: float = 0.0,
    threshold: float = 0.3,
    init: list[int] | None = None,
    max_swaps: int = 10_000,
    kkt_tol: float = 1e-3,
    max_candidates: int | None = None,
) -> DagResult:
    """Learn a DAG from X (n, d) by swaps in a topological order, then threshold |w| < ``threshold``.

    The order's score is the least-squares fit (with ``l1`` > 0, the ℓ1-penalized fit, by FISTA
    over the nodes whose predecessors changed; slower). A swap of i (earlier) and j is proposed when the gradient of the fit on the
    forbidden edge j -> i exceeds ``kkt_tol`` (+ ``l1``); a swap moves j to just before i. Of
    the ``max_candidates`` largest violations (default all), the best improving swap is taken,
    until none helps. ``init`` is a starting order
    (default: the greedy order).
    """
    start = time.perf_counter()
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"x must be (n, d) with d >= 2, got {x.shape=}")
    if l1 < 0 or threshold < 0:
        raise ValueError(f"l1 and threshold must be non-negative, got {l1=}, {threshold=}")
    n, d = x.shape
    x = x - x.mean(axis=0)
    covariance = x.T @ x / n
    order = list(init) if init is not None else _greedy_order(covariance)
    if sorted(order) != list(range(d)):
        raise ValueError(f"init must be a permutation of range({d}), got {init=}")

    fits = _Fits(covariance, l1)

    def score(candidate: list[int]) -> float:
        return _order_score(covariance, candidate) if l1 <= 0 else fits(candidate)[1]

    best = score(order)
    evaluations, swaps = 1, 0
    while swaps < max_swaps:
        weights, _ = fits(order)
        gradient = covariance @ weights - covariance  # ∂/∂W of 1/(2n)|X - XW|²
        position = {node: k for k, node in enumerate(order)}
        candidates = sorted(
            (
                (abs(gradient[j, i]), i, j)
                for i in range(d)
                for j in range(d)
                if position[i] < position[j] and abs(gradient[j, i]) > kkt_tol + l1
            ),
            reverse=True,
        )[:max_candidates]
        chosen: tuple[float, list[int]] | None = None
        for _, i, j in candidates:
            trial = order.copy()  # move j to just before i: j may now be a parent of i
            trial.remove(j)
            trial.insert(position[i], j)
            value = score(trial)
            evaluations += 1
            if value < best - 1e-12 and (chosen is None or value < chosen[0]):
                chosen = (value, trial)
        if chosen is None:
            break
        best, order = chosen
        swaps += 1
    weights = fits(order)[0].copy()
    weights[np.abs(weights) < threshold] = 0.0
    return DagResult(
        weights,
        least_squares_objective(x, weights, l1),
        order,
        swaps,
        evaluations,
        time.perf_counter() - start,
    )


def notears(
    x: Array,
    *,
    l1: float = 0.1,
    threshold: float = 0.3,
    max_iter: int = 100,
    h_tol: float = 1e-8,
    rho_max: float = 1e16,
) -> DagResult:
    """The original linear NOTEARS on X (n, d): augmented Lagrangian + L-BFGS-B, then threshold."""
    from scipy.optimize import minimize

    start = time.perf_counter()
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError(f"x must be (n, d) with d >= 2, got {x.shape=}")
    n, d = x.shape
    x = x - x.mean(axis=0)
    covariance = x.T @ x / n

    def unpack(w: Array) -> Array:
        return (w[: d * d] - w[d * d :]).reshape(d, d)

    def h_and_grad(weights: Array) -> tuple[float, Array]:
        exp = sla.expm(weights * weights)
        return float(np.trace(exp) - d), exp.T * weights * 2

    def objective(w: Array, rho: float, alpha: float) -> tuple[float, Array]:
        weights = unpack(w)
        loss = 0.5 * float(np.sum((np.eye(d) - weights) * (covariance @ (np.eye(d) - weights))))
        loss_grad = covariance @ weights - covariance
        h, h_grad = h_and_grad(weights)
        value = loss + 0.5 * rho * h * h + alpha * h + l1 * float(w.sum())
        grad = loss_grad + (rho * h + alpha) * h_grad
        return value, np.r_[(grad + l1).ravel(), (-grad + l1).ravel()]

    bounds = [
        (0.0, 0.0) if i == j else (0.0, None) for _ in range(2) for i in range(d) for j in range(d)
    ]
    w = np.zeros(2 * d * d)
    rho, alpha, h = 1.0, 0.0, math.inf
    rounds = solves = 0
    for rounds in range(1, max_iter + 1):  # noqa: B007
        new_w, new_h = w, h
        while rho < rho_max:
            solution = minimize(
                objective, w, args=(rho, alpha), jac=True, method="L-BFGS-B", bounds=bounds
            )
            solves += 1
            new_w = solution.x
            new_h, _ = h_and_grad(unpack(new_w))
            if new_h > 0.25 * h:
                rho *= 10
            else:
                break
        w, h = new_w, new_h
        alpha += rho * h
        if h <= h_tol or rho >= rho_max:
            break
    weights = unpack(w)
    weights[np.abs(weights) < threshold] = 0.0
    return DagResult(
        weights,
        least_squares_objective(x, weights, l1),
        None,
        rounds,
        solves,
        time.perf_counter() - start,
    )
