"""Branch-and-price for the two-stage robust knapsack (the exact method on problems with its structure).

After Arslan & Detienne, "Decomposition-based approaches for a class of two-stage
robust binary optimization problems", INFORMS J. Computing 34 (2022). With the
uncertainty only in the objective, the worst case of a decision ``x`` is
``max_{lambda in conv Y(x)} min_{xi in U} f`` (minimax), so the problem is one
maximisation over ``x`` and convex combinations of recourse fillings, the inner
``min`` over the budgeted set replaced by its LP dual. Columns are fillings
``(y, r)`` of the knapsack, priced by dynamic programming over the (integer)
capacity; ``x`` is branched on. Departures: the recourse columns are separate
from ``x`` (linked by ``sum_k lambda_k y_ki <= x_i``), every node bound is the
Lagrangian bound of the priced duals (valid at any iteration) and also fixes
items by their reduced cost, items whose profit covers their outsourcing cost
are fixed to 1 at the root, branching is on the fractional item with the most
unpaid outsourcing margin, and a dive plus a one-flip search give the first
incumbent (measurements in docs/robust.md).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from optarium.domains.robust.problem import RobustProblem
from optarium.kinds import RawResult

# a node whose bound exceeds the incumbent by no more than this (relative) is closed
PRUNE = 1e-9
FRACTIONAL = 1e-6
# the share of the time limit the flip search on the first incumbent may take
IMPROVE_SHARE = 0.1


@dataclass(frozen=True)
class Knapsack:
    """The data of a robust knapsack (see :func:`optarium.domains.robust.io.parse_knapsack`), weights integer."""

    profit: np.ndarray
    degradation: np.ndarray
    repair: np.ndarray
    weight: np.ndarray
    outsourcing: np.ndarray
    capacity: int
    gamma: float

    @property
    def size(self) -> int:
        return len(self.profit)


def recognise(problem: RobustProblem) -> Knapsack | None:
    """The knapsack data when ``problem`` has exactly the structure the knapsack reader builds, else None."""
    n = problem.first.size
    u = problem.uncertainty
    if (problem.sense != "max" or problem.second.size != 2 * n or u.size != n or u.gamma is None or len(problem.b) != 2 * n + 1
            or problem.Ax_xi.row.size or problem.Ay_xi.row.size or problem.c0 != 0):
        return None
    if not (np.all(problem.first.integer) and np.all(problem.second.integer)):
        return None
    for block in (problem.first, problem.second):
        if not (np.all(block.lower == 0) and np.all(block.upper == 1)):
            return None
    if not (np.all(u.lower == 0) and np.all(u.upper == 1)):
        return None
    outsourcing = problem.cy[:n]
    degradation = -np.diag(problem.Cy[:, :n])
    weight, repair = problem.Ay[0, :n], problem.Ay[0, n:]
    capacity = float(problem.b[0])
    if not (np.all(weight >= 0) and np.all(repair >= 0) and capacity >= 0 and np.all(weight == np.round(weight))
            and np.all(repair == np.round(repair)) and capacity == round(capacity)):
        return None
    eye = np.eye(n)
    Cy = np.hstack([-np.diag(degradation), np.diag(degradation)])
    Ax = np.vstack([np.zeros((1, n)), -eye, np.zeros((n, n))])
    Ay = np.vstack([np.concatenate([weight, repair])[None, :], np.hstack([eye, np.zeros((n, n))]), np.hstack([-eye, eye])])
    expected: list[tuple[np.ndarray, np.ndarray]] = [
        (problem.cy, np.concatenate([outsourcing, np.zeros(n)])), (problem.Cy, Cy), (problem.Cx, np.zeros((n, n))),
        (problem.cxi, np.zeros(n)), (problem.Ax, Ax), (problem.Ay, Ay), (problem.E, np.zeros((2 * n + 1, n))),
        (problem.b[1:], np.zeros(2 * n)),
    ]
    if not all(np.array_equal(a, b) for a, b in expected):
        return None
    return Knapsack(problem.cx + outsourcing, degradation, repair.astype(np.int64), weight.astype(np.int64), outsourcing,
                    round(capacity), float(u.gamma))


def price(data: Knapsack, nu: np.ndarray, mu: np.ndarray, allowed: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The best filling for the duals: ``max sum (f - nu) y - mu p_hat (y - r)`` over the knapsack (exact DP)."""
    n, capacity = data.size, data.capacity
    unrepaired = data.outsourcing - nu - mu * data.degradation
    repaired = data.outsourcing - nu
    best = np.zeros(capacity + 1)  # best value within capacity w
    choice = np.zeros((n, capacity + 1), dtype=np.int8)
    for i in range(n):
        if not allowed[i]:
            continue
        new = best.copy()
        for option, value, used in ((1, unrepaired[i], int(data.weight[i])), (2, repaired[i], int(data.weight[i] + data.repair[i]))):
            if value <= 0 or used > capacity:
                continue
            candidate = best[:capacity + 1 - used] + value
            better = candidate > new[used:]
            new[used:][better] = candidate[better]
            choice[i, used:][better] = option
        best = new
    y, r = np.zeros(n), np.zeros(n)
    w = capacity
    for i in range(n - 1, -1, -1):
        option = choice[i, w]
        if option:
            y[i] = 1.0
            r[i] = 1.0 if option == 2 else 0.0
            w -= int(data.weight[i] + (data.repair[i] if option == 2 else 0))
    return float(best[capacity]), y, r


class _Master:
    """The restricted master LP on HiGHS (minimisation of the negated profit); columns ``[x, pi, rho, lambda...]``."""

    def __init__(self, data: Knapsack):
        import highspy

        from optarium.solvers.highs import new_highs

        self.data = data
        n = data.size
        inf = highspy.kHighsInf
        self.h = h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual simplex: the warm start after a branching bound change
        # rows: 0 convexity (= 1); 1..n: sum lambda y_i - x_i <= 0; n+1..2n: sum lambda p_hat z_i - pi - rho_i <= 0
        h.addRows(1 + 2 * n, np.concatenate([[1.0], np.full(2 * n, -inf)]), np.concatenate([[1.0], np.zeros(2 * n)]),
                  0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        for i in range(n):
            h.addCol(float(data.outsourcing[i] - data.profit[i]), 0.0, 1.0, 1, np.array([1 + i], dtype=np.int32), np.array([-1.0]))
        h.addCol(data.gamma, 0.0, inf, n, np.arange(n + 1, 2 * n + 1, dtype=np.int32), np.full(n, -1.0))
        for i in range(n):
            h.addCol(1.0, 0.0, inf, 1, np.array([n + 1 + i], dtype=np.int32), np.array([-1.0]))
        self.columns: list[tuple[np.ndarray, np.ndarray]] = []
        self.known: set[bytes] = set()
        self.add(np.zeros(n), np.zeros(n))

    def add(self, y: np.ndarray, r: np.ndarray) -> bool:
        key = np.concatenate([y, r]).astype(np.int8).tobytes()
        if key in self.known:
            return False
        self.known.add(key)
        n = self.data.size
        z = y - r
        rows = [0] + [1 + i for i in np.flatnonzero(y)] + [n + 1 + i for i in np.flatnonzero(z)]
        values = [1.0] + [1.0] * int(np.count_nonzero(y)) + [float(self.data.degradation[i]) for i in np.flatnonzero(z)]
        self.h.addCol(-float(self.data.outsourcing @ y), 0.0, np.inf, len(rows), np.array(rows, dtype=np.int32), np.array(values))
        self.columns.append((y, r))
        return True

    def bounds(self, node: Node) -> None:
        n = self.data.size
        self.h.changeColsBounds(n, np.arange(n, dtype=np.int32), node.lower.astype(float), node.upper.astype(float))

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
        """(profit, x, nu, mu) of the restricted LP, or None when HiGHS did not solve it."""
        self.h.run()
        if self.h.modelStatusToString(self.h.getModelStatus()) != "Optimal":
            self.h.clearSolver()  # a warm start that went wrong (seen once on a loaded machine): solve again from scratch
            self.h.run()
            if self.h.modelStatusToString(self.h.getModelStatus()) != "Optimal":
                return None
        n = self.data.size
        solution = self.h.getSolution()
        duals = np.array(solution.row_dual)
        x = np.array(solution.col_value[:n])
        return -float(self.h.getInfo().objective_function_value), x, -duals[1:n + 1], -duals[n + 1:2 * n + 1]


@dataclass(frozen=True)
class Node:
    """A node of the search: bounds on ``x``."""

    lower: np.ndarray
    upper: np.ndarray

    def fix(self, item: int, value: float) -> Node:
        lower, upper = self.lower.copy(), self.upper.copy()
        lower[item] = upper[item] = value
        return Node(lower, upper)


def best_choice(slope: np.ndarray, node: Node) -> float:
    """``max slope @ x`` over the ``x`` of ``node``: the x part of the Lagrangian bound."""
    return float(np.sum(np.where(slope > 0, slope * node.upper, slope * node.lower)))


@dataclass
class Outcome:
    """What branch-and-price found: the best decision, its value (the master's), the proved bound."""

    status: str
    x: np.ndarray | None
    value: float
    bound: float
    nodes: int
    columns: int
    trace: list[dict[str, float | None]]


def solve_knapsack(data: Knapsack, *, time_limit: float | None = None,
                   progress: Callable[[float, float | None, float | None], None] | None = None) -> Outcome:
    """Branch-and-price to a relative gap of :data:`PRUNE`, or until ``time_limit`` seconds."""
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    n = data.size
    master = _Master(data)
    margin = np.abs(data.outsourcing - data.profit)
    # choosing an item whose profit covers its outsourcing cost never hurts
    root = Node((data.profit >= data.outsourcing).astype(float), np.ones(n))
    incumbent_x: np.ndarray | None = None
    incumbent = -np.inf
    trace: list[dict[str, float | None]] = []

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() >= deadline

    def generate(node: Node, cutoff: float) -> tuple[float, float, np.ndarray | None, np.ndarray, float]:
        """Column generation at a node: (LP value, Lagrangian bound, x, slopes, pricing value) of the best bound.

        Stops early once the bound is below ``cutoff``. The bound is the best filling's value for the duals plus the
        best ``x`` of the node for ``slopes`` (:func:`best_choice`); with the same duals, a node with fewer choices has
        a bound at most ``pricing value + best_choice(slopes, smaller node)`` (pricing only loses fillings).
        """
        master.bounds(node)
        bound = np.inf
        value, x = -np.inf, None
        slopes, priced = np.zeros(n), 0.0
        allowed = node.upper > 0.5
        while not out_of_time():
            solved = master.solve()
            if solved is None:
                return -np.inf, bound, None, slopes, priced
            value, x, nu, mu = solved
            nu = np.maximum(nu, 0.0)
            mu = np.clip(mu, 0.0, 1.0)
            if mu.sum() > data.gamma:
                mu *= data.gamma / mu.sum()
            best, y, r = price(data, nu, mu, allowed)
            slope = data.profit - data.outsourcing + nu
            candidate = best + best_choice(slope, node)
            if candidate < bound:
                bound, slopes, priced = candidate, slope, best
            if _within(bound, cutoff) or _within(bound, value):
                break
            if not master.add(y, r):
                break
        return value, bound, x, slopes, priced

    def consider(x: np.ndarray) -> None:
        """Evaluate an integral ``x`` exactly (column generation with ``x`` fixed) and keep it if better."""
        nonlocal incumbent, incumbent_x
        value, bound, _, _, _ = generate(Node(x, x), -np.inf)
        if _within(bound, value) and value > incumbent:
            incumbent, incumbent_x = value, x.copy()

    def dive(node: Node) -> None:
        """A primal heuristic: fix the most decided fractional item (to 1 from 1/2 up, else to 0) until ``x`` is integral."""
        while not out_of_time():
            _, bound, x, _, _ = generate(node, incumbent)
            if x is None or _within(bound, incumbent):
                return
            fractional = np.flatnonzero(np.abs(x - np.round(x)) > FRACTIONAL)
            if fractional.size == 0:
                consider(np.clip(np.round(x), node.lower, node.upper))
                return
            i = int(fractional[np.argmax(np.abs(x[fractional] - 0.5))])
            node = node.fix(i, 1.0 if x[i] >= 0.5 else 0.0)

    def fix_by_slopes(node: Node, slopes: np.ndarray, priced: float) -> Node:
        """Reduced-cost fixing: a free item whose other side cannot beat the incumbent (same duals) keeps this side."""
        for i in np.flatnonzero(node.lower < node.upper):
            for side in (0.0, 1.0):
                if _within(priced + best_choice(slopes, node.fix(int(i), side)), incumbent):
                    node = node.fix(int(i), 1.0 - side)
                    break
        return node

    def improve(until: float | None) -> None:
        """A primal heuristic: flip one free item of the incumbent while that makes it better (first improvement)."""
        nonlocal incumbent, incumbent_x
        better = incumbent_x is not None
        while better and incumbent_x is not None:
            better = False
            for i in np.flatnonzero(root.lower < root.upper):
                if out_of_time() or (until is not None and time.perf_counter() >= until):
                    return
                x = incumbent_x.copy()
                x[i] = 1.0 - x[i]
                if x.tobytes() in tried:
                    continue
                tried.add(x.tobytes())
                value, bound, _, _, _ = generate(Node(x, x), incumbent)  # stops once it cannot beat the incumbent
                if _within(bound, value) and not _within(value, incumbent):
                    incumbent, incumbent_x, better = value, x, True
                    break

    tried: set[bytes] = set()
    unsettled = -np.inf  # the bound of a fixed node whose column generation stalled short of it (kept in the proof)
    nodes = 0
    dive(root)  # a first incumbent before the search, so that pruning starts early
    improve(None if time_limit is None else started + IMPROVE_SHARE * time_limit)
    queue: list[tuple[float, int, Node]] = [(-np.inf, 0, root)]
    counter = 1
    proved = True
    while queue:
        if out_of_time():
            proved = False
            break
        parent, _, node = heapq.heappop(queue)
        if _within(-parent, incumbent):
            continue
        nodes += 1
        value, bound, x, slopes, priced = generate(node, incumbent)
        if x is None or out_of_time():
            heapq.heappush(queue, (parent, counter, node))
            proved = False
            break
        if _within(bound, incumbent):
            continue
        # the node's recourse mix stays feasible for the rounded-up decision: a cheap lower bound on its value
        rounded = np.clip(np.ceil(x - FRACTIONAL), node.lower, node.upper)
        estimate = value + float((data.profit - data.outsourcing) @ (rounded - x))
        if rounded.tobytes() not in tried and not _within(estimate, incumbent):
            tried.add(rounded.tobytes())
            consider(rounded)
        node = fix_by_slopes(node, slopes, priced)
        if np.any(np.abs(x - np.clip(x, node.lower, node.upper)) > FRACTIONAL):
            heapq.heappush(queue, (-bound, counter, node))  # fixing moved the node's x: solve it again, tighter
            counter += 1
            continue
        fractional = np.flatnonzero(np.abs(x - np.round(x)) > FRACTIONAL)
        if fractional.size == 0:
            free = np.flatnonzero(node.lower < node.upper)
            if _within(bound, value) or free.size == 0:
                unsettled = unsettled if _within(bound, value) else max(unsettled, bound)
                continue  # the node's optimum is its integral x (evaluated exactly above)
            # pricing stalled (a repeated column) short of the bound: split the node rather than close it
            i = int(free[np.argmax(margin[free])])
        else:
            # branch on the item whose choice would cost the most outsourcing margin not yet paid for
            i = int(fractional[np.argmax((1 - x[fractional]) * margin[fractional])])
        for child in (node.fix(i, 1.0), node.fix(i, 0.0)):
            heapq.heappush(queue, (-bound, counter, child))
            counter += 1
        elapsed = time.perf_counter() - started
        open_bound = max(-queue[0][0], incumbent)
        trace.append({"seconds": round(elapsed, 4), "incumbent": None if incumbent_x is None else incumbent, "bound": open_bound})
        if progress is not None and nodes % 20 == 1:
            progress(elapsed, None if incumbent_x is None else incumbent, open_bound)
    global_bound = max([incumbent, unsettled] + [-entry[0] for entry in queue])
    if not np.isfinite(global_bound):
        global_bound = np.inf
    status = "optimal" if proved and incumbent_x is not None and _within(global_bound, incumbent) else "time_limit"
    return Outcome(status, incumbent_x, float(incumbent), float(global_bound), nodes, len(master.columns), trace)


def _within(bound: float, value: float) -> bool:
    """Whether ``bound`` exceeds ``value`` by no more than :data:`PRUNE` (relative); False while ``value`` is -inf."""
    return bool(np.isfinite(value) and bound <= value + PRUNE * max(1.0, abs(value)))


def solve_exact(problem: RobustProblem, data: Knapsack, *, time_limit: float | None = None,
                progress: Callable[[float, float | None, float | None], None] | None = None) -> RawResult:
    """The exact method's answer for a recognised knapsack: the decision, its value as claimed, the proved bound."""
    started = time.perf_counter()
    outcome = solve_knapsack(data, time_limit=time_limit, progress=progress)
    payload = None if outcome.x is None else {"x": outcome.x.tolist(), "claimed": outcome.value}
    bound = outcome.bound if np.isfinite(outcome.bound) else None
    extra: dict[str, Any] = {"method": "exact", "algorithm": "branch_and_price", "iterations": outcome.nodes,
                             "nodes": outcome.nodes, "columns": outcome.columns, "trace": outcome.trace[-200:],
                             "method_objective": None if outcome.x is None else outcome.value}
    return RawResult(status=outcome.status, objective=None, bound=bound, payload=payload, solver_status=outcome.status,
                     seconds=time.perf_counter() - started, extra=extra)
