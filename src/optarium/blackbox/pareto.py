"""Pareto fronts and hypervolume for multi-objective studies, all in minimisation form.

Callers turn each objective into a loss first (a maximised objective is negated), so a
point ``a`` dominates ``b`` when ``a <= b`` everywhere and ``a < b`` somewhere. The
hypervolume is exact: a sweep in two objectives and slicing along the last objective
(HSO, While et al., "A Faster Algorithm for Calculating Hypervolume", IEEE TEC 2006)
beyond, which is fast enough for the fronts of a study (hundreds of points, 2-4
objectives).
"""

from __future__ import annotations

import bisect
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


def _sweep_2d(points: np.ndarray, ref: np.ndarray) -> float:
    """The hypervolume of ``points`` (n, 2), all below ``ref`` (2,), unscaled: the sweep along the first objective.

    Each point, by increasing first loss, adds the rectangle from it to the reference under the least second loss
    before it (nothing where it is not below that); the rectangles are summed in that order, one after the other
    (``cumsum``), so the sum is the one a loop over the points makes, to the last bit.
    """
    import numpy as np

    if not len(points):
        return 0.0
    order = points[np.argsort(points[:, 0])]
    xs, ys = order[:, 0], order[:, 1]
    floors = np.minimum(np.concatenate([[ref[1]], np.minimum.accumulate(ys)[:-1]]), ref[1])
    below = ys < floors
    if not below.any():
        return 0.0
    return float(np.cumsum((ref[0] - xs[below]) * (floors[below] - ys[below]))[-1])


def _hv(points: np.ndarray, ref: np.ndarray) -> float:
    import numpy as np

    k = points.shape[1]
    if k == 1:
        return float(ref[0] - points[:, 0].min())
    if k == 2:
        return _sweep_2d(points, ref)
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


class Staircase:
    """The Pareto front of two losses below ``reference`` (2,), kept sorted by the first loss as points arrive,
    with its hypervolume updated point by point.

    :attr:`volume` is what :func:`hypervolume` gives for all the points added so far, to the last bit, as long as
    every value and the reference are at most ``_UNSCALED`` in size (:func:`unscaled`; beyond that,
    :func:`hypervolume` measures in scaled units): each point's rectangle of the sweep and the sums after it are
    the only ones an arrival changes, and they are summed again in the same order.
    """

    def __init__(self, reference: np.ndarray):
        import numpy as np

        self.reference = (float(reference[0]), float(reference[1]))
        self.xs: list[float] = []  # first losses, increasing
        self.ys: list[float] = []  # second losses, decreasing
        self.rectangles = np.empty(0)  # each point's rectangle of the sweep (the sweep of _sweep_2d)
        self.sums = np.empty(0)  # the rectangles summed in order, point by point

    @property
    def volume(self) -> float:
        return float(self.sums[-1]) if len(self.sums) else 0.0

    def add(self, x: float, y: float) -> bool:
        """Add the point (``x``, ``y``); True if it joined the front (it is below the reference and no point of the
        front is at most it in both losses), removing the points it dominates."""
        import numpy as np

        right, top = self.reference
        if not (x < right and y < top):
            return False
        xs, ys = self.xs, self.ys
        before = bisect.bisect_right(xs, x)  # the points whose first loss is at most x
        if before and ys[before - 1] <= y:  # the least second loss among them
            return False
        start = bisect.bisect_left(xs, x)
        stop = start
        while stop < len(ys) and ys[stop] >= y:  # the dominated points: first loss from x on, second at least y
            stop += 1
        xs[start:stop] = [x]
        ys[start:stop] = [y]
        changed = [(right - x) * ((ys[start - 1] if start else top) - y)]
        if start + 1 < len(xs):
            changed.append((right - xs[start + 1]) * (y - ys[start + 1]))
        self.rectangles = np.concatenate([self.rectangles[:start], changed, self.rectangles[stop + 1:]])
        first = self.sums[start - 1] if start else 0.0
        tail = np.cumsum(np.concatenate([[first], self.rectangles[start:]]))[1:]
        self.sums = np.concatenate([self.sums[:start], tail])
        return True


def unscaled(points: np.ndarray, reference: np.ndarray) -> bool:
    """Whether :func:`hypervolume` measures ``points`` (n, k) against ``reference`` (k,) in their own units, as
    any subset of them: the reference is not finite, or it and every point below it are at most ``_UNSCALED``
    in size."""
    import numpy as np

    ref = np.asarray(reference, dtype=float)
    below = np.asarray(points, dtype=float).reshape(-1, len(ref))
    below = below[np.all(below < ref, axis=1)]
    if not np.isfinite(ref).all():
        return True
    return max(float(np.abs(below).max(initial=0.0)), float(np.abs(ref).max())) <= _UNSCALED


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
