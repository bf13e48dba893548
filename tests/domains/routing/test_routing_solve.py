"""Solving with PyVRP, recording runs, and the learned warm start."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import vrplib

from optarium.domains.routing import read_instance, solve_routing, verify_routes
from optarium.domains.routing.warmstart import (
    EdgePolicy,
    candidate_edges,
    edge_labels,
    nearest_neighbourhood,
    stored_solutions,
)
from optarium.errors import OptionError
from optarium.store.base import open_store

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def test_cold_solve_is_verified_close_to_best_known_and_recorded(data_dir: Path, store_url: str) -> None:
    instance = read_instance(data_dir / "cvrp" / "X-n101-k25.vrp")
    result = solve_routing(instance, time_limit=1.5, seed=1, store=store_url)
    assert result.verified
    assert result.gap is not None and 0 <= result.gap < 0.1
    assert verify_routes(instance, result.routes).cost == result.cost
    run = open_store(store_url).get_run(result.run_id or -1)
    assert run["kind"] == "routing" and run["verified"] and run["objective"] == result.cost
    assert run["fingerprint"] == instance.fingerprint()
    assert run["extra"]["routes"] == result.routes


def test_same_seed_and_iteration_budget_give_the_same_routes() -> None:
    instance = read_instance(EXAMPLES / "deliveries.csv")
    first = solve_routing(instance, iterations=300, seed=7, record=False)
    second = solve_routing(instance, iterations=300, seed=7, record=False)
    assert first.routes == second.routes and first.iterations == 300


def test_time_windows_are_respected_by_the_solution() -> None:
    instance = read_instance(EXAMPLES / "deliveries_tw.csv")
    result = solve_routing(instance, time_limit=1, seed=0, record=False)
    assert result.verified and result.check.max_lateness == 0


@pytest.mark.parametrize("budget", [{"time_limit": 0}, {"time_limit": -1.0}, {"iterations": 0}])
def test_a_zero_budget_is_an_option_error(budget: dict[str, float]) -> None:
    with pytest.raises(OptionError, match="must be a positive"):
        solve_routing(read_instance(EXAMPLES / "deliveries.csv"), record=False, **budget)  # type: ignore[arg-type]


def _policy_from_best_known(data_dir: Path) -> EdgePolicy:
    """The edge policy trained on the best-known solutions of four shipped X instances."""
    examples = []
    for name in ("X-n101-k25", "X-n106-k14", "X-n110-k13", "X-n120-k6"):
        instance = read_instance(data_dir / "cvrp" / f"{name}.vrp")
        examples.append((instance.compact(), vrplib.read_solution(str(data_dir / "cvrp" / f"{name}.sol"))["routes"]))
    return EdgePolicy.fit(examples)


def test_edge_policy_learned_from_solutions_ranks_unseen_best_known_edges_higher(data_dir: Path) -> None:
    policy = _policy_from_best_known(data_dir)
    assert policy.weights is not None and policy.trained_on == 4
    unseen = read_instance(data_dir / "cvrp" / "X-n115-k10.vrp")
    pairs, features = candidate_edges(unseen.coords, unseen.demands.astype(float), unseen.capacity)
    labels = edge_labels(pairs, vrplib.read_solution(str(data_dir / "cvrp" / "X-n115-k10.sol"))["routes"])
    scores = policy.scores(features)
    # area under the ROC curve of the learned scores on a held-out instance
    positive, negative = scores[labels == 1], scores[labels == 0]
    auc = float((positive[:, None] > negative[None, :]).mean())
    assert auc > 0.8
    routes = policy.construct(unseen, seed=0)
    assert verify_routes(unseen, routes).verified
    starts = policy.constructions(unseen, seed=0, samples=6)
    assert starts[0] == routes and all(verify_routes(unseen, start).verified for start in starts)


def test_learned_neighbourhood_lists_distinct_other_clients_and_keeps_best_known_edges(data_dir: Path) -> None:
    policy = _policy_from_best_known(data_dir)
    unseen = read_instance(data_dir / "cvrp" / "X-n115-k10.vrp")
    granular = policy.neighbourhood(unseen, size=5)
    assert granular is not None and len(granular) == unseen.num_clients
    for client, partners in enumerate(granular, start=1):
        assert len(partners) == 5 == len(set(partners)) and client not in partners
        assert all(1 <= other <= unseen.num_clients for other in partners)
    used = set()
    for route in vrplib.read_solution(str(data_dir / "cvrp" / "X-n115-k10.sol"))["routes"]:
        used.update(itertools.pairwise(route))
    def kept(lists: list[list[int]]) -> int:
        return sum((client, other) in used or (other, client) in used
                   for client, partners in enumerate(lists, start=1) for other in partners)
    # the learned lists hold at least as many best-known edges as the five nearest clients do
    assert kept(granular) >= kept(nearest_neighbourhood(unseen, 5)) > 0.7 * 2 * (unseen.num_clients - 10)
    assert EdgePolicy.untrained().neighbourhood(unseen) is None


def test_warm_start_learns_from_stored_runs_of_other_instances(data_dir: Path, store_url: str) -> None:
    store = open_store(store_url)
    untrained = solve_routing(read_instance(EXAMPLES / "deliveries.csv"), iterations=200, warm_start=True, store=store)
    assert "no stored routing runs" in untrained.message and untrained.verified
    for name in ("X-n101-k25", "X-n106-k14"):
        solve_routing(read_instance(data_dir / "cvrp" / f"{name}.vrp"), time_limit=1, seed=1, store=store)
    target = read_instance(data_dir / "cvrp" / "X-n110-k13.vrp")
    learned = stored_solutions(store, exclude_fingerprint=target.fingerprint())
    assert len(learned) == 3  # the two X instances and the CSV run
    result = solve_routing(target, time_limit=1.5, seed=1, warm_start=True, store=store)
    assert "learned from 3 stored instance(s)" in result.message
    assert "learned neighbourhood of 30" in result.message and "learned starts" in result.message
    assert result.verified and result.warm_start
    assert result.gap is not None and result.gap < 0.1
    assert result.initial_cost is not None and result.cost <= result.initial_cost
    run = store.get_run(result.run_id or -1)
    assert run["params"]["warm_start"] is True
    # the solve of the target itself never trains its own warm start
    assert len(stored_solutions(store, exclude_fingerprint=target.fingerprint())) == 3
    assert np.isfinite(result.cost)


def test_route_target_is_the_fewest_routes_by_demand_plus_the_stored_surplus(data_dir: Path) -> None:
    from optarium.domains.routing.instance import min_routes

    tight = read_instance(data_dir / "cvrp" / "X-n176-k26.vrp")
    assert min_routes(tight.demands, tight.capacity) == 26
    # three of the four best-known solutions use the fewest routes, X-n101-k25 one more
    assert _policy_from_best_known(data_dir).route_target(tight) == 26
    x101 = read_instance(data_dir / "cvrp" / "X-n101-k25.vrp")
    one_more = EdgePolicy.fit([(x101.compact(), vrplib.read_solution(str(data_dir / "cvrp" / "X-n101-k25.sol"))["routes"])])
    assert one_more.route_slack == 1 and one_more.route_target(tight) == 27
    assert EdgePolicy.untrained().route_target(tight) is None
    assert _policy_from_best_known(data_dir).route_target(read_instance(EXAMPLES / "deliveries_tw.csv")) is None


def test_packing_keeps_every_client_once_in_at_most_the_asked_routes(data_dir: Path) -> None:
    from optarium.domains.routing.warmstart import pack_routes

    instance = read_instance(data_dir / "cvrp" / "X-n176-k26.vrp")
    routes = _policy_from_best_known(data_dir).construct(instance, seed=0)
    assert len(routes) > 26
    packed = pack_routes(instance, routes, 26)
    assert len(packed) == 26
    assert sorted(itertools.chain.from_iterable(packed)) == list(range(1, instance.num_clients + 1))
    assert pack_routes(instance, routes, len(routes) + 5) == sorted(routes, key=lambda r: int(instance.demands[r].sum()))


def test_warm_start_searches_with_the_learned_route_count_first(data_dir: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    for name in ("X-n106-k14", "X-n110-k13"):
        solve_routing(read_instance(data_dir / "cvrp" / f"{name}.vrp"), iterations=2000, seed=1, store=store)
    tight = read_instance(data_dir / "cvrp" / "X-n176-k26.vrp")
    result = solve_routing(tight, iterations=3000, seed=1, warm_start=True, store=store, record=False)
    assert "26 routes (learned) for the first 17% of the budget" in result.message
    assert "went on from the learned start" not in result.message
    assert result.verified and result.iterations == 3000
    cold = solve_routing(tight, iterations=3000, seed=1, record=False)
    assert result.cost < cold.cost
