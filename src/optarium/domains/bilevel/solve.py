"""Solve a bilevel problem on the one flow: plan (KKT or value-function cuts), solve, verify, record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optarium.domains.bilevel.problem import BilevelProblem
    from optarium.domains.bilevel.settings import BilevelSettings
    from optarium.solution import Solution
    from optarium.store.base import Store

def solve_bilevel(
    problem: BilevelProblem,
    settings: BilevelSettings | None = None,
    *,
    method: str | None = None,
    time_limit: float | None = None,
    store: Store | str | None = None,
    record: bool = True,
    cross_check: bool = False,
    timings: dict[str, float] | None = None,
) -> Solution[dict[str, list[float]]]:
    """Solve ``problem`` with ``settings`` (keyword values given here override them) and check the
    answer's bilevel feasibility independently.

    ``method`` is ``auto`` (KKT for a continuous follower, value-function cuts
    for an integer one), ``kkt`` or ``valuefunction``; see
    :class:`~optarium.domains.bilevel.settings.BilevelSettings`.

    The payload is ``{"x": [...], "y": [...]}`` (leader and follower values in
    the problem's variable order). The status is ``optimal`` only for a
    verified answer the method proved optimal; ``objective`` is the leader's
    objective, ``bound`` the method's bound on it. With ``record`` the run is
    written to ``store``, with the ``timings`` of earlier stages (``read``).
    """
    from optarium.domains.bilevel.settings import BilevelSettings
    from optarium.flow import solve_problem

    chosen = (settings or BilevelSettings()).replace(method=method, time_limit=time_limit)
    reader = ""
    if problem.source:
        reader = "mibs" if problem.source.lower().endswith((".aux", ".mps")) else "bilevel-json"
    solution: Solution[dict[str, list[float]]] = solve_problem(
        problem, solver=chosen.method, options=chosen, store=store, record=record, source=problem.source, reader=reader,
        cross_check=cross_check, timings=timings)
    return solution


def bilevel_summary(problem: BilevelProblem, solution: Solution[Any]) -> dict[str, Any]:
    """The documented ``optarium bilevel --json`` schema: ``Solution.summary()`` plus the bilevel fields."""
    payload = solution.payload or {}
    details = {} if solution.verification is None else solution.verification.details
    x, y = payload.get("x"), payload.get("y")
    return {
        **solution.summary(), "name": problem.name,
        "x": None if x is None else dict(zip(problem.x_names, x, strict=True)),
        "y": None if y is None else dict(zip(problem.y_names, y, strict=True)),
        "follower_objective": details.get("follower_objective"),
        "follower_optimum": details.get("follower_optimum"),
        "rounds": solution.extra.get("rounds"),
    }
