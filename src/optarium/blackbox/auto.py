"""``auto``: pick a sampler from the space, the budget and the feedback type, and say why.

Rules (each ask applies them again, so a long study moves on by itself):
ranking feedback -> ZO-RankSGD; more than ``max_gp_dim`` parameters -> CMA-ES after a
Sobol design; otherwise GP Bayesian optimization (which starts with a Sobol design)
until ``max_gp_observations`` results, then CMA-ES started at the best point so far,
because exact GP cost grows with the cube of the number of observations.

Several objectives: EHVI on one GP per objective for two or three objectives; ParEGO
(one random scalarization per point, on the GP sampler) for four or more, where the box
decompositions EHVI needs grow too fast; NSGA-II beyond ``max_gp_dim`` parameters, once
``max_gp_observations`` results are in, or from the start with a budget of at least
``NSGA2_BUDGET`` evaluations, where a model per ask costs more than it saves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.blackbox.base import History, Suggestion

if TYPE_CHECKING:
    from optarium.blackbox.space import Space

MAX_GP_DIM = 40
MAX_GP_OBSERVATIONS = 300
MAX_EHVI_OBJECTIVES = 3
NSGA2_BUDGET = 1000


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
    from optarium.blackbox.gp import GPSampler

    switch = f"; switches to cmaes after {MAX_GP_OBSERVATIONS} results, where exact GP cost grows too large"
    if space.is_discrete and space.cardinality() <= GPSampler.max_enumerate:
        from optarium.blackbox.design import design_size

        design = design_size(space, GPSampler().initial_points(space.dim))
        text = (f"gp after a Sobol design of up to {design} points: {space.dim} discrete parameters and "
                f"{int(space.cardinality())} points, every untried one scored by log EI averaged over hyper-parameter "
                f"draws (up to {GPSampler.integrate_max_observations} results)")
        return text if budget is not None and budget <= MAX_GP_OBSERVATIONS else text + switch
    kinds = "mixed" if space.has_categorical else "continuous/integer"
    text = f"gp (log EI) after a Sobol design: {space.dim} {kinds} parameters"
    if budget is not None and budget <= MAX_GP_OBSERVATIONS:
        return text + f" and a budget of {budget} evaluations suit Bayesian optimization"
    return text + switch


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
        if chosen.name == "cmaes" and len(history.trials) < min(10, 2 * history.space.dim):
            chosen = get_sampler("sobol")
        return [Suggestion(s.point, s.info, s.sampler or chosen.name) for s in chosen.suggest(history, n)]
