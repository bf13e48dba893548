"""Branch-and-price for the two-stage robust knapsack (the exact method on problems with its structure).

After Arslan & Detienne, "Decomposition-based approaches for a class of two-stage
robust binary optimization problems", INFORMS J. Computing 34 (2022): with the
uncertainty only in the objective the worst case of ``x`` is a max over convex
combinations of recourse fillings of a min over the budgeted set; columns are
(chosen set, filling) pairs priced by dynamic programming over the integer capacity,
and ``x`` is branched on. Departure (ours): the paper's bound lets the adversary pick
one scenario for the whole mix of chosen sets; here it picks a *policy*
``mu_i(S) = nu_i + beta_k`` (``k``: item i's place among the chosen items of ``S`` in
order of degradation), in the budgeted set for every ``S``, so the bound is at least
as tight (the master gets one row per place, the DP one state per place); a node first
converges the paper's bound (no places, a DP many times cheaper) and adds the places
only where that leaves it open. Also ours: bounds are Lagrangian (valid at any
iteration, a child starts from its parent's policy), items whose profit covers their
outsourcing cost are fixed to 1, branching is on the fractional item with the most
unpaid outsourcing margin, and a dive plus a one-flip search give the first incumbent
(measurements in docs/robust.md).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.robust.problem import RobustProblem
from optarium.kinds import RawResult

if TYPE_CHECKING:
    from optarium.interrupts import CtrlC

log = logging.getLogger(__name__)

# a node whose bound exceeds the incumbent by no more than this (relative) is closed
PRUNE = 1e-9
FRACTIONAL = 1e-6
# the share of the time limit the flip search on the first incumbent may take
IMPROVE_SHARE = 0.1
# positions beyond ceil(Gamma) whose weight the adversary's policy chooses (more: a tighter bound, a slower DP)
EXTRA_POSITIONS = 6


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

    @cached_property
    def ordered(self) -> Ordered:
        """What the pricing DP reads of the items, in :func:`adversary_order` (computed once)."""
        order = adversary_order(self)
        profit, weight = self.profit[order], self.weight[order]
        full = weight + self.repair[order]
        fits = [tuple((option, int(used)) for option, used in ((0, 0), (1, weight[t]), (2, full[t])) if used <= self.capacity)
                for t in range(self.size)]
        most = np.where(full <= self.capacity, full, np.where(weight <= self.capacity, weight, 0)).tolist()
        return Ordered(order, profit, self.degradation[order], (profit - self.outsourcing[order]).tolist(), profit.tolist(),
                       fits, most)


@dataclass(frozen=True)
class Ordered:
    """A knapsack's items in :func:`adversary_order`: profit, degradation, the value of choosing and outsourcing, the
    options whose capacity (none; the weight; weight and repair) fits, and the most capacity one of them uses."""

    order: np.ndarray
    profit: np.ndarray
    degradation: np.ndarray
    outsourced_value: list[float]
    profit_values: list[float]
    fits: list[tuple[tuple[int, int], ...]]
    most: list[int]


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


def positions(data: Knapsack) -> int:
    """How many leading positions of the chosen set get their own weight in the adversary's policy."""
    return min(data.size, math.ceil(data.gamma) + EXTRA_POSITIONS)


@dataclass(frozen=True)
class Pattern:
    """One column: the chosen set, its filling (``produced``, ``repaired``) and what the adversary's weights see of it.

    ``item_exposure[i]`` is ``p_hat_i`` for an item produced without repair (else 0); ``position_exposure[k]`` sums the
    ``p_hat`` of those items that are the ``k``-th chosen item in the order of :func:`adversary_order`.
    """

    chosen: np.ndarray
    produced: np.ndarray
    repaired: np.ndarray
    value: float
    item_exposure: np.ndarray
    position_exposure: np.ndarray


def adversary_order(data: Knapsack) -> np.ndarray:
    """The order in which the policy counts chosen items: largest degradation first."""
    return np.argsort(-data.degradation, kind="stable")


def price(data: Knapsack, nu: np.ndarray, beta: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          columns: int = 1, tables: np.ndarray | None = None) -> tuple[float, list[Pattern]]:
    """The best value of a (chosen set, filling) against the policy ``mu_i(S) = nu_i + beta[position of i in S]`` (exact
    DP), and the best columns for up to ``columns`` final positions (the best first).

    Maximises ``sum_S (p - f) + sum f y - sum p_hat mu(S) (y - r)`` over chosen sets ``lower <= S <= upper`` and
    fillings of the knapsack; positions from ``len(beta)`` on get no extra weight. The state is (positions used, capped
    at ``len(beta)``; capacity used). ``tables`` (from :func:`price_tables`, reused between calls) saves allocating the
    DP's tables on each call.
    """
    n, capacity, count = data.size, data.capacity, beta.size
    if tables is None or tables.shape != (n + 1, count + 1, capacity + 1):
        tables = price_tables(data, count)
    ordered = data.ordered
    order = ordered.order
    # per item (in ``order``) the value of each option: chosen and outsourced, produced (per place: not repaired, it
    # meets the policy's weight of its place), produced and repaired (its profit)
    produced_value = ordered.profit[:, None] - ordered.degradation[:, None] * (nu[order][:, None] + np.append(beta, 0.0))
    free = (upper[order] > 0.5).tolist()
    options = [ordered.fits[t] if free[t] else () for t in range(n)]
    outsourced_value, repaired_value = ordered.outsourced_value, ordered.profit_values
    # where no place's weight reaches an item, repairing it earns nothing and takes more capacity: the tables (best
    # values for at most c, so rising in c) never gain from it, though the trace still considers it
    unexposed = np.all(produced_value == ordered.profit[:, None], axis=1).tolist()
    # table t holds the best value over the first t items (in ``order``) per (places, capacity used at most c); only
    # places 0..rows[t] can be reached, only capacities up to reach[t] differ (beyond, the value is that at reach[t]),
    # and only capacities from low[t] on can still lead to the full capacity, the one answer read; places below floor[t]
    # (the items that must be chosen) cannot be reached either; an item that cannot be chosen leaves the values as they
    # were, so its table is the one before (``home``: where table t lies)
    forced = [chosen and must for chosen, must in zip(free, (lower[order] > 0.5).tolist(), strict=True)]
    most = [used if chosen else 0 for used, chosen in zip(ordered.most, free, strict=True)]
    rows, floor, reach = [0], [0], [0]
    for t in range(n):
        rows.append(min(rows[t] + free[t], count))
        floor.append(min(floor[t] + forced[t], count))
        reach.append(min(reach[t] + most[t], capacity))
    remaining = [*list(itertools.accumulate(most[::-1]))[::-1], 0]
    low = [min(max(0, capacity - remaining[t]), reach[t]) for t in range(n + 1)]
    home = list(range(n + 1))
    tables[0, 0, :1] = 0.0
    scratch = np.empty((count + 1, capacity + 1))
    for t in range(n):
        if not options[t]:
            home[t + 1] = home[t]
            continue
        best, new = tables[home[t]], tables[t + 1]
        top, room, above, after, start = rows[t], reach[t], rows[t + 1], reach[t + 1], low[t + 1]
        bottom = floor[t]
        if room < after:
            best[bottom:top + 1, room + 1:after + 1] = best[bottom:top + 1, room:room + 1]  # beyond the old reach: the same
        # source places bottom..shifted-1 move to bottom+1..shifted; once every place is reached, the last one (no
        # extra weight) also stays where it is
        shifted = min(top + 1, count)
        sources = count + 1 if top == count else shifted
        moved = shifted - bottom
        window = slice(start, after + 1)
        rest = options[t]
        gain = outsourced_value[t]  # chosen and outsourced: no capacity, so over the whole window
        if forced[t]:  # not choosing is ruled out: the outsourced option is the first value of every place it reaches
            if moved > 0:
                np.add(best[bottom:shifted, window], gain, out=new[bottom + 1:shifted + 1, window])
            if top == count and moved > 0:
                part = scratch[0, :after + 1 - start]
                np.add(best[count, window], gain, out=part)
                np.maximum(new[count, window], part, out=new[count, window])
            elif top == count:
                np.add(best[count, window], gain, out=new[count, window])
            rest = rest[1:]
        else:
            new[bottom:top + 1, window] = best[bottom:top + 1, window]
            if above > top:
                new[top + 1:above + 1, window] = -np.inf
            if count == 0 and gain <= 0:
                rest = rest[1:]  # without places, outsourcing at a loss never beats not choosing
        for option, used in rest:
            if option == 2 and unexposed[t]:
                continue
            first = max(start, used)
            span = after + 1 - first
            if span <= 0:
                continue
            part = scratch[:sources - bottom, :span]
            np.add(best[bottom:sources, first - used:after + 1 - used], produced_value[t, bottom:sources, None]
                   if option == 1 else (repaired_value[t] if option == 2 else outsourced_value[t]), out=part)
            if moved > 0:
                target = new[bottom + 1:shifted + 1, first:after + 1]
                np.maximum(target, part[:moved], out=target)
            if top == count:
                target = new[count, first:after + 1]
                np.maximum(target, part[count - bottom], out=target)

    def value_at(t: int, state: int, room: int) -> float:
        return float(tables[home[t], state, min(room, reach[t])]) if floor[t] <= state <= rows[t] else -np.inf

    views = [tables[home[t]] for t in range(n + 1)]
    optional = (lower[order] < 0.5).tolist()

    def trace(state: int) -> Pattern:
        room, target = capacity, value_at(n, state, capacity)
        chosen, produced, repaired = np.zeros(n), np.zeros(n), np.zeros(n)
        position_exposure = np.zeros(count)
        for t in range(n - 1, -1, -1):
            i = order[t]
            table, least, top, most_room = views[t], floor[t], rows[t], reach[t]
            if optional[t] and least <= state <= top and table[state, min(room, most_room)] == target:
                continue  # not chosen
            for option, used in options[t]:
                if used > room:
                    continue
                source, left = -1, min(room - used, most_room)
                for k in ((state - 1, state) if state == count else (state - 1,)):
                    if least <= k <= top and table[k, left] + (produced_value[t, k] if option == 1 else (
                            repaired_value[t] if option == 2 else outsourced_value[t])) == target:
                        source = k
                        break
                if source < 0:
                    continue
                chosen[i] = 1.0
                produced[i] = 1.0 if option >= 1 else 0.0
                repaired[i] = 1.0 if option == 2 else 0.0
                if option == 1 and source < count:
                    position_exposure[source] += data.degradation[i]
                state, room = source, room - used
                target = value_at(t, state, room)
                break
            else:  # pragma: no cover - the table always holds the step that reached it
                raise RuntimeError("knapsack pricing could not trace its optimum back")
        exposure = data.degradation * (produced - repaired)
        value = float(data.profit @ chosen - data.outsourcing @ (chosen - produced))
        return Pattern(chosen, produced, repaired, value, exposure, position_exposure)

    final = np.full(count + 1, -np.inf)
    final[floor[n]:rows[n] + 1] = tables[home[n], floor[n]:rows[n] + 1, min(capacity, reach[n])]
    ranked = np.argsort(-final, kind="stable")
    ends = [int(k) for k in ranked[:columns] if np.isfinite(final[k])]
    return float(final[ends[0]]), [trace(k) for k in ends]


def price_tables(data: Knapsack, count: int) -> np.ndarray:
    """Room for the tables of :func:`price` with ``count`` places (one per item and one before), to reuse."""
    return np.empty((data.size + 1, count + 1, data.capacity + 1))


def place_exposure(data: Knapsack, pattern: Pattern, count: int) -> np.ndarray:
    """``position_exposure`` of ``pattern`` for ``count`` places: the ``p_hat`` exposed by its ``k``-th chosen item."""
    order = adversary_order(data)
    chosen = pattern.chosen[order] > 0.5
    place = np.cumsum(chosen) - 1
    kept = chosen & (place < count)
    return np.bincount(place[kept], weights=pattern.item_exposure[order][kept], minlength=count)[:count].astype(float)


def feasible_policy(nu: np.ndarray, beta: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """The duals moved into the policy set: ``mu(S)`` in ``[0,1]^n`` with sum at most ``gamma`` for every ``S``."""
    nu, beta = np.clip(nu, 0.0, 1.0), np.clip(beta, 0.0, 1.0)
    nu = np.minimum(nu, 1.0 - (beta.max() if beta.size else 0.0))
    total = nu.sum() + beta.sum()
    if total > gamma:
        nu, beta = nu * (gamma / total), beta * (gamma / total)
    return nu, beta


class _Master:
    """The restricted master LP on HiGHS (minimisation of the negated profit).

    Columns ``[pi, rho_0..rho_{n-1}, sigma_0..sigma_{P-1}, lambda...]``; rows: 0 convexity (= 1); ``1..n`` item
    exposure ``sum lambda e_i - pi - rho_i <= 0``; ``n+1..n+P`` position exposure ``sum lambda g_k - pi - sigma_k <= 0``;
    ``n+P+1``: ``sum sigma - sum rho <= 0``. Its dual is the best policy ``(nu, beta)`` against the columns.
    """

    def __init__(self, data: Knapsack, count: int):
        import highspy

        from optarium.solvers.highs import new_highs

        self.data, self.count = data, count
        n = data.size
        inf = highspy.kHighsInf
        self.h = h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual simplex: the warm start after a change of the allowed columns
        rows = 2 + n + count
        h.addRows(rows, np.concatenate([[1.0], np.full(rows - 1, -inf)]), np.concatenate([[1.0], np.zeros(rows - 1)]),
                  0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        h.addCol(data.gamma, 0.0, inf, n + count, np.arange(1, n + count + 1, dtype=np.int32), np.full(n + count, -1.0))
        last = n + count + 1
        for i in range(n):
            h.addCol(1.0, 0.0, inf, 2, np.array([1 + i, last], dtype=np.int32), np.array([-1.0, -1.0]))
        for k in range(count):
            h.addCol(0.0, 0.0, inf, 2, np.array([n + 1 + k, last], dtype=np.int32), np.array([-1.0, 1.0]))
        self.first = 1 + n + count
        self.chosen = np.zeros((0, n), dtype=bool)
        self.allowed = np.zeros(0, dtype=bool)
        self.known: set[bytes] = set()
        self.lower, self.upper = np.zeros(n, dtype=bool), np.ones(n, dtype=bool)

    def add(self, pattern: Pattern) -> bool:
        """Add a column (from either DP: its place exposure is recomputed for this master's places); False if known."""
        key = np.concatenate([pattern.chosen, pattern.produced, pattern.repaired]).astype(np.int8).tobytes()
        if key in self.known:
            return False
        self.known.add(key)
        n = self.data.size
        position_exposure = place_exposure(self.data, pattern, self.count)
        items = np.flatnonzero(pattern.item_exposure)
        places = np.flatnonzero(position_exposure)
        rows = np.concatenate([[0], 1 + items, n + 1 + places]).astype(np.int32)
        values = np.concatenate([[1.0], pattern.item_exposure[items], position_exposure[places]])
        self.h.addCol(-pattern.value, 0.0, np.inf, len(rows), rows, values)
        self.chosen = np.vstack([self.chosen, pattern.chosen > 0.5])
        self.allowed = np.append(self.allowed, True)
        self._restrict()
        return True

    def bounds(self, node: Node) -> None:
        """Allow only the columns whose chosen set lies within the node's bounds on ``x``."""
        self.lower, self.upper = node.lower > 0.5, node.upper > 0.5
        self._restrict()

    def _restrict(self) -> None:
        allowed = np.all((self.chosen >= self.lower) & (self.chosen <= self.upper), axis=1)
        changed = np.flatnonzero(allowed != self.allowed)
        if changed.size:
            self.h.changeColsBounds(changed.size, (self.first + changed).astype(np.int32), np.zeros(changed.size),
                                    allowed[changed].astype(float))
            self.allowed = allowed

    def solve(self) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
        """(profit, mean chosen set, nu, beta) of the restricted LP, or None when HiGHS did not solve it."""
        self.h.run()
        if self.h.modelStatusToString(self.h.getModelStatus()) != "Optimal":
            self.h.clearSolver()  # a warm start that went wrong (seen once on a loaded machine): solve again from scratch
            self.h.run()
            if self.h.modelStatusToString(self.h.getModelStatus()) != "Optimal":
                return None
        n = self.data.size
        solution = self.h.getSolution()
        duals = np.array(solution.row_dual)
        weights = np.clip(np.array(solution.col_value[self.first:]), 0.0, None)
        x = weights @ self.chosen
        value = -float(self.h.getInfo().objective_function_value)
        return value, x, -duals[1:n + 1], -duals[n + 1:n + 1 + self.count]


@dataclass(frozen=True)
class Node:
    """A node of the search: bounds on ``x``."""

    lower: np.ndarray
    upper: np.ndarray

    def fix(self, item: int, value: float) -> Node:
        lower, upper = self.lower.copy(), self.upper.copy()
        lower[item] = upper[item] = value
        return Node(lower, upper)


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
    """Branch-and-price to a relative gap of :data:`PRUNE`, or until ``time_limit`` seconds.

    A Ctrl-C (on the main thread) ends the search like the time limit, with the status ``interrupted`` and the best
    decision so far (there is always one: the best set without degradation is evaluated first).
    """
    from optarium.interrupts import noting_ctrl_c

    with noting_ctrl_c(again_raises=True) as ctrl_c:  # a second Ctrl-C: at once, nothing kept
        return _branch_and_price(data, time_limit, progress, ctrl_c)


def _branch_and_price(data: Knapsack, time_limit: float | None,
                      progress: Callable[[float, float | None, float | None], None] | None, ctrl_c: CtrlC) -> Outcome:
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    n = data.size
    count = positions(data)
    master = _Master(data, count)
    plain = _Master(data, 0)  # the same columns against one scenario: the paper's bound
    tables = {count: price_tables(data, count), 0: price_tables(data, 0)}
    margin = np.abs(data.outsourcing - data.profit)
    # choosing an item whose profit covers its outsourcing cost never hurts
    root = Node((data.profit >= data.outsourcing).astype(float), np.ones(n))
    incumbent_x: np.ndarray | None = None
    incumbent = -np.inf
    incumbent_scenario = np.zeros(n)  # the worst case of the incumbent (the dual of its evaluation)
    trace: list[dict[str, float | None]] = []
    Policy = tuple[np.ndarray, np.ndarray]
    no_policy: Policy = (np.zeros(n), np.zeros(count))

    def priced(nu: np.ndarray, beta: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, list[Pattern]]:
        return price(data, nu, beta, lower, upper, tables=tables[beta.size])

    def out_of_time() -> bool:
        return ctrl_c.pressed or (deadline is not None and time.perf_counter() >= deadline)

    def converge(lp: _Master, node: Node, cutoff: float, bound: float, policy: Policy,
                 timed: bool) -> tuple[float, float, np.ndarray | None, Policy]:
        """Column generation on ``lp`` (its places: the policy's; none: the paper's bound) from a node's ``bound``.

        Every column priced goes to the tree's masters too. Stops once the bound is below ``cutoff`` or meets the LP.
        """
        value, x = -np.inf, None
        while not (timed and out_of_time()):
            solved = lp.solve()
            if solved is None:
                return -np.inf, bound, None, policy
            value, x, nu, beta = solved
            nu, beta = feasible_policy(nu, beta, data.gamma)
            best, patterns = priced(nu, beta, node.lower, node.upper)
            if best < bound:
                bound, policy = best, (nu, np.zeros(count)) if lp.count == 0 else (nu, beta)
            fresh = lp.add(patterns[0])
            if lp is master or lp is plain:
                share(patterns[0])
            if _within(bound, cutoff) or _within(bound, value) or not fresh:
                break
        return value, bound, x, policy

    def share(pattern: Pattern) -> None:
        master.add(pattern)
        plain.add(pattern)

    def generate(node: Node, cutoff: float, start: Policy) -> tuple[float, float, np.ndarray | None, Policy]:
        """Column generation at a node: (LP value, bound, mean chosen set, policy of the bound).

        The bound is the best column's value against a feasible policy (valid at any iteration), first the policy
        ``start`` (the parent's), which may close the node before any LP; then the paper's bound on the master without
        places and its plain DP (many times cheaper), and only where that leaves the node open, the policy bound.
        Stops early once the bound is below ``cutoff``.
        """
        master.bounds(node)
        plain.bounds(node)
        bound, patterns = priced(*start, node.lower, node.upper)
        share(patterns[0])
        if _within(bound, cutoff):
            return -np.inf, bound, None, start
        _, bound, _, policy = converge(plain, node, cutoff, bound, start, True)
        if _within(bound, cutoff) or out_of_time():
            return -np.inf, bound, None, policy
        return converge(master, node, cutoff, bound, policy, True)

    def evaluate(x: np.ndarray, cutoff: float, start: np.ndarray,
                 timed: bool = True) -> tuple[float, float, np.ndarray]:
        """(value, bound, scenario of the bound) of an integral ``x`` by column generation with ``x`` fixed, exact when
        value and bound meet.

        With one chosen set the places add nothing (any scenario is a policy), so this runs on a master without them
        and its plain DP, many times cheaper; ``start`` is a scenario to begin from (a neighbour's worst case often
        closes at once).
        """
        lp, node = _Master(data, 0), Node(x, x)
        lp.bounds(node)
        bound, patterns = priced(start, np.zeros(0), x, x)
        lp.add(patterns[0])
        if _within(bound, cutoff):
            return -np.inf, bound, start
        value, bound, _, (scenario, _) = converge(lp, node, cutoff, bound, (start, np.zeros(0)), timed)
        return value, bound, scenario

    def consider(x: np.ndarray, start: Policy, timed: bool = True) -> None:
        """Evaluate an integral ``x`` exactly and keep it if better (``timed=False``: even past the time limit)."""
        nonlocal incumbent, incumbent_x, incumbent_scenario
        value, bound, scenario = evaluate(x, -np.inf, start[0], timed)
        if _within(bound, value) and value > incumbent:
            incumbent, incumbent_x, incumbent_scenario = value, x.copy(), scenario

    def dive(node: Node) -> None:
        """A primal heuristic: fix the most decided fractional item (to 1 from 1/2 up, else to 0) until ``x`` is integral."""
        policy = no_policy
        while not out_of_time():
            _, bound, x, policy = generate(node, incumbent, policy)
            if x is None or _within(bound, incumbent):
                return
            fractional = np.flatnonzero(np.abs(x - np.round(x)) > FRACTIONAL)
            if fractional.size == 0:
                consider(np.clip(np.round(x), node.lower, node.upper), policy)
                return
            i = int(fractional[np.argmax(np.abs(x[fractional] - 0.5))])
            node = node.fix(i, 1.0 if x[i] >= 0.5 else 0.0)

    def improve(until: float | None) -> None:
        """A primal heuristic: flip one free item of the incumbent while that makes it better (first improvement)."""
        nonlocal incumbent, incumbent_x, incumbent_scenario
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
                # stops once it cannot beat the incumbent, often at once against the incumbent's worst case
                value, bound, scenario = evaluate(x, incumbent, incumbent_scenario)
                if _within(bound, value) and not _within(value, incumbent):
                    incumbent, incumbent_x, incumbent_scenario, better = value, x, scenario, True
                    break

    tried: set[bytes] = set()
    unsettled = -np.inf  # the bound of a fixed node whose column generation stalled short of it (kept in the proof)
    nodes = 0
    # the best set without degradation: evaluated even past the time limit (cheap), so there is always a decision
    consider(priced(*no_policy, root.lower, root.upper)[1][0].chosen, no_policy, timed=False)
    log.debug("branch-and-price: first decision, worth %.10g (kept at a Ctrl-C)", incumbent)
    dive(root)  # a better first incumbent before the search, so that pruning starts early
    improve(None if time_limit is None else started + IMPROVE_SHARE * time_limit)
    queue: list[tuple[float, int, Node, Policy]] = [(-np.inf, 0, root, no_policy)]
    counter = 1
    proved = True
    while queue:
        if out_of_time():
            proved = False
            break
        parent, _, node, start = heapq.heappop(queue)
        if _within(-parent, incumbent):
            continue
        nodes += 1
        value, bound, x, policy = generate(node, incumbent, start)
        bound = min(bound, -parent)  # a child's bound is never above its parent's
        if _within(bound, incumbent):
            continue
        if x is None or out_of_time():
            heapq.heappush(queue, (-bound, counter, node, policy))
            proved = False
            break
        # the node's columns choose within the rounded-up decision: evaluate it when that may beat the incumbent
        rounded = np.clip(np.ceil(x - FRACTIONAL), node.lower, node.upper)
        estimate = value + float((data.profit - data.outsourcing) @ (rounded - x))
        if rounded.tobytes() not in tried and not _within(estimate, incumbent):
            tried.add(rounded.tobytes())
            consider(rounded, policy)
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
            heapq.heappush(queue, (-bound, counter, child, policy))
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
    if ctrl_c.pressed and status != "optimal":
        status = "interrupted"
    return Outcome(status, incumbent_x, float(incumbent), float(global_bound), nodes, len(master.known), trace)


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
