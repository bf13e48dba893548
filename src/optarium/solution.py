"""What a solve returns: status, objective, bound, values, timings and the check."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["optimal", "feasible", "infeasible", "unbounded", "time_limit", "error"]
STATUSES: tuple[str, ...] = ("optimal", "feasible", "infeasible", "unbounded", "time_limit", "error")
# Statuses that come with a point the checker can look at.
WITH_POINT = ("optimal", "feasible", "time_limit")


@dataclass(frozen=True)
class Verification:
    """An independent check of a point against the canonical problem."""

    verified: bool
    objective: float | None
    max_bound_violation: float
    max_row_violation: float
    max_integrality_violation: float
    objective_error: float
    worst: dict[str, Any] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def max_violation(self) -> float:
        return max(self.max_bound_violation, self.max_row_violation, self.max_integrality_violation)


@dataclass
class Solution:
    """The answer to one solve; ``status`` is never ``optimal`` unless the check passed."""

    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    values: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    solver: str = ""
    solver_version: str = ""
    verification: Verification | None = None
    message: str = ""
    solver_status: str = ""
    plan_reason: str = ""
    cross_check: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def verified(self) -> bool:
        return self.verification is not None and self.verification.verified

    @property
    def max_violation(self) -> float | None:
        return None if self.verification is None else self.verification.max_violation

    def summary(self) -> dict[str, Any]:
        """The documented ``--json`` schema (see docs/solve.md)."""
        return {
            "status": self.status,
            "objective": _finite(self.objective),
            "bound": _finite(self.bound),
            "gap": _finite(self.gap),
            "solver": self.solver,
            "solver_version": self.solver_version,
            "solver_status": self.solver_status,
            "verified": self.verified,
            "max_violation": self.max_violation,
            "seconds": round(self.seconds, 6),
            "timings": {key: round(value, 6) for key, value in self.timings.items()},
            "run_id": self.run_id,
            "plan_reason": self.plan_reason,
            "cross_check": self.cross_check,
            "message": self.message,
        }

    def to_dict(self, with_values: bool = True) -> dict[str, Any]:
        out = self.summary()
        out["verification"] = None if self.verification is None else asdict(self.verification)
        if with_values:
            out["values"] = self.values
        return out

    def to_json(self, with_values: bool = True) -> str:
        return json.dumps(self.to_dict(with_values), indent=2, allow_nan=False, default=_finite)

    def to_sol(self) -> str:
        """The usual ``.sol`` text: ``=obj= value`` then one ``name value`` line per variable."""
        lines = [f"=obj= {self.objective!r}" if self.objective is not None else f"=status= {self.status}"]
        lines += [f"{name} {value!r}" for name, value in self.values.items()]
        return "\n".join(lines) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
