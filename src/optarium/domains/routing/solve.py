"""Solve a routing instance with PyVRP under a time or iteration budget, cold or warm-started.

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
the better of that result and the learned start. The answer is always checked
by :mod:`optarium.domains.routing.verify`.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError, SolveFailedError

if TYPE_CHECKING:
    from pyvrp import ProblemData

    from optarium.domains.routing.instance import RoutingInstance
    from optarium.domains.routing.verify import RouteCheck
    from optarium.store.base import Store

DEFAULT_TIME_LIMIT = 10.0
FLEET_SHARE = 1 / 6
INFEASIBLE_COST = 2**62


@dataclass
class RoutingResult:
    """One solve: routes (client node ids, depot left out), checked cost and gap, timings."""

    name: str
    routes: list[list[int]]
    cost: float
    check: RouteCheck
    best_known: float | None
    gap: float | None
    seconds: float
    seed: int
    warm_start: bool
    iterations: int
    initial_cost: float | None
    trace: list[tuple[float, float]] = field(default_factory=list)
    solver_version: str = ""
    message: str = ""
    run_id: int | None = None

    @property
    def verified(self) -> bool:
        return self.check.verified

    def time_to_reach(self, cost: float) -> float | None:
        """Seconds from the start until the best cost was at most ``cost``, or None if never."""
        for seconds, value in self.trace:
            if value <= cost:
                return seconds
        return None

    def summary(self) -> dict[str, Any]:
        """The documented ``optarium route --json`` schema (see docs/routing.md)."""
        return {
            "name": self.name,
            "cost": self.cost,
            "best_known": self.best_known,
            "gap": self.gap,
            "verified": self.verified,
            "problems": self.check.problems,
            "num_routes": len(self.routes),
            "routes": self.routes,
            "seconds": round(self.seconds, 6),
            "iterations": self.iterations,
            "seed": self.seed,
            "warm_start": self.warm_start,
            "initial_cost": self.initial_cost,
            "solver": "pyvrp",
            "solver_version": self.solver_version,
            "message": self.message,
            "run_id": self.run_id,
        }


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


def solve_routing(
    instance: RoutingInstance,
    *,
    time_limit: float | None = None,
    iterations: int | None = None,
    seed: int = 0,
    warm_start: bool = False,
    store: Store | str | None = None,
    record: bool = True,
    warm_options: dict[str, Any] | None = None,
) -> RoutingResult:
    """Solve ``instance``; the budget is ``time_limit`` seconds (default 10 when no
    ``iterations`` are given) and/or ``iterations`` search iterations, whichever ends first.

    ``warm_start`` builds the initial solution with the edge-scoring policy learned
    from verified runs of other instances in the store. With ``record`` the run is
    written to the store (``kind="routing"``) so later warm starts learn from it.
    ``warm_options`` (for experiments) overrides ``neighbourhood`` (bool: use the learned
    granular neighbourhood), ``nearest`` (bool: the nearest clients instead, a control),
    ``neighbours`` (its size), ``starts`` (learned starts tried),
    ``candidates`` (nearest neighbours per client the edge policy scores) and
    ``fleet_share`` (the share of the budget searched with the learned route count; 0 turns it off).
    """
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

    from optarium.domains.routing.verify import gap_to_best_known, verify_routes
    from optarium.store.base import open_store

    warm_options = warm_options or {}
    if time_limit is not None and not time_limit > 0:
        raise OptionError("--time-limit", time_limit, "a positive number of seconds")
    if iterations is not None and iterations <= 0:
        raise OptionError("--iterations", iterations, "a positive integer")
    if seed < 0:
        raise OptionError("--seed", seed, "a non-negative integer")
    if time_limit is None and iterations is None:
        time_limit = DEFAULT_TIME_LIMIT
    store_handle = None if store is None else open_store(store)

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
            LEARNED_NEIGHBOURS,
            NEIGHBOURS,
            STARTS,
            EdgePolicy,
            nearest_neighbourhood,
            pack_routes,
        )

        if store_handle is None:
            store_handle = open_store()
        policy = EdgePolicy.from_store(store_handle, exclude_fingerprint=instance.fingerprint(),
                                       candidates=int(warm_options.get("candidates", NEIGHBOURS)))
        message = policy.description
        size = int(warm_options.get("neighbours", LEARNED_NEIGHBOURS))
        if warm_options.get("nearest"):
            search.neighbours = _activity_neighbours(nearest_neighbourhood(instance, size))
            message += f"; nearest-{size} neighbourhood"
        elif warm_options.get("neighbourhood", True) and instance.num_clients > 1:
            granular = policy.neighbourhood(instance, size=size)
            if granular is not None:
                search.neighbours = _activity_neighbours(granular)
                message += f"; learned neighbourhood of {size}"
        starts = [routes for routes in policy.constructions(instance, seed=seed)
                  if instance.num_vehicles is None or len(routes) <= instance.num_vehicles]
        starts = starts[: int(warm_options.get("starts", STARTS))]
        if not starts:
            message += "; the construction needed too many vehicles, started from a random solution"
        for routes in starts:
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
        return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)

    class _Trace(IteratedLocalSearchCallbacks):
        def on_best(self, best: Solution) -> None:
            if best.is_feasible():
                trace.append((time.perf_counter() - started, float(best.distance())))

    done = 0
    share = float(warm_options.get("fleet_share", FLEET_SHARE)) if warm_start else 0.0
    target = policy.route_target(instance) if warm_start and share > 0 else None
    if target is not None and target < initial.num_routes():
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
    if not best.is_feasible():
        raise SolveFailedError(f"PyVRP found no feasible solution for {instance.name} in the budget"
                               f" (load excess {sum(best.excess_load())}, time warp {best.time_warp()})")
    routes = _node_routes(best)
    cost = float(best.distance())
    check = verify_routes(instance, routes, reported_cost=cost)
    result = RoutingResult(
        name=instance.name, routes=routes, cost=float(check.cost), check=check,
        best_known=instance.best_known, gap=gap_to_best_known(check.cost, instance.best_known),
        seconds=seconds, seed=seed, warm_start=warm_start, iterations=done + outcome.num_iterations,
        initial_cost=initial_cost, trace=trace, solver_version=_pyvrp_version(), message=message,
    )
    if record:
        result.run_id = record_routing_run(store_handle or open_store(), instance, result,
                                           {"time_limit": time_limit, "iterations": iterations, "seed": seed,
                                            "warm_start": warm_start})
    return result


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


def record_routing_run(store: Store, instance: RoutingInstance, result: RoutingResult, params: dict[str, Any]) -> int:
    """Write one routing run (routes and the instance data the warm start learns from) to the store."""
    return store.record_run(
        fingerprint=instance.fingerprint(), kind="routing", name=instance.name, features=instance.features(),
        source=instance.source, solver="pyvrp", solver_version=result.solver_version, params=params,
        plan_reason="PyVRP iterated local search, " + ("warm start (learned edge policy)" if result.warm_start else "cold start"),
        result={
            "status": "feasible" if result.verified else "error", "objective": result.cost, "gap": result.gap,
            "verified": result.verified, "max_violation": result.check.max_violation,
            "verification": result.check.to_dict(), "seconds": result.seconds,
            "timings": {"total": result.seconds}, "message": result.message,
        },
        values=None,
        extra={"routes": result.routes, "instance": instance.compact(), "best_known": result.best_known,
               "initial_cost": result.initial_cost, "iterations": result.iterations},
    )


def _pyvrp_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pyvrp")
    except PackageNotFoundError:
        return ""
