"""Ordering multi-objective trials for selection: constrained domination, rank and crowding."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from optarium.blackbox.base import History, Trial


def order_trials(history: History, trials: list[Trial], size: int) -> tuple[np.ndarray, np.ndarray, list[Trial]]:
    """The best ``size`` of ``trials`` by constrained domination, rank then crowding distance.

    Returns (rank (m,), crowding (m,), the chosen trials). Feasible trials come first, ranked
    by non-dominated sorting; infeasible ones after them, ranked by their violation.
    """
    import numpy as np

    from optarium.blackbox.nsga2 import crowding_distance
    from optarium.blackbox.pareto import non_dominated_ranks

    losses = np.array([history.losses(t) for t in trials], dtype=float)
    feasible = np.array([t.feasible for t in trials])
    rank = np.zeros(len(trials), dtype=int)
    if feasible.any():
        rank[feasible] = non_dominated_ranks(losses[feasible])
    top = int(rank[feasible].max()) + 1 if feasible.any() else 0
    if (~feasible).any():
        violation = np.array([float(t.feasibility or 0.0) for t in trials])[~feasible]
        rank[~feasible] = top + np.argsort(np.argsort(violation))
    crowding = np.zeros(len(trials))
    for r in np.unique(rank):
        members = rank == r
        crowding[members] = crowding_distance(losses[members])
    order = np.lexsort((-crowding, rank))[:size]
    return rank[order], crowding[order], [trials[i] for i in order]
