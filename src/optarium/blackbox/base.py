"""What every sampler sees and returns: trials, the study history, and the Sampler protocol.

A sampler is stateless: each ``suggest`` rebuilds what it needs from the trials in the
store, so a study survives restarts and several workers can share it. It works in the
unit cube of the space and returns points plus a small JSON-able ``info`` dict that is
stored with the trial (CMA-ES keeps its generation there, ZO-RankSGD its ranking group).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np

    from optarium.blackbox.space import Space

State = Literal["pending", "complete", "failed"]


@dataclass(frozen=True)
class Trial:
    """One suggested experiment; ``number`` is the trial id users see (1, 2, ... per study)."""

    number: int
    params: dict[str, Any]
    state: State = "pending"
    value: float | None = None
    feasibility: float | None = None
    point: tuple[float, ...] = ()
    sampler: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    values: tuple[float, ...] | None = None  # every objective's value, in a multi-objective study

    @property
    def trial_id(self) -> int:
        return self.number

    @property
    def feasible(self) -> bool:
        """Feasible when no feasibility value was told or it is ``<= 0``."""
        return self.feasibility is None or self.feasibility <= 0

    def to_dict(self) -> dict[str, Any]:
        out = {
            "trial_id": self.number, "params": self.params, "state": self.state, "value": self.value,
            "feasibility": self.feasibility, "sampler": self.sampler,
        }
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class Suggestion:
    """A point of the unit cube, shape (dim,), and what the sampler wants stored with it."""

    point: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    sampler: str = ""


@dataclass
class History:
    """Everything a sampler may use: the space, the study settings and all trials so far.

    ``trials`` includes pending ones (other workers' and those already proposed in this
    ask), so a sampler can keep away from them.
    """

    space: Space
    direction: Literal["minimize", "maximize"]
    seed: int
    ask_index: int
    trials: list[Trial]
    budget: int | None = None
    feedback: Literal["value", "ranking"] = "value"
    directions: tuple[str, ...] = ()  # a multi-objective study's directions; empty for one objective

    @property
    def n_objectives(self) -> int:
        return max(1, len(self.directions))

    def losses(self, trial: Trial) -> tuple[float, ...] | None:
        """A multi-objective trial's values as losses (maximised ones negated); None unless complete."""
        if trial.state != "complete" or trial.values is None:
            return None
        return tuple(v if d == "minimize" else -v for v, d in zip(trial.values, self.directions, strict=True))

    def loss(self, trial: Trial) -> float:
        """The trial's value as a loss (smaller is better); ``inf`` for failed or pending ones."""
        if trial.state != "complete" or trial.value is None:
            return math.inf
        return trial.value if self.direction == "minimize" else -trial.value

    @property
    def complete(self) -> list[Trial]:
        return [t for t in self.trials if t.state == "complete"]

    @property
    def pending(self) -> list[Trial]:
        return [t for t in self.trials if t.state == "pending"]

    @property
    def has_feasibility(self) -> bool:
        return any(t.feasibility is not None for t in self.complete)

    def rng(self, *salt: int) -> np.random.Generator:
        """A generator unique to this study, this ask and ``salt``: two asks never share a stream."""
        import numpy as np

        return np.random.default_rng([self.seed, self.ask_index, *salt])


class Sampler(Protocol):
    """A sampler proposes ``n`` points given the history; everything else is optional."""

    name: str

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        """Return exactly ``n`` suggestions (points of shape (dim,) in the unit cube)."""
        ...


def penalised_losses(history: History, trials: list[Trial]) -> list[float]:
    """Losses for rank-based samplers: infeasible and failed trials rank after every feasible one.

    An infeasible trial gets ``worst feasible loss + 1 + violation``; a failed one ranks last.
    """
    finite = [history.loss(t) for t in history.complete if t.feasible]
    worst = max(finite) if finite else 0.0
    spread = (max(finite) - min(finite)) if len(finite) > 1 else 1.0
    out = []
    for trial in trials:
        loss = history.loss(trial)
        if not math.isfinite(loss):
            out.append(worst + 2.0 * spread + 1e6 * (1.0 + abs(worst)))
        elif not trial.feasible:
            out.append(worst + spread * (1.0 + float(trial.feasibility or 0.0)))
        else:
            out.append(loss)
    return out
