"""NSGA-II for multi-objective studies with large budgets; our own, on the unit cube.

After Deb et al., "A Fast and Elitist Multiobjective Genetic Algorithm: NSGA-II" (IEEE
TEC 2002): parents are chosen by binary tournament on (front rank, crowding distance),
children made by simulated binary crossover (eta 15, probability 0.9) and polynomial
mutation (eta 20, probability 1/d), and constraints handled by constrained domination
(a feasible trial beats an infeasible one; two infeasible ones compare by violation).
Where we depart: the sampler keeps no generations. Each ask selects the parent
population (``population`` trials by rank and crowding) from every finished trial, an
elitist steady-state form that lets any number of workers ask at any time and survives
restarts. Integer and categorical parameters are rounded when decoded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion

if TYPE_CHECKING:
    import numpy as np


def crowding_distance(losses: np.ndarray) -> np.ndarray:
    """Crowding distance (n,) of the points of one front (n, k); the extremes get infinity."""
    import numpy as np

    n, k = losses.shape
    distance = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(k):
        order = np.argsort(losses[:, j])
        span = losses[order[-1], j] - losses[order[0], j]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (losses[order[2:], j] - losses[order[:-2], j]) / span
    return distance


class NSGA2Sampler:
    """Steady-state NSGA-II; a Sobol design fills the first ``population`` trials."""

    name = "nsga2"
    crossover_eta = 15.0
    crossover_probability = 0.9
    mutation_eta = 20.0

    def __init__(self, population: int | None = None):
        self.population = population

    def population_size(self, dim: int) -> int:
        return self.population or max(20, min(100, 4 * dim))

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        from optarium.blackbox.non_dominated_sort import order_trials
        from optarium.blackbox.sobol import SobolSampler

        size = self.population_size(history.space.dim)
        finished = [t for t in history.complete if history.losses(t) is not None]
        if len(finished) < min(size, 4) or len(history.trials) < size:
            design = min(n, max(size - len(history.trials), 0)) if len(finished) >= 4 else n
            out = [Suggestion(s.point, {}, "sobol") for s in SobolSampler().suggest(history, design)]
            if len(out) == n:
                return out
        else:
            out = []
        rank, crowding, members = order_trials(history, finished, size)
        points = np.array([m.point for m in members], dtype=float)
        rng = history.rng(61)
        dim = history.space.dim
        while len(out) < n:
            parents = [self._tournament(rng, rank, crowding) for _ in range(2)]
            child = self._crossover(rng, points[parents[0]], points[parents[1]])
            child = self._mutate(rng, child, 1.0 / dim)
            out.append(Suggestion(child, {"parents": [members[p].number for p in parents]}, self.name))
        return out

    @staticmethod
    def _tournament(rng: np.random.Generator, rank: np.ndarray, crowding: np.ndarray) -> int:
        a, b = (int(i) for i in rng.integers(len(rank), size=2))
        if rank[a] != rank[b]:
            return a if rank[a] < rank[b] else b
        return a if crowding[a] >= crowding[b] else b

    def _crossover(self, rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        import numpy as np

        if rng.random() > self.crossover_probability:
            return a.copy()
        u = rng.random(len(a))
        eta = self.crossover_eta
        beta = np.where(u <= 0.5, (2 * u) ** (1 / (eta + 1)), (1 / (2 * (1 - u))) ** (1 / (eta + 1)))
        child = 0.5 * ((1 + beta) * a + (1 - beta) * b)
        swap = rng.random(len(a)) < 0.5
        child[swap] = (0.5 * ((1 - beta) * a + (1 + beta) * b))[swap]
        return np.asarray(np.clip(child, 0.0, 1.0))

    def _mutate(self, rng: np.random.Generator, x: np.ndarray, probability: float) -> np.ndarray:
        import numpy as np

        eta = self.mutation_eta
        mask = rng.random(len(x)) < probability
        u = rng.random(len(x))
        delta = np.where(u < 0.5, (2 * u) ** (1 / (eta + 1)) - 1, 1 - (2 * (1 - u)) ** (1 / (eta + 1)))
        return np.asarray(np.clip(np.where(mask, x + delta, x), 0.0, 1.0))
