"""Expected hypervolume improvement on one lean GP per objective (multi-objective BO).

Acquisition: the log of the Monte-Carlo expected hypervolume improvement, after qLogNEHVI
(Daulton et al., "Differentiable Expected Hypervolume Improvement for Parallel
Multi-Objective Bayesian Optimization", NeurIPS 2020, and "Parallel Bayesian Optimization
of Multiple Noisy Objectives with Expected Hypervolume Improvement", NeurIPS 2021; Ament
et al., NeurIPS 2023, for the log form). The region no observed point dominates is split
into disjoint boxes (:func:`box_decomposition`), and a sample's improvement is the volume
it dominates in them, so it is exact for each posterior sample and differentiable.

Where we depart: the objectives get independent GPs (:mod:`gp_model`, standardised); the
samples are fixed normal draws scaled by each candidate's marginal posterior (no joint
sampling across a batch); a batch (and other workers' pending trials) is chosen greedily
with the kriging believer, each chosen point added to the front at its posterior mean,
instead of the joint q-point integral; and when the fitted noise of an objective is
large (over 10% of its signal variance) the front is the models' posterior mean at the
observed points rather than an integral over noisy fronts. The reference point inside the
acquisition lies beyond the worst values of the observed Pareto front (as BoTorch's
``infer_reference_point``) by 10% of each objective's range over all trials (BoTorch: of
the front's range), except for every fifth point asked, whose reference lies that margin
beyond every told value, so that the front beyond its present extent is still searched.
Feedback constraints multiply the improvement by P(feasible), as in the single-objective
GP sampler.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optarium.blackbox.base import History, Suggestion

if TYPE_CHECKING:
    import numpy as np
    import torch

    from optarium.blackbox.gp_model import GaussianProcess


class EHVISampler:
    """Multi-objective BO by log EHVI; a Sobol design for the first ``initial_points(d)`` trials."""

    name = "ehvi"
    mc_samples = 32
    n_raw = 1024
    n_local = 512
    n_refine = 5
    noisy_threshold = 0.1
    max_enumerate = 50_000
    wide_every = 5

    def initial_points(self, dim: int) -> int:
        return min(20, max(5, 2 * (dim + 1)))

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._suggest(history, n)
        finally:
            torch.set_num_threads(threads)

    def _suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np
        import torch

        from optarium.blackbox.gp import Encoder, GPSampler
        from optarium.blackbox.gp_model import GaussianProcess
        from optarium.blackbox.sobol import SobolSampler

        observed = [t for t in history.complete if history.losses(t) is not None]
        n_design = max(0, self.initial_points(history.space.dim) - len(history.trials))
        if len(observed) < 3:
            n_design = n
        out = [Suggestion(s.point, s.info, "sobol") for s in SobolSampler().suggest(history, min(n, n_design))] if n_design else []
        if len(out) == n:
            return out
        encoder = Encoder(history.space)
        points = encoder.snap(np.array([t.point for t in observed]))
        X = encoder.features(points)
        losses = np.array([history.losses(t) for t in observed])
        centre, spread = losses.mean(axis=0), losses.std(axis=0)
        spread[spread == 0] = 1.0
        Y = (losses - centre) / spread
        earlier = [t.info["thetas"] for t in history.trials if t.sampler == self.name and "thetas" in t.info]
        models: list[GaussianProcess] = []
        for j in range(Y.shape[1]):
            start = earlier[-1][j] if earlier and len(earlier[-1]) == Y.shape[1] else None
            models.append(GaussianProcess(encoder.groups, history.space.dim).fit(
                X, Y[:, j], start=start, restart=len(earlier) % 5 == 0))
        noisy = any(m.noise > self.noisy_threshold * m.outputscale for m in models)
        feasible = np.array([t.feasible for t in observed])
        constraint = GPSampler()._feasibility_model(history, encoder)
        if noisy:
            with torch.no_grad():
                front = np.column_stack([m.posterior(torch.as_tensor(X))[0].numpy() for m in models])
        else:
            front = Y.copy()
        front = front[feasible] if feasible.any() else np.empty((0, Y.shape[1]))
        from optarium.blackbox.pareto import REFERENCE_MARGIN, non_dominated

        # The reference point: the worst value of the observed Pareto front, plus a margin of
        # each objective's range over all trials. Beyond every told value (design points far
        # out), a front's extreme point bounded a box so large that re-asking it outweighed
        # any gain inside the front; with a margin of the front's own range, a small early
        # front gave a box too small to lead anywhere.
        # Yet a tight reference gives nothing for a point beyond the front's present extent (a
        # further piece of a disconnected front, an unexplored end): every ``wide_every``-th
        # point asked uses the reference beyond every told value instead.
        margin = REFERENCE_MARGIN * np.where(Y.max(axis=0) > Y.min(axis=0), Y.max(axis=0) - Y.min(axis=0), 1.0)
        tight = (front[non_dominated(front)].max(axis=0) if len(front) else Y.max(axis=0)) + margin
        wide = Y.max(axis=0) + margin
        rng = history.rng(41)
        base = torch.as_tensor(rng.standard_normal((self.mc_samples, Y.shape[1])))
        fantasies = [np.asarray(t.point, dtype=float) for t in history.pending] + [s.point for s in out]
        scales = np.exp(np.mean([m.theta[: history.space.dim] for m in models], axis=0))[encoder.groups]
        while len(out) < n:
            believed = front
            if fantasies:
                extra = encoder.features(encoder.snap(np.array(fantasies)))
                with torch.no_grad():
                    means = [m.posterior(torch.as_tensor(extra))[0].numpy() for m in models]
                for m, mean, y in zip(models, means, Y.T, strict=True):
                    m.condition(np.vstack([X, extra]), np.concatenate([y, mean]))
                believed = np.vstack([front, np.column_stack(means)])
            use_wide = (len(history.trials) + len(out)) % self.wide_every == self.wide_every - 1
            reference = wide if use_wide else tight
            acquisition = self._acquisition(models, believed, reference, base, constraint)
            point = self._maximise(acquisition, encoder, history, points, front, fantasies, rng, scales)
            info: dict[str, Any] = {"acquisition": "log_nehvi" if noisy else "log_ehvi",
                                    "reference": "wide" if use_wide else "tight",
                                    "thetas": [[round(v, 6) for v in m.theta] for m in models]}
            out.append(Suggestion(point, info, self.name))
            fantasies.append(point)
            for m, y in zip(models, Y.T, strict=True):
                m.condition(X, y)
        return out

    def _acquisition(self, models: list[GaussianProcess], front: np.ndarray, reference: np.ndarray,
                     base: torch.Tensor, constraint: GaussianProcess | None) -> Any:
        import torch

        from optarium.blackbox.pareto import box_decomposition

        lower, upper = (torch.as_tensor(b) for b in box_decomposition(front, reference))
        # a box open below would make the volume of a lucky sample unbounded: close it at
        # the most optimistic value any sample can take
        floor = torch.as_tensor(front.min(axis=0) - 10.0 if len(front) else reference - 10.0)
        lower = torch.maximum(lower, floor)

        def acquisition(features: torch.Tensor) -> torch.Tensor:
            values = []
            for chunk in torch.split(features, 256):
                stats = [m.posterior(chunk) for m in models]
                mean = torch.stack([s[0] for s in stats], dim=1)  # (m, k)
                sd = torch.stack([s[1].clamp_min(1e-12).sqrt() for s in stats], dim=1)
                samples = mean[:, None, :] + sd[:, None, :] * base[None, :, :]  # (m, S, k)
                overlap = (upper - torch.maximum(samples[:, :, None, :], lower)).clamp_min(0.0)  # (m, S, b, k)
                improvement = overlap.prod(dim=-1).sum(dim=-1).mean(dim=-1)  # (m,)
                value = torch.log(improvement + 1e-12)
                if constraint is not None:
                    mean_c, var_c = constraint.posterior(chunk)
                    value = value + torch.special.log_ndtr((constraint.threshold - mean_c) / (var_c + constraint.noise).sqrt())
                values.append(value)
            return torch.cat(values)

        return acquisition

    def _maximise(self, acquisition: Any, encoder: Any, history: History, observed: np.ndarray, front: np.ndarray,
                  fantasies: list[np.ndarray], rng: np.random.Generator, scales: np.ndarray) -> np.ndarray:
        import numpy as np
        import torch

        from optarium.blackbox.gp import GPSampler, _grid
        from optarium.blackbox.pareto import non_dominated

        space = history.space
        if space.is_discrete and space.cardinality() <= self.max_enumerate:
            grid = _grid(space)
            tried = [t.point for t in history.trials if t.point] + list(fantasies)
            taken = {tuple(np.round(p, 9)) for p in encoder.snap(np.array(tried))} if tried else set()
            fresh = np.array([p for p in grid if tuple(np.round(p, 9)) not in taken]) if len(taken) < len(grid) else grid
            with torch.no_grad():
                scores = acquisition(torch.as_tensor(encoder.features(fresh)))
            return np.asarray(fresh[int(torch.argmax(scores))])
        dim = space.dim
        best = observed[non_dominated(front)] if len(front) == len(observed) and len(front) else observed
        local = best[rng.integers(len(best), size=self.n_local)] + rng.standard_normal((self.n_local, dim)) * rng.choice(
            [0.01, 0.05, 0.15], size=(self.n_local, 1))
        candidates = encoder.snap(np.vstack([rng.random((self.n_raw, dim)), local]))
        with torch.no_grad():
            scores = acquisition(torch.as_tensor(encoder.features(candidates)))
        order = torch.argsort(scores, descending=True).numpy()
        best_point, best_score = candidates[order[0]], float(scores[order[0]])
        if encoder.float_params and math.isfinite(best_score):
            starts = candidates[order[: self.n_refine]]
            refined = GPSampler()._refine(_Autograd(acquisition), encoder, starts, np.zeros(dim), np.ones(dim), scales)
            with torch.no_grad():
                refined_scores = acquisition(torch.as_tensor(encoder.features(refined)))
            k = int(torch.argmax(refined_scores))
            if float(refined_scores[k]) > best_score:
                best_point = refined[k]
        return np.asarray(best_point)


class _Autograd:
    """A torch acquisition with the numpy face :meth:`GPSampler._refine` optimises: values and
    their gradients in the features, by autograd."""

    def __init__(self, acquisition: Any):
        self.acquisition = acquisition

    def with_gradient(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch

        inputs = torch.as_tensor(features).requires_grad_(True)
        values = self.acquisition(inputs)
        values.sum().backward()
        assert inputs.grad is not None
        return values.detach().numpy(), inputs.grad.numpy()
