"""Independent check of a routing solution from the instance data alone (no solver imported).

Every client must be served exactly once, every route's load must fit the
capacity, the fleet size must hold, and with time windows each visit must
start by its due time (waiting when early) and each route return to the depot
by the depot's due time. The cost is recomputed edge by edge with the
instance's rounding convention.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from optarium.solution import Verification

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.domains.routing.instance import RoutingInstance


def verify_routes(
    instance: RoutingInstance, routes: Sequence[Sequence[int]], reported_cost: float | None = None
) -> Verification:
    """Check ``routes`` (lists of client node ids 1..n, depot left out) against ``instance``.

    ``objective`` is the recomputed cost; ``violations`` says what is wrong in
    words (a reported cost that differs from the recomputed one is wrong too);
    ``details`` holds ``cost``, ``num_routes``, ``missing`` and ``repeated``
    clients, ``max_load_excess`` and ``max_lateness``. ``max_violation`` is the
    largest load excess, lateness, or count of missing or repeated clients.
    """
    problems: list[str] = []
    n = instance.num_clients
    seen = [0] * (n + 1)
    cost = 0
    max_load_excess = 0
    max_lateness = 0
    used = [list(route) for route in routes if len(route) > 0]
    for number, route in enumerate(used, start=1):
        bad = [node for node in route if not isinstance(node, int) or not 1 <= node <= n]
        if bad:
            problems.append(f"route {number} visits {bad[0]!r}, which is not a client (1..{n})")
            continue
        for node in route:
            seen[node] += 1
        load = sum(int(instance.demands[node]) for node in route)
        if load > instance.capacity:
            max_load_excess = max(max_load_excess, load - instance.capacity)
            problems.append(f"route {number} carries {load}, above the capacity {instance.capacity}")
        path = [0, *route, 0]
        cost += sum(instance.distance(a, b) for a, b in itertools.pairwise(path))
        if instance.has_time_windows:
            lateness, where = _lateness(instance, path)
            if lateness > 0:
                max_lateness = max(max_lateness, lateness)
                problems.append(f"route {number} reaches node {where} {lateness} time units after its due time")
    missing = [node for node in range(1, n + 1) if seen[node] == 0]
    repeated = [node for node in range(1, n + 1) if seen[node] > 1]
    if missing:
        problems.append(f"{len(missing)} client(s) not served, first {missing[0]}")
    if repeated:
        problems.append(f"{len(repeated)} client(s) served more than once, first {repeated[0]}")
    if instance.num_vehicles is not None and len(used) > instance.num_vehicles:
        problems.append(f"{len(used)} routes but only {instance.num_vehicles} vehicles")
    if reported_cost is not None and abs(reported_cost - cost) > 1e-6 * max(1.0, abs(cost)):
        problems.append(f"reported cost {reported_cost} differs from the recomputed cost {cost}")
    details = {
        "cost": cost, "num_routes": len(used), "missing": missing, "repeated": repeated,
        "max_load_excess": max_load_excess, "max_lateness": max_lateness,
    }
    max_violation = float(max(max_load_excess, max_lateness, len(missing), len(repeated)))
    return Verification(verified=not problems, objective=float(cost), max_violation=max_violation,
                        violations=tuple(problems), details=details)


def _lateness(instance: RoutingInstance, path: list[int]) -> tuple[int, int]:
    """Largest lateness along ``path`` (depot to depot) and the node where it happens."""
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    time = int(instance.ready[0])
    worst, where = 0, 0
    for previous, node in itertools.pairwise(path):
        time += int(instance.service[previous]) + instance.distance(previous, node)
        time = max(time, int(instance.ready[node]))
        late = time - int(instance.due[node])
        if late > worst:
            worst, where = late, node
    return worst, where


def gap_to_best_known(cost: float, best_known: float | None) -> float | None:
    """Relative gap (cost - best) / best, or None without a best-known cost."""
    if best_known is None or best_known <= 0:
        return None
    return (cost - best_known) / best_known
