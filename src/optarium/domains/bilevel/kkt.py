"""The KKT method for a continuous linear follower: one MILP on SCIP with SOS1 complementarity.

After Fortuny-Amat & McCarl, "A representation and economic interpretation of
a two-level programming problem" (J. Oper. Res. Soc. 32, 1981): the follower's
LP is replaced by primal feasibility, dual feasibility, stationarity and
complementarity. Departures: each complementarity pair (multiplier, slack) is
an SOS1 constraint on SCIP rather than a big-M pair, so no bound is guessed;
SCIP's answer is then polished by an LP (HiGHS) over the same system with its
complementarity pattern fixed, which returns a vertex with clean values and,
when that LP is unbounded, proves the bilevel problem unbounded. When SCIP
reports infeasible or unbounded, the model is solved again with unbounded
leader variables boxed to ``BilevelSettings.box`` to tell the two apart.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.kinds import RawResult

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.bilevel.problem import BilevelProblem
    from optarium.domains.bilevel.settings import BilevelSettings
    from optarium.plan import Plan

INF = np.inf


@dataclass(frozen=True)
class KKTSystem:
    """The single-level system over ``z = [x, y, lam, mu]`` (sizes n_x, n_y, p, q).

    ``rows`` (r, len(z)) with ``row_lower``/``row_upper``; variable bounds
    ``lower``/``upper``; ``integer`` flags; ``cost`` the leader's objective in
    minimisation form; ``pairs[k] = (lam index in z, row index)``: the multiplier
    and the follower inequality row (``<=`` form, slack = row_upper - row) that
    are complementary.
    """

    rows: NDArray[np.float64]
    row_lower: NDArray[np.float64]
    row_upper: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    integer: NDArray[np.bool_]
    cost: NDArray[np.float64]
    pairs: list[tuple[int, int]]
    n_x: int
    n_y: int


def follower_inequalities(problem: BilevelProblem) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                                                            NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The follower's constraints, bounds included, as ``B_x x + B_y y <= b`` and ``E_x x + E_y y = e``."""
    n_x, n_y = problem.n_x, problem.n_y
    ineq: list[tuple[Any, Any, float]] = []
    eq: list[tuple[Any, Any, float]] = []
    for i in range(len(problem.a_lower)):
        lo, hi = problem.a_lower[i], problem.a_upper[i]
        ax, ay = problem.A_x[i], problem.A_y[i]
        if lo == hi:
            eq.append((ax, ay, hi))
            continue
        if np.isfinite(hi):
            ineq.append((ax, ay, hi))
        if np.isfinite(lo):
            ineq.append((-ax, -ay, -lo))
    for k in range(n_y):
        lo, hi = problem.y_lower[k], problem.y_upper[k]
        unit = np.zeros(n_y)
        unit[k] = 1.0
        if lo == hi:
            eq.append((np.zeros(n_x), unit, hi))
            continue
        if np.isfinite(hi):
            ineq.append((np.zeros(n_x), unit, hi))
        if np.isfinite(lo):
            ineq.append((np.zeros(n_x), -unit, -lo))

    def stack(items: list[tuple[Any, Any, float]]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        if not items:
            return np.zeros((0, n_x)), np.zeros((0, n_y)), np.zeros(0)
        return (np.array([a for a, _, _ in items], dtype=np.float64).reshape(len(items), n_x),
                np.array([b for _, b, _ in items], dtype=np.float64).reshape(len(items), n_y),
                np.array([c for _, _, c in items], dtype=np.float64))

    return (*stack(ineq), *stack(eq))


def kkt_system(problem: BilevelProblem) -> KKTSystem:
    """The KKT single-level system of ``problem`` (continuous follower)."""
    n_x, n_y = problem.n_x, problem.n_y
    B_x, B_y, b, E_x, E_y, e = follower_inequalities(problem)
    p, q = len(b), len(e)
    size = n_x + n_y + p + q
    blocks: list[NDArray[np.float64]] = []
    lows: list[NDArray[np.float64]] = []
    highs: list[NDArray[np.float64]] = []

    def add(matrix: NDArray[np.float64], low: NDArray[np.float64], high: NDArray[np.float64]) -> None:
        blocks.append(matrix.reshape(-1, size))
        lows.append(low)
        highs.append(high)

    m = len(problem.g_lower)
    add(np.hstack([problem.G_x, problem.G_y, np.zeros((m, p + q))]), problem.g_lower, problem.g_upper)
    first_ineq = sum(block.shape[0] for block in blocks)
    add(np.hstack([B_x, B_y, np.zeros((p, p + q))]), np.full(p, -INF), b)
    add(np.hstack([E_x, E_y, np.zeros((q, p + q))]), e, e)
    sign = 1.0 if problem.follower_sense == "min" else -1.0
    # stationarity of the follower's Lagrangian: sign*dy + B_y' lam + E_y' mu = 0
    add(np.hstack([np.zeros((n_y, n_x + n_y)), B_y.T, E_y.T]), -sign * problem.dy, -sign * problem.dy)
    lead = 1.0 if problem.leader_sense == "min" else -1.0
    return KKTSystem(
        rows=np.vstack(blocks), row_lower=np.concatenate(lows), row_upper=np.concatenate(highs),
        lower=np.concatenate([problem.x_lower, problem.y_lower, np.zeros(p), np.full(q, -INF)]),
        upper=np.concatenate([problem.x_upper, problem.y_upper, np.full(p + q, INF)]),
        integer=np.concatenate([problem.x_integer, np.zeros(n_y + p + q, dtype=bool)]),
        cost=lead * np.concatenate([problem.cx, problem.cy, np.zeros(p + q)]),
        pairs=[(n_x + n_y + k, first_ineq + k) for k in range(p)], n_x=n_x, n_y=n_y,
    )


def scip_version() -> str:
    from optarium.solvers.scip import version

    try:
        return f"scip {version()}"
    except ImportError:  # pragma: no cover - SCIP missing
        return "scip"


def new_model(time_limit: float | None) -> Any:
    """A quiet SCIP model, stopped after ``time_limit`` seconds when one is given (run it with
    :func:`optarium.solvers.scip.optimize`)."""
    from pyscipopt import Model

    model = Model()
    model.hideOutput()
    if time_limit is not None:
        model.setParam("limits/time", max(time_limit, 0.01))
    return model


def add_variables(model: Any, lower: NDArray[np.float64], upper: NDArray[np.float64], integer: NDArray[np.bool_],
                  prefix: str) -> list[Any]:
    """Variables ``prefix0, prefix1, ...`` on ``model`` with these bounds (infinite: none) and integrality."""
    return [model.addVar(name=f"{prefix}{j}", vtype="I" if integer[j] else "C",
                         lb=None if not np.isfinite(lower[j]) else float(lower[j]),
                         ub=None if not np.isfinite(upper[j]) else float(upper[j])) for j in range(len(lower))]


def solve_sos1(system: KKTSystem, time_limit: float | None, box: float | None = None) -> tuple[str, NDArray[np.float64] | None, float | None]:
    """Solve the system on SCIP with one SOS1 constraint per complementarity pair.

    Returns (SCIP status, best z or None, dual bound in minimisation form).
    ``box`` bounds the unbounded leader variables to ``[-box, box]``. A Ctrl-C before SCIP
    found a point is passed on as ``KeyboardInterrupt``; after one, the status is ``userinterrupt``.
    """
    from pyscipopt import quicksum

    from optarium.solvers.scip import optimize

    model = new_model(time_limit)
    lower, upper = system.lower.copy(), system.upper.copy()
    if box is not None:
        lower[: system.n_x] = np.maximum(lower[: system.n_x], -box)
        upper[: system.n_x] = np.minimum(upper[: system.n_x], box)
    z = add_variables(model, lower, upper, system.integer, "z")
    slack_of = {row: k for k, (_, row) in enumerate(system.pairs)}
    slacks = [model.addVar(name=f"s{k}", lb=0.0, ub=None) for k in range(len(system.pairs))]
    for i, row in enumerate(system.rows):
        nonzero = np.flatnonzero(row)
        expr = quicksum(float(row[j]) * z[j] for j in nonzero)
        low, high = system.row_lower[i], system.row_upper[i]
        if i in slack_of:  # row + slack == upper, slack >= 0
            model.addCons(expr + slacks[slack_of[i]] == float(high))
            continue
        if low == high:
            model.addCons(expr == float(high))
        else:
            if np.isfinite(low):
                model.addCons(expr >= float(low))
            if np.isfinite(high):
                model.addCons(expr <= float(high))
    for k, (lam, _) in enumerate(system.pairs):
        model.addConsSOS1([z[lam], slacks[k]])
    model.setObjective(quicksum(float(system.cost[j]) * z[j] for j in np.flatnonzero(system.cost)), "minimize")
    status, _ = optimize(model)
    best = None
    if model.getNSols() > 0:
        solution = model.getBestSol()
        best = np.array([model.getSolVal(solution, var) for var in z], dtype=np.float64)
    bound = model.getDualbound() if status in ("optimal", "timelimit", "gaplimit", "userinterrupt") else None
    return status, best, (None if bound is None or not np.isfinite(bound) else float(bound))


def polish(system: KKTSystem, z: NDArray[np.float64]) -> tuple[str, NDArray[np.float64] | None]:
    """Re-solve the system as an LP (a MILP with integer leader variables) with the complementarity
    pattern of ``z`` fixed, on HiGHS: status ``optimal`` (with the new z), ``unbounded`` or ``failed``."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    lower, upper = system.lower.copy(), system.upper.copy()
    row_lower = system.row_lower.copy()
    for lam, row in system.pairs:
        slack = system.row_upper[row] - system.rows[row] @ z
        if z[lam] <= slack:
            upper[lam] = 0.0
        else:
            row_lower[row] = system.row_upper[row]
    result = milp(system.cost, constraints=[LinearConstraint(system.rows, row_lower, system.row_upper)],
                  integrality=system.integer.astype(int), bounds=Bounds(lower, upper))
    if result.status == 0 and result.x is not None:
        return "optimal", np.asarray(result.x, dtype=np.float64)
    if result.status == 3:
        return "unbounded", None
    return "failed", None


class KKT:
    """The KKT reformulation on SCIP with SOS1 complementarity (continuous follower only).

    ``options`` are :class:`~optarium.domains.bilevel.settings.BilevelSettings`.
    The payload is ``{"x": [...], "y": [...]}``; the bound is SCIP's dual bound. After a
    Ctrl-C the status is ``interrupted`` with SCIP's best point; before any point the
    ``KeyboardInterrupt`` is passed on.
    """

    name = "kkt"

    def version(self) -> str:
        return scip_version()

    def solve(self, problem: BilevelProblem, options: BilevelSettings | None, plan: Plan) -> RawResult:
        from optarium.domains.bilevel.settings import BilevelSettings

        settings = options if options is not None else BilevelSettings()
        started = time.perf_counter()
        system = kkt_system(problem)
        lead = 1.0 if problem.leader_sense == "min" else -1.0
        status, z, bound = solve_sos1(system, settings.time_limit)
        note = ""
        if status in ("infeasible", "unbounded", "inforunbd"):  # SCIP's point on an unbounded ray is no answer
            left = None if settings.time_limit is None else settings.time_limit - (time.perf_counter() - started)
            status_boxed, z_boxed, _ = solve_sos1(system, left, box=settings.box)
            if z_boxed is None:
                seconds = time.perf_counter() - started
                outcome = "infeasible" if status_boxed == "infeasible" else ("time_limit" if status_boxed == "timelimit" else "error")
                if status != "infeasible" and outcome == "infeasible":
                    note = f"SCIP said {status}; with the leader variables boxed to ±{settings.box:g} it is infeasible"
                return RawResult(outcome, solver_status=f"{status}; boxed: {status_boxed}", seconds=seconds, message=note)
            z, note = z_boxed, f"SCIP said {status}, but a bilevel-feasible point exists with the leader variables boxed to ±{settings.box:g}"
            status, bound = ("userinterrupt" if status_boxed == "userinterrupt" else "boxed"), None
        if z is None:
            seconds = time.perf_counter() - started
            return RawResult("time_limit" if status == "timelimit" else "error", solver_status=status, seconds=seconds,
                             message="" if status == "timelimit" else f"SCIP ended with status {status} and no solution")
        polished_status, polished = polish(system, z)
        if polished_status == "unbounded":
            return RawResult("unbounded", solver_status=status, seconds=time.perf_counter() - started,
                             message="the leader's objective improves without end on a face of bilevel-feasible points "
                                     "(the KKT system with SCIP's complementarity pattern fixed is an unbounded LP)")
        before = float(system.cost @ z)
        if polished is not None and float(system.cost @ polished) <= before + 1e-9 * max(1.0, abs(before)):
            z = polished
        x, y = z[: problem.n_x], z[problem.n_x: problem.n_x + problem.n_y]
        x = np.where(problem.x_integer, np.round(x), x)
        objective = problem.leader_value(x, y)
        raw_status = {"optimal": "optimal", "timelimit": "time_limit", "boxed": "feasible",
                      "userinterrupt": "interrupted"}.get(status, "feasible")
        if bound is not None:
            bound = lead * bound
            # a polished vertex may beat SCIP's bound by its tolerances; the bound never passes the answer
            bound = min(bound, objective) if lead > 0 else max(bound, objective)
        return RawResult(raw_status, objective=objective, bound=bound, payload={"x": x.tolist(), "y": y.tolist()},
                         solver_status=status, seconds=time.perf_counter() - started, message=note)
