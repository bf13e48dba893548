"""Pareto fronts and hypervolume for multi-objective studies, all in minimisation form.

Callers turn each objective into a loss first (a maximised objective is negated), so a
point ``a`` dominates ``b`` when ``a <= b`` everywhere and ``a < b`` somewhere. The
hypervolume is exact: a sweep in two objectives and slicing along the last objective
(HSO, While et al., "A Faster Algorithm for Calculating Hypervolume", IEEE TEC 2006)
beyond, which is fast enough for the fronts of a study (hundreds of points, 2-4
objectives).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

REFERENCE_MARGIN = 0.1  # an inferred reference point lies this fraction of the range beyond the worst values
_BLOCK = 256  # rows checked at once against the front so far and against each other (beyond two objectives)
_UNSCALED = 1e100  # values up to this size are measured as they are: no product of a few of their ranges overflows


def non_dominated(losses: np.ndarray) -> np.ndarray:
    """Boolean mask (n,) of the rows of ``losses`` (n, k) that no other row dominates; duplicates all stay.

    The rows are taken in lexicographic order, where a row's dominators all come before it: in two
    objectives a row is dominated when the least second loss of the rows before its group of equal rows is
    at most its own (O(n log n)); beyond, block by block, each row is checked against the front of the
    earlier blocks (a dominated dominator has a dominator on that front) and the rows of its own block.
    """
    import numpy as np

    points = np.asarray(losses, dtype=float)
    keep = np.ones(len(points), dtype=bool)
    if len(points) < 2:
        return keep
    n, k = points.shape
    order = np.lexsort(points.T[::-1])
    ordered = points[order]
    if k == 1:
        keep[order] = ordered[:, 0] == ordered[0, 0]
        return keep
    if k == 2:
        starts = np.ones(n, dtype=bool)  # where a group of equal rows begins
        starts[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
        group_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
        # least second loss of the rows strictly before each row's group
        before = np.concatenate([[np.inf], np.minimum.accumulate(ordered[:, 1])[:-1]])
        keep[order] = ordered[:, 1] < before[group_start]
        return keep
    front = np.empty((0, k))  # the non-dominated rows so far
    for first in range(0, n, _BLOCK):
        block = ordered[first: first + _BLOCK]
        # dominated by a row of an earlier block's front (none of them equals a row of this block: equal rows
        # dominate nothing, so a dominating one is not equal)
        alive = ~(np.all(front[None, :, :] <= block[:, None, :], axis=2)
                  & np.any(front[None, :, :] < block[:, None, :], axis=2)).any(axis=1)
        survivors = block[alive]
        beaten = (np.all(survivors[None, :, :] <= survivors[:, None, :], axis=2)
                  & np.any(survivors[None, :, :] < survivors[:, None, :], axis=2)).any(axis=1)
        alive[np.flatnonzero(alive)[beaten]] = False
        keep[order[first: first + _BLOCK]] = alive
        front = np.concatenate([front, block[alive]])
    return keep


def non_dominated_ranks(losses: np.ndarray) -> np.ndarray:
    """Front number (0 = Pareto front) of each row of ``losses`` (n, k): fast non-dominated sorting."""
    import numpy as np

    points = np.asarray(losses, dtype=float)
    ranks = np.full(len(points), -1, dtype=int)
    remaining = np.arange(len(points))
    rank = 0
    while len(remaining):
        mask = non_dominated(points[remaining])
        ranks[remaining[mask]] = rank
        remaining = remaining[~mask]
        rank += 1
    return ranks


def infer_reference(losses: np.ndarray) -> np.ndarray:
    """The worst observed loss of each objective plus ``REFERENCE_MARGIN`` of its range (of its size, at least 1,
    when flat), at most the largest float."""
    import numpy as np

    points = np.asarray(losses, dtype=float)
    worst, best = points.max(axis=0), points.min(axis=0)
    # half the range: the range of values near the largest float would overflow; 2 * margin * half is margin * range
    half = worst / 2 - best / 2
    margin = np.where(worst > best, 2 * REFERENCE_MARGIN * half, REFERENCE_MARGIN * np.maximum(np.abs(worst), 1.0))
    with np.errstate(over="ignore"):
        return np.minimum(worst + margin, np.finfo(float).max)


def hypervolume(losses: np.ndarray, reference: np.ndarray) -> float:
    """The volume dominated by ``losses`` (n, k) and bounded by ``reference`` (k,); points not below it count nothing.

    Exact for any finite values; ``inf`` (with no warning) when the volume is larger than the largest float."""
    import numpy as np

    points = np.asarray(losses, dtype=float).reshape(-1, len(reference))
    ref = np.asarray(reference, dtype=float)
    points = points[np.all(points < ref, axis=1)]
    if not len(points):
        return 0.0
    points = np.unique(points[non_dominated(points)], axis=0)
    if not np.isfinite(ref).all() or max(float(np.abs(points).max()), float(np.abs(ref).max())) <= _UNSCALED:
        return _hv(points, ref)
    # huge values: each objective scaled by a power of two into [-1, 1] (exact), the volume scaled back;
    # one larger than the largest float is inf, without an overflow on the way
    exponents = np.frexp(np.maximum(np.abs(points).max(axis=0), np.abs(ref)))[1]
    volume = _hv(np.ldexp(points, -exponents), np.ldexp(ref, -exponents))
    with np.errstate(over="ignore"):
        return float(np.ldexp(volume, int(exponents.sum())))


def _hv(points: np.ndarray, ref: np.ndarray) -> float:
    import numpy as np

    k = points.shape[1]
    if k == 1:
        return float(ref[0] - points[:, 0].min())
    if k == 2:
        order = points[np.argsort(points[:, 0])]
        volume, floor = 0.0, ref[1]
        for x, y in order:
            if y < floor:
                volume += (ref[0] - x) * (floor - y)
                floor = y
        return float(volume)
    order = points[np.argsort(points[:, -1])]
    volume = 0.0
    for i in range(len(order)):
        upper = order[i + 1, -1] if i + 1 < len(order) else ref[-1]
        depth = upper - order[i, -1]
        if depth <= 0:
            continue
        slice_points = order[: i + 1, :-1]
        slice_points = slice_points[non_dominated(slice_points)]
        volume += depth * _hv(slice_points, ref[:-1])
    return float(volume)


def box_decomposition(front: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes (lower (b, k), upper (b, k)) that tile the region below ``reference`` no
    point of ``front`` dominates, so a new point's hypervolume improvement is the volume it
    dominates in these boxes. Exact in two objectives (one box per gap of the sorted front);
    beyond, BoTorch's ``FastNondominatedPartitioning`` (imported only then)."""
    import numpy as np

    ref = np.asarray(reference, dtype=float)
    points = np.asarray(front, dtype=float).reshape(-1, len(ref))
    points = points[np.all(points < ref, axis=1)] if len(points) else points
    if len(points):
        points = np.unique(points[non_dominated(points)], axis=0)
    k = len(ref)
    if not len(points):
        return np.full((1, k), -np.inf), ref[None, :].copy()
    if k == 2:
        order = points[np.argsort(points[:, 0])]
        xs = np.concatenate([[-np.inf], order[:, 0]])
        ys = np.concatenate([[ref[1]], order[:, 1]])
        lower = np.column_stack([xs, np.full(len(xs), -np.inf)])
        upper = np.column_stack([np.concatenate([order[:, 0], [ref[0]]]), ys])
        return lower, upper
    import torch
    from botorch.utils.multi_objective.box_decompositions.non_dominated import (
        FastNondominatedPartitioning,
    )

    # BoTorch maximises: negate, and read its cell bounds back
    partitioning = FastNondominatedPartitioning(ref_point=torch.as_tensor(-ref), Y=torch.as_tensor(-points))
    bounds = partitioning.get_hypercell_bounds().numpy()  # (2, b, k) in the maximisation form
    return -bounds[1], -bounds[0]
