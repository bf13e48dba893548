"""Optuna's TPE as a study sampler (``sampler="tpe"``), the peer to compare tuning samplers against.

After Bergstra et al., "Algorithms for Hyper-Parameter Optimization" (NeurIPS 2011),
through Optuna's ``TPESampler``. Departures: the study's points live in the unit
cube and are decoded by the space, so TPE models every parameter (categorical and
integer ones too) as a float in [0, 1] rather than with its own distribution; each
ask rebuilds an in-memory Optuna study from the complete trials (failed ones are
left out) and asks it for ``n`` points. Registered under the name ``tpe`` when
this module is imported (``optarium.learn.tune`` imports it); needs ``optuna``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from optarium.blackbox.base import History, Suggestion

NAME = "tpe"


class OptunaTPESampler:
    """TPE over the unit cube: Optuna's sampler, told every complete trial's loss."""

    name = NAME

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        import math

        import optuna

        from optarium.blackbox.base import Suggestion

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        dimension = history.space.dim
        distributions: dict[str, optuna.distributions.BaseDistribution] = {
            f"u{i}": optuna.distributions.FloatDistribution(0.0, 1.0) for i in range(dimension)}
        seed = int(history.rng(23).integers(2**31 - 1))
        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
        for trial in history.complete:
            loss = history.loss(trial)
            if not trial.point or not math.isfinite(loss):
                continue
            params = {f"u{i}": float(np.clip(value, 0.0, 1.0)) for i, value in enumerate(trial.point)}
            study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=loss))
        out = []
        for _ in range(n):
            asked = study.ask(distributions)
            out.append(Suggestion(np.array([asked.params[f"u{i}"] for i in range(dimension)]), {}))
        return out


def register() -> None:
    """Register the sampler under ``tpe`` unless a sampler of that name is there already."""
    from optarium.blackbox.samplers import register as add
    from optarium.blackbox.samplers import sampler_names

    if NAME not in sampler_names():
        add(NAME, "optarium.learn.tpe:OptunaTPESampler")


register()
