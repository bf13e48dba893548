"""Solve a robust problem on the one flow: plan, method (exact CCG or learned), exact verification, record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Callable

    from optarium.domains.robust.problem import RobustProblem
    from optarium.solution import Solution
    from optarium.store.base import Store

METHODS = {"exact": "ccg", "learned": "neur2ro"}


def solve_robust(
    problem: RobustProblem, method: str = "exact", *, time_limit: float | None = None, seed: int | None = None,
    progress: Callable[[float, float | None, float | None], None] | None = None,
    store: Store | str | None = None, record: bool = True, reader: str = "", samples: int | None = None,
    timings: dict[str, float] | None = None,
) -> Solution[dict[str, Any]]:
    """Solve ``problem`` with ``method`` (``"exact"`` or ``"learned"``) in ``time_limit`` seconds (default 60).

    The learned method first trains its value network (or loads it from ``store``,
    where a trained network and its data are kept as artifacts); that time is
    ``timings["plan"]``, outside ``time_limit``; ``samples`` is how many
    (decision, scenario) pairs it is trained on (default 400); ``timings`` of
    earlier stages (``read``) are kept with the run.
    The payload is ``{"x": first-stage values, "claimed": the method's value}``;
    ``objective`` is the worst case of ``x`` recomputed by the verifier (in the
    problem's own sense), ``bound`` the method's proved bound (exact method).
    ``status`` is ``optimal`` only when the bounds met and verification passed.

    Bad input raises ``InvalidModelError`` before anything is trained or
    stored: a scenario that leaves every first-stage decision without a
    recourse (``RecourseInfeasibleError``; the kind's input check, at most 5 s
    or a tenth of ``time_limit``, kept as ``timings["check"]``) and, for the
    learned method, first-stage rows that admit no decision.
    """
    from optarium.domains.robust.settings import RobustSettings
    from optarium.flow import solve_problem

    if method not in METHODS:
        raise OptionError("method", method, f"one of {', '.join(METHODS)}")
    settings = RobustSettings(method=method).replace(time_limit=time_limit, seed=seed, samples=samples, progress=progress)
    planner = None
    if method == "learned":
        from optarium.domains.robust.learned import LearnedPlanner

        _check_learnable(problem)
        planner = (LearnedPlanner(seed=settings.seed) if settings.samples is None
                   else LearnedPlanner(samples=settings.samples, seed=settings.seed))
    # the exact method is the kind's own plan (branch-and-price for the robust knapsack, else CCG), with its reason
    solution: Solution[dict[str, Any]] = solve_problem(
        problem, solver="auto", planner=planner, options=settings, store=store, record=record, source=problem.source,
        reader=reader, timings=timings)
    return solution


def _check_learnable(problem: RobustProblem) -> None:
    """Refuse, before anything is trained or stored, a problem whose first-stage rows admit no decision."""
    from optarium.domains.robust.ccg import first_stage_infeasible
    from optarium.errors import InvalidModelError

    if first_stage_infeasible(problem):  # the network would have no decision to learn from
        raise InvalidModelError("no first-stage decision satisfies the rows without recourse or uncertainty, so the "
                                "learned method has nothing to learn from; the exact method reports such a problem "
                                "infeasible", source=problem.source or problem.name)


def robust_summary(problem: RobustProblem, solution: Solution[dict[str, Any]]) -> dict[str, Any]:
    """The documented ``optarium robust --json`` schema: ``Solution.summary()`` plus the decision and worst scenario."""
    details = {} if solution.verification is None else solution.verification.details
    x = (solution.payload or {}).get("x")
    return {
        **solution.summary(), "name": problem.name, "sense": problem.sense,
        "x": None if x is None else dict(zip(problem.first.names, x, strict=True)),
        "worst_scenario": None if details.get("worst_scenario") is None else dict(
            zip(problem.uncertainty.names, details["worst_scenario"], strict=True)),
        "method_objective": solution.extra.get("method_objective"), "iterations": solution.extra.get("iterations"),
    }
