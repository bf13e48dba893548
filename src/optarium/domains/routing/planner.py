"""The routing planner: PyVRP, cold or warm-started from the edge policy learned from history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.domains.routing.settings import NEIGHBOURS
from optarium.plan import Plan

if TYPE_CHECKING:
    from optarium.domains.routing.instance import RoutingInstance
    from optarium.store.base import Store


class RoutingPlanner:
    """Plans ``Plan("pyvrp", {"warm_start": ..., "edge_policy": ...})``.

    With ``warm_start`` the edge policy is loaded from (or trained on and saved
    to) ``history`` as the ``routing.edge_policy`` artifact, leaving the
    instance's own runs out; with no history the default store is read. The
    plan carries the policy itself, so the backend never reads the store.
    """

    def __init__(self, warm_start: bool = False, candidates: int = NEIGHBOURS):
        self.warm_start = warm_start
        self.candidates = candidates

    def plan(self, instance: RoutingInstance, history: Store | None = None) -> Plan:
        if not self.warm_start:
            return Plan("pyvrp", {"warm_start": False}, "PyVRP iterated local search, cold start", "rules")
        from optarium.domains.routing.warmstart import learned_policy
        from optarium.store.base import open_store

        policy, note = learned_policy(history if history is not None else open_store(),
                                      exclude_fingerprint=instance.fingerprint(), candidates=self.candidates)
        trained = policy.weights is not None
        reason = (f"PyVRP iterated local search, warm start: edge policy learned from {policy.trained_on} stored "
                  f"instance(s) ({note})" if trained else f"PyVRP iterated local search, warm start with the savings order ({note})")
        return Plan("pyvrp", {"warm_start": True, "edge_policy": policy.to_dict()}, reason, "learned" if trained else "rules")
