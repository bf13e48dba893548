"""Value-function cuts for an integer (or mixed) follower, iterated on SCIP to bilevel optimality.

In the style of MibS (DeNegre & Ralphs, "A branch-and-cut algorithm for
integer bilevel linear programs", Operations Research and Cyber-Infrastructure,
2009; Tahernejad, Ralphs & DeNegre, Math. Prog. Comp. 12, 2020): solve the
high-point relaxation (leader and follower rows, no optimality), solve the
follower's problem at its leader decision, and cut off the relaxation's point
when its follower answer is not optimal. Like MibS we require the leader
variables that appear in follower rows (the linking variables) to be integer.
Departures: instead of cuts inside one branch-and-cut tree, the master MILP is
solved again after each round (an outer loop, simpler and slower on large
instances); the cut is the value-function bound of a known follower response
ŷ, "if ŷ is feasible for the follower at x then the follower's value is at
most its value at ŷ", written with SCIP indicator constraints: one binary per
follower row that ŷ's feasibility depends on (that row violated by ŷ at x) and
one binary that, at 0, imposes the bound. With integer row coefficients on the
linking variables, "violated" is exact (the row's activity is an integer);
otherwise it is "violated by at least 1e-6".
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.bilevel.kkt import add_variables, new_model
from optarium.kinds import RawResult

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.bilevel.problem import BilevelProblem
    from optarium.domains.bilevel.settings import BilevelSettings
    from optarium.plan import Plan

TOLERANCE = 1e-6
STRICT = 1e-6  # how far a row with fractional coefficients must be violated to count


def applicable(problem: BilevelProblem) -> str | None:
    """Why the method cannot take ``problem`` (None when it can): every linking leader variable must be integer."""
    continuous = np.flatnonzero(problem.linking & ~problem.x_integer)
    if continuous.size:
        return (f"leader variable {problem.x_names[int(continuous[0])]!r} appears in a follower row but is continuous; "
                "value-function cuts need the linking leader variables to be integer")
    return None


def _add_rows(model: Any, variables: list[Any], matrix: NDArray[np.float64], lower: NDArray[np.float64],
              upper: NDArray[np.float64]) -> None:
    from pyscipopt import quicksum

    for i in range(matrix.shape[0]):
        nonzero = np.flatnonzero(matrix[i])
        expr = quicksum(float(matrix[i, j]) * variables[j] for j in nonzero)
        if lower[i] == upper[i]:
            model.addCons(expr == float(upper[i]))
            continue
        if np.isfinite(lower[i]):
            model.addCons(expr >= float(lower[i]))
        if np.isfinite(upper[i]):
            model.addCons(expr <= float(upper[i]))


def follower_response(problem: BilevelProblem, x: NDArray[np.float64], time_limit: float | None,
                      *, leader_best: float | None = None) -> tuple[str, NDArray[np.float64] | None]:
    """The follower's optimal response at ``x`` on SCIP; with ``leader_best`` (the follower's optimal
    value) the optimistic one instead: best for the leader among the follower's optimal responses
    that satisfy the leader's rows. Returns (SCIP status, y or None); y is None after a Ctrl-C
    (status ``userinterrupt``), and a Ctrl-C before SCIP found a point is a ``KeyboardInterrupt``."""
    from pyscipopt import quicksum

    from optarium.solvers.scip import optimize

    model = new_model(time_limit)
    y = add_variables(model, problem.y_lower, problem.y_upper, problem.y_integer, "y")
    shift = problem.A_x @ x
    _add_rows(model, y, problem.A_y, problem.a_lower - shift, problem.a_upper - shift)
    follower = quicksum(float(problem.dy[k]) * y[k] for k in np.flatnonzero(problem.dy))
    sense = "minimize" if problem.follower_sense == "min" else "maximize"
    if leader_best is None:
        model.setObjective(follower, sense)
    else:
        value = leader_best - float(problem.dx @ x) - problem.d0
        slack = TOLERANCE * max(1.0, abs(leader_best))
        model.addCons(follower <= value + slack) if sense == "minimize" else model.addCons(follower >= value - slack)
        lead = problem.G_x @ x
        _add_rows(model, y, problem.G_y, problem.g_lower - lead, problem.g_upper - lead)
        model.setObjective(quicksum(float(problem.cy[k]) * y[k] for k in np.flatnonzero(problem.cy)),
                           "minimize" if problem.leader_sense == "min" else "maximize")
    status, _ = optimize(model)
    if model.getNSols() == 0 or status not in ("optimal", "gaplimit"):
        return status, None
    solution = model.getBestSol()
    return status, np.array([model.getSolVal(solution, var) for var in y], dtype=np.float64)


class ValueFunction:
    """Value-function cuts iterated on SCIP (see the module docstring); integer or continuous follower.

    ``options`` are :class:`~optarium.domains.bilevel.settings.BilevelSettings`.
    The payload is ``{"x": [...], "y": [...]}``; the bound is the last master's
    bound; ``extra`` holds the number of rounds and of follower responses used in cuts. After a
    Ctrl-C the status is ``interrupted`` with the best bilevel-feasible point found; before any
    the ``KeyboardInterrupt`` is passed on.
    """

    name = "valuefunction"

    def version(self) -> str:
        from optarium.domains.bilevel.kkt import scip_version

        return scip_version()

    def solve(self, problem: BilevelProblem, options: BilevelSettings | None, plan: Plan) -> RawResult:
        from optarium.domains.bilevel.kkt import follower_inequalities
        from optarium.domains.bilevel.settings import BilevelSettings

        settings = options if options is not None else BilevelSettings()
        started = time.perf_counter()
        B_x, B_y, b, E_x, E_y, e = follower_inequalities(problem)
        # equations count as two inequalities for "is this response still feasible at x"
        rows_x = np.vstack([B_x, E_x, -E_x])
        rows_y = np.vstack([B_y, E_y, -E_y])
        rhs = np.concatenate([b, e, -e])
        depends = np.flatnonzero(np.any(rows_x != 0, axis=1))
        lead = 1.0 if problem.leader_sense == "min" else -1.0
        follow = 1.0 if problem.follower_sense == "min" else -1.0
        responses: list[NDArray[np.float64]] = []
        incumbent: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None = None
        lower_bound: float | None = None
        boxed = False
        rounds = 0
        status = "time_limit"
        message = ""

        def left() -> float | None:
            return None if settings.time_limit is None else settings.time_limit - (time.perf_counter() - started)

        # a Ctrl-C, caught by SCIP or by Python between SCIP runs, ends the rounds: the incumbent is kept
        try:
            while rounds < settings.max_rounds:
                remaining = left()
                if remaining is not None and remaining <= 0:
                    break
                rounds += 1
                master_status, point, master_bound = self._master(problem, responses, rows_x, rows_y, rhs, depends,
                                                                  remaining, settings.box if boxed else None)
                if master_status in ("unbounded", "inforunbd") and not boxed:
                    boxed = True
                    message = (f"the high-point relaxation is unbounded; the leader variables were boxed to "
                               f"±{settings.box:g}, so the answer is the best within that box")
                    continue
                if master_bound is not None:
                    lower_bound = master_bound if lower_bound is None else max(lower_bound, master_bound)
                if master_status == "userinterrupt":
                    raise KeyboardInterrupt
                if point is None:
                    if master_status == "infeasible":
                        status = "optimal" if incumbent is not None else "infeasible"
                    else:
                        status = "time_limit" if master_status in ("timelimit", "gaplimit") else "error"
                        if status == "error":
                            message = f"SCIP ended the master with status {master_status}"
                    break
                x, y = point
                answer_status, best_y = follower_response(problem, x, left())
                if answer_status == "userinterrupt":
                    raise KeyboardInterrupt
                if best_y is None:
                    status = "time_limit" if answer_status == "timelimit" else "error"
                    if status == "error":
                        message = f"SCIP ended the follower's problem with status {answer_status}"
                    break
                best = problem.follower_value(x, best_y)
                value = problem.follower_value(x, y)
                candidate: tuple[float, NDArray[np.float64], NDArray[np.float64]] | None
                if follow * (value - best) <= TOLERANCE * max(1.0, abs(best)):
                    candidate = (lead * problem.leader_value(x, y), x, y)
                else:
                    responses.append(best_y)
                    optimistic_status, optimistic = follower_response(problem, x, left(), leader_best=best)
                    if optimistic_status == "userinterrupt":
                        raise KeyboardInterrupt
                    candidate = None if optimistic is None else (lead * problem.leader_value(x, optimistic), x, optimistic)
                if candidate is not None and (incumbent is None or candidate[0] < incumbent[0]):
                    incumbent = candidate
                if incumbent is not None and lower_bound is not None and master_status == "optimal" and (
                        incumbent[0] <= lower_bound + TOLERANCE * max(1.0, abs(lower_bound))):
                    status = "optimal"
                    break
            else:
                message = f"stopped after max_rounds={settings.max_rounds} rounds"
                status = "feasible"
        except KeyboardInterrupt:
            if incumbent is None:  # no bilevel-feasible point to keep
                raise
            status = "interrupted"
        seconds = time.perf_counter() - started
        extra = {"rounds": rounds, "responses": len(responses)}
        if status == "optimal" and boxed:
            status = "feasible"
        if incumbent is None:
            # a round limit reached before any bilevel-feasible point is reported like a time limit
            limited = "time_limit" if status == "feasible" else status
            return RawResult(limited if limited in ("infeasible", "time_limit") else "error", seconds=seconds,
                             solver_status=status, message=message, extra=extra,
                             bound=None if lower_bound is None else lead * lower_bound)
        _, x, y = incumbent
        objective = problem.leader_value(x, y)
        bound = None if lower_bound is None else lead * min(lower_bound, lead * objective)
        if status not in ("optimal", "time_limit", "feasible", "interrupted"):
            status = "feasible" if status != "error" else "error"
        return RawResult(status, objective=objective, bound=bound, payload={"x": x.tolist(), "y": y.tolist()},
                         solver_status=status, seconds=seconds, message=message, extra=extra)

    @staticmethod
    def _master(problem: BilevelProblem, responses: list[NDArray[np.float64]], rows_x: NDArray[np.float64],
                rows_y: NDArray[np.float64], rhs: NDArray[np.float64], depends: NDArray[np.intp],
                time_limit: float | None, box: float | None) -> tuple[str, tuple[NDArray[np.float64], NDArray[np.float64]] | None, float | None]:
        """The high-point relaxation with one value-function cut per known response (minimisation form bound).

        After a Ctrl-C the status is ``userinterrupt`` with no point (SCIP's bound kept); before SCIP
        found one it is a ``KeyboardInterrupt``.
        """
        from pyscipopt import quicksum

        from optarium.solvers.scip import optimize

        model = new_model(time_limit)
        x_lower, x_upper = problem.x_lower, problem.x_upper
        if box is not None:
            x_lower, x_upper = np.maximum(x_lower, -box), np.minimum(x_upper, box)
        x = add_variables(model, x_lower, x_upper, problem.x_integer, "x")
        y = add_variables(model, problem.y_lower, problem.y_upper, problem.y_integer, "y")
        both = x + y
        _add_rows(model, both, np.hstack([problem.G_x, problem.G_y]), problem.g_lower, problem.g_upper)
        _add_rows(model, both, np.hstack([problem.A_x, problem.A_y]), problem.a_lower, problem.a_upper)
        follow = 1.0 if problem.follower_sense == "min" else -1.0
        follower = quicksum(follow * float(problem.dy[k]) * y[k] for k in np.flatnonzero(problem.dy))
        for number, response in enumerate(responses):
            value = follow * float(problem.dy @ response)
            if not depends.size:
                model.addCons(follower <= value)
                continue
            keep = model.addVar(name=f"w{number}", vtype="B")
            broken = []
            for i in depends:
                threshold = float(rhs[i] - rows_y[i] @ response)
                coefs = rows_x[i]
                exact = np.all(coefs[problem.x_integer] == np.round(coefs[problem.x_integer]))
                step = np.floor(threshold + 1e-9) + 1.0 if exact else threshold + STRICT
                v = model.addVar(name=f"v{number}_{i}", vtype="B")
                expr = quicksum(float(coefs[j]) * x[j] for j in np.flatnonzero(coefs))
                model.addConsIndicator(-expr <= -step, binvar=v)  # v = 1: the response is infeasible at x
                broken.append(v)
            model.addCons(keep <= quicksum(broken))
            model.addConsIndicator(follower <= value, binvar=keep, activeone=False)
        lead = "minimize" if problem.leader_sense == "min" else "maximize"
        model.setObjective(quicksum(float(problem.cx[j]) * x[j] for j in np.flatnonzero(problem.cx))
                           + quicksum(float(problem.cy[k]) * y[k] for k in np.flatnonzero(problem.cy)), lead)
        status, _ = optimize(model)
        sign = 1.0 if problem.leader_sense == "min" else -1.0
        bound = model.getDualbound() if status in ("optimal", "timelimit", "gaplimit", "userinterrupt") else None
        offset = problem.c0
        bound_min = None if bound is None or not np.isfinite(bound) else sign * (float(bound) + offset)
        if model.getNSols() == 0 or status not in ("optimal", "timelimit", "gaplimit"):
            return status, None, bound_min
        solution = model.getBestSol()
        xs = np.array([model.getSolVal(solution, var) for var in x], dtype=np.float64)
        ys = np.array([model.getSolVal(solution, var) for var in y], dtype=np.float64)
        xs = np.where(problem.x_integer, np.round(xs), xs)
        ys = np.where(problem.y_integer, np.round(ys), ys)
        return status, (xs, ys), bound_min
