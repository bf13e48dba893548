"""ZO-RankSGD: descent from rankings only, for studies where a person orders results.

From Tang, Rybin and Chang, "Zeroth-Order Optimization Meets Human Feedback: Provable
Learning via Ranking Oracles" (ICLR 2024). At the current point x the sampler proposes
m candidates x + mu*u_k with u_k ~ N(0, I); the oracle orders them (best first,
:meth:`Study.tell_ranking`); the rank-based estimator

    g = 1/|S| * sum over pairs (a ranked above b) of (u_b - u_a)

points uphill, and x <- x - eta_t * g. Departures: the step is normalised
(``eta_t * g / |g|`` with ``eta_t = eta0 / sqrt(t + 1)``), x stays in the unit cube, and
a group told with plain values is ranked by those values (so ``optimize`` works too),
and single asks (``n = 1``) fill the newest group up to ``group_size`` candidates.
The state is rebuilt from the store: each trial stores its group, centre and
direction, and the next centre follows from the last fully ranked group.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion, Trial, penalised_losses

if TYPE_CHECKING:
    import numpy as np


class ZORankSampler:
    """Proposes a group of ``n`` perturbed candidates (n >= 2) per ask around the current centre."""

    name = "zo_rank"
    mu = 0.05
    eta0 = 0.15
    group_size = 4

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        dim = history.space.dim
        own = [t for t in history.trials if t.sampler == self.name and "group" in t.info]
        groups: dict[int, list[Trial]] = {}
        for trial in own:
            groups.setdefault(int(trial.info["group"]), []).append(trial)
        newest = max(groups, default=None)
        if n == 1 and newest is not None and len(groups[newest]) < self.group_size:
            members = groups[newest]
            rng = history.rng(29)
            centre = np.asarray(members[0].info["centre"], dtype=float)
            return [self._candidate(centre, rng.standard_normal(dim), newest)]
        finished = [g for g, ts in groups.items() if all(t.state != "pending" for t in ts) and len(ts) >= 2]
        if finished:
            last = max(finished)
            centre = self.next_centre(history, groups[last], last)
        else:
            start = [t for t in history.complete if t.sampler != self.name and t.feasible]
            centre = np.asarray(min(start, key=history.loss).point, dtype=float) if start else np.full(dim, 0.5)
        group = max(groups, default=-1) + 1
        rng = history.rng(23)
        return [self._candidate(centre, rng.standard_normal(dim), group) for _ in range(n)]

    def _candidate(self, centre: np.ndarray, direction: np.ndarray, group: int) -> Suggestion:
        import numpy as np

        point = np.clip(centre + self.mu * direction, 0.0, 1.0)
        info = {"group": group, "centre": [float(c) for c in centre], "u": [float(u) for u in direction]}
        return Suggestion(point, info, self.name)

    def next_centre(self, history: History, members: list[Trial], step: int) -> np.ndarray:
        """The centre after the ranking of ``members`` (a finished group, ``step`` its index)."""
        import numpy as np

        centre = np.asarray(members[0].info["centre"], dtype=float)
        losses = penalised_losses(history, members)
        order = sorted(range(len(members)), key=lambda k: (losses[k], members[k].number))
        directions = [np.asarray(members[k].info["u"], dtype=float) for k in order]
        gradient = np.zeros_like(centre)
        pairs = 0
        for better in range(len(directions)):
            for worse in range(better + 1, len(directions)):
                if losses[order[better]] == losses[order[worse]]:
                    continue
                gradient += directions[worse] - directions[better]
                pairs += 1
        if pairs == 0 or not np.any(gradient):
            return centre
        gradient /= pairs
        eta = self.eta0 / math.sqrt(step + 1)
        moved: np.ndarray = np.clip(centre - eta * gradient / np.linalg.norm(gradient), 0.0, 1.0)
        return moved
