"""Column-and-constraint generation for two-stage robust problems (exact method).

After Zeng & Zhao, "Solving two-stage robust optimization problems using a
column-and-constraint generation method", Operations Research Letters 41 (2013).
The master minimises over ``x`` and a growing scenario set, one recourse copy per
scenario; the adversary (:mod:`optarium.domains.robust.adversary`) finds the
worst scenario for the master's ``x``. Departures from the paper: the adversary
is not the KKT reformulation of a continuous recourse LP but an inner
constraint generation over recourse responses (the nested scheme of Zhao & Zeng
2012 for integer recourse), so integer recourse and uncertain constraint
coefficients are exact, while a continuous recourse variable in a row that
depends on the uncertainty is refused. A scenario without any recourse becomes
a feasibility scenario in the master, as in the paper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optarium.domains.robust.adversary import WorstCase, check_supported, closed, worst_case
from optarium.domains.robust.milp import solve_milp
from optarium.domains.robust.problem import RobustProblem
from optarium.errors import InvalidModelError
from optarium.interrupts import noting_ctrl_c


class RecourseInfeasibleError(InvalidModelError):
    """No first-stage decision has a recourse for every scenario.

    ``scenarios`` are the ones that together leave no decision (one of them when it does so alone);
    ``scenario`` is the first of them.
    """

    def __init__(self, problem: RobustProblem, scenarios: np.ndarray | list[np.ndarray]):
        if isinstance(scenarios, np.ndarray):
            scenarios = [scenarios]
        shown = ", ".join(_scenario_text(problem, scenario) for scenario in scenarios)
        if len(scenarios) == 1:
            text = f"the recourse is infeasible for scenario {shown} whatever the first-stage decision"
        else:
            text = (f"the scenarios {shown} together leave no first-stage decision with a recourse in each "
                    "(every decision fails at least one of them)")
        super().__init__(text, source=problem.source or problem.name)
        self.scenarios = list(scenarios)
        self.scenario = self.scenarios[0]


def _scenario_text(problem: RobustProblem, scenario: np.ndarray) -> str:
    return "(" + ", ".join(f"{name}={value:.10g}" for name, value in zip(problem.uncertainty.names, scenario, strict=True)) + ")"


@dataclass
class CCGResult:
    """The method's answer in the problem's own sense; ``x`` is None when no decision was found in time."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    iterations: int
    scenarios: list[np.ndarray]
    trace: list[dict[str, float | None]] = field(default_factory=list)
    worst: WorstCase | None = None


Progress = Callable[[float, float | None, float | None], None]


def solve_ccg(problem: RobustProblem, *, time_limit: float | None = None, progress: Progress | None = None,
              max_iterations: int = 1000, evaluate: Callable[[np.ndarray, float | None], WorstCase] | None = None,
              master: Callable[..., Any] | None = None) -> CCGResult:
    """Run CCG to a relative gap of 1e-6 or ``time_limit`` seconds.

    ``progress(elapsed, incumbent, bound)`` is called after every iteration, in
    the problem's own sense. ``evaluate(x, seconds)`` replaces the exact
    adversary (the learned method's hook); ``master`` replaces the master solve.
    A Ctrl-C (on the main thread) ends the loop once the master or adversary solve under way returns, with the
    status ``interrupted`` and the best decision so far; with none yet (or at a second Ctrl-C), it is passed on as
    ``KeyboardInterrupt``.
    """
    check_supported(problem)
    started = time.perf_counter()
    deadline = None if time_limit is None else started + time_limit
    s = problem.sign
    from optarium.domains.robust.adversary import _any_point

    scenarios: list[np.ndarray] = [_any_point(problem)]
    lower, upper = -np.inf, np.inf
    incumbent: np.ndarray | None = None
    incumbent_worst: WorstCase | None = None
    trace: list[dict[str, float | None]] = []
    seen: dict[bytes, float] = {}
    status = "time_limit"
    iteration = 0
    with noting_ctrl_c(again_raises=True) as ctrl_c:  # a Ctrl-C ends the loop at its next step; a second at once
        while iteration < max_iterations and not ctrl_c.pressed:
            iteration += 1
            found = (master or master_problem)(problem, scenarios, _left(deadline))
            if found.status == "infeasible":
                if first_stage_infeasible(problem):
                    status = "infeasible"
                    break
                raise RecourseInfeasibleError(problem, _infeasible_core(problem, scenarios, master or master_problem, deadline))
            if found.status == "unbounded":
                status = "unbounded"
                break
            if found.x is None:
                break
            proved = found.bound if found.bound is not None else (found.objective if found.status == "optimal" else None)
            if proved is not None:
                lower = max(lower, proved)
            x = _round(problem, found.x[:problem.first.size])
            key = x.tobytes()
            if key in seen and closed(seen[key], lower):
                _log(progress, trace, started, s, upper, lower)
                status = "optimal" if incumbent is not None else status
                break
            if ctrl_c.pressed:
                break
            worst = evaluate(x, _left(deadline)) if evaluate is not None else worst_case(problem, x, time_limit=_left(deadline))
            if worst.upper < upper:
                upper, incumbent, incumbent_worst = worst.upper, x, worst
            seen[key] = worst.upper
            scenario = worst.infeasible if worst.infeasible is not None else worst.xi
            _log(progress, trace, started, s, upper, lower)
            if closed(upper, lower):
                status = "optimal"
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
            if any(np.array_equal(scenario, old) for old in scenarios):
                if worst.certified:
                    status = "optimal" if closed(upper, lower) else status
                break
            scenarios.append(scenario)
    if ctrl_c.pressed and status not in ("optimal", "infeasible", "unbounded"):
        if incumbent is None:
            raise KeyboardInterrupt  # nothing to keep
        status = "interrupted"
    if incumbent is None:
        return CCGResult(status, None, None, None if not np.isfinite(lower) else s * lower, iteration, scenarios, trace)
    objective = s * upper if np.isfinite(upper) else None
    return CCGResult(status, incumbent, objective, s * lower if np.isfinite(lower) else None, iteration, scenarios,
                     trace, incumbent_worst)


def _infeasible_core(problem: RobustProblem, scenarios: list[np.ndarray], master: Callable[..., Any],
                     deadline: float | None) -> list[np.ndarray]:
    """Scenarios of ``scenarios`` (whose master is infeasible) that still leave no decision together.

    The newest scenario alone, when it leaves none; else a deletion filter: a scenario is dropped
    only when the master without it is proved infeasible, so the answer is always true (and
    minimal when every master solve finished).
    """
    if master(problem, scenarios[-1:], _left(deadline)).status == "infeasible":
        return scenarios[-1:]
    core = list(scenarios)
    for scenario in list(core):
        if len(core) == 1:
            break
        rest = [kept for kept in core if kept is not scenario]
        if master(problem, rest, _left(deadline)).status == "infeasible":
            core = rest
    return core


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.perf_counter()


def _round(problem: RobustProblem, x: np.ndarray) -> np.ndarray:
    x = np.clip(x, problem.first.lower, problem.first.upper)
    x[problem.first.integer] = np.round(x[problem.first.integer])
    return x + 0.0


def _log(progress: Progress | None, trace: list[dict[str, float | None]], started: float, s: float, upper: float, lower: float) -> None:
    elapsed = time.perf_counter() - started
    incumbent = s * upper if np.isfinite(upper) else None
    bound = s * lower if np.isfinite(lower) else None
    trace.append({"seconds": round(elapsed, 4), "incumbent": incumbent, "bound": bound})
    if progress is not None:
        progress(elapsed, incumbent, bound)


def first_stage_infeasible(problem: RobustProblem) -> bool:
    """Whether the rows that hold neither recourse nor uncertainty already exclude every first-stage ``x``.

    Such a problem is infeasible whatever the scenario; CCG reports it so when its master is
    infeasible, and a method with no master (the learned one) asks before it starts.
    """
    rows = [r for r in range(len(problem.b)) if not np.any(problem.Ay[r]) and r not in problem.uncertain_rows]
    if not rows:
        return False
    first = problem.first
    found = solve_milp(np.zeros(first.size), problem.Ax[rows], np.full(len(rows), -np.inf), problem.b[rows],
                       first.lower, first.upper, first.integer)
    return found.status == "infeasible"


def master_problem(problem: RobustProblem, scenarios: list[np.ndarray], time_limit: float | None) -> Any:
    """``min theta`` over ``x``, ``theta`` and one recourse copy per scenario (variables ``[x, theta, y_1, ...]``)."""
    import scipy.sparse as sp

    n1, n2 = problem.first.size, problem.second.size
    s = problem.sign
    blocks_rows, lows, highs = [], [], []
    n = n1 + 1 + n2 * len(scenarios)
    for index, xi in enumerate(scenarios):
        Ax, Ay, rhs = problem.matrices_at(xi)
        cx, cy, const = problem.costs_at(xi)
        offset = n1 + 1 + n2 * index
        constraints = sp.lil_matrix((len(rhs) + 1, n))
        constraints[:len(rhs), :n1] = Ax
        constraints[:len(rhs), offset:offset + n2] = Ay
        # theta >= s * (cx.x + cy.y + const)
        constraints[len(rhs), :n1] = s * cx
        constraints[len(rhs), n1] = -1.0
        constraints[len(rhs), offset:offset + n2] = s * cy
        blocks_rows.append(constraints.tocsr())
        lows.append(np.concatenate([np.full(len(rhs), -np.inf), [-np.inf]]))
        highs.append(np.concatenate([rhs, [-s * const]]))
    A = sp.vstack(blocks_rows).tocsr()
    first, second = problem.first, problem.second
    c = np.zeros(n)
    c[n1] = 1.0
    lo = np.concatenate([first.lower, [-np.inf], np.tile(second.lower, len(scenarios))])
    up = np.concatenate([first.upper, [np.inf], np.tile(second.upper, len(scenarios))])
    integer = np.concatenate([first.integer, [False], np.tile(second.integer, len(scenarios))])
    return solve_milp(c, A, np.concatenate(lows), np.concatenate(highs), lo, up, integer, time_limit=time_limit)
