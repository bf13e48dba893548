"""Two-layer ReLU regression trained to global optimality through its convex reformulation.

After Bai, Gautam, Sojoudi, "Efficient Global Optimization of Two-layer ReLU Networks:
Quadratic-time Algorithms and Adversarial Training" (2022): the convex program of Pilanci and
Ergen (2020) over activation patterns, solved by ADMM whose linear system is fixed, so it is
factored once (Woodbury, an (n, n) Cholesky) and each iteration costs O(n d P). Departures: the
squared loss only (no adversarial training); ``rho`` is rebalanced on the residuals (then the
(n, n) factor is redone); with sampled patterns the answer is optimal over networks whose neurons
use those patterns, with :func:`all_patterns` (tiny data) and :func:`dual_bound` it is certified.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve

Array = np.ndarray
RELAX = 1.6

__all__ = [
    "ConvexReLUResult",
    "all_patterns",
    "dual_bound",
    "network_objective",
    "sample_patterns",
    "train",
]


@dataclass(frozen=True)
class ConvexReLUResult:
    """A trained network ``x -> Σ_j second_layer[j] * max(0, first_layer[j] @ x)``.

    ``first_layer`` (k, d), ``second_layer`` (k,), ``objective`` the regularized training loss
    of that network, ``convex_objective`` the convex program's value at the ADMM iterate,
    ``patterns`` (P, n) boolean, ``residual`` the final ADMM primal residual.
    """

    first_layer: Array
    second_layer: Array
    objective: float
    convex_objective: float
    patterns: Array
    iterations: int
    residual: float
    converged: bool
    seconds: float
    history: list[float]


def network_objective(
    x: Array, y: Array, first_layer: Array, second_layer: Array, beta: float
) -> float:
    """``½|relu(X Uᵀ) α - y|² + β/2 (|U|_F² + |α|²)`` for X (n, d), y (n,), U (k, d), α (k,)."""
    prediction = np.maximum(x @ first_layer.T, 0.0) @ second_layer
    decay = float(np.sum(first_layer**2) + np.sum(second_layer**2))
    return float(0.5 * np.sum((prediction - y) ** 2) + 0.5 * beta * decay)


def sample_patterns(x: Array, count: int, seed: int = 0) -> Array:
    """Distinct activation patterns ``X g >= 0`` (P, n), P <= count, for Gaussian g (d,)."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count=}")
    rng = np.random.default_rng(seed)
    patterns = (x @ rng.standard_normal((x.shape[1], 4 * count)) >= 0).T
    patterns = patterns[patterns.any(axis=1)]
    unique = np.unique(patterns, axis=0)
    return unique[rng.permutation(len(unique))[:count]]


def all_patterns(x: Array) -> Array:
    """Every nonzero activation pattern ``X u >= 0`` (P, n) of X (n, d), enumerated exactly.

    Each cone of the arrangement of hyperplanes ``x_iᵀu = 0`` has an edge on which d-1 of them
    meet; the regions around that edge are listed by the signs of those d-1 rows. Needs points
    in general position (any d rows independent; with a bias column of ones, no d points on a
    common hyperplane) and checks the count ``2 Σ_{k<d} C(n-1, k)``. Cost grows as n^(d-1):
    meant for tiny data (tests, certificates).
    """
    n, d = x.shape
    if n < d:
        raise ValueError(f"all_patterns needs at least d points, got {x.shape=}")
    found = set()
    for rows in itertools.combinations(range(n), d - 1):
        edge = np.linalg.svd(x[list(rows)])[2][-1]
        side = x @ edge
        others = np.ones(n, dtype=bool)
        others[list(rows)] = False
        if np.any(np.abs(side[others]) < 1e-12 * np.linalg.norm(x, axis=1)[others]):
            raise ValueError(
                "all_patterns needs points in general position: d of them lie on one hyperplane"
            )
        for direction in (1.0, -1.0):
            for signs in itertools.product((False, True), repeat=d - 1):
                pattern = direction * side > 0
                pattern[list(rows)] = signs
                found.add(pattern.tobytes())
    patterns = np.array([np.frombuffer(p, dtype=bool) for p in sorted(found)])
    regions = 2 * sum(math.comb(n - 1, k) for k in range(d))
    if len(patterns) != regions:
        raise ValueError(
            f"found {len(patterns)} of {regions=} patterns: are the points in general position?"
        )
    return patterns[patterns.any(axis=1)]


def _objective(x: Array, y: Array, masks: Array, v: Array, w: Array, beta: float) -> float:
    fitted = np.einsum("pn,pn->n", masks, (v - w) @ x.T)
    groups = np.linalg.norm(v, axis=1).sum() + np.linalg.norm(w, axis=1).sum()
    return float(0.5 * np.sum((fitted - y) ** 2) + beta * groups)


def train(
    x: Array,
    y: Array,
    *,
    beta: float,
    patterns: Array | None = None,
    num_patterns: int = 100,
    rho: float = 1.0,
    max_iter: int = 5000,
    tol: float = 1e-6,
    seed: int = 0,
) -> ConvexReLUResult:
    """Train on X (n, d), y (n,) with weight decay ``beta`` by ADMM on the convex program.

    ``min ½|Σ_i D_i X (v_i - w_i) - y|² + β Σ_i (|v_i| + |w_i|)`` subject to
    ``(2D_i - I) X v_i >= 0`` and the same for ``w_i``, over the patterns D_i (``patterns``
    (P, n), default ``num_patterns`` sampled ones). Add a column of ones to X for biases.
    Stops when the primal and dual residuals are below ``tol`` times their scale.
    """
    start = time.perf_counter()
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, d) and y (n,), got {x.shape=}, {y.shape=}")
    if beta <= 0:
        raise ValueError(f"beta must be positive, got {beta=}")
    if rho <= 0 or tol <= 0:
        raise ValueError(f"rho and tol must be positive, got {rho=}, {tol=}")
    masks = (
        sample_patterns(x, num_patterns, seed)
        if patterns is None
        else np.asarray(patterns, dtype=bool)
    ).astype(float)
    if masks.ndim != 2 or masks.shape[1] != x.shape[0]:
        raise ValueError(f"patterns must be (P, {x.shape[0]}), got {masks.shape=}")
    signs = 2.0 * masks - 1.0
    count, (n, d) = masks.shape[0], x.shape
    # the cone constraints use X / |X|₂ (the same cones, better scaled for ADMM)
    cone_x = x / max(float(np.linalg.norm(x, 2)), 1e-300)
    inverse_gram = np.linalg.inv(np.eye(d) + cone_x.T @ cone_x)  # B = rho (I ⊗ (I + XcᵀXc))
    kernel = (x @ inverse_gram @ x.T) * (masks.T @ masks)  # F B⁻¹ Fᵀ = (2/rho) * kernel

    def factor(rho_now: float) -> tuple[Array, bool]:
        return cho_factor(np.eye(n) + (2.0 / rho_now) * kernel)

    def apply_f(v: Array, w: Array) -> Array:  # (n,)
        return np.einsum("pn,pn->n", masks, (v - w) @ x.T)

    def solve_u(
        rhs_v: Array, rhs_w: Array, rho_now: float, chol: tuple[Array, bool]
    ) -> tuple[Array, Array]:
        # M u = rhs with M = B + FᵀF, by Woodbury: M⁻¹ = B⁻¹ - B⁻¹Fᵀ(I + F B⁻¹ Fᵀ)⁻¹ F B⁻¹
        bv, bw = rhs_v @ inverse_gram / rho_now, rhs_w @ inverse_gram / rho_now
        t = cho_solve(chol, apply_f(bv, bw))
        correction = (masks * t) @ x @ inverse_gram / rho_now
        return bv - correction, bw + correction

    v = np.zeros((count, d))
    w = np.zeros((count, d))
    slack_v = np.zeros((count, n))
    slack_w = np.zeros((count, n))
    dual = [np.zeros((count, d)), np.zeros((count, d)), np.zeros((count, n)), np.zeros((count, n))]
    fty = masks * y @ x
    chol = factor(rho)
    history: list[float] = []
    residual, converged, iteration = math.inf, False, 0
    for iteration in range(1, max_iter + 1):
        rhs_v = fty + rho * (v - dual[0]) + rho * (signs * (slack_v - dual[2])) @ cone_x
        rhs_w = -fty + rho * (w - dual[1]) + rho * (signs * (slack_w - dual[3])) @ cone_x
        u_v, u_w = solve_u(rhs_v, rhs_w, rho, chol)
        previous = (v, w, slack_v, slack_w)
        cone_v, cone_w = signs * (u_v @ cone_x.T), signs * (u_w @ cone_x.T)
        # over-relaxation (Boyd et al. §3.4.3) with factor RELAX
        relaxed = [
            RELAX * a + (1 - RELAX) * b
            for a, b in zip((u_v, u_w, cone_v, cone_w), previous, strict=True)
        ]
        v = _group_shrink(relaxed[0] + dual[0], beta / rho)
        w = _group_shrink(relaxed[1] + dual[1], beta / rho)
        slack_v = np.maximum(relaxed[2] + dual[2], 0.0)
        slack_w = np.maximum(relaxed[3] + dual[3], 0.0)
        for part, a, b in zip(dual, relaxed, (v, w, slack_v, slack_w), strict=True):
            part += a - b
        gaps = [u_v - v, u_w - w, cone_v - slack_v, cone_w - slack_w]
        primal = math.sqrt(sum(float(np.sum(g**2)) for g in gaps))
        dual_residual = rho * math.sqrt(
            sum(
                float(np.sum((a - b) ** 2))
                for a, b in zip((v, w, slack_v, slack_w), previous, strict=True)
            )
        )
        scale = max(1.0, math.sqrt(float(np.sum(u_v**2) + np.sum(u_w**2))))
        residual = primal
        if iteration % 10 == 0:
            history.append(_objective(x, y, masks, v, w, beta))
        if primal <= tol * scale and dual_residual <= tol * max(
            1.0, rho * math.sqrt(sum(float(np.sum(p**2)) for p in dual))
        ):
            converged = True
            break
        if iteration % 50 == 0 and (primal > 10 * dual_residual or dual_residual > 10 * primal):
            change = (
                2.0 if primal > dual_residual else 0.5
            )  # residual balancing (Boyd et al. §3.4.1)
            rho *= change
            for part in dual:
                part /= change
            chol = factor(rho)
    first, second = _recover(v, w)
    return ConvexReLUResult(
        first_layer=first,
        second_layer=second,
        objective=network_objective(x, y, first, second, beta),
        convex_objective=_objective(x, y, masks, v, w, beta),
        patterns=masks.astype(bool),
        iterations=iteration,
        residual=residual,
        converged=converged,
        seconds=time.perf_counter() - start,
        history=history,
    )


def _group_shrink(values: Array, threshold: float) -> Array:
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    return values * np.maximum(0.0, 1.0 - threshold / np.maximum(norms, 1e-300))


def _recover(v: Array, w: Array) -> tuple[Array, Array]:
    """Neurons ``u = v/√|v|, α = √|v|`` (and ``α = -√|w|``) for the nonzero groups."""
    first, second = [], []
    for groups, sign in ((v, 1.0), (w, -1.0)):
        for group in groups:
            norm = float(np.linalg.norm(group))
            if norm > 0:
                first.append(group / math.sqrt(norm))
                second.append(sign * math.sqrt(norm))
    if not first:
        return np.zeros((0, v.shape[1])), np.zeros(0)
    return np.array(first), np.array(second)


def dual_bound(
    x: Array, y: Array, fitted: Array, beta: float, patterns: Array | None = None
) -> float:
    """A lower bound on the global optimum of the nonconvex training problem.

    The dual of Pilanci and Ergen: ``½|y|² - ½|z - y|²`` for any z with
    ``max_{|u|<=1} |zᵀ relu(X u)| <= β``; takes ``z = y - fitted`` (n,), scaled to be feasible.
    The inner maximum is exact per pattern: over the pattern's cone C, the largest ``aᵀu`` on
    the unit ball is ``|Π_C(a)|``, found by non-negative least squares on the polar cone
    (Moreau). ``patterns`` defaults to :func:`all_patterns` (tiny d); only with every pattern
    of X is the result a valid bound.
    """
    from scipy.optimize import nnls

    z = np.asarray(y, dtype=float) - np.asarray(fitted, dtype=float)
    worst = 0.0
    for mask in all_patterns(x) if patterns is None else np.asarray(patterns, dtype=bool):
        cone = (2.0 * mask - 1.0)[:, None] * x  # C = {u : cone @ u >= 0}, polar {-coneᵀμ, μ >= 0}
        direction = z[mask] @ x[mask]
        for a in (direction, -direction):
            weights = nnls(cone.T, -a)[0]
            worst = max(worst, float(np.linalg.norm(a + cone.T @ weights)))
    scale = min(1.0, beta / worst) if worst > 0 else 1.0
    return float(0.5 * np.sum(np.asarray(y) ** 2) - 0.5 * np.sum((scale * z - y) ** 2))
