"""Weisfeiler-Lehman colour refinement on two model graphs at once, and its certification.

After ORGEval (Wang et al., 2025): 1-WL colour refinement runs on the disjoint
union of the two graphs so that colours are shared; different colour histograms
prove the models differ. Equal histograms prove nothing in general, so a positive
answer is trusted only when the reference graph is *WL-determinable* (every colour
class a single node) or *symmetric decomposable*: with the nodes of unique colour
removed, every connected component of what remains holds at most one node of each
colour (the paper's conditions: the subgraphs grown from each multi-colour node are
pairwise disjoint, mutually disconnected and colour-distinct). Otherwise the answer
is ``undetermined``.

Departures from the published code: edge weights enter the refinement (a node's new
colour is its old colour with the multiset of (edge kind, weight, neighbour colour)),
refinement stops as soon as the partition is stable instead of running 2N rounds, and
the multiset is hashed with 64-bit splitmix sums (a collision, about 2^-64 per pair of
distinct multisets, could merge two colours).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.equivalence.graph import ModelGraph

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = values + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@dataclass(frozen=True)
class Refinement:
    """Stable colours of the union: ``colours[:n_a]`` belong to the reference, the rest to the other."""

    colours: NDArray[np.int64]
    n_a: int
    rounds: int
    first_split_round: int | None
    stable: bool

    @property
    def a(self) -> NDArray[np.int64]:
        return self.colours[: self.n_a]

    @property
    def b(self) -> NDArray[np.int64]:
        return self.colours[self.n_a :]


def _histograms_equal(colours: NDArray[np.int64], n_a: int) -> bool:
    size = int(colours.max()) + 1 if colours.size else 0
    return bool(np.array_equal(
        np.bincount(colours[:n_a], minlength=size), np.bincount(colours[n_a:], minlength=size)
    ))


def refine(a: ModelGraph, b: ModelGraph, deadline: float | None = None) -> Refinement:
    """Colour-refine the disjoint union of ``a`` and ``b`` until the partition is stable.

    Stops early (``stable=False``) when ``deadline`` (a ``time.perf_counter`` value) passes;
    ``first_split_round`` is the round at which the histograms first differed (0: the
    initial features already differ), None while they agree.
    """
    n_a = a.n_nodes
    features = np.vstack([a.features, b.features])
    _, initial = np.unique(features, axis=0, return_inverse=True)
    colours = initial.reshape(-1).astype(np.int64)
    edges = np.vstack([a.edges, b.edges + np.array([n_a, n_a, 0.0, 0.0])])
    _, weight_codes = np.unique(edges[:, 2:4], axis=0, return_inverse=True)
    weight_codes = weight_codes.reshape(-1).astype(np.uint64)
    u, v = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
    source = np.concatenate([u, v])
    target = np.concatenate([v, u])
    codes = np.concatenate([weight_codes, weight_codes])
    order = np.argsort(source, kind="stable")
    source, target, codes = source[order], target[order], codes[order]
    total = colours.size
    degree = np.bincount(source, minlength=total)
    starts = np.concatenate([[0], np.cumsum(degree)[:-1]])
    has_edges = degree > 0
    edge_salt = _splitmix(codes * _MIX1)
    count = int(colours.max()) + 1 if total else 0
    split = None if _histograms_equal(colours, n_a) else 0
    rounds, stable = 0, False
    while True:
        if deadline is not None and time.perf_counter() > deadline:
            break
        rounds += 1
        messages = _splitmix(colours[target].astype(np.uint64) ^ edge_salt)
        aggregate = np.zeros(total, dtype=np.uint64)
        if messages.size:
            aggregate[has_edges] = np.add.reduceat(messages, starts[has_edges])
        keys = np.column_stack([colours.astype(np.uint64), aggregate])
        _, refined = np.unique(keys, axis=0, return_inverse=True)
        refined = refined.reshape(-1).astype(np.int64)
        new_count = int(refined.max()) + 1 if total else 0
        colours = refined
        if split is None and not _histograms_equal(colours, n_a):
            split = rounds
        if new_count == count:
            stable = True
            break
        count = new_count
    return Refinement(colours, n_a, rounds, split, stable)


def histograms_equal(refinement: Refinement) -> bool:
    """Whether both graphs hold every colour equally often."""
    return _histograms_equal(refinement.colours, refinement.n_a)


def certify(graph: ModelGraph, colours: NDArray[np.int64]) -> str | None:
    """``"wl_determinable"``, ``"symmetric_decomposable"`` or None for the reference graph.

    ``colours`` (n_nodes,) is the stable colouring of ``graph`` (its part of the union).
    """
    if colours.size == 0:
        return "wl_determinable"
    _, dense = np.unique(colours, return_inverse=True)
    dense = dense.reshape(-1)
    counts = np.bincount(dense)
    repeated = counts[dense] > 1
    if not repeated.any():
        return "wl_determinable"
    keep = np.flatnonzero(repeated)
    position = np.full(colours.size, -1)
    position[keep] = np.arange(keep.size)
    u, v = graph.edges[:, 0].astype(np.int64), graph.edges[:, 1].astype(np.int64)
    inside = repeated[u] & repeated[v]
    adjacency = sp.coo_matrix(
        (np.ones(int(inside.sum())), (position[u[inside]], position[v[inside]])),
        shape=(keep.size, keep.size),
    )
    _, component = connected_components(adjacency, directed=False)
    pairs = np.unique(np.column_stack([component, dense[keep]]), axis=0)
    return "symmetric_decomposable" if pairs.shape[0] == keep.size else None


def symmetry_summary(colours: NDArray[np.int64]) -> tuple[int, int]:
    """(number of colour classes with more than one node, nodes in them)."""
    _, counts = np.unique(colours, return_counts=True)
    big = counts[counts > 1]
    return int(big.size), int(big.sum())
