"""Initial designs: a scrambled Sobol sequence (scipy.stats.qmc) and plain uniform random search.

The Sobol sampler continues the sequence at the number of trials already in the study,
so concurrent workers (whose asks the study serialises) never get the same points.
On small discrete spaces both samplers skip points already tried or pending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion

if TYPE_CHECKING:
    import numpy as np

_DEDUP_MAX_CARDINALITY = 1e6


class SobolSampler:
    """Scrambled Sobol points (seeded); the first point is the study's first trial."""

    name = "sobol"

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import warnings

        import numpy as np
        from scipy.stats import qmc

        warnings.filterwarnings("ignore", message="The balance properties of Sobol", category=UserWarning)
        engine = qmc.Sobol(d=history.space.dim, scramble=True, seed=np.random.default_rng([history.seed, 7]))
        if history.trials:
            engine.fast_forward(len(history.trials))
        seen = _seen(history)
        out: list[Suggestion] = []
        while len(out) < n:
            batch = engine.random(max(n - len(out), 1))
            for point in batch:
                if _fresh(history, point, seen):
                    out.append(Suggestion(point, {}))
                if len(out) == n:
                    break
        return out


class RandomSampler:
    """Uniform random points in the unit cube (seeded per ask)."""

    name = "random"

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        rng = history.rng(11)
        seen = _seen(history)
        out: list[Suggestion] = []
        while len(out) < n:
            point = rng.random(history.space.dim)
            if _fresh(history, point, seen):
                out.append(Suggestion(point, {}))
        return out


def _seen(history: History) -> set[tuple[float, ...]] | None:
    """Snapped points already in the study, for small discrete spaces (else ``None``)."""
    space = history.space
    if not space.is_discrete or space.cardinality() > _DEDUP_MAX_CARDINALITY:
        return None
    if len(history.trials) >= space.cardinality():
        return None
    return {tuple(space.snap(_array(t.point))) for t in history.trials if t.point}


def _fresh(history: History, point: np.ndarray, seen: set[tuple[float, ...]] | None) -> bool:
    if seen is None:
        return True
    key = tuple(history.space.snap(point))
    if key in seen or len(seen) >= history.space.cardinality():
        return len(seen) >= history.space.cardinality()
    seen.add(key)
    return True


def _array(values: tuple[float, ...] | list[float]) -> np.ndarray:
    import numpy as np

    return np.asarray(values, dtype=float)
