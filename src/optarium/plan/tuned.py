"""The tuned planner: the rule planner, plus a tuned configuration when it recognises the problem's family.

For a math program it reads the newest version of every ``tuned.*`` artifact
in the store (one query; parsed entries are cached per store and version),
finds the family whose feature centroid is nearest to the problem's, and uses
that configuration when it lies within the threshold, was tuned for an
installed backend of the same version, and that backend can take the problem.
Otherwise it returns the rules' plan, with the reason no configuration applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from optarium.plan import Plan

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.store.base import Store

PREFIX = "tuned."
# parsed configurations by (store URL, name, version, creation time): a saved version never changes
# (a reset name starts again at version one, at a later time); the math kind makes a new planner
# for every solve, so the cache lives here
_PARSED: dict[tuple[str, str, int, str], Tuned | None] = {}
_PARSED_LIMIT = 4096


@dataclass(frozen=True)
class Tuned:
    """One tuned configuration as the planner sees it."""

    name: str
    version: int
    family: str
    solver: str
    solver_version: str
    params: dict[str, Any]
    centroid: tuple[float, ...]


class TunedPlanner:
    """Rules, overridden by a stored tuned configuration of the problem's family."""

    def __init__(self, threshold: float | None = None, rules: Any = None, say_when_none: bool = False):
        """``say_when_none``: a store without any tuned configuration is named in the plan's reason (for a user
        who asked for this planner by name; the default planner reads as the rules do then)."""
        from optarium.learn.recognise import THRESHOLD

        self.threshold = THRESHOLD if threshold is None else float(threshold)
        if not self.threshold > 0:
            raise ValueError(f"`threshold` must be positive, got {threshold!r}")
        self.rules = rules
        self.say_when_none = say_when_none

    def plan(self, problem: MathProgram, history: Store | None = None) -> Plan:
        from optarium.plan.rules import MathRules

        base = (self.rules or MathRules()).plan(problem, history)
        # nothing tuned to consider: the rules' plan as it is, so everyday solves read as before
        if history is None:
            return replace(base, reason=f"{base.reason}; no tuned configuration: no store") if self.say_when_none else base
        configurations = self.configurations(history)
        if not configurations:
            none = "no tuned configuration: none in this store (optarium tune makes them)"
            return replace(base, reason=f"{base.reason}; {none}") if self.say_when_none else base
        from optarium.learn.recognise import distance, feature_vector

        vector = feature_vector(problem.features())
        ranked = sorted((distance(vector, tuned.centroid), tuned.name, tuned) for tuned in configurations)
        why = ""
        for apart, _, tuned in ranked:
            if apart > self.threshold:
                nearest = why or f"nearest family {tuned.family} is at distance {apart:.2f} (above {self.threshold:g})"
                return replace(base, reason=f"{base.reason}; no tuned configuration: {nearest}")
            refusal = self._refusal(tuned, problem)
            if refusal:
                why = why or refusal
                continue
            reason = (f"tuned configuration {tuned.name} v{tuned.version} "
                      f"(nearest family: {tuned.family.replace('_', ' ')}, distance {apart:.2f})")
            if not tuned.params:
                reason += "; tuning kept the backend's defaults"
            return Plan(tuned.solver, dict(tuned.params), reason, "tuned")
        return replace(base, reason=f"{base.reason}; no tuned configuration: {why}")

    def _refusal(self, tuned: Tuned, problem: MathProgram) -> str:
        """Why ``tuned`` cannot be used for ``problem`` here, or an empty string."""
        from optarium.solvers import registry

        if tuned.solver not in registry.installed():
            return f"{tuned.name} v{tuned.version} is for {tuned.solver}, which is not installed"
        backend = registry.get(tuned.solver)
        version = backend.version()
        if tuned.solver_version != version:
            return (f"{tuned.name} v{tuned.version} was tuned for {tuned.solver} {tuned.solver_version}, "
                    f"this is {version}; ignored")
        if backend.capabilities.missing(problem) is not None:
            return f"{tuned.name} v{tuned.version} is for {tuned.solver}, which cannot take this problem"
        return ""

    def configurations(self, store: Store) -> list[Tuned]:
        """The newest version of every tuned configuration in ``store``."""
        newest: dict[str, dict[str, Any]] = {}
        for row in store.list_artifacts(PREFIX):
            newest[row["name"]] = row  # rows come by name then version: the last one is the newest
        found = []
        for row in newest.values():
            key = (store.url, row["name"], int(row["version"]), str(row.get("created_at")))
            if key not in _PARSED:
                if len(_PARSED) >= _PARSED_LIMIT:
                    _PARSED.clear()
                _PARSED[key] = _parse(row)
            tuned = _PARSED[key]
            if tuned is not None:
                found.append(tuned)
        return found


def _parse(row: dict[str, Any]) -> Tuned | None:
    """A listed artifact as a configuration; None for one without what recognition needs."""
    from optarium.learn.recognise import COORDINATES

    meta = row.get("meta") or {}
    try:
        centroid = tuple(float(value) for value in meta["centroid"])
        if list(meta.get("coordinates", COORDINATES)) != list(COORDINATES) or len(centroid) != len(COORDINATES):
            return None
        return Tuned(row["name"], int(row["version"]), str(meta["family"]), str(meta["solver"]),
                     str(meta["solver_version"]), dict(meta.get("params") or {}), centroid)
    except (KeyError, TypeError, ValueError):
        return None
