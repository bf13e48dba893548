"""The routing kind (CVRP, VRPTW): readers, the PyVRP backend, verifier, planner, record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium import kinds
from optarium.domains.routing.instance import RoutingInstance

if TYPE_CHECKING:
    from pathlib import Path

    from optarium.domains.routing.planner import RoutingPlanner
    from optarium.solution import Solution, Verification

KIND = "routing"
# a run keeps the cost trace up to this many points (a long search finds more improvements)
MAX_TRACE = 200


def _read(path: Path) -> RoutingInstance:
    from optarium.domains.routing.instance import read_instance

    return read_instance(path)


def _pyvrp() -> kinds.Backend:
    from optarium.domains.routing.backend import PyVRP

    return PyVRP()


def _verify(instance: RoutingInstance, routes: Any, reported_cost: float | None) -> Verification:
    from optarium.domains.routing.verify import verify_routes

    return verify_routes(instance, routes, reported_cost)


def _planner() -> RoutingPlanner:
    from optarium.domains.routing.planner import RoutingPlanner

    return RoutingPlanner()


def reader_name(instance: RoutingInstance) -> str:
    """The name of the reader that produced ``instance`` (empty when built in Python)."""
    if not instance.source:
        return ""
    return "csv" if instance.source.lower().endswith(".csv") else "vrplib"


def routing_extra(instance: RoutingInstance, solution: Solution[Any]) -> dict[str, Any]:
    """The routing fields of a solution: best-known cost and the (verified) gap to it."""
    from optarium.domains.routing.verify import gap_to_best_known

    cost = None if solution.verification is None else solution.verification.objective
    gap = None if cost is None or not solution.verified else gap_to_best_known(cost, instance.best_known)
    return {"best_known": instance.best_known, "gap_to_best_known": gap}


def _record(instance: RoutingInstance, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    """What the warm start learns from: the routes and the instance's data (no binary values)."""
    trace = solution.extra.get("trace") or []
    return None, {
        **routing_extra(instance, solution), "routes": solution.payload, "instance": instance.compact(),
        "trace": trace if len(trace) <= MAX_TRACE else None,
    }


SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=RoutingInstance,
    backend=kinds.lookup({"pyvrp": _pyvrp}, KIND),
    verify=_verify,
    planner=_planner,
    readers=(kinds.Reader("vrplib", (".vrp",), _read), kinds.Reader("csv", (".csv",), _read)),
    record=_record,
))
