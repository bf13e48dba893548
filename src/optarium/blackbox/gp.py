"""Gaussian-process Bayesian optimization with log expected improvement.

Acquisition: log EI (Ament et al., "Unexpected Improvements to Expected Improvement
for Bayesian Optimization", NeurIPS 2023) on the lean GP of :mod:`gp_model`. When the
fitted noise is more than ``noisy_threshold`` (10%) of the signal variance, noisy EI
(Letham et al., "Constrained Bayesian Optimization with Noisy Experiments", 2019):
EI averaged over joint posterior samples of the function at the observed points,
each treated as noise-free data. A smaller fitted nugget is read as model misfit of a
rough deterministic function, not as measurement noise: plain log EI then keeps
refining the incumbent, where noisy EI's smoothing stalled (on a 2-D Rosenbrock
valley, with a 1% threshold, regret 0.15 after 100 evaluations instead of 6e-7). Feedback constraints: a second GP on the told
feasibility values multiplies EI by P(feasible) (added in log space).
Batches (q > 1) and other workers' pending trials: kriging believer — each pending or
already chosen point is added as a fantasy observation at the posterior mean, which
removes its uncertainty, before the next point is chosen (hyper-parameters fixed).

Model: the lean GP with a fitted quadratic trend (``trend``; see :mod:`gp_model`), so that
a bowl under local roughness guides the search beyond the data (the docs' BBOB section
gives the measured effect).

Targets: losses spanning decades (a few huge values among many small ones) are fitted
as they are and on two log scales, ``log(loss - min + k (median - min))`` with the offsets
k of ``WARP_OFFSETS``: 0.1 ("log"), which spreads out the best losses, and 1 ("soft_log"),
which keeps a smooth bowl near its floor nearly quadratic and only tames the tail. The one
with the highest marginal likelihood of the original losses (GP evidence plus the log
Jacobian of the transformation) is used, as in warped GPs (Snelson et al., "Warped
Gaussian Processes", NeurIPS 2004), which fit a monotone warp's parameters by that
likelihood; we depart from them in choosing among three fixed warps. With the log alone,
the search stalled on the ill-conditioned BBOB ellipsoids while the log was chosen (f2
2-D, instance 1: regret 27 from evaluation 30 to 80); with the soft log as a third choice
that run ends at 0.21 instead of 10.6. The choice is revisited every fifth ask. On BBOB's
ellipsoids the raw scale wins, on
Rosenbrock the log scale (before the trust box below, f2 5-D: median regret 144 with
the log always, 9.2 with the choice; f8: 4.3 with either).

Mixed spaces: a categorical parameter is one-hot encoded with one shared length scale
(Hamming distance); integers are rounded and the GP only ever sees rounded points.
A fully discrete space with at most ``max_enumerate`` points is enumerated (points
already tried or pending are skipped), and an ask there takes the next untried point of a
seeded random order instead when a random point expects the larger improvement (see
:mod:`design`). There log EI is averaged over ``integrate_samples`` (8) draws of the
hyper-parameters from their posterior instead of taken at the fitted ones, as in Snoek,
Larochelle and Adams ("Practical Bayesian Optimization of Machine Learning Algorithms",
NeurIPS 2012), which integrate EI over slice-sampled hyper-parameters; we depart in
starting the sampler at the fitted values with 3 sweeps of burn-in, drawing once per sweep,
and only on enumerated spaces up to ``integrate_max_observations`` (150) results. On other
spaces random and local candidates are scored, and a box-constrained L-BFGS over the float
parameters refines the best ``n_refine`` of them and the incumbent.

Trust box: after the initial design, every ask maximises EI only inside a box around
the incumbent, as in TuRBO (Eriksson et al., "Scalable Global Optimization via Local
Bayesian Optimization", NeurIPS 2019): each side is proportional to the parameter's
fitted length scale, and the sides' geometric mean is ``trust_side`` (0.8, TuRBO's
initial side) of the unit cube in ``trust_dim`` (5) dimensions, and in d dimensions
``trust_side ** (trust_dim / d)``, so that the box holds the same fraction of the cube's
volume (0.33) in every dimension: 0.57 in 2-D, 0.89 in 10-D. A fixed side of 0.8 holds
0.64 of the 2-D cube and 0.11 of the 10-D one, and a nearly whole cube before the endgame
had gained in 10-D (BBOB f3, f7, f22) and lost in 2-D and 5-D. Without it, EI on a rough function (where the fitted
GP explains little) chases the posterior variance to the far corners of the cube: on
BBOB f23 in 5-D, half of the GP's asks had a coordinate on the boundary, and the run
ended worse than random search. We depart from TuRBO in keeping one global GP and a
fixed box until the endgame instead of resizing it by success and failure counts:
that resizing helped the rough BBOB functions (f6, f16) but lost Rosenbrock and the
ill-conditioned ellipsoid (f8, f2) by a factor of 10, where progress needs long moves.

Endgame: when the study has a budget, its last ``endgame_fraction`` (20%) of
evaluations shrink the box on a fixed schedule (side 0.4 down to 0.05 of the unit
cube over the endgame): with a known budget, the final evaluations are better spent
refining the best basin found than exploring one that cannot be exploited any more.
In the endgame the warp is also reconsidered on every ask, and the log is kept only
if it gains ``endgame_log_margin`` (1.5) nats of evidence per observation over the raw
scale: its offset (a tenth of the gap from the minimum to the median) makes the best
points look alike, which costs nothing while the search is global and everything once
it refines one basin. Measured at the start of the endgame of 2-D BBOB runs, the log
gains 0.4-1.0 nats per observation on the ill-conditioned ellipsoids (f2, f10, f11),
where it blurs the valley floor, and 2.8-7.3 on f6 and f12, whose losses span decades
near the optimum too; 1.5 separates the two groups.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import TYPE_CHECKING, Any

from optarium.blackbox.base import History, Suggestion, Trial
from optarium.blackbox.design import (
    design_size,
    drawn_at_random,
    enumerate_design,
    expected_improvement,
    has_signal,
    may_stop_early,
    random_improvement,
)
from optarium.blackbox.gp_model import GaussianProcess, one_blas_thread
from optarium.blackbox.log_ei import Acquisition, Differentiable, IntegratedAcquisition
from optarium.blackbox.space import CategoricalParam, FloatParam, IntParam, Space

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy as np


# Log warps of the losses the GP sampler chooses among (see the module docstring): name ->
# offset as a fraction of the gap from the minimum to the median.
WARP_OFFSETS = {"log": 0.1, "soft_log": 1.0}


class Encoder:
    """Unit-cube points (m, d) -> GP features (m, D): one-hot for categoricals."""

    def __init__(self, space: Space):
        self.space = space
        self.groups: list[int] = []
        self.float_columns: list[int] = []  # feature columns of float parameters
        self.float_params: list[int] = []  # their positions in the unit point
        column = 0
        for position, param in enumerate(space.params):
            if isinstance(param, CategoricalParam):
                self.groups += [position] * len(param.choices)
                column += len(param.choices)
            else:
                if isinstance(param, FloatParam):
                    self.float_columns.append(column)
                    self.float_params.append(position)
                self.groups.append(position)
                column += 1
        self.width = column

    def snap(self, points: np.ndarray) -> np.ndarray:
        """Round int and categorical coordinates to their bin centres (vectorised)."""
        import numpy as np

        out = np.clip(np.array(points, dtype=float), 0.0, 1.0)
        for j, param in enumerate(self.space.params):
            if isinstance(param, CategoricalParam) or (isinstance(param, IntParam) and not param.log):
                k = len(param.choices) if isinstance(param, CategoricalParam) else param.high - param.low + 1
                out[:, j] = (np.clip(np.floor(out[:, j] * k), 0, k - 1) + 0.5) / k
            elif isinstance(param, IntParam):
                out[:, j] = [param.to_unit(param.from_unit(u)) for u in out[:, j]]
        return out

    def features(self, points: np.ndarray) -> np.ndarray:
        import numpy as np

        columns = []
        for j, param in enumerate(self.space.params):
            if isinstance(param, CategoricalParam):
                k = len(param.choices)
                index = np.clip(np.floor(points[:, j] * k), 0, k - 1).astype(int)
                columns.append(np.eye(k)[index] / math.sqrt(2.0))
            else:
                columns.append(points[:, j : j + 1])
        return np.hstack(columns)


class GPSampler:
    """BO with a lean numpy GP; Sobol for the first ``initial_points(d)`` trials."""

    name = "gp"
    n_raw = 2048
    n_local = 512
    n_refine = 10
    nei_samples = 16
    noisy_threshold = 0.1
    max_enumerate = 50_000
    endgame_fraction = 0.2
    endgame_log_margin = 1.5  # nats per observation a log warp must gain over the raw scale in the endgame
    trust_side = 0.8  # the box's side in trust_dim dimensions; in d, trust_side ** (trust_dim / d)
    trust_dim = 5
    trend = True
    integrate_samples = 8  # hyper-parameter draws log EI is averaged over on an enumerated space (0: the fitted ones alone)
    integrate_burn = 3  # slice-sampler sweeps before the first draw
    integrate_max_observations = 150  # beyond this the fitted hyper-parameters alone (the posterior is narrow, the draws dear)

    def initial_points(self, dim: int) -> int:
        return min(10, max(4, 2 * dim))

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        n_design, early = self._design_left(history, n)
        if n_design >= n and not early:
            return self._design(history, n, n_design)  # no model yet: no fit
        with one_blas_thread():
            return self._suggest(history, n)

    def _suggest(self, history: History, n: int) -> list[Suggestion]:
        import numpy as np

        observed = [t for t in history.complete if math.isfinite(history.loss(t))]
        n_design, early = self._design_left(history, n)
        if n_design and not early:
            return self._design(history, n, n_design) + self._suggest_after_design(history, n, n_design)
        encoder = Encoder(history.space)
        points = encoder.snap(np.array([t.point for t in observed]))
        X = encoder.features(points)
        losses = np.array([history.loss(t) for t in observed])
        earlier = [t.info for t in history.trials if t.sampler == self.name and "theta" in t.info]
        # A warm-started fit also restarts from the prior (and reconsiders the warp) on
        # every fifth ask: often enough to leave a poor local optimum, and the other asks
        # cost one fit.
        # In the endgame the warp is reconsidered on every ask, with the raw scale preferred
        # unless the log explains the losses decisively better (see the module docstring).
        endgame = self._endgame(history, len(history.trials)) is not None
        model, y, warp = _fit(encoder, history.space.dim, X, losses, earlier[-1] if earlier else None,
                              restart=endgame or len(earlier) % 5 == 0, trend=self.trend,
                              log_margin=self.endgame_log_margin if endgame else 0.0)
        if early and not has_signal(model, y):
            return self._design(history, n, n_design) + self._suggest_after_design(history, n, n_design)
        out: list[Suggestion] = []
        noisy = model.noise > self.noisy_threshold * model.outputscale
        space = history.space
        integrate = (bool(self.integrate_samples) and space.is_discrete and space.cardinality() <= self.max_enumerate
                     and len(y) <= self.integrate_max_observations)
        constraint = self._feasibility_model(history, encoder)
        feasible = np.array([t.feasible for t in observed])
        rng = history.rng(31)
        fantasies = [np.asarray(t.point, dtype=float) for t in history.pending]
        fantasies += [s.point for s in out]
        while len(out) < n:
            believer_x, believer_y = X, y
            if fantasies:
                extra = encoder.features(encoder.snap(np.array(fantasies)))
                mean, _ = model.posterior(extra)
                believer_x = np.vstack([X, extra])
                believer_y = np.concatenate([y, mean])
                model.condition(believer_x, believer_y)
            acquisition = self._acquisition(model, y, feasible, noisy, constraint, rng, integrate=integrate)
            asked = len(history.trials) + len(fantasies) - len(history.pending)
            region, side = self._trust_region(history, model, points, asked)
            scales = np.exp(model.theta[: history.space.dim])[encoder.groups]
            point = self._maximise(acquisition, encoder, history, points, fantasies, rng, region, scales)
            info: dict[str, Any] = {"acquisition": "log_nei" if noisy else "log_ei_integrated" if integrate else "log_ei", "warp": warp,
                                    "theta": [round(v, 6) for v in model.theta]}
            if region is not None:
                info["box"] = round(side, 6)
                info["region"] = round(float((region[1] - region[0]).max()), 6)
            out.append(Suggestion(point, info, self.name))
            fantasies.append(point)
            model.condition(X, y)
        if self._random_expects_more(history, observed, model, encoder, y, out[0].point):
            # see :mod:`design`: a random untried point expects more than the model's pick
            info = {"order": "random", "warp": warp, "theta": [round(v, 6) for v in model.theta]}
            return [Suggestion(s.point, info, self.name) for s in enumerate_design(history, n)]
        return out

    def _random_expects_more(self, history: History, observed: list[Trial], model: GaussianProcess, encoder: Encoder,
                             y: np.ndarray, point: np.ndarray) -> bool:
        """On an enumerated space without feasibility feedback: whether a random untried point expects a larger
        improvement on the best target of ``y`` (one per ``observed`` trial) than the GP expects at ``point``."""
        import numpy as np

        space = history.space
        if not (space.is_discrete and space.cardinality() <= self.max_enumerate) or any(t.feasibility is not None for t in observed):
            return False
        best = float(y.min())
        random_gain = random_improvement(best, y[[drawn_at_random(t) for t in observed]])
        if random_gain is None:
            return False
        mean, variance = model.posterior(encoder.features(encoder.snap(np.asarray(point, dtype=float)[None, :])))
        return random_gain > expected_improvement(best, float(mean[0]), math.sqrt(float(variance[0])))

    def _design_left(self, history: History, n: int) -> tuple[int, bool]:
        """How many design points are still to ask (``n`` while fewer than two different results are
        in), and whether a discrete space's design may end early, once the model has signal (see :mod:`design`)."""
        observed = [t for t in history.complete if math.isfinite(history.loss(t))]
        design = design_size(history.space, self.initial_points(history.space.dim))
        n_design = max(0, design - len(history.trials))
        if len(observed) < 2 or len({history.loss(t) for t in observed}) < 2:
            n_design = n
        early = n_design > 0 and may_stop_early(history.space, len({history.loss(t) for t in observed}), design)
        return n_design, early

    def _design(self, history: History, n: int, n_design: int) -> list[Suggestion]:
        """The first ``min(n, n_design)`` points of the design: Sobol, or the whole space
        in random order when it is no larger than the design."""
        from optarium.blackbox.sobol import SobolSampler

        count = min(n, n_design)
        space = history.space
        if space.is_discrete and space.cardinality() <= design_size(space, self.initial_points(space.dim)):
            return enumerate_design(history, count)
        return [Suggestion(s.point, s.info, "sobol") for s in SobolSampler().suggest(history, count)]

    def _suggest_after_design(self, history: History, n: int, n_design: int) -> list[Suggestion]:
        """The rest of a batch that outgrows the design: model-based, with the design points pending."""
        if n <= n_design:
            return []
        design = self._design(history, n, n_design)
        pending = [Trial(max((t.number for t in history.trials), default=0) + 1 + i, {}, "pending",
                         point=tuple(float(u) for u in s.point)) for i, s in enumerate(design)]
        extended = dataclasses.replace(history, trials=history.trials + pending)
        return self._suggest(extended, n - len(design))

    def _endgame(self, history: History, asked: int) -> tuple[int, int] | None:
        """(evaluations still to ask, this one included; the endgame's length) when the ask
        after ``asked`` trials falls in a budgeted study's last ``endgame_fraction`` and the
        initial design is complete; None otherwise."""
        budget = history.budget
        if budget is None or len(history.complete) < self.initial_points(history.space.dim):
            return None
        length = math.floor(self.endgame_fraction * budget)
        left = budget - asked
        return (left, length) if length >= 2 and 1 <= left <= length else None

    def _trust_region(self, history: History, model: GaussianProcess, points: np.ndarray,
                      asked: int) -> tuple[tuple[np.ndarray, np.ndarray] | None, float]:
        """The box (low, high) in the unit cube the acquisition is maximised in, ``asked``
        trials so far, and its nominal side: ``trust_side`` scaled to the dimension, or the endgame's shrinking side
        in the last ``endgame_fraction`` of a budgeted study (see the module docstring).
        None for enumerated spaces, which are searched exactly. Categorical parameters keep
        their whole range."""
        import numpy as np

        space = history.space
        if not len(points) or (space.is_discrete and space.cardinality() <= self.max_enumerate):
            return None, 1.0
        side = self.trust_side ** (self.trust_dim / space.dim)
        endgame = self._endgame(history, asked)
        if endgame is not None:
            left, length = endgame
            side = min(side, 0.05 + 0.35 * (left - 1) / max(length - 1, 1))
        losses = np.array([history.loss(t) for t in history.complete if math.isfinite(history.loss(t))])
        incumbent = points[int(np.argmin(losses))]
        assert model.log_lengthscale is not None
        lengthscale = np.exp(model.log_lengthscale)  # one per parameter
        weights = lengthscale / np.exp(np.log(lengthscale).mean())
        half = np.clip(0.5 * side * weights, 0.01, 0.5)
        whole = np.array([isinstance(param, CategoricalParam) for param in space.params])
        half[whole] = 1.0
        return (np.clip(incumbent - half, 0.0, 1.0), np.clip(incumbent + half, 0.0, 1.0)), side

    # models -----------------------------------------------------------------------------
    def _feasibility_model(self, history: History, encoder: Encoder) -> GaussianProcess | None:
        import numpy as np

        told = [t for t in history.complete if t.feasibility is not None]
        if len(told) < 2:
            return None
        X = encoder.features(encoder.snap(np.array([t.point for t in told])))
        c = np.array([float(t.feasibility or 0.0) for t in told])
        scaled, (centre, spread) = _standardise(c)
        model = GaussianProcess(encoder.groups, history.space.dim).fit(X, scaled)
        model.threshold = -centre / spread
        return model

    def _acquisition(
        self,
        model: GaussianProcess,
        y: np.ndarray,
        feasible: np.ndarray,
        noisy: bool,
        constraint: GaussianProcess | None,
        rng: np.random.Generator,
        integrate: bool = False,
    ) -> Acquisition | IntegratedAcquisition:
        """log EI (noisy log EI for a noisy model); with ``integrate``, log EI averaged over
        ``integrate_samples`` posterior draws of the hyper-parameters (see the module docstring)."""
        import numpy as np

        n_obs = len(y)
        if noisy:
            samples = model.sample_at_data(self.nei_samples, rng)[:, :n_obs]
            noiseless = model.conditioned_copy(model.X[:n_obs], y, noise=1e-6 * model.outputscale)
            return Acquisition(noiseless, None, constraint, noiseless.solve(samples.T),
                               samples[:, feasible].min(axis=1) if feasible.any() else None)
        best = float(y[feasible].min()) if feasible.any() else None
        if integrate:
            # seeded by the data alone: the same results give the same ask
            seed = [n_obs, 99, *(int(abs(v) * 1e6) % 2**31 for v in y[:3])]
            draws = model.hyperparameter_samples(model.X[:n_obs], y, self.integrate_samples, self.integrate_burn,
                                                 np.random.default_rng(seed))
            return IntegratedAcquisition([Acquisition(draw, best, constraint) for draw in draws])
        return Acquisition(model, best, constraint)

    # acquisition optimisation -------------------------------------------------------------
    def _maximise(
        self,
        acquisition: Acquisition | IntegratedAcquisition,
        encoder: Encoder,
        history: History,
        observed: np.ndarray,
        fantasies: list[np.ndarray],
        rng: np.random.Generator,
        region: tuple[np.ndarray, np.ndarray] | None,
        scales: np.ndarray,
    ) -> np.ndarray:
        import numpy as np

        space = history.space
        if space.is_discrete and space.cardinality() <= self.max_enumerate:
            grid = _grid(space)
            taken = {tuple(np.round(p, 9)) for p in encoder.snap(np.array([t.point for t in history.trials] + fantasies))} if history.trials or fantasies else set()
            fresh = np.array([p for p in grid if tuple(np.round(p, 9)) not in taken]) if len(taken) < len(grid) else grid
            scores = np.concatenate([acquisition(encoder.features(chunk)) for chunk in np.array_split(fresh, max(1, len(fresh) // 4096))])
            return np.asarray(fresh[int(np.argmax(scores))])
        dim = space.dim
        losses = np.array([history.loss(t) for t in history.complete if math.isfinite(history.loss(t))])
        top = observed[np.argsort(losses)[:5]] if len(observed) else np.full((1, dim), 0.5)
        local = top[rng.integers(len(top), size=self.n_local)] + rng.standard_normal((self.n_local, dim)) * rng.choice([0.01, 0.05, 0.15], size=(self.n_local, 1))
        raw = rng.random((self.n_raw, dim))
        low, high = (np.zeros(dim), np.ones(dim)) if region is None else region
        if region is not None:
            raw = low + raw * (high - low)
            local = np.clip(local, low, high)
            top = np.clip(top, low, high)
        candidates = encoder.snap(np.vstack([raw, local]))
        scores = acquisition(encoder.features(candidates))
        order = np.argsort(-scores, kind="stable")
        # L-BFGS from the best raw candidates and from the incumbent itself (EI is
        # often highest right next to it late in a run, where random candidates are sparse).
        starts = np.vstack([candidates[order[: self.n_refine]], top[:1]])
        best_point, best_score = candidates[order[0]], float(scores[order[0]])
        if encoder.float_params:
            refined = self._refine(acquisition, encoder, starts, low, high, scales)
            refined_scores = acquisition(encoder.features(refined))
            k = int(np.argmax(refined_scores))
            if float(refined_scores[k]) > best_score:
                best_point = refined[k]
        return np.asarray(best_point)

    def _refine(self, acquisition: Differentiable, encoder: Encoder, starts: np.ndarray,
                low: np.ndarray, high: np.ndarray, scales: np.ndarray) -> np.ndarray:
        """Box-constrained L-BFGS (:mod:`box_minimize`) over the float parameters of each start inside the box [low, high], the
        others held (one joint run).

        With the GP's length scale of each feature column (``scales``), the search runs in
        x / length scale, where the acquisition is about equally steep in every direction
        (Optuna's GPSampler preconditions the same way), and stops once the projected
        gradient is below 0.01 there: the acquisition's optimum need not be known to more
        than a small fraction of a length scale.
        """
        import numpy as np

        from optarium.blackbox.box_minimize import minimize_box

        base = encoder.features(starts)
        columns = encoder.float_columns
        params = encoder.float_params
        scale = np.asarray(scales, dtype=float)[columns]
        tiled = np.tile(scale, len(starts))

        def objective(z: np.ndarray) -> tuple[float, np.ndarray]:
            features = base.copy()
            features[:, columns] = (z * tiled).reshape(len(starts), len(params))
            value, gradient = acquisition.with_gradient(features)
            return -float(value.sum()), -gradient[:, columns].ravel() * tiled

        z0 = starts[:, params].ravel() / tiled
        z, _ = minimize_box(objective, z0, np.tile(low[params], len(starts)) / tiled, np.tile(high[params], len(starts)) / tiled,
                            max_iter=60, gtol=1e-2)
        refined = starts.copy()
        refined[:, params] = np.clip((z * tiled).reshape(len(starts), len(params)), low[params], high[params])
        return encoder.snap(refined)


def _standardise(values: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    centre = float(values.mean())
    spread = float(values.std()) or 1.0
    return (values - centre) / spread, (centre, spread)


def _fit(encoder: Encoder, n_groups: int, X: np.ndarray, losses: np.ndarray, previous: dict[str, Any] | None,
         restart: bool, trend: bool = False, log_margin: float = 0.0,
         offsets: Mapping[str, float] = WARP_OFFSETS) -> tuple[GaussianProcess, np.ndarray, str]:
    """Fit the GP to the standardised losses, as they are or log-warped, whichever explains them better.

    Losses that span decades (a few huge values among many small ones) are often better
    modelled on a log scale (Rosenbrock), but not always (an ill-conditioned ellipsoid
    is smooth as it is, and a strong log bends it). The raw losses and each log warp of
    ``offsets`` (name -> k in ``log(loss - min + k (median - min))``) are fitted and compared by the marginal likelihood of the *original*
    losses: the GP evidence of the transformed, standardised targets plus the log Jacobian
    of the transformation. A warp must gain ``log_margin`` nats per observation over the
    raw scale. The choice is revisited on ``restart`` asks and kept from ``previous``
    otherwise.
    """
    import numpy as np

    options = {"none": (losses, 0.0)}
    low, median, high = float(losses.min()), float(np.median(losses)), float(losses.max())
    if median - low > 0 and (high - median) >= 10 * (median - low):
        for name, k in offsets.items():
            warped = np.log(losses - low + k * (median - low))
            options[name] = (warped, -float(warped.sum()))
    if not restart and previous is not None and previous.get("warp") in options:
        options = {previous["warp"]: options[previous["warp"]]}
    start = previous.get("theta") if previous is not None else None
    best: tuple[float, GaussianProcess, np.ndarray, str] | None = None
    for name, (values, log_jacobian) in options.items():
        y, (_, spread) = _standardise(values)
        model = GaussianProcess(encoder.groups, n_groups, trend=trend).fit(X, y, start=start, restart=restart)
        evidence = model.log_evidence() - len(y) * math.log(spread) + log_jacobian
        if name != "none":
            evidence -= log_margin * len(y)
        if best is None or evidence > best[0]:
            best = (evidence, model, y, name)
    assert best is not None
    return best[1], best[2], best[3]


def _grid(space: Space) -> np.ndarray:
    """All points of a discrete space, as bin centres in the unit cube, shape (cardinality, d)."""
    import numpy as np

    axes = []
    for param in space.params:
        if isinstance(param, CategoricalParam):
            axes.append([(i + 0.5) / len(param.choices) for i in range(len(param.choices))])
        elif isinstance(param, IntParam):
            axes.append([param.to_unit(v) for v in range(param.low, param.high + 1)])
    return np.array(list(itertools.product(*axes)), dtype=float)
