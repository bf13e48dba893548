"""ParEGO: multi-objective BO by a random scalarization per point, on the GP sampler.

After Knowles, "ParEGO: A Hybrid Algorithm With On-Line Landscape Approximation for
Expensive Multiobjective Optimization Problems" (IEEE TEC 2006): each suggested point
draws a weight vector from the simplex, turns every trial's objectives (each scaled to
[0, 1] by its observed range) into the augmented Chebyshev loss
``max_k w_k f_k + 0.05 sum_k w_k f_k``, and lets the single-objective GP sampler (log EI)
propose for that loss. We depart from it in drawing weights uniformly from the simplex
(Dirichlet(1)) rather than from a fixed lattice, and in using our GP sampler's model and
search instead of ParEGO's own EGO loop. It scales to many objectives (the cost of one
ask does not grow with their number), where box decompositions for EHVI do.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion, Trial

if TYPE_CHECKING:
    import numpy as np

RHO = 0.05


def scalarize(losses: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Augmented Chebyshev losses (n,) of ``losses`` (n, k), each objective scaled by its observed range."""
    import numpy as np

    low, high = losses.min(axis=0), losses.max(axis=0)
    scaled = (losses - low) / np.where(high > low, high - low, 1.0)
    weighted = scaled * weights
    return np.asarray(weighted.max(axis=1) + RHO * weighted.sum(axis=1))


class ParEGOSampler:
    """One Dirichlet weight vector per suggested point; the GP sampler proposes for its Chebyshev loss."""

    name = "parego"

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        from optarium.blackbox.gp import GPSampler

        rng = history.rng(53)
        complete = [t for t in history.trials if history.losses(t) is not None]
        losses = np.array([history.losses(t) for t in complete]) if complete else np.empty((0, history.n_objectives))
        chosen: list[Trial] = []
        out: list[Suggestion] = []
        for _ in range(n):
            weights = rng.dirichlet(np.ones(history.n_objectives))
            scalar = scalarize(losses, weights) if len(complete) else np.empty(0)
            by_number = {t.number: float(v) for t, v in zip(complete, scalar, strict=True)}
            trials = [dataclasses.replace(t, value=by_number[t.number], values=None) if t.number in by_number else
                      dataclasses.replace(t, values=None) for t in history.trials]
            single = History(space=history.space, direction="minimize", seed=history.seed, ask_index=history.ask_index,
                             trials=trials + chosen, budget=None)
            (suggestion,) = GPSampler().suggest(single, 1)
            info = {k: v for k, v in suggestion.info.items() if k != "theta"}
            if suggestion.sampler != "sobol":
                info["weights"] = [round(float(w), 6) for w in weights]
            out.append(Suggestion(suggestion.point, info, "sobol" if suggestion.sampler == "sobol" else self.name))
            number = max((t.number for t in history.trials + chosen), default=0) + 1
            chosen.append(Trial(number, {}, "pending", point=tuple(float(u) for u in suggestion.point)))
        return out
