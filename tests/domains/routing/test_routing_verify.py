"""The independent routing check catches every kind of broken solution."""

from __future__ import annotations

from pathlib import Path

import pytest
import vrplib

from optarium.domains.routing import RoutingInstance, read_instance, verify_routes
from optarium.domains.routing.verify import gap_to_best_known

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


@pytest.fixture
def x101(cvrp: Path) -> tuple[RoutingInstance, list[list[int]]]:
    solution = vrplib.read_solution(str(cvrp / "X-n101-k25.sol"))
    return read_instance(cvrp / "X-n101-k25.vrp"), solution["routes"]


def test_a_dropped_client_is_caught(x101: tuple[RoutingInstance, list[list[int]]]) -> None:
    instance, routes = x101
    dropped = routes[0][0]
    check = verify_routes(instance, [routes[0][1:], *routes[1:]])
    assert not check.verified and check.details["missing"] == [dropped]


def test_a_client_served_twice_is_caught(x101: tuple[RoutingInstance, list[list[int]]]) -> None:
    instance, routes = x101
    check = verify_routes(instance, [[*routes[0], routes[1][0]], *routes[1:]])
    assert not check.verified and check.details["repeated"] == [routes[1][0]]


def test_an_overloaded_route_is_caught(x101: tuple[RoutingInstance, list[list[int]]]) -> None:
    instance, routes = x101
    merged = routes[0] + routes[1]
    load = sum(int(instance.demands[node]) for node in merged)
    assert load > instance.capacity
    check = verify_routes(instance, [merged, *routes[2:]])
    assert not check.verified
    assert check.details["max_load_excess"] == load - instance.capacity == check.max_violation
    assert any("above the capacity" in problem for problem in check.violations)


def test_a_wrong_reported_cost_and_a_foreign_node_are_caught(x101: tuple[RoutingInstance, list[list[int]]]) -> None:
    instance, routes = x101
    wrong = verify_routes(instance, routes, reported_cost=27000)
    assert not wrong.verified and wrong.objective == 27591
    assert wrong.violations == ("reported cost 27000 differs from the recomputed cost 27591",)
    check = verify_routes(instance, [[*routes[0], 101], *routes[1:]])
    assert any("101, which is not a client" in problem for problem in check.violations)


def test_a_late_visit_is_caught_and_an_on_time_route_passes() -> None:
    instance = read_instance(EXAMPLES / "deliveries_tw.csv")
    # c11 (ready 300) before c1 (due 120) makes c1 late
    late = verify_routes(instance, [[11, 1], [2, 3], [4, 5, 6], [7, 8, 9], [10, 12]])
    assert not late.verified and late.details["max_lateness"] > 0
    assert any("node 1" in problem for problem in late.violations)
    on_time = verify_routes(instance, [[1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11], [12]])
    assert on_time.verified, on_time.violations
    assert on_time.objective == on_time.details["cost"] and on_time.details["num_routes"] == 12


def test_gap_is_relative_to_the_best_known_cost() -> None:
    assert gap_to_best_known(110.0, 100.0) == pytest.approx(0.1)
    assert gap_to_best_known(110.0, None) is None
