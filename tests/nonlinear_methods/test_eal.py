"""The exact augmented Lagrangian solver reaches KKT points, and the right ones."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from optarium.nonlinear_methods import eal

KINDS = ["exact", "block", "gaussian"]


def random_qp(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, n))
    hessian = factor @ factor.T / n + np.eye(n)
    return hessian, rng.normal(size=n), rng.normal(size=(m, n)), rng.normal(size=m)


def kkt_solution(hessian: np.ndarray, q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n, m = q.size, b.size
    matrix = np.block([[hessian, a.T], [a, np.zeros((m, m))]])
    return np.linalg.solve(matrix, np.r_[-q, b])[:n]


@pytest.mark.parametrize("kind", ["block", "gaussian"])
def test_sketch_solve_reaches_the_requested_relative_residual(kind: str) -> None:
    hessian, q, a, _ = random_qp(40, 10, seed=1)
    matrix = np.block([[hessian, a.T], [a, np.zeros((10, 10))]])
    rhs = np.r_[q, np.ones(10)]
    z, iterations = eal.sketch_solve(
        matrix, rhs, tol=1e-8, kind=kind, block_size=10, max_epochs=5000
    )  # type: ignore[arg-type]
    assert np.linalg.norm(matrix @ z - rhs) <= 1e-8 * np.linalg.norm(rhs)
    assert np.allclose(z, np.linalg.solve(matrix, rhs), atol=1e-5)
    assert iterations > 1


@pytest.mark.parametrize("kind", KINDS)
def test_convex_qp_matches_the_kkt_system_solution(kind: str) -> None:
    hessian, q, a, b = random_qp(30, 8, seed=2)
    result = eal.solve(
        lambda x: 0.5 * x @ hessian @ x + q @ x,
        lambda x: hessian @ x + q,
        lambda x: a @ x - b,
        lambda x: sp.csr_matrix(a),
        lambda x, lam: hessian,
        np.zeros(30),
        tol=1e-9,
        sketch=kind,  # type: ignore[arg-type]
        block_size=6,
        max_sketch_epochs=200,
    )
    assert result.converged, result.message
    assert result.kkt <= 1e-9
    assert np.allclose(result.x, kkt_solution(hessian, q, a, b), atol=1e-7)
    if kind != "exact":
        assert result.sketch_iterations > 0


@pytest.mark.parametrize("kind", KINDS)
def test_nonconvex_circle_problem_reaches_the_global_minimum(kind: str) -> None:
    # min x1 + 2 x2 on the circle |x|² = 2: a minimum and a maximum are both KKT points
    result = eal.solve(
        lambda x: x[0] + 2 * x[1],
        lambda x: np.array([1.0, 2.0]),
        lambda x: np.array([x @ x - 2.0]),
        lambda x: 2 * x[None, :],
        lambda x, lam: 2 * lam[0] * np.eye(2),
        np.array([1.5, 0.5]),
        tol=1e-8,
        sketch=kind,  # type: ignore[arg-type]
        block_size=1,
        max_sketch_epochs=500,
    )
    angles = np.linspace(0, 2 * np.pi, 200_001)
    brute = np.min(np.sqrt(2) * (np.cos(angles) + 2 * np.sin(angles)))
    assert result.converged, result.message
    assert result.x[0] + 2 * result.x[1] == pytest.approx(brute, abs=1e-6)
    assert result.lam[0] > 0  # second-order: the Lagrangian's Hessian 2λI is positive definite


def control_problem(steps: int) -> tuple[object, ...]:
    h, alpha = 1.0 / steps, 1e-2
    ref = 0.5 + 0.5 * np.sin(4 * np.pi * np.arange(steps + 1) * h)
    ny, rows = steps + 1, np.arange(steps)

    def cons(x: np.ndarray) -> np.ndarray:
        y, u = x[:ny], x[ny:]
        return np.r_[y[0] - 1.0, y[1:] - y[:-1] - h * (u - y[:-1] ** 3)]

    def jac(x: np.ndarray) -> sp.csr_matrix:
        y = x[:ny]
        values = np.r_[1.0, np.ones(steps), -1.0 + 3 * h * y[:-1] ** 2, -h * np.ones(steps)]
        r = np.r_[0, 1 + rows, 1 + rows, 1 + rows]
        c = np.r_[0, 1 + rows, rows, ny + rows]
        return sp.csr_matrix((values, (r, c)), shape=(steps + 1, ny + steps))

    def hess(x: np.ndarray, lam: np.ndarray) -> sp.csr_matrix:
        y = x[:ny]
        return sp.diags(np.r_[1.0 + np.r_[6 * h * lam[1:] * y[:-1], 0.0], np.full(steps, alpha)])

    def fun(x: np.ndarray) -> float:
        return float(0.5 * np.sum((x[:ny] - ref) ** 2) + 0.5 * alpha * np.sum(x[ny:] ** 2))

    def grad(x: np.ndarray) -> np.ndarray:
        return np.r_[x[:ny] - ref, alpha * x[ny:]]

    return fun, grad, cons, jac, hess, np.r_[np.ones(ny), np.zeros(steps)]


@pytest.mark.parametrize("kind", ["exact", "block"])
def test_nonlinear_optimal_control_reaches_kkt_tolerance_and_agrees_across_sketches(
    kind: str,
) -> None:
    fun, grad, cons, jac, hess, x0 = control_problem(200)
    result = eal.solve(fun, grad, cons, jac, hess, x0, tol=1e-8, sketch=kind, block_size=50)  # type: ignore[arg-type]
    reference = eal.solve(fun, grad, cons, jac, hess, x0, tol=1e-10, sketch="exact")  # type: ignore[arg-type]
    assert result.converged and reference.converged
    assert result.kkt_history[-1] <= 1e-8 < result.kkt_history[0]
    assert np.max(np.abs(result.x - reference.x)) < 1e-6
    assert fun(result.x) == pytest.approx(fun(reference.x), rel=1e-9)  # type: ignore[operator]


def test_hessian_vector_product_with_gaussian_sketches() -> None:
    hessian, q, a, b = random_qp(20, 5, seed=3)
    operator = LinearOperator((20, 20), matvec=lambda v: hessian @ v, dtype=float)
    result = eal.solve(
        lambda x: 0.5 * x @ hessian @ x + q @ x,
        lambda x: hessian @ x + q,
        lambda x: a @ x - b,
        lambda x: a,
        lambda x, lam: operator,
        np.zeros(20),
        tol=1e-8,
        sketch="gaussian",
        block_size=5,
        max_sketch_epochs=200,
    )
    assert result.converged, result.message
    assert result.direct_solves == 0
    assert np.allclose(result.x, kkt_solution(hessian, q, a, b), atol=1e-6)


def test_bad_arguments_name_the_value() -> None:
    hessian, q, a, b = random_qp(4, 1, seed=4)
    args = (
        lambda x: 0.0,
        lambda x: q,
        lambda x: a @ x - b,
        lambda x: a,
        lambda x, lam: hessian,
        np.zeros(4),
    )
    with pytest.raises(ValueError, match="kind='lu'"):
        eal.solve(*args, sketch="lu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol=-1"):
        eal.solve(*args, tol=-1)
    with pytest.raises(ValueError, match=r"accuracy=1\.5"):
        eal.solve(*args, accuracy=1.5)
    operator = LinearOperator((4, 4), matvec=lambda v: v, dtype=float)
    with pytest.raises(ValueError, match="LinearOperator needs sketch='gaussian'"):
        eal.solve(*args[:4], lambda x, lam: operator, np.zeros(4), sketch="block")


def test_redundant_constraints_still_reach_the_kkt_point() -> None:
    # the same constraint twice: a singular KKT matrix, solved with a tiny regularization
    hessian, q, a, b = random_qp(6, 2, seed=6)
    doubled, rhs = np.r_[a, a[:1]], np.r_[b, b[:1]]
    result = eal.solve(
        lambda x: 0.5 * x @ hessian @ x + q @ x,
        lambda x: hessian @ x + q,
        lambda x: doubled @ x - rhs,
        lambda x: doubled,
        lambda x, lam: hessian,
        np.zeros(6),
        tol=1e-8,
        sketch="exact",
    )
    assert result.converged, result.message
    assert np.allclose(result.x, kkt_solution(hessian, q, a, b), atol=1e-6)
