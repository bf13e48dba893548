"""The worst case of one fixed first-stage decision, solved exactly by constraint generation.

For fixed ``x`` the adversary maximises ``Q(x, xi) = min_{y in Y(x, xi)} g(x, xi, y)``
over the uncertainty set (``g`` is the objective in minimisation form). Known
recourse responses ``y_1..y_K`` give the relaxed adversary (a MILP)::

    max theta  s.t.  xi in U,
                     theta <= g(x, xi, y_k) + M_k z_k              for each k,
                     z_k = 1  =>  some row that depends on xi is violated by y_k at xi
                                 (one binary per such row, big-M from the box),

whose value is an upper bound on ``max Q``; the best response at its ``xi`` (a
MILP) is a lower bound and, when it is new, joins the responses. With integer
recourse (finitely many responses) this ends with the bounds equal. A response
counts as feasible at ``xi`` when no row is violated by ``1e-5`` or more
(relative to the row's right-hand side), just above the solvers' own feasibility
tolerances (:data:`VIOLATION`).
Every big-M is computed by interval arithmetic over the box, never guessed.
With only objective uncertainty no binaries are needed (the adversary is an LP)
and continuous recourse is exact too; a continuous recourse variable in a row
that depends on ``xi`` is refused (:func:`check_supported`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optarium.domains.robust.milp import solve_milp
from optarium.domains.robust.problem import RobustProblem
from optarium.errors import SolverCapabilityError

TOL = 1e-6
# a response counts as infeasible at xi only when a row is violated by this much (relative to the row's
# right-hand side): ten times the solvers' feasibility tolerances, so that they agree with the adversary
VIOLATION = 1e-5


@dataclass
class WorstCase:
    """The adversary's result for one ``x`` (values in minimisation form, ``+inf`` when recourse is infeasible).

    ``upper`` is a proved bound on the worst case, ``lower`` the value of the
    scenario ``xi`` (a real scenario, with its best response ``y``); ``certified``
    when they agree within tolerance. ``infeasible`` holds a scenario for which
    no recourse exists.
    """

    upper: float
    lower: float
    xi: np.ndarray
    y: np.ndarray | None
    certified: bool
    iterations: int
    infeasible: np.ndarray | None = None
    responses: list[np.ndarray] = field(default_factory=list)


def closed(upper: float, lower: float) -> bool:
    """Whether finite bounds meet within the relative tolerance."""
    return bool(np.isfinite(upper) and np.isfinite(lower) and upper - lower <= TOL * max(1.0, abs(upper)))


def check_supported(problem: RobustProblem) -> None:
    """Raise when a continuous recourse variable, or an unbounded integer one, sits in a row that depends on ``xi``."""
    rows = problem.uncertain_rows
    if not rows:
        return
    Ay = problem.Ay[rows]
    used = np.any(Ay != 0, axis=0)
    for r, _k, j, v in zip(problem.Ay_xi.row, problem.Ay_xi.k, problem.Ay_xi.var, problem.Ay_xi.value, strict=True):
        if v != 0 and int(r) in rows:
            used[int(j)] = True
    second = problem.second
    bad = [j for j in np.flatnonzero(used) if not second.integer[j]]
    if bad:
        raise SolverCapabilityError(
            "ccg", f"continuous recourse variable {second.names[bad[0]]!r} in a row that depends on the uncertainty", [])
    unbounded = [j for j in np.flatnonzero(used) if not (np.isfinite(second.lower[j]) and np.isfinite(second.upper[j]))]
    if unbounded:
        raise SolverCapabilityError(
            "ccg", f"integer recourse variable {second.names[unbounded[0]]!r} without finite bounds in a row that depends on the uncertainty", [])


def affine_objective(problem: RobustProblem, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """``(alpha, beta)`` with ``g(x, xi, y) = alpha + beta.xi`` (minimisation form)."""
    s = problem.sign
    alpha = s * (problem.c0 + problem.cx @ x + problem.cy @ y)
    beta = s * (problem.Cx @ x + problem.cxi + problem.Cy @ y)
    return float(alpha), beta


def affine_rows(problem: RobustProblem, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(const, lin)`` with row values ``const + lin @ xi`` for fixed ``x`` and ``y``; shapes (r,), (r, m)."""
    const = problem.Ax @ x + problem.Ay @ y
    lin = problem.E.copy()
    for entries, values in ((problem.Ax_xi, x), (problem.Ay_xi, y)):
        np.add.at(lin, (entries.row, entries.k), entries.value * values[entries.var])
    return const, lin


def _box_range(u_lower: np.ndarray, u_upper: np.ndarray, lin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``lin @ xi`` over the box, row by row (exact for a box)."""
    low = np.where(lin > 0, lin * u_lower, lin * u_upper).sum(axis=-1)
    high = np.where(lin > 0, lin * u_upper, lin * u_lower).sum(axis=-1)
    return low, high


def best_response(problem: RobustProblem, x: np.ndarray, xi: np.ndarray, *, solver: str = "highs",
                  time_limit: float | None = None) -> tuple[str, np.ndarray | None, float | None]:
    """Solve the recourse problem at scenario ``xi``: (status, y, value in minimisation form)."""
    Ax, Ay, rhs = problem.matrices_at(xi)
    cx, cy, const = problem.costs_at(xi)
    s = problem.sign
    second = problem.second
    found = solve_milp(s * cy, Ay, np.full(len(rhs), -np.inf), rhs - Ax @ x, second.lower, second.upper,
                       second.integer, solver=solver, time_limit=time_limit, offset=s * (float(cx @ x) + const))
    if found.status != "optimal" or found.x is None:
        return found.status, None, None
    y = found.x.copy()
    y[second.integer] = np.round(y[second.integer])
    return "optimal", y, s * problem.objective(x, xi, y)


def worst_case(problem: RobustProblem, x: np.ndarray, *, solver: str = "highs", time_limit: float | None = None,
               start: list[np.ndarray] | None = None, max_iterations: int = 10_000) -> WorstCase:
    """The exact worst case of ``x`` (see the module docstring); ``start`` are known recourse responses."""
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    u = problem.uncertainty
    m = u.size
    xi0 = _any_point(problem)
    responses: list[np.ndarray] = [np.asarray(y, dtype=float) for y in (start or [])]
    status, y0, value0 = best_response(problem, x, xi0, solver=solver, time_limit=_left(deadline))
    if status == "infeasible":
        return WorstCase(np.inf, np.inf, xi0, None, True, 0, infeasible=xi0)
    if y0 is None or value0 is None:
        return WorstCase(np.inf, -np.inf, xi0, None, False, 0)
    if not any(np.array_equal(y0, r) for r in responses):
        responses.append(y0)
    lower, best_xi, best_y = value0, xi0, y0
    upper = np.inf
    iteration = 0
    rtol = VIOLATION * np.maximum(1.0, np.abs(problem.b))
    for iteration in range(1, max_iterations + 1):
        adversary = _adversary(problem, x, responses, rtol)
        if adversary is None:
            break
        c, A, rl, ru, lo, up, integer, _ = adversary
        found = solve_milp(c, A, rl, ru, lo, up, integer, solver=solver, time_limit=_left(deadline))
        if found.x is None:
            upper = np.inf if found.bound is None else min(upper, -found.bound)
            break
        proved = found.bound if found.bound is not None else (found.objective if found.status == "optimal" else None)
        if proved is not None:
            upper = min(upper, -proved)
        xi = np.clip(found.x[:m], u.lower, u.upper)
        status, y, value = best_response(problem, x, xi, solver=solver, time_limit=_left(deadline))
        if status == "infeasible":
            return WorstCase(np.inf, np.inf, xi, None, True, iteration, infeasible=xi, responses=responses)
        if y is None or value is None:
            break
        if value > lower:
            lower, best_xi, best_y = value, xi, y
        if closed(upper, lower) or found.status != "optimal":
            break
        if any(np.array_equal(y, r) for r in responses):
            break  # a known response is the best one here: nothing new to learn (bounds as they are)
        responses.append(y)
    certified = closed(upper, lower)
    return WorstCase(float(upper), float(lower), best_xi, best_y, bool(certified), iteration, responses=responses)


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _any_point(problem: RobustProblem) -> np.ndarray:
    u = problem.uncertainty
    if u.G.shape[0] == 0 or np.all(u.G @ u.lower <= u.h):
        return u.lower.copy()
    found = solve_milp(np.zeros(u.size), u.G, np.full(len(u.h), -np.inf), u.h, u.lower, u.upper, np.zeros(u.size, dtype=bool))
    assert found.x is not None
    return np.clip(found.x, u.lower, u.upper)


def _adversary(problem: RobustProblem, x: np.ndarray, responses: list[np.ndarray], rtol: np.ndarray) -> Any:
    """The relaxed adversary as arrays for :func:`solve_milp`: variables ``[xi, theta, z_k..., w_kr...]``."""
    import scipy.sparse as sp

    u = problem.uncertainty
    m = u.size
    terms = [affine_objective(problem, x, y) for y in responses]
    lows, highs = zip(*[(alpha + _box_range(u.lower, u.upper, beta)[0], alpha + _box_range(u.lower, u.upper, beta)[1])
                        for alpha, beta in terms], strict=True)
    disjunctions: list[tuple[int, list[tuple[np.ndarray, float, float]]]] = []
    for k, y in enumerate(responses):
        const, lin = affine_rows(problem, x, y)
        low, high = _box_range(u.lower, u.upper, lin)
        can_violate = [r for r in np.flatnonzero(np.any(lin != 0, axis=1)) if const[r] + high[r] >= problem.b[r] + rtol[r]]
        if can_violate:
            # row r violated: lin.xi >= b + tol - const, relaxed by big_m when w = 0
            disjunctions.append((k, [(lin[r], float(problem.b[r] + rtol[r] - const[r]), float(problem.b[r] + rtol[r] - const[r] - low[r]))
                                     for r in can_violate]))
    sentinel = float(max(highs)) + 1.0
    if disjunctions:
        sentinel = max(sentinel, _global_upper(problem, x) + 1.0)
        if not np.isfinite(sentinel):
            raise SolverCapabilityError("ccg", "an unbounded recourse objective when rows depend on the uncertainty", [])
    n_w = sum(len(rows) for _, rows in disjunctions if len(rows) > 1)  # one violable row: z_k is its own indicator
    n = m + 1 + len(disjunctions) + n_w
    rows: list[tuple[dict[int, float], float, float]] = []
    for i in range(u.G.shape[0]):
        rows.append(({int(j): float(u.G[i, j]) for j in np.flatnonzero(u.G[i])}, -np.inf, float(u.h[i])))
    z_of = {k: m + 1 + position for position, (k, _) in enumerate(disjunctions)}
    for k, (alpha, beta) in enumerate(terms):
        row = {int(j): -float(beta[j]) for j in np.flatnonzero(beta)}
        row[m] = 1.0
        if k in z_of:
            row[z_of[k]] = -(sentinel - lows[k])
        rows.append((row, -np.inf, alpha))
    w = m + 1 + len(disjunctions)
    for k, violated in disjunctions:
        if len(violated) == 1:
            lin, need, big_m = violated[0]
            row = {int(j): float(lin[j]) for j in np.flatnonzero(lin)}
            row[z_of[k]] = -big_m
            rows.append((row, need - big_m, np.inf))
            continue
        link = {z_of[k]: 1.0}
        for lin, need, big_m in violated:
            row = {int(j): float(lin[j]) for j in np.flatnonzero(lin)}
            row[w] = -big_m
            rows.append((row, need - big_m, np.inf))
            link[w] = -1.0
            w += 1
        rows.append((link, -np.inf, 0.0))
    data, ri, ci = [], [], []
    for i, (row, _, _) in enumerate(rows):
        for j, v in row.items():
            ri.append(i)
            ci.append(j)
            data.append(v)
    A = sp.csr_matrix((data, (ri, ci)), shape=(len(rows), n))
    c = np.zeros(n)
    c[m] = -1.0
    lo = np.concatenate([u.lower, [-np.inf], np.zeros(n - m - 1)])
    up = np.concatenate([u.upper, [sentinel], np.ones(n - m - 1)])
    integer = np.concatenate([np.zeros(m + 1, dtype=bool), np.ones(n - m - 1, dtype=bool)])
    return c, A, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), lo, up, integer, sentinel


def _global_upper(problem: RobustProblem, x: np.ndarray) -> float:
    """An interval bound on ``g(x, xi, y)`` over the box and the recourse bounds."""
    u, second = problem.uncertainty, problem.second
    s = problem.sign
    alpha = s * (problem.c0 + problem.cx @ x)
    beta0 = s * (problem.Cx @ x + problem.cxi)
    total = alpha + _box_range(u.lower, u.upper, beta0)[1]
    for j in range(second.size):
        coef_low, coef_high = _box_range(u.lower, u.upper, s * problem.Cy[:, j])
        coef_low, coef_high = coef_low + s * problem.cy[j], coef_high + s * problem.cy[j]
        if coef_low == coef_high == 0:
            continue
        corners = [a * b for a in (coef_low, coef_high) for b in (second.lower[j], second.upper[j])]
        total += max(corners)
    return float(total)
