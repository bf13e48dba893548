"""``auto``: pick a sampler from the space, the budget and the feedback type, and say why.

Rules (each ask applies them again, so a long study moves on by itself):
ranking feedback -> ZO-RankSGD; more than ``max_gp_dim`` parameters -> CMA-ES after a
Sobol design; otherwise GP Bayesian optimization (which starts with a Sobol design)
until ``max_gp_observations`` results, then CMA-ES started at the best point so far,
because exact GP cost grows with the cube of the number of observations.

Small discrete spaces (every point enumerable, one objective, no feasibility told): once
``STALL_ASKS`` results have come in since the best one, the GP's log EI, which there tends to
lock onto one option of the main parameter, gives way to Thompson sampling (Russo et al.,
"A Tutorial on Thompson Sampling", 2018): each point is the best of one joint draw from the
GP posterior over the untried points. We depart in drawing over the ``THOMPSON_POOL``
untried points with the best lower confidence bound only: a draw over all of them spread the
asks almost like random search, and an exact joint draw costs the cube of the pool;
docs/blackbox.md ("Easy spaces") has the measurements.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from optarium.blackbox.base import History, Suggestion

if TYPE_CHECKING:
    from optarium.blackbox.space import Space

MAX_GP_DIM = 40
MAX_GP_OBSERVATIONS = 300
MAX_EHVI_OBJECTIVES = 3
NSGA2_BUDGET = 1000
THOMPSON_POOL = 100  # untried points a joint posterior draw covers on a small discrete space
STALL_ASKS = 5  # results since the best one after which a small discrete space's asks are Thompson draws


def choose(dim: int, observations: int, feedback: str, n_objectives: int = 1, budget: int | None = None) -> str:
    if n_objectives > 1:
        if dim > MAX_GP_DIM or observations >= MAX_GP_OBSERVATIONS or (budget is not None and budget >= NSGA2_BUDGET):
            return "nsga2"
        return "ehvi" if n_objectives <= MAX_EHVI_OBJECTIVES else "parego"
    if feedback == "ranking":
        return "zo_rank"
    if dim > MAX_GP_DIM or observations >= MAX_GP_OBSERVATIONS:
        return "cmaes"
    return "gp"


def explain(space: Space, budget: int | None, feedback: str, n_objectives: int = 1) -> str:
    """The reason recorded with a study created with ``sampler="auto"``."""
    if n_objectives > 1:
        return _explain_multi(space, budget, n_objectives)
    if feedback == "ranking":
        return "zo_rank: only rankings are told, so a rank-based gradient estimator (ZO-RankSGD) is used"
    if space.dim > MAX_GP_DIM:
        return f"cmaes after a Sobol design: {space.dim} parameters is more than a GP models well ({MAX_GP_DIM})"
    kinds = "mixed" if space.has_categorical else "continuous/integer"
    text = f"gp (log EI) after a Sobol design: {space.dim} {kinds} parameters"
    from optarium.blackbox.gp import GPSampler

    if space.is_discrete and space.cardinality() <= GPSampler.max_enumerate:
        text += f" (Thompson draws over the untried points once {STALL_ASKS} results pass without a better one)"
    if budget is not None and budget <= MAX_GP_OBSERVATIONS:
        return text + f" and a budget of {budget} evaluations suit Bayesian optimization"
    return text + f"; switches to cmaes after {MAX_GP_OBSERVATIONS} results, where exact GP cost grows too large"


def _explain_multi(space: Space, budget: int | None, k: int) -> str:
    if space.dim > MAX_GP_DIM:
        return f"nsga2 after a Sobol design: {space.dim} parameters is more than a GP models well ({MAX_GP_DIM})"
    if budget is not None and budget >= NSGA2_BUDGET:
        return f"nsga2 after a Sobol design: a budget of {budget} evaluations (>= {NSGA2_BUDGET}) suits an evolutionary search"
    if k > MAX_EHVI_OBJECTIVES:
        text = f"parego (random Chebyshev scalarizations on a GP) after a Sobol design: {k} objectives, more than EHVI handles well ({MAX_EHVI_OBJECTIVES})"
    else:
        text = f"ehvi (log expected hypervolume improvement, one GP per objective) after a Sobol design: {k} objectives, {space.dim} parameters"
    return text + f"; switches to nsga2 after {MAX_GP_OBSERVATIONS} results, where exact GP cost grows too large"


class AutoSampler:
    """Delegates each ask to the sampler :func:`choose` names; trials record which one."""

    name = "auto"

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        from optarium.blackbox.samplers import get_sampler

        chosen = get_sampler(choose(history.space.dim, len(history.complete), history.feedback, history.n_objectives,
                                    history.budget))
        if chosen.name == "gp" and _thompson_applies(history, chosen) and stalled(history) >= STALL_ASKS:
            from optarium.blackbox.gp_model import one_blas_thread

            with one_blas_thread():
                return thompson(history, n, chosen)
        if chosen.name == "cmaes" and len(history.trials) < min(10, 2 * history.space.dim):
            chosen = get_sampler("sobol")
        return [Suggestion(s.point, s.info, s.sampler or chosen.name) for s in chosen.suggest(history, n)]


def stalled(history: History) -> int:
    """How many results have come in since the best one so far (0 when the last result is the best)."""
    losses = [history.loss(t) for t in sorted(history.complete, key=lambda t: t.number)]
    finite = [loss for loss in losses if math.isfinite(loss)]
    if not finite:
        return 0
    return len(losses) - 1 - losses.index(min(finite))


def _thompson_applies(history: History, gp: Any) -> bool:
    """A small discrete space, one objective told as values, no feasibility, the GP's design over or
    allowed to end early (see :mod:`design`)."""
    space = history.space
    if not space.is_discrete or space.cardinality() > gp.max_enumerate or history.has_feasibility:
        return False
    n_design, early = gp._design_left(history, n=1)
    return n_design == 0 or early


def thompson(history: History, n: int, gp: Any) -> list[Suggestion]:
    """``n`` untried points of an enumerable discrete space, each the best of one joint draw from the
    GP posterior (see the module docstring); the GP's hyper-parameters are fitted as the ``gp`` sampler
    fits them, and while its design may still end early but the fit has no signal, ``gp`` asks."""
    import numpy as np

    from optarium.blackbox.design import has_signal
    from optarium.blackbox.gp import Encoder, _fit, _grid
    from optarium.blackbox.gp_model import _cholesky

    space = history.space
    observed = [t for t in history.complete if math.isfinite(history.loss(t))]
    encoder = Encoder(space)
    points = encoder.snap(np.array([t.point for t in observed]))
    X = encoder.features(points)
    losses = np.array([history.loss(t) for t in observed])
    earlier = [t.info for t in history.trials if t.sampler == "gp" and "theta" in t.info]
    model, y, warp = _fit(encoder, space.dim, X, losses, earlier[-1] if earlier else None,
                          restart=len(earlier) % 5 == 0, trend=True)
    n_design, _ = gp._design_left(history, n)
    if n_design and not has_signal(model, y):
        return [Suggestion(s.point, s.info, s.sampler or gp.name) for s in gp.suggest(history, n)]
    grid = _grid(space)
    taken = {tuple(np.round(p, 9)) for p in encoder.snap(np.array([t.point for t in history.trials]))}
    fresh = np.array([p for p in grid if tuple(np.round(p, 9)) not in taken])
    if not len(fresh):
        fresh = grid
    features = encoder.features(fresh)
    mean, variance = model.posterior(features)
    pool = np.argsort(mean - 2.0 * np.sqrt(variance), kind="stable")[:THOMPSON_POOL]
    features, fresh, mean = features[pool], fresh[pool], mean[pool]
    cross = model.kernel(features, model.X, model.log_lengthscale, model.log_outputscale) @ model.L_inverse.T
    covariance = model.kernel(features, features, model.log_lengthscale, model.log_outputscale) - cross @ cross.T
    factor = _cholesky(0.5 * (covariance + covariance.T))
    rng = history.rng(37)
    out: list[Suggestion] = []
    chosen: set[int] = set()
    info = {"acquisition": "thompson", "warp": warp, "theta": [round(v, 6) for v in model.theta]}
    for _ in range(n):
        draw = mean + factor @ rng.standard_normal(len(mean))
        if len(chosen) < len(draw):
            draw[list(chosen)] = np.inf
        best = int(np.argmin(draw))
        chosen.add(best)
        out.append(Suggestion(np.asarray(fresh[best]), dict(info), "gp"))
    return out
