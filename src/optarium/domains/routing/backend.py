"""The PyVRP backend of the routing kind: solve under a time or iteration budget, cold or warm-started.

PyVRP 0.14 replaced its hybrid genetic search with an iterated local search
(late-acceptance hill climbing over the same local-search operators); we
drive that loop ourselves, exactly as ``pyvrp.solve`` does, so that the
initial solution (random + local search when cold; when warm, the best of
several learned constructions after local search, with the learned granular
neighbourhood) and the time spent building it count against the budget.
A warm start without time windows first searches with the learned route count
as a hard fleet limit (the best learned start packed into that many routes)
for a sixth of the budget, giving up after a quarter of that time when no
feasible solution has that few routes, then searches with the whole fleet from
the better of that result and the learned start. Ctrl-C (SIGINT on the main
thread) ends the search through its stopping criterion, as PyVRP's
``StoppingCriterion`` protocol allows, so the best solution so far is kept.
The flow checks the answer with :mod:`optarium.domains.routing.verify`; the
backend never touches the store (the plan brings the learned policy).
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

from optarium.kinds import RawResult

if TYPE_CHECKING:
    from pyvrp import ProblemData

    from optarium.domains.routing.instance import RoutingInstance
    from optarium.domains.routing.settings import RouteSettings
    from optarium.interrupts import CtrlC
    from optarium.plan import Plan

INFEASIBLE_COST = 2**62


def to_problem_data(instance: RoutingInstance, num_vehicles: int | None = None) -> ProblemData:
    """PyVRP's data for ``instance``; client node i becomes PyVRP client i-1. ``num_vehicles``
    overrides the instance's fleet (none given: as many vehicles as clients)."""
    import numpy as np
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    n = instance.num_clients
    big = int(np.iinfo(np.int64).max // 4)
    ready, due, service = instance.ready, instance.due, instance.service
    locations = [Location(x=float(x), y=float(y)) for x, y in instance.coords]
    depot = Depot(location=0, tw_early=int(ready[0]) if ready is not None else 0,
                  tw_late=int(due[0]) if due is not None else big,
                  service_duration=int(service[0]) if service is not None else 0)
    clients = [
        Client(
            location=i, delivery=[int(instance.demands[i])],
            service_duration=int(service[i]) if service is not None else 0,
            tw_early=int(ready[i]) if ready is not None else 0,
            tw_late=int(due[i]) if due is not None else big,
        )
        for i in range(1, n + 1)
    ]
    vehicles = VehicleType(
        num_available=num_vehicles or instance.num_vehicles or n, capacity=[instance.capacity],
        tw_early=depot.tw_early, tw_late=depot.tw_late,
    )
    matrix: Any = np.ascontiguousarray(instance.distances, dtype=np.int64)
    return ProblemData(locations=locations, clients=clients, depots=[depot], vehicle_types=[vehicles],
                       distance_matrices=[matrix], duration_matrices=[matrix])


class PyVRP:
    """PyVRP's iterated local search as a routing backend.

    ``options`` are :class:`~optarium.domains.routing.settings.RouteSettings`
    (None: the defaults); ``plan.params["warm_start"]`` turns the learned warm
    start on and ``plan.params["edge_policy"]`` brings the policy
    (:meth:`EdgePolicy.to_dict`). The payload is the routes, client node ids
    1..n without the depot; with no feasible solution in the budget the status
    is ``time_limit`` and there is no payload. A Ctrl-C ends the search with the
    status ``interrupted`` and the best feasible routes so far; before any were
    found it is passed on as ``KeyboardInterrupt``.
    """

    name = "pyvrp"

    def version(self) -> str:
        return _pyvrp_version()

    def solve(self, instance: RoutingInstance, options: RouteSettings | None, plan: Plan) -> RawResult:
        from optarium.interrupts import noting_ctrl_c

        with noting_ctrl_c() as ctrl_c:  # not raised in the middle of PyVRP's loop, where the best would be lost
            return self._search(instance, options, plan, ctrl_c)

    def _search(self, instance: RoutingInstance, options: RouteSettings | None, plan: Plan, ctrl_c: CtrlC) -> RawResult:
        from pyvrp import RandomNumberGenerator, Solution
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.IteratedLocalSearch import (
            IteratedLocalSearch,
            IteratedLocalSearchCallbacks,
            IteratedLocalSearchParams,
        )
        from pyvrp.PenaltyManager import PenaltyManager
        from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
        from pyvrp.solve import SolveParams
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        from optarium.domains.routing.settings import RouteSettings

        settings = options if options is not None else RouteSettings()
        time_limit, iterations, seed = settings.budget_seconds, settings.iterations, settings.seed
        warm_start = bool(plan.params.get("warm_start", False))
        warm = settings.warm

        started = time.perf_counter()
        data = to_problem_data(instance)
        params = SolveParams()
        rng = RandomNumberGenerator(seed=seed)

        def search_parts(data: ProblemData, neighbours: Any = None) -> tuple[LocalSearch, PenaltyManager]:
            search = LocalSearch(data, rng, compute_neighbours(data, params.neighbourhood), PerturbationManager(params.perturbation))
            if neighbours is not None:
                search.neighbours = neighbours
            for operator in params.operators:
                if operator.supports(data):
                    search.add_operator(operator(data))
            return search, PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)

        search, penalties = search_parts(data)

        message = ""
        initial = None
        if warm_start:
            from optarium.domains.routing.warmstart import (
                EdgePolicy,
                nearest_neighbourhood,
                pack_routes,
            )

            stored = plan.params.get("edge_policy")
            policy = (EdgePolicy.from_dict(stored) if isinstance(stored, dict)
                      else EdgePolicy.untrained("the plan brings no learned policy", warm.candidates))
            message = policy.description
            size = warm.neighbours
            if warm.nearest:
                search.neighbours = _activity_neighbours(nearest_neighbourhood(instance, size))
                message += f"; nearest-{size} neighbourhood"
            elif warm.neighbourhood and instance.num_clients > 1:
                granular = policy.neighbourhood(instance, size=size)
                if granular is not None:
                    search.neighbours = _activity_neighbours(granular)
                    message += f"; learned neighbourhood of {size}"
            starts = [routes for routes in policy.constructions(instance, seed=seed)
                      if instance.num_vehicles is None or len(routes) <= instance.num_vehicles]
            starts = starts[: warm.starts]
            if not starts:
                message += "; the construction needed too many vehicles, started from a random solution"
            for routes in starts:
                if ctrl_c.pressed and initial is not None:
                    break
                candidate = search(_pyvrp_solution(data, routes),
                                   penalties.max_cost_evaluator(), exhaustive=True)
                if initial is None or _start_key(candidate) < _start_key(initial):
                    initial = candidate
            if len(starts) > 1:
                message += f"; best of {len(starts)} learned starts"
        if initial is None:
            initial = search(Solution.make_random(data, rng), penalties.max_cost_evaluator(), exhaustive=True)
        trace: list[tuple[float, float]] = []
        initial_cost = float(initial.distance()) if initial.is_feasible() else None
        if initial_cost is not None:
            trace.append((time.perf_counter() - started, initial_cost))

        def stop_after(share: float, done: int = 0) -> Any:
            criteria: list[Any] = []
            if time_limit is not None:
                criteria.append(MaxRuntime(max(0.0, share * (time_limit - (time.perf_counter() - started)))))
            if iterations is not None:
                criteria.append(MaxIterations(max(1, round(share * (iterations - done)))))
            return _UnlessCtrlC(criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria), ctrl_c)

        class _Trace(IteratedLocalSearchCallbacks):
            def on_best(self, best: Solution) -> None:
                if best.is_feasible():
                    trace.append((time.perf_counter() - started, float(best.distance())))
                    if settings.progress is not None:
                        from optarium.solvers.base import Progress

                        settings.progress(Progress(trace[-1][0], trace[-1][1], None, None))

        done = 0
        share = warm.fleet_share if warm_start else 0.0
        target = policy.route_target(instance) if warm_start and share > 0 else None
        if target is not None and target < initial.num_routes() and not ctrl_c.pressed:
            # first part of the budget: the route count the stored solutions suggest, as a hard fleet limit,
            # from the best learned start packed into that many routes; then the whole fleet from its best
            fleet = to_problem_data(instance, num_vehicles=target)
            fleet_search, fleet_penalties = search_parts(fleet, search.neighbours)
            packed = pack_routes(instance, _node_routes(initial), target)
            start = fleet_search(_pyvrp_solution(fleet, packed),
                                 fleet_penalties.max_cost_evaluator(), exhaustive=True)
            with warnings.catch_warnings():  # too few routes is a possible outcome here, handled below
                warnings.simplefilter("ignore", PenaltyBoundWarning)
                first = IteratedLocalSearch(fleet, fleet_penalties, fleet_search, start, IteratedLocalSearchParams(callbacks=_Trace())
                                            ).run(_GiveUpUnlessFeasible(stop_after(share), stop_after(share / 4)), collect_stats=False)
            done = first.num_iterations
            message += f"; {target} routes (learned) for the first {100 * share:.0f}% of the budget"
            if first.best.is_feasible() and (not initial.is_feasible() or first.best.distance() < initial.distance()):
                initial = _pyvrp_solution(data, _node_routes(first.best))
            else:
                message += " (no better solution with that many routes; went on from the learned start)"
        algorithm = IteratedLocalSearch(data, penalties, search, initial, IteratedLocalSearchParams(callbacks=_Trace()))
        outcome = algorithm.run(stop_after(1.0, done), collect_stats=False)
        seconds = time.perf_counter() - started
        best = outcome.best
        extra = {"best_known": instance.best_known, "initial_cost": initial_cost,
                 "iterations": done + outcome.num_iterations, "seed": seed, "warm_start": warm_start, "trace": trace}
        if ctrl_c.pressed:
            if not best.is_feasible():
                raise KeyboardInterrupt  # nothing to keep
            return RawResult("interrupted", objective=float(best.distance()), payload=_node_routes(best),
                             solver_status="interrupted", seconds=seconds, message=message, extra=extra)
        if not best.is_feasible():
            why = (f"PyVRP found no feasible solution for {instance.name} in the budget"
                   f" (load excess {sum(best.excess_load())}, time warp {best.time_warp()})")
            return RawResult("time_limit", solver_status="no feasible solution", seconds=seconds,
                             message="; ".join(m for m in (message, why) if m), extra=extra)
        return RawResult("feasible", objective=float(best.distance()), payload=_node_routes(best),
                         solver_status="feasible", seconds=seconds, message=message, extra=extra)


class _UnlessCtrlC:
    """A stopping criterion: ``stop``, or at once after a Ctrl-C."""

    def __init__(self, stop: Any, ctrl_c: CtrlC):
        self.stop, self.ctrl_c = stop, ctrl_c

    def __call__(self, best_cost: float) -> bool:
        return self.ctrl_c.pressed or bool(self.stop(best_cost))


class _GiveUpUnlessFeasible:
    """A stopping criterion: ``stop``, or ``patience`` when no feasible solution has been found by then."""

    def __init__(self, stop: Any, patience: Any):
        self.stop, self.patience, self.feasible = stop, patience, False

    def __call__(self, best_cost: float) -> bool:
        # PyVRP's cost of an infeasible solution is the largest integer it has
        self.feasible = self.feasible or best_cost < INFEASIBLE_COST
        return bool(self.stop(best_cost)) or (not self.feasible and bool(self.patience(best_cost)))


def _node_routes(solution: Any) -> list[list[int]]:
    """A PyVRP solution's routes as client node ids (1..n), the depot left out."""
    return [[activity.idx + 1 for activity in route if activity.is_client()] for route in solution.routes()]


def _pyvrp_solution(data: ProblemData, routes: list[list[int]]) -> Any:
    """The PyVRP solution visiting ``routes`` (client node ids 1..n; PyVRP client i-1)."""
    from pyvrp import Solution

    return Solution(data, [[node - 1 for node in route] for route in routes])


def _start_key(solution: Any) -> tuple[bool, float]:
    """Feasible before infeasible, then shorter: how the best learned start is picked."""
    return (not solution.is_feasible(), float(solution.distance()))


def _activity_neighbours(granular: list[list[int]]) -> dict[Any, list[Any]]:
    """PyVRP's neighbourhood mapping from per-client lists of client node ids (client i at index i-1)."""
    from pyvrp import Activity, ActivityType

    return {Activity(ActivityType.CLIENT, i): [Activity(ActivityType.CLIENT, j - 1) for j in partners]
            for i, partners in enumerate(granular)}


def _pyvrp_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyvrp")
    except PackageNotFoundError:
        return ""
