"""Routing is a registered kind: read by suffix, solved and recorded by the one flow."""

from __future__ import annotations

from pathlib import Path

from optarium import kinds
from optarium.domains.routing import RouteSettings, RoutingInstance, read_instance
from optarium.domains.routing.kind import MAX_TRACE
from optarium.flow import solve_problem
from optarium.store.base import open_store

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def test_routing_instances_are_a_registered_kind_read_by_suffix() -> None:
    vrp, reader = kinds.read(EXAMPLES / "X-n101-k25.vrp")
    assert isinstance(vrp, RoutingInstance) and reader.name == "vrplib" and vrp.best_known == 27591
    csv, reader = kinds.read(EXAMPLES / "deliveries_tw.csv")
    assert isinstance(csv, RoutingInstance) and reader.name == "csv" and csv.has_time_windows
    assert isinstance(vrp, kinds.Kind) and kinds.of(vrp).name == "routing" == vrp.kind
    assert vrp.fingerprint() == read_instance(EXAMPLES / "X-n101-k25.vrp").fingerprint()


def test_the_flow_solves_a_routing_instance_with_the_default_cold_plan(tmp_path: Path) -> None:
    instance = read_instance(EXAMPLES / "deliveries.csv")
    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    solution = solve_problem(instance, options=RouteSettings(iterations=200), store=store)
    assert solution.status == "feasible" and solution.verified and solution.solver == "pyvrp"
    assert solution.plan is not None and solution.plan.params == {"warm_start": False}
    run = store.get_run(solution.run_id or -1)
    assert run["kind"] == "routing" and run["extra"]["routes"] == solution.payload
    trace = solution.extra["trace"]
    assert run["extra"]["trace"] == ([list(point) for point in trace] if len(trace) <= MAX_TRACE else None)
