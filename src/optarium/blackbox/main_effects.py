"""Thompson sampling on main effects: for a space where any good point will do.

Each ask fits a Bayesian linear regression of the standardised losses on the levels of
every parameter (a categorical's choices; an integer's or float's range cut into ``bins``
equal parts; normal prior of variance 1 on each level's effect, unit noise) and takes the
candidate that is best under one draw from the posterior: Thompson sampling with a linear
model, as in Agrawal and Goyal, "Thompson Sampling for Contextual Bandits with Linear
Payoffs" (ICML 2013). We depart from it in the features (levels, so "choice a of parameter j
is good" is learnt from every result that shares it) and in scoring a finite candidate set:
every untried point of a space of at most ``max_enumerate`` points, else ``n_candidates``
uniform ones. The first ``d + 1`` asks (at least 3) are a Sobol design.

Its picks spread as random ones do, away from the levels the results have shown poor, so no
early result holds the search in one region; it cannot single out the very best point of a
space where that takes interactions. Measured in docs/blackbox.md ("Easy spaces").
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion
from optarium.blackbox.space import CategoricalParam, IntParam

if TYPE_CHECKING:
    import numpy as np

    from optarium.blackbox.space import Space


class MainEffectsSampler:
    """Thompson draws of a Bayesian linear model on every parameter's levels (see the module docstring)."""

    name = "main_effects"
    bins = 5  # levels of a float (or of an integer with more values)
    n_candidates = 2048
    max_enumerate = 50_000

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        from optarium.blackbox.design import design_size
        from optarium.blackbox.sobol import SobolSampler

        space = history.space
        observed = [t for t in history.complete if math.isfinite(history.loss(t))]
        losses = np.array([history.loss(t) for t in observed])
        if len(history.trials) < design_size(space, max(3, space.dim + 1)) or len(set(losses.tolist())) < 2:
            return [Suggestion(s.point, s.info, "sobol") for s in SobolSampler().suggest(history, n)]
        rng = history.rng(41)
        candidates = self._candidates(history, rng)
        if not len(candidates):  # every point tried: the design's order goes on
            return [Suggestion(s.point, s.info, "sobol") for s in SobolSampler().suggest(history, n)]
        points = np.array([space.snap(np.asarray(t.point, dtype=float)) for t in observed])
        picks = thompson_picks(self.levels(space, points), losses, self.levels(space, candidates), n, rng)
        out = [Suggestion(candidates[i], {"levels": "thompson"}) for i in picks]
        if len(out) < n:  # fewer untried points than asked
            out += [Suggestion(s.point, s.info, "sobol") for s in SobolSampler().suggest(history, n - len(out))]
        return out

    def _candidates(self, history: History, rng: np.random.Generator) -> np.ndarray:
        """The untried, not pending points of a small discrete space; else uniform random points."""
        import numpy as np

        from optarium.blackbox.gp import _grid

        space = history.space
        if not (space.is_discrete and space.cardinality() <= self.max_enumerate):
            return np.array([space.snap(p) for p in rng.random((self.n_candidates, space.dim))])
        grid = _grid(space)
        taken = {tuple(np.round(space.snap(np.asarray(t.point, dtype=float)), 9)) for t in history.trials if t.point}
        return grid[[tuple(np.round(space.snap(g), 9)) not in taken for g in grid]]

    def levels(self, space: Space, points: np.ndarray) -> np.ndarray:
        """One-hot level features (m, L) of unit-cube points (m, d)."""
        import numpy as np

        blocks = []
        for j, param in enumerate(space.params):
            if isinstance(param, CategoricalParam):
                count = len(param.choices)
            elif isinstance(param, IntParam):
                count = min(self.bins, param.high - param.low + 1)
            else:
                count = self.bins
            level = np.clip(np.floor(points[:, j] * count), 0, count - 1).astype(int)
            blocks.append(np.eye(count)[level])
        return np.hstack(blocks)


def thompson_picks(features: np.ndarray, losses: np.ndarray, candidates: np.ndarray, n: int,
                   rng: np.random.Generator) -> list[int]:
    """Indices of ``n`` different rows of ``candidates`` (m, L), each the lowest loss under one posterior draw of
    the Bayesian linear model of the standardised ``losses`` on ``features`` (prior variance 1 per effect, unit noise)."""
    import numpy as np

    z = (losses - losses.mean()) / (losses.std() + 1e-9)
    covariance = np.linalg.inv(features.T @ features + np.eye(features.shape[1]))
    mean = covariance @ features.T @ z
    picks: list[int] = []
    for _ in range(min(n, len(candidates))):
        score = candidates @ rng.multivariate_normal(mean, covariance, method="cholesky")
        score[picks] = np.inf
        picks.append(int(np.argmin(score)))
    return picks
