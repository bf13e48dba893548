"""What every solve returns, for every problem kind: one status vocabulary, one check.

The verification policy, the same for every kind (see docs/architecture.md):
an answer that comes with a point which fails the kind's independent check is
reported as ``error``, never as ``optimal`` or ``feasible``; the point is kept
(``payload``) so the user can look at what was wrong. A backend that claims
``optimal`` or ``feasible`` without returning a point is an ``error`` too.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from optarium.plan import Plan

Status = Literal[
    "optimal", "locally_optimal", "feasible", "infeasible", "unbounded", "time_limit", "interrupted", "error"
]
STATUSES: tuple[str, ...] = (
    "optimal", "locally_optimal", "feasible", "infeasible", "unbounded", "time_limit", "interrupted", "error"
)
# Statuses that may come with a point the checker can look at.
WITH_POINT = ("optimal", "locally_optimal", "feasible", "time_limit", "interrupted")
# Statuses that claim a point exists.
CLAIMS_POINT = ("optimal", "locally_optimal", "feasible")

PayloadT = TypeVar("PayloadT")


@dataclass(frozen=True)
class Verification:
    """An independent check of an answer against the problem's own data.

    ``violations`` lists what is wrong in words (empty when verified);
    ``details`` holds the kind's own measurements (for a math program the
    largest bound, row and integrality violation and where they are);
    ``reader`` names what produced the problem that was checked.
    """

    verified: bool
    objective: float | None
    max_violation: float
    violations: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)
    reader: str = ""

    @property
    def message(self) -> str:
        return "; ".join(self.violations)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["violations"] = list(self.violations)
        return out


@dataclass
class Solution(Generic[PayloadT]):
    """The answer to one solve of any kind; ``status`` is never ``optimal`` unless the check passed.

    ``payload`` is the kind's own answer: a :class:`~optarium.problem.program.Point`
    for math programs, routes for routing, start times for a job shop.
    """

    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    payload: PayloadT | None = None
    kind: str = "math_program"
    seconds: float = 0.0
    solver: str = ""
    solver_version: str = ""
    solver_status: str = ""
    plan: Plan | None = None
    verification: Verification | None = None
    message: str = ""
    cross_check: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def verified(self) -> bool:
        return self.verification is not None and self.verification.verified

    @property
    def max_violation(self) -> float | None:
        return None if self.verification is None else self.verification.max_violation

    @property
    def plan_reason(self) -> str:
        return "" if self.plan is None else self.plan.reason

    @property
    def values(self) -> dict[str, float]:
        """Variable values by name, for kinds whose payload has them (math programs)."""
        as_dict = getattr(self.payload, "as_dict", None)
        return as_dict() if callable(as_dict) else {}

    def summary(self) -> dict[str, Any]:
        """The documented ``--json`` schema shared by every kind (see docs/architecture.md)."""
        return {
            "kind": self.kind,
            "status": self.status,
            "objective": _finite(self.objective),
            "bound": _finite(self.bound),
            "gap": _finite(self.gap),
            "solver": self.solver,
            "solver_version": self.solver_version,
            "solver_status": self.solver_status,
            "verified": self.verified,
            "max_violation": _finite(self.max_violation),
            "violations": [] if self.verification is None else list(self.verification.violations),
            "seconds": round(self.seconds, 6),
            "timings": {key: round(value, 6) for key, value in self.timings.items()},
            "run_id": self.run_id,
            "plan": None if self.plan is None else self.plan.to_dict(),
            "plan_reason": self.plan_reason,
            "cross_check": self.cross_check,
            "message": self.message,
        }

    def to_dict(self, with_values: bool = True) -> dict[str, Any]:
        out = self.summary()
        out["verification"] = None if self.verification is None else self.verification.to_dict()
        if with_values:
            out["values"] = self.values
        return out

    def to_json(self, with_values: bool = True) -> str:
        return json.dumps(self.to_dict(with_values), indent=2, allow_nan=False, default=_finite)

    def to_sol(self) -> str:
        """The usual ``.sol`` text: ``=obj= value`` then one ``name value`` line per variable.

        Without an objective, and for an infeasible or unbounded answer, the first line is
        ``=status= STATUS``; a zero is written ``0.0``, never ``-0.0``.
        """
        if self.objective is not None and self.status not in ("infeasible", "unbounded"):
            lines = [f"=obj= {float(self.objective) + 0.0!r}"]
        else:
            lines = [f"=status= {self.status}"]
        lines += [f"{name} {float(value) + 0.0!r}" for name, value in self.values.items()]
        return "\n".join(lines) + "\n"


def settle(status: str, has_point: bool, verification: Verification | None, solver: str) -> tuple[Status, str]:
    """The one verification policy: the status to report and why it changed (empty if it did not)."""
    if has_point and verification is not None and not verification.verified and status in WITH_POINT:
        return "error", f"{solver} reported {status} but the answer failed verification: {verification.message}"
    if not has_point and status in CLAIMS_POINT:
        return "error", f"{solver} reported {status} without a solution"
    if status not in STATUSES:
        return "error", f"{solver} reported an unknown status {status!r}"
    return status, ""  # type: ignore[return-value]


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
