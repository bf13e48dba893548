"""A black-box problem as a problem kind: a space, a function to evaluate and a budget.

``optarium.flow.solve_problem(BlackBoxProblem(...))`` runs a study through the one
flow (plan → solve → verify → record) like any other kind: the planner names the
sampler and says why, the answer is checked against the space, and the run is
recorded with the space's fingerprint. For studies that live across processes or
take results told by people and robots, use :class:`~optarium.blackbox.study.Study`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from optarium.blackbox.space import CategoricalParam, FloatParam, IntParam, Space
from optarium.errors import OptionError

DIRECTIONS = ("minimize", "maximize")


@dataclass(frozen=True, eq=False)
class BlackBoxProblem:
    """Find the best ``objective(params)`` over ``space`` in ``budget`` evaluations.

    ``recheck=True`` makes verification evaluate the reported best point once more and
    compare (within ``recheck_tolerance``, relative): worth it for a cheap deterministic
    function, wasteful for an expensive experiment, so it is off by default and the
    check then covers the point only (inside the space, every parameter allowed).
    """

    space: Space
    objective: Callable[[dict[str, Any]], float]
    budget: int
    direction: str = "minimize"
    name: str = "blackbox"
    recheck: bool = False
    recheck_tolerance: float = 1e-9

    kind: ClassVar[str] = "blackbox"

    def __post_init__(self) -> None:
        if isinstance(self.space, dict):
            object.__setattr__(self, "space", Space.from_dict(self.space))
        if not isinstance(self.space, Space):
            raise OptionError("space", self.space, "a Space or a dict defining one")
        if not callable(self.objective):
            raise OptionError("objective", self.objective, "a function of a parameter dict")
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1:
            raise OptionError("budget", self.budget, "a positive integer")
        if self.direction not in DIRECTIONS:
            raise OptionError("direction", self.direction, "'minimize' or 'maximize'")
        if not (isinstance(self.recheck_tolerance, int | float) and self.recheck_tolerance >= 0):
            raise OptionError("recheck_tolerance", self.recheck_tolerance, "a number >= 0")

    def fingerprint(self) -> str:
        """SHA-256 of the space, the direction and the function's qualified name (not the budget)."""
        function = f"{getattr(self.objective, '__module__', '')}.{getattr(self.objective, '__qualname__', '')}"
        text = json.dumps({"space": self.space.to_dict(), "direction": self.direction, "objective": function},
                          sort_keys=True, default=str)
        return hashlib.sha256(f"blackbox|{text}".encode()).hexdigest()

    def features(self) -> dict[str, Any]:
        """Size and shape of the space, recorded with each run."""
        params = self.space.params
        cardinality = self.space.cardinality()
        return {
            "problem_class": "blackbox",
            "dim": self.space.dim,
            "n_float": sum(isinstance(p, FloatParam) for p in params),
            "n_int": sum(isinstance(p, IntParam) for p in params),
            "n_categorical": sum(isinstance(p, CategoricalParam) for p in params),
            "cardinality": cardinality if math.isfinite(cardinality) else None,
            "budget": self.budget,
            "direction": self.direction,
        }
