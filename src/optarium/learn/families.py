"""Builders of the instance families: each takes a numpy ``Generator`` and sizes and returns a ``MathProgram``.

The four learning-to-branch families follow the generators of Gasse et al.
(NeurIPS 2019, the ``learn2branch`` and Ecole code); the other two follow
Distributional MIPLIB (Huang et al., 2024).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from optarium.problem.program import MathProgram

if TYPE_CHECKING:
    from numpy.typing import NDArray

INF = float("inf")


def _binary_program(
    c: NDArray[np.float64], A: sp.csr_matrix, lower: NDArray[np.float64], upper: NDArray[np.float64],
    *, sense: str, name: str,
) -> MathProgram:
    n = c.size
    return MathProgram.build(c, A, lower, upper, np.zeros(n), np.ones(n), np.ones(n, dtype=bool), sense=sense, name=name)


def set_cover(rng: np.random.Generator, n_rows: int, n_cols: int, density: float, max_cost: int = 100) -> MathProgram:
    """Balas & Ho set cover: every row covered by at least two columns, every column covers a row.

    ``min c x`` s.t. ``A x >= 1``, ``x`` binary; ``c`` integers in ``[1, max_cost]``.
    """
    mask = np.zeros((n_rows, n_cols), dtype=bool)
    mask[rng.integers(0, n_rows, n_cols), np.arange(n_cols)] = True
    first = rng.integers(0, n_cols, n_rows)
    mask[np.arange(n_rows), first] = True
    mask[np.arange(n_rows), (first + rng.integers(1, n_cols, n_rows)) % n_cols] = True
    extra = int(n_rows * n_cols * density) - int(mask.sum())
    if extra > 0:
        free = np.flatnonzero(~mask.ravel())
        mask.ravel()[rng.choice(free, size=min(extra, free.size), replace=False)] = True
    cost = rng.integers(1, max_cost + 1, n_cols).astype(np.float64)
    A = sp.csr_matrix(mask.astype(np.float64))
    return _binary_program(cost, A, np.ones(n_rows), np.full(n_rows, INF), sense="min", name="set_cover")


def _bundle(
    rng: np.random.Generator, first: int, values: NDArray[np.float64], compat: NDArray[np.float64], add_prob: float
) -> list[int]:
    bundle = [first]
    while rng.random() < add_prob and len(bundle) < values.size:
        weight = compat[bundle].mean(axis=0) * np.maximum(values, 1e-9)
        weight[bundle] = 0.0
        if weight.sum() <= 0:
            break
        bundle.append(int(rng.choice(values.size, p=weight / weight.sum())))
    return sorted(bundle)


def combinatorial_auction(
    rng: np.random.Generator, n_items: int, n_bids: int, *, add_prob: float = 0.65, max_sub_bids: int = 5,
    deviation: float = 0.5, additivity: float = 0.2, budget_factor: float = 1.5, resale_factor: float = 0.5,
) -> MathProgram:
    """Leyton-Brown's arbitrary-relationships auction: bundles grown along a random item compatibility.

    ``max price x`` s.t. each item sold at most once, bids of one bidder exclusive
    (XOR through one row per bidder, where Leyton-Brown adds a dummy item).
    """
    low, high = 1.0, 100.0
    common = low + (high - low) * rng.random(n_items)
    compat = np.triu(rng.random((n_items, n_items)), k=1)
    compat = compat + compat.T
    compat /= compat.sum(axis=1, keepdims=True)
    bids: list[tuple[list[int], float]] = []
    bidders: list[list[int]] = []
    while len(bids) < n_bids:
        private = common + (high - low) * deviation * (2 * rng.random(n_items) - 1)
        start = int(rng.choice(n_items, p=(private - private.min() + 1e-9) / (private - private.min() + 1e-9).sum()))
        bundle = _bundle(rng, start, private - private.min(), compat, add_prob)
        price = private[bundle].sum() + len(bundle) ** (1 + additivity)
        if price <= 0:
            continue
        offers = [(bundle, price)]
        budget, floor = budget_factor * price, resale_factor * common[bundle].sum()
        for other in rng.permutation(bundle)[: max_sub_bids * 2]:
            if len(offers) > max_sub_bids:
                break
            sub = _bundle(rng, int(other), private - private.min(), compat, add_prob)
            sub_price = private[sub].sum() + len(sub) ** (1 + additivity)
            if sub != bundle and all(sub != seen for seen, _ in offers) and floor <= sub_price <= budget:
                offers.append((sub, sub_price))
        offers = offers[: n_bids - len(bids)]
        bidders.append(list(range(len(bids), len(bids) + len(offers))))
        bids.extend(offers)
    rows, cols = [], []
    for bid, (bundle, _) in enumerate(bids):
        rows.extend(bundle)
        cols.extend([bid] * len(bundle))
    exclusive = [group for group in bidders if len(group) > 1]
    for r, group in enumerate(exclusive):
        rows.extend([n_items + r] * len(group))
        cols.extend(group)
    m = n_items + len(exclusive)
    A = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, n_bids))
    price = np.array([p for _, p in bids])
    return _binary_program(price, A, np.full(m, -INF), np.ones(m), sense="max", name="combinatorial_auction")


def facility_location(rng: np.random.Generator, n_customers: int, n_facilities: int, ratio: float = 5.0) -> MathProgram:
    """Cornuéjols et al. capacitated facility location: serve every demand from opened facilities.

    Variables ``x[i, j]`` (share of customer i served by j, in [0, 1], row-major)
    then ``y[j]`` binary; capacity ``ratio`` times the total demand.
    """
    cx, cy = rng.random(n_customers), rng.random(n_customers)
    fx, fy = rng.random(n_facilities), rng.random(n_facilities)
    demand = rng.integers(5, 36, n_customers).astype(np.float64)
    capacity = rng.integers(10, 161, n_facilities).astype(np.float64)
    fixed = np.floor(rng.integers(100, 111, n_facilities) * np.sqrt(capacity) + rng.integers(0, 91, n_facilities))
    capacity = np.floor(capacity * ratio * demand.sum() / capacity.sum())
    distance = np.hypot(cx[:, None] - fx[None, :], cy[:, None] - fy[None, :])
    transport = distance * 10.0 * demand[:, None]
    nc, nf = n_customers, n_facilities
    nx = nc * nf
    x_index = np.arange(nx).reshape(nc, nf)
    eye_c, eye_f = sp.identity(nc, format="csr"), sp.identity(nf, format="csr")
    serve = sp.hstack([sp.kron(eye_c, np.ones((1, nf))), sp.csr_matrix((nc, nf))])
    cap = sp.hstack([sp.kron(demand[None, :], eye_f), -sp.diags(capacity)])
    total = sp.hstack([sp.csr_matrix((1, nx)), sp.csr_matrix(capacity[None, :])])
    tight = sp.hstack([sp.identity(nx), -sp.csr_matrix((np.ones(nx), (np.arange(nx), x_index.ravel() % nf)), shape=(nx, nf))])
    A = sp.vstack([serve, cap, total, tight], format="csr")
    lower = np.concatenate([np.ones(nc), np.full(nf, -INF), [demand.sum()], np.full(nx, -INF)])
    upper = np.concatenate([np.full(nc, INF), np.zeros(nf), [INF], np.zeros(nx)])
    c = np.concatenate([transport.ravel(), fixed])
    integer = np.concatenate([np.zeros(nx, dtype=bool), np.ones(nf, dtype=bool)])
    return MathProgram.build(c, A, lower, upper, np.zeros(nx + nf), np.ones(nx + nf), integer, name="facility_location")


def barabasi_albert(rng: np.random.Generator, n_nodes: int, affinity: int) -> list[tuple[int, int]]:
    """Edges ``(i, j)``, ``i < j``, of a Barabási-Albert graph: new nodes attach to ``affinity`` nodes by degree."""
    edges = list(itertools.combinations(range(affinity + 1), 2))
    degree = np.zeros(n_nodes)
    degree[: affinity + 1] = affinity
    for node in range(affinity + 1, n_nodes):
        weight = degree[:node] / degree[:node].sum()
        targets = rng.choice(node, size=affinity, replace=False, p=weight)
        edges.extend((int(t), node) for t in targets)
        degree[targets] += 1
        degree[node] = affinity
    return edges


def _clique_rows(n_nodes: int, edges: list[tuple[int, int]]) -> list[tuple[int, ...]]:
    """A greedy clique partition (largest degree first); edges no clique covers stay as pairs."""
    neighbours: list[set[int]] = [set() for _ in range(n_nodes)]
    for i, j in edges:
        neighbours[i].add(j)
        neighbours[j].add(i)
    degree = np.array([len(n) for n in neighbours])
    remaining = set(range(n_nodes))
    covered: set[tuple[int, int]] = set()
    rows: list[tuple[int, ...]] = []
    for node in sorted(range(n_nodes), key=lambda v: (-degree[v], v)):
        if node not in remaining:
            continue
        clique = [node]
        for other in sorted(neighbours[node] & remaining, key=lambda v: (-degree[v], v)):
            if all(other in neighbours[member] for member in clique):
                clique.append(other)
        remaining -= set(clique)
        if len(clique) > 1:
            rows.append(tuple(sorted(clique)))
            covered.update(itertools.combinations(sorted(clique), 2))
    rows.extend(edge for edge in edges if edge not in covered)
    return rows


def independent_set(rng: np.random.Generator, n_nodes: int, affinity: int = 4) -> MathProgram:
    """Maximum independent set on a Barabási-Albert graph with clique inequalities ``sum x <= 1``."""
    rows = _clique_rows(n_nodes, barabasi_albert(rng, n_nodes, affinity))
    r = np.repeat(np.arange(len(rows)), [len(row) for row in rows])
    c = np.concatenate(rows) if rows else np.zeros(0, dtype=int)
    A = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(len(rows), n_nodes))
    m = len(rows)
    return _binary_program(np.ones(n_nodes), A, np.full(m, -INF), np.ones(m), sense="max", name="independent_set")


def multiple_knapsack(rng: np.random.Generator, n_items: int, n_knapsacks: int) -> MathProgram:
    """Multiple knapsack with weakly correlated profits (Pisinger): ``x[i, k]`` row-major, item i in knapsack k.

    Weights in [10, 100], profit = weight + noise in [-10, 10], capacities
    between 0.4 and 0.6 of the total weight over the number of knapsacks.
    """
    weight = rng.integers(10, 101, n_items).astype(np.float64)
    profit = np.maximum(1.0, weight + rng.integers(-10, 11, n_items))
    capacity = np.floor(rng.uniform(0.4, 0.6, n_knapsacks) * weight.sum() / n_knapsacks)
    once = sp.kron(sp.identity(n_items), np.ones((1, n_knapsacks)))
    load = sp.kron(weight[None, :], sp.identity(n_knapsacks))
    A = sp.vstack([once, load], format="csr")
    upper = np.concatenate([np.ones(n_items), capacity])
    c = np.repeat(profit, n_knapsacks)
    return _binary_program(c, A, np.full(A.shape[0], -INF), upper, sense="max", name="multiple_knapsack")


def generalized_independent_set(
    rng: np.random.Generator, n_nodes: int, edge_prob: float = 0.3, removable: float = 0.25, revenue: int = 100
) -> MathProgram:
    """Generalized independent set (Colombi et al.) on an Erdős-Rényi graph.

    A ``removable`` share of the edges may be kept at a cost (integers in
    [1, revenue // 10]) instead of forbidding both ends: ``max revenue sum x - cost y``
    s.t. ``x_i + x_j <= 1`` or ``x_i + x_j - y_e <= 1``. Variables: nodes, then removable edges.
    """
    pairs = np.array(list(itertools.combinations(range(n_nodes), 2)), dtype=int).reshape(-1, 2)
    edges = pairs[rng.random(len(pairs)) < edge_prob]
    soft = rng.random(len(edges)) < removable
    n_soft = int(soft.sum())
    m = len(edges)
    rows = np.repeat(np.arange(m), 2)
    cols = edges.ravel()
    soft_rows = np.flatnonzero(soft)
    data = np.concatenate([np.ones(2 * m), -np.ones(n_soft)])
    rows = np.concatenate([rows, soft_rows])
    cols = np.concatenate([cols, n_nodes + np.arange(n_soft)])
    A = sp.csr_matrix((data, (rows, cols)), shape=(m, n_nodes + n_soft))
    cost = rng.integers(1, max(2, revenue // 10) + 1, n_soft).astype(np.float64)
    c = np.concatenate([np.full(n_nodes, float(revenue)), -cost])
    return _binary_program(c, A, np.full(m, -INF), np.ones(m), sense="max", name="generalized_independent_set")
