"""The plan stage: a planner chooses a backend and its parameters and says why.

A planner is anything with ``plan(problem, history) -> Plan``; ``history`` is
the store the flow records into (or None when nothing is recorded), read
through its :class:`~optarium.store.base.RunStore` and
:class:`~optarium.store.base.ArtifactStore` methods only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from optarium.store.base import Store

PlanSource = Literal["user", "rules", "tuned", "learned", "bandit"]
PLAN_SOURCES: tuple[str, ...] = ("user", "rules", "tuned", "learned", "bandit")


@dataclass(frozen=True)
class Plan:
    """Which backend runs, with which parameters, why, and who decided."""

    solver: str
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    source: PlanSource = "rules"

    def __post_init__(self) -> None:
        if not self.solver:
            raise ValueError("`solver` must name a backend, got an empty string")
        if self.source not in PLAN_SOURCES:
            raise ValueError(f"`source` must be one of {', '.join(PLAN_SOURCES)}, got {self.source!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"solver": self.solver, "params": dict(self.params), "reason": self.reason, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(data["solver"], dict(data.get("params") or {}), data.get("reason", ""), data.get("source", "rules"))


class Planner(Protocol):
    """Chooses a backend and parameters for one problem of its kind."""

    def plan(self, problem: Any, history: Store | None) -> Plan: ...


def user_plan(solver: str, params: dict[str, Any] | None = None) -> Plan:
    """The plan when the user named the backend."""
    return Plan(solver, dict(params or {}), "chosen by the user", "user")
