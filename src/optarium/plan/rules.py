"""The default planner for math programs: rules by problem class, each saying why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium.errors import SolverUnavailableError
from optarium.plan import Plan
from optarium.solvers import registry

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.store.base import Store


class MathRules:
    """Rules by problem class (LP, QP, MILP, MIQP) over the installed backends."""

    def __init__(self, installed: list[str] | None = None):
        self.installed = installed

    def plan(self, problem: MathProgram, history: Store | None = None) -> Plan:
        available = registry.installed() if self.installed is None else self.installed
        for name, reason in _candidates(problem.features()):
            if name in available and registry.get(name).capabilities.missing(problem) is None:
                return Plan(name, {}, reason, "rules")
        raise SolverUnavailableError(
            f"no installed solver can take this {problem.features()['problem_class']}; install highspy or pyscipopt"
        )


def _candidates(features: dict[str, Any]) -> list[tuple[str, str]]:
    klass = features["problem_class"]
    if klass == "MIQP":
        return [("scip", "MIQP: SCIP handles quadratic objectives with integer variables")]
    if klass == "QP":
        return [
            ("highs", "QP: HiGHS has a dedicated convex QP solver"),
            ("scip", "QP: SCIP solves it as a nonlinear program (HiGHS not installed)"),
        ]
    if klass == "LP":
        return [
            ("highs", "LP: HiGHS dual simplex/IPM is the fastest open LP solver here"),
            ("scip", "LP: SCIP with its LP solver (HiGHS not installed)"),
        ]
    return [
        ("highs", f"MILP with {features['n_integer']} integer variables: HiGHS branch-and-cut"),
        ("scip", "MILP: SCIP branch-and-cut (HiGHS not installed)"),
        ("cpsat", "pure-integer MILP: CP-SAT (HiGHS and SCIP not installed)"),
    ]


def choose(problem: MathProgram, installed: list[str] | None = None) -> Plan:
    """The rule planner's plan for ``problem``."""
    return MathRules(installed).plan(problem)


def second_opinion(problem: MathProgram, first: str) -> str | None:
    """Another installed backend that can take the problem, for a cross-check."""
    for name in ("scip", "highs", "cpsat"):
        if name != first and name in registry.installed() and registry.get(name).capabilities.missing(problem) is None:
            return name
    return None
