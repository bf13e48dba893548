"""Fixed-length embeddings of math programs: the recognition vector plus hashed Weisfeiler-Lehman histograms.

After FORGE ("FORGE: Foundational Optimization Representations from Graph
Embeddings", 2025), which embeds an instance through its variable-constraint
bipartite graph so that similar instances lie close together. Departures: FORGE
trains a vector-quantised graph encoder on many MIPs; here nothing is trained.
The graph is :func:`optarium.equivalence.graph.build_graph`'s (its linear part), its nodes are
labelled coarsely (node kind, variable type or row sense, sign and half-decade of
the objective coefficient or right-hand side; edges by sign and half-decade of the
coefficient), ``ROUNDS`` rounds of 1-WL refinement run with the splitmix hashing of
:mod:`optarium.equivalence.wl` (colours are hashes, so they are comparable across
graphs, unlike that module's joint refinement), and each round's colours are
counted into ``BINS`` buckets as shares of the nodes: a WL subtree-kernel feature
map (Shervashidze et al., 2011) with feature hashing.

The embedding of a program is ``feature_vector(features())`` (see
:mod:`optarium.learn.recognise`) followed by the ``(ROUNDS + 1) * BINS`` shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.problem.program import MathProgram

ROUNDS = 2
BINS = 16
# weight of the WL part (mean total-variation distance, 0..1) beside the recognition distance
GRAPH_WEIGHT = 0.1


def _half_decades(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sign times (1 + the half-decade of |value|), 0 for zero and for infinite values."""
    magnitude = np.abs(values)
    usable = np.isfinite(values) & (magnitude > 0)
    out = np.zeros(values.shape)
    out[usable] = np.sign(values[usable]) * (1 + np.clip(np.floor(2 * np.log10(magnitude[usable])) + 20, 0, 60))
    return out


def _hash_rows(rows: NDArray[np.float64]) -> NDArray[np.uint64]:
    from optarium.equivalence.wl import _splitmix

    out = np.zeros(rows.shape[0], dtype=np.uint64)
    for column in range(rows.shape[1]):
        codes = (rows[:, column] + 1000).astype(np.int64).astype(np.uint64)
        out = _splitmix(out ^ _splitmix(codes + np.uint64(column) * np.uint64(0x1000193)))
    return out


def wl_histogram(program: MathProgram, rounds: int = ROUNDS, bins: int = BINS) -> NDArray[np.float64]:
    """Shares of the nodes per hashed WL colour bucket, ``(rounds + 1) * bins`` numbers (each round sums to one)."""
    from optarium.equivalence.graph import row_senses, variable_types
    from optarium.equivalence.wl import _splitmix

    # the nodes and linear edges of equivalence.graph.build_graph, labelled without its snapping
    # (half-decades do not need it) and without quadratic edges
    n_vars, n_cons = program.n_vars, program.n_cons
    n_nodes = n_vars + n_cons
    if n_nodes == 0:
        return np.zeros((rounds + 1) * bins)
    lower, upper = program.row_lower, program.row_upper
    rhs = np.where(np.isfinite(upper), upper, lower)
    labels = np.column_stack([
        np.concatenate([np.zeros(n_vars), np.ones(n_cons)]),
        np.concatenate([variable_types(program), row_senses(lower, upper)]),
        _half_decades(np.concatenate([np.asarray(program.c, dtype=np.float64), rhs])),
    ])
    colours = _hash_rows(labels)
    coo = program.A.tocoo()
    u, v = coo.col.astype(np.int64), coo.row.astype(np.int64) + n_vars
    edge_salt = _hash_rows(np.column_stack([np.zeros(coo.nnz), _half_decades(coo.data.astype(np.float64))]))
    source, target = np.concatenate([u, v]), np.concatenate([v, u])
    salt = np.concatenate([edge_salt, edge_salt])
    order = np.argsort(source, kind="stable")
    source, target, salt = source[order], target[order], salt[order]
    degree = np.bincount(source, minlength=n_nodes)
    starts = np.concatenate([[0], np.cumsum(degree)[:-1]])
    has_edges = degree > 0
    shares = [np.bincount((colours % np.uint64(bins)).astype(np.int64), minlength=bins) / n_nodes]
    for _ in range(rounds):
        messages = _splitmix(colours[target] ^ salt)
        aggregate = np.zeros(n_nodes, dtype=np.uint64)
        if messages.size:
            aggregate[has_edges] = np.add.reduceat(messages, starts[has_edges])
        colours = _splitmix(colours ^ _splitmix(aggregate))
        shares.append(np.bincount((colours % np.uint64(bins)).astype(np.int64), minlength=bins) / n_nodes)
    return np.concatenate(shares)


def embed(program: MathProgram) -> list[float]:
    """The embedding of ``program``: recognition vector, then the WL shares."""
    from optarium.learn.recognise import feature_vector

    return feature_vector(program.features()) + [float(share) for share in wl_histogram(program)]


def embedding_distance(first: Sequence[float], second: Sequence[float]) -> float:
    """Recognition distance plus ``GRAPH_WEIGHT`` times the mean total-variation distance of the WL rounds."""
    from optarium.learn.recognise import COORDINATES, distance

    if len(first) != len(second):
        raise ValueError(f"embeddings must have the same length, got {len(first)} and {len(second)}")
    head = len(COORDINATES)
    near = distance(first[:head], second[:head])
    tail_a, tail_b = np.asarray(first[head:]), np.asarray(second[head:])
    if tail_a.size == 0:
        return near
    rounds = max(1, tail_a.size // BINS)
    total_variation = 0.5 * float(np.abs(tail_a - tail_b).sum()) / rounds
    return near + GRAPH_WEIGHT * total_variation if math.isfinite(total_variation) else near


def distances(vector: Sequence[float], matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`embedding_distance` from ``vector`` to each row of ``matrix`` (shape (n, len(vector))), shape (n,)."""
    from optarium.learn.recognise import COORDINATES

    if matrix.size == 0:
        return np.zeros(0)
    head = len(COORDINATES)
    point = np.asarray(vector, dtype=np.float64)
    near = np.sqrt(((matrix[:, :head] - point[:head]) ** 2).mean(axis=1))
    if matrix.shape[1] == head:
        return near
    rounds = max(1, (matrix.shape[1] - head) // BINS)
    return near + GRAPH_WEIGHT * 0.5 * np.abs(matrix[:, head:] - point[head:]).sum(axis=1) / rounds
