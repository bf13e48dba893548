"""The initial design of the GP sampler on discrete spaces: sized by the space, stopped once the model has signal.

On a small categorical or integer space a Sobol design of ``2 d`` points costs about
as much as random search needs to reach the top of the space, so the design there is
``d + 1`` points (at least ``MIN_DESIGN``), a space with no more points than that is
enumerated in a seeded random order without repeats, and from ``MIN_DESIGN`` results
on the design ends as soon as the fitted GP predicts the results better than their
mean does: leave-one-out, the GP's mean predictive log density beats that of a normal
distribution fitted to the other results (the closed form of Rasmussen and Williams,
"Gaussian Processes for Machine Learning", 2006, section 5.4.2). Continuous spaces keep
the sampler's design size.

After the design, on a space small enough to enumerate, each ask compares two actions by
their expected improvement over the best result: the GP's pick, under its posterior, and
a uniformly random untried point, under the normal predictive distribution of the results
of the points drawn at random so far (the design and earlier random picks: an unbiased
sample of the space, where the model's own picks are not). The sampler takes the next
point of its seeded random order when that expects more. A GP fitted to the results of a
search that has stayed in one region predicts a small spread everywhere and keeps
refining that region; the random draws keep an honest account of the whole space. We
depart from a Bayesian comparison in using plug-in estimates on both sides.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion, Trial

if TYPE_CHECKING:
    import numpy as np

    from optarium.blackbox.gp_model import GaussianProcess
    from optarium.blackbox.space import Space

MIN_DESIGN = 3


def design_size(space: Space, default: int) -> int:
    """How many design points the GP sampler asks for on ``space`` (``default`` for continuous spaces)."""
    if not space.is_discrete:
        return default
    return int(min(space.cardinality(), min(default, max(MIN_DESIGN, space.dim + 1))))


def may_stop_early(space: Space, observed: int, design: int) -> bool:
    """Whether a discrete space's design may end now, given the model has signal."""
    return space.is_discrete and MIN_DESIGN <= observed < design and space.cardinality() > design


def has_signal(model: GaussianProcess, y: np.ndarray) -> bool:
    """True when the GP's leave-one-out predictions of ``y`` (its standardised targets) beat the
    others' mean and spread in mean log density."""
    import numpy as np

    n = len(y)
    if n < MIN_DESIGN:
        return False
    assert model.log_lengthscale is not None
    K = model.kernel(model.X[:n], model.X[:n], model.log_lengthscale, model.log_outputscale)
    inverse = np.linalg.inv(K + (model.noise + 1e-6) * np.eye(n))
    alpha = inverse @ (y - 0.0)
    variance = 1.0 / np.diag(inverse)
    mean = y - alpha * variance
    gp = -0.5 * (np.log(2 * math.pi * variance) + (y - mean) ** 2 / variance)
    others = [np.delete(y, i) for i in range(n)]
    centre = np.array([o.mean() for o in others])
    spread = np.array([max(o.var(ddof=1) if len(o) > 1 else 1.0, 1e-6) for o in others])
    constant = -0.5 * (np.log(2 * math.pi * spread) + (y - centre) ** 2 / spread)
    return bool(gp.mean() > constant.mean())


def expected_improvement(best: float, mean: float, sd: float) -> float:
    """E[max(0, best - Y)] for Y ~ N(mean, sd^2): the expected gain of a result below ``best`` (losses)."""
    if sd <= 0:
        return max(0.0, best - mean)
    z = (best - mean) / sd
    return sd * (math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) + z * 0.5 * math.erfc(-z / math.sqrt(2)))


def random_improvement(best: float, drawn: np.ndarray) -> float | None:
    """Expected improvement on ``best`` of one more random point, from the results ``drawn`` (k,) of earlier
    random points: normal predictive with their mean and sample spread (times sqrt(1 + 1/k)); None below two."""
    if len(drawn) < 2:
        return None
    spread = float(drawn.std(ddof=1)) * math.sqrt(1.0 + 1.0 / len(drawn))
    return expected_improvement(best, float(drawn.mean()), spread)


def drawn_at_random(trial: Trial) -> bool:
    """Whether ``trial`` was chosen without the model: a design point or a random-order pick of :mod:`gp`."""
    return trial.sampler == "sobol" or trial.info.get("order") == "random"


def enumerate_design(history: History, n: int) -> list[Suggestion]:
    """``n`` points of a small discrete space not yet tried or pending, in a seeded random order
    (repeats only once every point has been tried)."""
    import numpy as np

    from optarium.blackbox.gp import _grid

    space = history.space
    grid = _grid(space)
    order = np.random.default_rng([history.seed, 17]).permutation(len(grid))
    taken = {tuple(np.round(space.snap(np.asarray(t.point, dtype=float)), 9)) for t in history.trials if t.point}
    fresh = [grid[i] for i in order if tuple(np.round(space.snap(grid[i]), 9)) not in taken]
    fresh = fresh or [grid[i] for i in order]
    return [Suggestion(fresh[i % len(fresh)], {}, "sobol") for i in range(n)]
