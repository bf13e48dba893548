"""Robust fixtures: the shipped knapsack file, small generated instances and brute-force worst cases."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

DATA = Path(__file__).resolve().parent / "data"
KNAPSACK20 = DATA / "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"


@pytest.fixture
def knapsack20() -> Path:
    return KNAPSACK20


def knapsack_text(n: int, seed: int, gamma: int = 2) -> str:
    """A random two-stage robust knapsack instance in the Arslan-Detienne text format."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(50, 100, n)
    profit = weight + rng.integers(0, 40, n)
    lines = [f"{n} {int(weight.sum() * 0.45)} {gamma}"]
    for i in range(n):
        lines.append(f"{profit[i]} {rng.integers(10, profit[i] // 2)} {rng.integers(10, 40)} {weight[i]} {profit[i] + rng.integers(0, 30)}")
    return "\n".join(lines) + "\n"


def capital_budgeting_text(n: int, d: int, seed: int) -> str:
    """A random capital budgeting instance in the Neur2RO text format (``budget = sum(c)/2``, ``r = c/5``)."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 10, n)
    phi = rng.dirichlet(np.ones(d), n)
    psi = rng.dirichlet(np.ones(d), n)
    rows = [f"{seed} {n} {d} {cost.sum() / 2} {cost.sum()}", " ".join(map(str, cost)), " ".join(map(str, cost / 5))]
    rows += [" ".join(map(str, row)) for row in phi] + [" ".join(map(str, row)) for row in psi]
    return "\n".join(rows) + "\n"


def _responses(problem, x):  # type: ignore[no-untyped-def]
    n2 = problem.second.size
    return [np.array(y, dtype=float) for y in itertools.product((0, 1), repeat=n2)]


def brute_worst_objective_uncertainty(problem, x: np.ndarray) -> float:  # type: ignore[no-untyped-def]
    """max over xi of min over every feasible binary recourse, as one LP over the enumerated responses (min form)."""
    s, u = problem.sign, problem.uncertainty
    Ax, Ay, rhs = problem.matrices_at(u.lower)
    feasible = [y for y in _responses(problem, x) if np.all(Ax @ x + Ay @ y <= rhs + 1e-9)]
    m = u.size
    # variables [xi, theta]: maximise theta, theta <= s * f(x, xi, y)
    a_ub, b_ub = [], []
    for y in feasible:
        alpha = s * (problem.c0 + problem.cx @ x + problem.cy @ y)
        beta = s * (problem.Cx @ x + problem.cxi + problem.Cy @ y)
        a_ub.append(np.concatenate([-beta, [1.0]]))
        b_ub.append(alpha)
    for row, h in zip(u.G, u.h, strict=True):
        a_ub.append(np.concatenate([row, [0.0]]))
        b_ub.append(h)
    c = np.zeros(m + 1)
    c[-1] = -1
    done = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=[*zip(u.lower, u.upper, strict=True), (None, None)])
    assert done.status == 0
    return float(-done.fun)


def grid_worst(problem, x: np.ndarray, points: int = 201) -> float:  # type: ignore[no-untyped-def]
    """max over a grid of scenarios of the best enumerated recourse (a lower bound on the worst case, min form)."""
    u = problem.uncertainty
    axes = [np.linspace(lo, hi, points) for lo, hi in zip(u.lower, u.upper, strict=True)]
    ys = _responses(problem, x)
    worst = -np.inf
    for xi in itertools.product(*axes):
        xi_arr = np.array(xi)
        Ax, Ay, rhs = problem.matrices_at(xi_arr)
        values = [problem.sign * problem.objective(x, xi_arr, y) for y in ys
                  if np.all(Ax @ x + Ay @ y - rhs <= 1e-6 * np.maximum(1, np.abs(rhs)))]
        worst = max(worst, min(values) if values else np.inf)
    return float(worst)
