"""CMA-ES on the unit cube, with the ``cmaes`` package (Hansen's CMA-ES; Nomura & Shibata, 2024).

The strategy's state is never kept in memory between asks: each ask rebuilds it by
replaying the finished generations stored with the trials (each trial stores its
generation and the exact point CMA-ES sampled), so it survives restarts and is shared
by workers. A generation is told once ``popsize`` of its trials are finished (the first
ones by trial id); failed or infeasible trials rank last. Asks beyond the population
of an unfinished generation draw more points from the same distribution.
Integer and categorical parameters are rounded when decoded (no margin correction).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optarium.blackbox.base import History, Suggestion, Trial, penalised_losses

if TYPE_CHECKING:
    from cmaes import CMA


class CmaEsSampler:
    """CMA-ES with the default population ``4 + floor(3 ln d)`` and sigma 0.3 of the cube."""

    name = "cmaes"
    sigma0 = 0.3

    def __init__(self, population_size: int | None = None):
        self.population_size = population_size

    def popsize(self, dim: int) -> int:
        return self.population_size or 4 + math.floor(3 * math.log(max(dim, 1)))

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        own = [t for t in history.trials if t.sampler == self.name and "generation" in t.info]
        strategy, generation = self._replay(history, own)
        out = []
        for _ in range(n):
            point = np.clip(strategy.ask(), 0.0, 1.0)
            out.append(Suggestion(point, {"generation": generation, "x": [float(v) for v in point]}, self.name))
        return out

    def _replay(self, history: History, own: list[Trial]) -> tuple[CMA, int]:
        import numpy as np
        from cmaes import CMA

        dim = history.space.dim
        size = self.popsize(dim)
        # Points of an initial design (e.g. Sobol from ``auto``) pick the starting mean.
        start = np.full(dim, 0.5)
        others = [t for t in history.complete if t.sampler != self.name and t.feasible]
        if others:
            start = np.asarray(min(others, key=history.loss).point, dtype=float)
        seed = int(np.random.default_rng([history.seed, history.ask_index, 3]).integers(2**31))
        strategy = CMA(
            mean=np.clip(start, 0.05, 0.95), sigma=self.sigma0, bounds=np.array([[0.0, 1.0]] * dim),
            seed=seed, population_size=size,
        )
        generation = 0
        while True:
            members = [t for t in own if t.info["generation"] == generation and t.state != "pending"]
            if len(members) < size:
                return strategy, generation
            members = sorted(members, key=lambda t: t.number)[:size]
            losses = penalised_losses(history, members)
            strategy.tell([(np.asarray(t.info["x"], dtype=float), loss) for t, loss in zip(members, losses, strict=True)])
            generation += 1

    def describe(self) -> dict[str, Any]:
        return {"population_size": self.population_size}
