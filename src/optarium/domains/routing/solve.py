"""Solve a routing instance on the one flow: plan (cold or learned warm start), PyVRP, verify, record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optarium.domains.routing.instance import RoutingInstance
    from optarium.domains.routing.settings import RouteSettings, WarmStartOptions
    from optarium.solution import Solution
    from optarium.store.base import Store

Routes = list[list[int]]


def solve_routing(
    instance: RoutingInstance,
    settings: RouteSettings | None = None,
    *,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int | None = None,
    warm_start: bool | None = None,
    warm: WarmStartOptions | None = None,
    store: Store | str | None = None,
    record: bool = True,
) -> Solution[Routes]:
    """Solve ``instance`` with ``settings`` (keyword values given here override them).

    The payload is the routes (client node ids 1..n, depot left out); the
    status is ``feasible`` for a verified answer, ``error`` for one that fails
    the check (the routes are kept), ``time_limit`` when no feasible solution
    was found, ``interrupted`` for the best routes when Ctrl-C stopped the search
    (before any, ``KeyboardInterrupt`` is raised). ``extra`` holds ``best_known``, ``gap_to_best_known``,
    ``initial_cost``, ``iterations``, ``seed``, ``warm_start`` and the cost
    ``trace`` (seconds, cost). With ``record`` the run is written to ``store``
    so later warm starts learn from it. The warm start's policy is learned (or
    loaded) before the budget starts; ``timings["plan"]`` says how long it took.
    """
    from optarium.domains.routing.kind import reader_name, routing_extra
    from optarium.domains.routing.planner import RoutingPlanner
    from optarium.domains.routing.settings import RouteSettings
    from optarium.flow import solve_problem

    chosen = (settings or RouteSettings()).replace(
        time_limit=time_limit, iterations=iterations, seed=seed, warm_start=warm_start, warm=warm)
    planner = RoutingPlanner(chosen.warm_start, chosen.warm.candidates)
    solution: Solution[Routes] = solve_problem(
        instance, options=chosen, store=store, record=record, planner=planner, source=instance.source,
        reader=reader_name(instance))
    solution.extra.update(routing_extra(instance, solution))
    return solution


def route_summary(instance: RoutingInstance, solution: Solution[Routes]) -> dict[str, Any]:
    """The documented ``optarium route --json`` schema: ``Solution.summary()`` plus the routing fields."""
    routes = solution.payload or []
    extra = solution.extra
    return {
        **solution.summary(), "name": instance.name, "routes": routes, "num_routes": len(routes),
        "best_known": instance.best_known, "gap_to_best_known": extra.get("gap_to_best_known"),
        "initial_cost": extra.get("initial_cost"), "iterations": extra.get("iterations"),
        "seed": extra.get("seed"), "warm_start": extra.get("warm_start"),
    }
