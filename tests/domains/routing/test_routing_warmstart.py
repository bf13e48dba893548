"""The learned edge policy: trained on stored solutions, it ranks edges, builds starts, sets a route count."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import vrplib

from optarium.domains.routing import read_instance, verify_routes
from optarium.domains.routing.warmstart import (
    EdgePolicy,
    candidate_edges,
    edge_labels,
    nearest_neighbourhood,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def _policy_from_best_known(cvrp: Path) -> EdgePolicy:
    """The edge policy trained on the best-known solutions of four shipped X instances."""
    examples = []
    for name in ("X-n101-k25", "X-n106-k14", "X-n110-k13", "X-n120-k6"):
        instance = read_instance(cvrp / f"{name}.vrp")
        examples.append((instance.compact(), vrplib.read_solution(str(cvrp / f"{name}.sol"))["routes"]))
    return EdgePolicy.fit(examples)


def test_edge_policy_learned_from_solutions_ranks_unseen_best_known_edges_higher(cvrp: Path) -> None:
    policy = _policy_from_best_known(cvrp)
    assert policy.weights is not None and policy.trained_on == 4
    unseen = read_instance(cvrp / "X-n115-k10.vrp")
    pairs, features = candidate_edges(unseen.coords, unseen.demands.astype(float), unseen.capacity)
    labels = edge_labels(pairs, vrplib.read_solution(str(cvrp / "X-n115-k10.sol"))["routes"])
    scores = policy.scores(features)
    # area under the ROC curve of the learned scores on a held-out instance
    positive, negative = scores[labels == 1], scores[labels == 0]
    auc = float((positive[:, None] > negative[None, :]).mean())
    assert auc > 0.8
    routes = policy.construct(unseen, seed=0)
    assert verify_routes(unseen, routes).verified
    starts = policy.constructions(unseen, seed=0, samples=6)
    assert starts[0] == routes and all(verify_routes(unseen, start).verified for start in starts)


def test_a_policy_read_back_from_its_json_gives_the_same_scores_and_starts(cvrp: Path) -> None:
    policy = _policy_from_best_known(cvrp)
    again = EdgePolicy.from_dict(json.loads(json.dumps(policy.to_dict())))
    unseen = read_instance(cvrp / "X-n115-k10.vrp")
    _, features = candidate_edges(unseen.coords, unseen.demands.astype(float), unseen.capacity)
    assert (again.scores(features) == policy.scores(features)).all()
    assert again.constructions(unseen, seed=3) == policy.constructions(unseen, seed=3)
    assert again.route_slack == policy.route_slack and again.description == policy.description
    untrained = EdgePolicy.untrained()
    assert EdgePolicy.from_dict(untrained.to_dict()) == untrained


def test_learned_neighbourhood_lists_distinct_other_clients_and_keeps_best_known_edges(cvrp: Path) -> None:
    policy = _policy_from_best_known(cvrp)
    unseen = read_instance(cvrp / "X-n115-k10.vrp")
    granular = policy.neighbourhood(unseen, size=5)
    assert granular is not None and len(granular) == unseen.num_clients
    for client, partners in enumerate(granular, start=1):
        assert len(partners) == 5 == len(set(partners)) and client not in partners
        assert all(1 <= other <= unseen.num_clients for other in partners)
    used = set()
    for route in vrplib.read_solution(str(cvrp / "X-n115-k10.sol"))["routes"]:
        used.update(itertools.pairwise(route))
    def kept(lists: list[list[int]]) -> int:
        return sum((client, other) in used or (other, client) in used
                   for client, partners in enumerate(lists, start=1) for other in partners)
    # the learned lists hold at least as many best-known edges as the five nearest clients do
    assert kept(granular) >= kept(nearest_neighbourhood(unseen, 5)) > 0.7 * 2 * (unseen.num_clients - 10)
    assert EdgePolicy.untrained().neighbourhood(unseen) is None


def test_route_target_is_the_fewest_routes_by_demand_plus_the_stored_surplus(cvrp: Path) -> None:
    from optarium.domains.routing.instance import min_routes

    tight = read_instance(cvrp / "X-n176-k26.vrp")
    assert min_routes(tight.demands, tight.capacity) == 26
    # three of the four best-known solutions use the fewest routes, X-n101-k25 one more
    assert _policy_from_best_known(cvrp).route_target(tight) == 26
    x101 = read_instance(cvrp / "X-n101-k25.vrp")
    one_more = EdgePolicy.fit([(x101.compact(), vrplib.read_solution(str(cvrp / "X-n101-k25.sol"))["routes"])])
    assert one_more.route_slack == 1 and one_more.route_target(tight) == 27
    assert EdgePolicy.untrained().route_target(tight) is None
    assert _policy_from_best_known(cvrp).route_target(read_instance(EXAMPLES / "deliveries_tw.csv")) is None


def test_packing_keeps_every_client_once_in_at_most_the_asked_routes(cvrp: Path) -> None:
    from optarium.domains.routing.warmstart import pack_routes

    instance = read_instance(cvrp / "X-n176-k26.vrp")
    routes = _policy_from_best_known(cvrp).construct(instance, seed=0)
    assert len(routes) > 26
    packed = pack_routes(instance, routes, 26)
    assert len(packed) == 26
    assert sorted(itertools.chain.from_iterable(packed)) == list(range(1, instance.num_clients + 1))
    assert pack_routes(instance, routes, len(routes) + 5) == sorted(routes, key=lambda r: int(instance.demands[r].sum()))
