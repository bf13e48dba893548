"""A learned warm start for routing: an edge-scoring policy trained on stored solutions.

After EARLI — "Accelerating Vehicle Routing via AI-Initialized Genetic
Algorithms" (2025): a fast learned policy builds good initial solutions for a
new instance, and the metaheuristic starts from them instead of from random
solutions. The same edge scores also pick the granular neighbourhood the
local search explores (each client's highest-scoring partners, in the spirit
of learned problem reduction; PyVRP's default is the 50 nearest clients).
Where we depart from the paper:

- The policy is a logistic regression on eight hand-made features of each
  candidate edge (the two neighbour ranks, distance normalised locally and
  globally, demand ratio, polar angle seen from the depot, Clarke-Wright
  saving, depot-distance difference) over each client's 40 nearest clients,
  trained by imitation on the edges of the best verified solutions of
  *other* instances in the store — not a neural policy trained by
  reinforcement learning.
- Solutions are built by a parallel savings construction that merges routes
  along edges in the order of their (Gumbel-perturbed) learned scores.
- PyVRP 0.14 runs an iterated local search from one solution rather than a
  genetic algorithm with a population, so the several learned constructions
  are each improved by one local-search pass and only the best seeds the
  search, instead of seeding a population.
- EARLI only seeds the GA; we also narrow the local search to the learned
  neighbourhood (30 partners per client, so more iterations per second);
  docs/routing.md compares it with a nearest-30 control.
- The stored solutions also give a route count: the fewest routes the
  demand allows (ceil(total demand / capacity)) plus their median surplus
  over it (:meth:`EdgePolicy.route_target`). The solver searches with that
  many vehicles for the first part of the budget (see
  :mod:`optarium.domains.routing.solve`); on tightly filled instances the
  free-fleet search otherwise spends most of its budget one route above it.

With no stored runs the policy falls back to the classic savings order and
PyVRP's own neighbourhood. The policy is trained from the store's verified
routing runs (:meth:`RunStore.verified_runs <optarium.store.base.RunStore.verified_runs>`)
and kept as the versioned artifact ``routing.edge_policy``
(:func:`learned_policy`), so a later solve loads it instead of training again
while no routing run has been recorded since.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from optarium.domains.routing.instance import min_routes
from optarium.domains.routing.settings import LEARNED_NEIGHBOURS, NEIGHBOURS, STARTS

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from optarium.domains.routing.instance import RoutingInstance
    from optarium.store.base import RunStore, Store

__all__ = ["LEARNED_NEIGHBOURS", "NEIGHBOURS", "STARTS", "EdgePolicy", "learned_policy", "stored_solutions"]

FEATURES = ("rank_low", "rank_high", "local_distance", "global_distance", "demand_ratio", "angle", "saving", "depot_gap")
MAX_TRAINING_INSTANCES = 40
SAMPLES = 8
NOISE = 0.5
ARTIFACT = "routing.edge_policy"


def candidate_edges(coords: NDArray[np.float64], demands: NDArray[Any], capacity: int,
                    neighbours: int = NEIGHBOURS) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Client pairs (i < j) where one is among the other's nearest ``neighbours``, and their features.

    Returns ``pairs`` of shape (m, 2) with node ids 1..n and ``features`` of shape (m, len(FEATURES)).
    """
    import numpy as np

    n = len(coords) - 1
    diff = coords[:, None, :] - coords[None, :, :]
    dist = np.sqrt((diff**2).sum(axis=2))
    clients = dist[1:, 1:].copy()
    np.fill_diagonal(clients, np.inf)
    k = min(neighbours, n - 1)
    if k < 1:
        return np.zeros((0, 2), dtype=np.int64), np.zeros((0, len(FEATURES)))
    order = np.argsort(clients, axis=1)
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(n)[None, :]
    near = order[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = near.reshape(-1)
    low, high = np.minimum(rows, cols), np.maximum(rows, cols)
    unique = np.unique(low * n + high)
    a, b = unique // n, unique % n
    pairs = np.stack([a + 1, b + 1], axis=1).astype(np.int64)
    d = clients[a, b]
    local_scale = clients[np.arange(n)[:, None], near].mean(axis=1)
    depot = dist[0, 1:]
    depot_mean = max(float(depot.mean()), 1e-9)
    angles = np.arctan2(coords[1:, 1] - coords[0, 1], coords[1:, 0] - coords[0, 0])
    angle = np.abs(angles[a] - angles[b])
    angle = np.minimum(angle, 2 * np.pi - angle) / np.pi
    r_ab, r_ba = rank[a, b] / k, rank[b, a] / k
    features = np.stack([
        np.minimum(r_ab, r_ba),
        np.maximum(r_ab, r_ba),
        d / np.maximum(0.5 * (local_scale[a] + local_scale[b]), 1e-9),
        d / depot_mean,
        (demands[1:][a] + demands[1:][b]) / capacity,
        angle,
        (depot[a] + depot[b] - d) / np.maximum(np.maximum(depot[a], depot[b]), 1e-9),
        np.abs(depot[a] - depot[b]) / depot_mean,
    ], axis=1).astype(float)
    return pairs, features


def edge_labels(pairs: NDArray[np.int64], routes: list[list[int]]) -> NDArray[np.float64]:
    """1 for each candidate pair that is adjacent in ``routes``, else 0."""
    import numpy as np

    used = set()
    for route in routes:
        for a, b in itertools.pairwise(route):
            used.add((min(a, b), max(a, b)))
    return np.array([1.0 if (int(i), int(j)) in used else 0.0 for i, j in pairs])


@dataclass(frozen=True)
class EdgePolicy:
    """Logistic edge scores; ``weights`` None means the untrained savings order."""

    weights: NDArray[np.float64] | None
    mean: NDArray[np.float64] | None
    scale: NDArray[np.float64] | None
    trained_on: int
    description: str
    candidates: int = NEIGHBOURS
    route_slack: int | None = None

    @classmethod
    def untrained(cls, reason: str = "no stored routing runs to learn from", candidates: int = NEIGHBOURS) -> EdgePolicy:
        return cls(None, None, None, 0, f"warm start: {reason}; using the savings order", candidates)

    @classmethod
    def fit(cls, examples: list[tuple[dict[str, Any], list[list[int]]]], l2: float = 1e-2,
            candidates: int = NEIGHBOURS) -> EdgePolicy:
        """Train on (compact instance, routes) pairs by L2-regularised logistic regression (Newton steps);
        ``candidates`` nearest neighbours per client make the candidate edges, in training and use alike."""
        import numpy as np

        blocks, labels, slacks = [], [], []
        for data, routes in examples:
            if not data.get("time_windows", False):  # with time windows the fewest routes are not set by demand
                slacks.append(len(routes) - min_routes(data["demands"], int(data["capacity"])))
            coords = np.asarray(data["coords"], dtype=float)
            demands = np.asarray(data["demands"], dtype=float)
            pairs, features = candidate_edges(coords, demands, int(data["capacity"]), candidates)
            if len(pairs):
                blocks.append(features)
                labels.append(edge_labels(pairs, routes))
        if not blocks:
            return cls.untrained(candidates=candidates)
        x = np.vstack(blocks)
        y = np.concatenate(labels)
        if y.min() == y.max():
            return cls.untrained("stored routes give only one kind of edge", candidates)
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        design = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
        weights = np.zeros(design.shape[1])
        penalty = l2 * np.eye(design.shape[1])
        penalty[-1, -1] = 0.0
        for _ in range(25):
            p = 1.0 / (1.0 + np.exp(-design @ weights))
            gradient = design.T @ (p - y) / len(y) + penalty @ weights
            hessian = (design * (p * (1 - p))[:, None]).T @ design / len(y) + penalty
            step = np.linalg.solve(hessian, gradient)
            weights -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(weights, mean, scale, len(examples),
                   f"warm start: edge policy learned from {len(examples)} stored instance(s), {len(y)} edges", candidates,
                   route_slack=max(0, round(float(np.median(slacks)))) if slacks else None)

    @classmethod
    def from_store(cls, store: RunStore, exclude_fingerprint: str | None = None, candidates: int = NEIGHBOURS) -> EdgePolicy:
        """Train on the best verified routing run of each other instance in ``store`` (nothing saved)."""
        examples = stored_solutions(store, exclude_fingerprint=exclude_fingerprint)
        return cls.fit(examples, candidates=candidates) if examples else cls.untrained(candidates=candidates)

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers (JSON keeps every float exactly); :meth:`from_dict` reads it back."""
        arrays = {key: None if value is None else value.tolist()
                  for key, value in (("weights", self.weights), ("mean", self.mean), ("scale", self.scale))}
        return {**arrays, "trained_on": self.trained_on, "description": self.description,
                "candidates": self.candidates, "route_slack": self.route_slack}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EdgePolicy:
        import numpy as np

        def array(key: str) -> NDArray[np.float64] | None:
            return None if data.get(key) is None else np.asarray(data[key], dtype=np.float64)

        return cls(array("weights"), array("mean"), array("scale"), int(data["trained_on"]), str(data["description"]),
                   int(data["candidates"]), None if data.get("route_slack") is None else int(data["route_slack"]))

    def scores(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        """Logit of each candidate edge being in a good solution (the saving when untrained)."""
        if self.weights is None or self.mean is None or self.scale is None:
            return features[:, FEATURES.index("saving")]
        standard = (features - self.mean) / self.scale
        return standard @ self.weights[:-1] + self.weights[-1]

    def construct(self, instance: RoutingInstance, seed: int = 0, samples: int = SAMPLES) -> list[list[int]]:
        """The cheapest of ``samples`` savings constructions guided by the edge scores (first one noise-free)."""
        return self.constructions(instance, seed=seed, samples=samples)[0]

    def constructions(self, instance: RoutingInstance, seed: int = 0, samples: int = SAMPLES) -> list[list[list[int]]]:
        """``samples`` savings constructions guided by the (Gumbel-perturbed) edge scores, cheapest first,
        duplicates dropped; the first sample is noise-free."""
        import numpy as np

        pairs, features = candidate_edges(instance.coords, instance.demands.astype(float), instance.capacity,
                                          self.candidates)
        logits = self.scores(features)
        spread = float(logits.std()) if len(logits) else 1.0
        rng = np.random.default_rng(seed)
        found: dict[tuple[tuple[int, ...], ...], tuple[int, list[list[int]]]] = {}
        for sample in range(max(1, samples)):
            noisy = logits if sample == 0 else logits + NOISE * spread * rng.gumbel(size=len(logits))
            routes = merge_by_score(instance, pairs, noisy)
            key = tuple(sorted(tuple(route) if route[0] < route[-1] else tuple(route[::-1]) for route in routes))
            found[key] = (sum(_route_cost(instance, route) for route in routes), routes)
        return [routes for _, routes in sorted(found.values(), key=lambda item: item[0])]

    def route_target(self, instance: RoutingInstance) -> int | None:
        """The route count the stored solutions suggest for ``instance``: its fewest possible routes by
        demand (ceil(total demand / capacity)) plus the median surplus of the stored solutions without time
        windows; None when untrained or when ``instance`` has time windows."""
        if self.route_slack is None or instance.has_time_windows:
            return None
        return max(1, min_routes(instance.demands, instance.capacity)) + self.route_slack

    def neighbourhood(self, instance: RoutingInstance, size: int = LEARNED_NEIGHBOURS) -> list[list[int]] | None:
        """For each client 1..n (list index i-1), the ``size`` candidate partners with the highest learned
        scores, best first: the granular neighbourhood the local search explores. None when untrained."""
        if self.weights is None:
            return None
        pairs, features = candidate_edges(instance.coords, instance.demands.astype(float), instance.capacity,
                                          self.candidates)
        logits = self.scores(features)
        partners: list[list[tuple[float, int]]] = [[] for _ in range(instance.num_clients)]
        for (i, j), score in zip(pairs.tolist(), logits.tolist(), strict=True):
            partners[i - 1].append((-score, j))
            partners[j - 1].append((-score, i))
        return [[node for _, node in sorted(options)[:size]] for options in partners]


def nearest_neighbourhood(instance: RoutingInstance, size: int = LEARNED_NEIGHBOURS) -> list[list[int]]:
    """For each client 1..n (list index i-1), its ``size`` nearest clients: the untrained control for
    :meth:`EdgePolicy.neighbourhood` (PyVRP's own default is the 50 nearest)."""
    import numpy as np

    distances = instance.distances[1:, 1:].astype(float)
    np.fill_diagonal(distances, np.inf)
    order = np.argsort(distances, axis=1, kind="stable")[:, : max(1, min(size, instance.num_clients - 1))]
    return [[int(j) + 1 for j in row] for row in order]


def pack_routes(instance: RoutingInstance, routes: list[list[int]], count: int) -> list[list[int]]:
    """``routes`` joined down to at most ``count`` routes: the lightest route is appended to the next
    lightest until few enough remain (the result may overload a vehicle; the search repairs it)."""
    packed = sorted((list(route) for route in routes), key=lambda route: int(instance.demands[route].sum()))
    while len(packed) > max(1, count):
        lightest = packed.pop(0)
        packed[0] = packed[0] + lightest
        packed.sort(key=lambda route: int(instance.demands[route].sum()))
    return packed


def merge_by_score(instance: RoutingInstance, pairs: NDArray[np.int64], scores: NDArray[np.float64]) -> list[list[int]]:
    """Parallel savings: start from one route per client, join two routes end to end along each
    pair in decreasing score order when capacity (and time windows) allow."""
    import numpy as np

    n = instance.num_clients
    route_of = list(range(n + 1))
    routes: dict[int, list[int]] = {i: [i] for i in range(1, n + 1)}
    loads = {i: int(instance.demands[i]) for i in range(1, n + 1)}
    for index in np.argsort(-scores, kind="stable"):
        i, j = int(pairs[index, 0]), int(pairs[index, 1])
        ri, rj = route_of[i], route_of[j]
        if ri == rj or loads[ri] + loads[rj] > instance.capacity:
            continue
        a, b = routes[ri], routes[rj]
        if i not in (a[0], a[-1]) or j not in (b[0], b[-1]):
            continue
        first = a if a[-1] == i else a[::-1]
        second = b if b[0] == j else b[::-1]
        merged = first + second
        if instance.has_time_windows and not _on_time(instance, merged):
            merged = merged[::-1]
            if not _on_time(instance, merged):
                continue
        routes[ri] = merged
        loads[ri] += loads.pop(rj)
        del routes[rj]
        for node in second:
            route_of[node] = ri
    return list(routes.values())


def _on_time(instance: RoutingInstance, route: list[int]) -> bool:
    assert instance.ready is not None and instance.due is not None and instance.service is not None
    time = int(instance.ready[0])
    path = [0, *route, 0]
    for previous, node in itertools.pairwise(path):
        time = max(time + int(instance.service[previous]) + int(instance.distances[previous, node]), int(instance.ready[node]))
        if time > instance.due[node]:
            return False
    return True


def _route_cost(instance: RoutingInstance, route: list[int]) -> int:
    path = [0, *route, 0]
    return int(sum(int(instance.distances[a, b]) for a, b in itertools.pairwise(path)))


def stored_solutions(store: RunStore, exclude_fingerprint: str | None = None,
                     limit: int = MAX_TRAINING_INSTANCES) -> list[tuple[dict[str, Any], list[list[int]]]]:
    """(compact instance, routes) of the cheapest verified routing run per instance, newest instances first."""
    return [(row["extra"]["instance"], row["extra"]["routes"])
            for row in _training_runs(store, exclude_fingerprint, limit)]


def _training_runs(store: RunStore, exclude_fingerprint: str | None, limit: int) -> list[dict[str, Any]]:
    """The cheapest verified routing run of each of the ``limit`` newest other instances."""
    best: dict[str, tuple[float, dict[str, Any]]] = {}
    for row in reversed(store.verified_runs("routing", exclude_fingerprint=exclude_fingerprint)):
        fingerprint, extra = row["fingerprint"], row["extra"]
        if fingerprint == exclude_fingerprint or not isinstance(extra, dict) or "instance" not in extra:
            continue
        if fingerprint not in best and len(best) >= limit:
            continue
        cost = math.inf if row["objective"] is None else float(row["objective"])
        if fingerprint not in best or cost < best[fingerprint][0]:
            best[fingerprint] = (cost, row)
    return [row for _, row in best.values()]


def learned_policy(store: Store, exclude_fingerprint: str | None = None,
                   candidates: int = NEIGHBOURS) -> tuple[EdgePolicy, str]:
    """The edge policy for an instance with ``exclude_fingerprint`` and a note on where it came from.

    A stored version of the ``routing.edge_policy`` artifact is reused when it
    was trained on the runs training would use now: the same candidates, and
    no routing run recorded since other than runs of the instance left out.
    Otherwise the policy is trained on the store's verified runs and saved as a
    new version (its meta names the newest routing run then stored and the
    runs it learned from). Nothing is saved when there is nothing to learn from.
    """
    newest = store.list_runs(limit=1, kind="routing")
    latest = int(newest[0]["id"]) if newest else 0
    for entry in reversed(store.list_artifacts(ARTIFACT)):
        if entry["name"] == ARTIFACT and _still_valid(store, entry["meta"], latest, exclude_fingerprint, candidates):
            artifact = store.load_artifact(ARTIFACT, entry["version"])
            if artifact is not None:
                return EdgePolicy.from_dict(json.loads(artifact.data)), f"{ARTIFACT} v{artifact.version} reused"
    rows = _training_runs(store, exclude_fingerprint, MAX_TRAINING_INSTANCES)
    if not rows:
        return EdgePolicy.untrained(candidates=candidates), "nothing stored to learn from"
    policy = EdgePolicy.fit([(row["extra"]["instance"], row["extra"]["routes"]) for row in rows], candidates=candidates)
    excluded_stored = exclude_fingerprint is not None and bool(
        store.list_runs(limit=1, fingerprint=exclude_fingerprint, kind="routing"))
    meta = {
        "latest_run_id": latest, "run_ids": sorted(int(row["id"]) for row in rows),
        "fingerprints": sorted(row["fingerprint"] for row in rows), "candidates": candidates,
        "exclude_fingerprint": exclude_fingerprint, "excluded_stored": excluded_stored,
    }
    version = store.save_artifact(ARTIFACT, json.dumps(policy.to_dict()).encode(), meta)
    return policy, f"saved as {ARTIFACT} v{version}"


# how many routing runs recorded after a saved policy are looked at before training again anyway
MAX_RUNS_SINCE = 50


def _still_valid(store: Store, meta: dict[str, Any], latest: int, exclude_fingerprint: str | None,
                 candidates: int) -> bool:
    """Whether the policy saved with ``meta`` is the one training would give now."""
    trained_latest = meta.get("latest_run_id")
    if not isinstance(trained_latest, int) or trained_latest > latest or meta.get("candidates") != candidates:
        return False
    # the same runs to learn from: the same instance left out, or one left out that had no stored
    # run and a target that was not learned from
    same_exclusion = meta.get("exclude_fingerprint") == exclude_fingerprint or (
        not meta.get("excluded_stored", True) and exclude_fingerprint not in (meta.get("fingerprints") or []))
    if not same_exclusion:
        return False
    since = latest - trained_latest
    if since == 0:
        return True
    if since > MAX_RUNS_SINCE or exclude_fingerprint is None:
        return False
    # runs of the instance left out since then change nothing it would learn from
    newer = [row for row in store.list_runs(limit=since, kind="routing") if int(row["id"]) > trained_latest]
    return all(row["fingerprint"] == exclude_fingerprint for row in newer)
