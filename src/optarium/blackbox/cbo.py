"""Consensus-based optimization (CBO) with memory and anisotropic noise.

From Riedl, Klock, Geldhauser and Fornasier, "Gradient is All You Need?" (2023), which
reads CBO as a stochastic relaxation of gradient descent. Each particle i keeps its
best point so far Y_i; the consensus point is the Laplace-principle weighted mean

    v = sum_i Y_i w_i / sum_i w_i,   w_i = exp(-alpha * f(Y_i)),

and a particle moves by

    X_i <- X_i + lambda*dt*(v - X_i) + sigma*sqrt(dt) * (v - X_i) * xi,   xi ~ N(0, I)

(the noise is anisotropic: component-wise, scaled by the distance to consensus).
Departures, so it fits asynchronous ask/tell over a store: particles move one at a
time (a particle whose last point is finished takes its next step from the consensus
of all finished points; the one with the fewest steps goes first), ``alpha`` is applied
to losses standardised by their spread so one setting works on any scale, positions are
clipped to the unit cube, and when every particle waits for a result an extra point is
drawn around the consensus.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion, Trial, penalised_losses

if TYPE_CHECKING:
    import numpy as np


class CBOSampler:
    """CBO with ``10 + d`` particles; lambda=1, sigma=0.8, dt=0.5, alpha=30 on standardised losses."""

    name = "cbo"
    lam = 1.0
    sigma = 0.8
    dt = 0.5
    alpha = 30.0

    def particles(self, dim: int) -> int:
        return 10 + dim

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        from optarium.blackbox.sobol import ScrambledSobol

        dim = history.space.dim
        count = self.particles(dim)
        own = [t for t in history.trials if t.sampler == self.name and "particle" in t.info]
        by_particle: dict[int, list[Trial]] = {}
        for trial in own:
            by_particle.setdefault(int(trial.info["particle"]), []).append(trial)
        consensus = self._consensus(history, own)
        out: list[Suggestion] = []
        busy = {i for i, ts in by_particle.items() if any(t.state == "pending" for t in ts)}
        initial = ScrambledSobol(dim, np.random.default_rng([history.seed, 5])).points(0, count)
        # The least advanced particles first: with one ask at a time every particle takes
        # its turn (in index order it would always be particle 0, stepping towards itself).
        for particle in sorted(range(count), key=lambda p: (len(by_particle.get(p, [])), p)):
            if len(out) == n:
                break
            if particle in busy:
                continue
            steps = by_particle.get(particle, [])
            if not steps:
                point = initial[particle]
            elif consensus is None:
                continue
            else:
                current = np.asarray(max(steps, key=lambda t: t.number).info["x"], dtype=float)
                rng = np.random.default_rng([history.seed, particle, len(steps)])
                point = self._step(current, consensus, rng)
            busy.add(particle)
            out.append(Suggestion(np.clip(point, 0.0, 1.0), {"particle": particle, "x": [float(v) for v in point]}, self.name))
        extra = 0
        while len(out) < n:
            rng = history.rng(17, extra)
            centre = consensus if consensus is not None else np.full(dim, 0.5)
            spread = 0.1 if consensus is not None else 0.3
            point = np.clip(centre + spread * rng.standard_normal(dim), 0.0, 1.0)
            out.append(Suggestion(point, {"extra": True}, self.name))
            extra += 1
        return out

    def _step(self, current: np.ndarray, consensus: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        import numpy as np

        x = np.asarray(current)
        v = np.asarray(consensus)
        xi = rng.standard_normal(x.shape)
        moved = x + self.lam * self.dt * (v - x) + self.sigma * math.sqrt(self.dt) * (v - x) * xi
        return np.clip(moved, 0.0, 1.0)

    def _consensus(self, history: History, own: list[Trial]) -> np.ndarray | None:
        """Laplace-weighted mean of the particles' best points (``None`` before any result)."""
        import numpy as np

        finished = [t for t in own if t.state == "complete" and "particle" in t.info]
        if not finished:
            return None
        losses = penalised_losses(history, finished)
        best: dict[int, tuple[float, list[float]]] = {}
        for trial, loss in zip(finished, losses, strict=True):
            particle = int(trial.info["particle"])
            if particle not in best or loss < best[particle][0]:
                best[particle] = (loss, trial.info["x"])
        values = np.array([b[0] for b in best.values()])
        points = np.array([b[1] for b in best.values()], dtype=float)
        scale = values.std() or 1.0
        weights = np.exp(-self.alpha * (values - values.min()) / scale)
        consensus: np.ndarray = (weights[:, None] * points).sum(axis=0) / weights.sum()
        return consensus
