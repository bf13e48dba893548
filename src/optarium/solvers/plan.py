"""Choose a backend for ``solver="auto"`` and say why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from optarium.errors import SolverUnavailableError
from optarium.solvers import registry

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram


@dataclass(frozen=True)
class Plan:
    solver: str
    reason: str


def choose(problem: MathProgram, installed: list[str] | None = None) -> Plan:
    """Rules by problem class; each rule says why it chose what it chose."""
    available = registry.installed() if installed is None else installed
    features = problem.features()
    klass = features["problem_class"]
    candidates: list[tuple[str, str]]
    if klass == "MIQP":
        candidates = [("scip", "MIQP: SCIP handles quadratic objectives with integer variables")]
    elif klass == "QP":
        candidates = [
            ("highs", "QP: HiGHS has a dedicated convex QP solver"),
            ("scip", "QP: SCIP solves it as a nonlinear program (HiGHS not installed)"),
        ]
    elif klass == "LP":
        candidates = [
            ("highs", "LP: HiGHS dual simplex/IPM is the fastest open LP solver here"),
            ("scip", "LP: SCIP with its LP solver (HiGHS not installed)"),
        ]
    else:
        candidates = [
            ("highs", f"MILP with {features['n_integer']} integer variables: HiGHS branch-and-cut"),
            ("scip", "MILP: SCIP branch-and-cut (HiGHS not installed)"),
            ("cpsat", "pure-integer MILP: CP-SAT (HiGHS and SCIP not installed)"),
        ]
    for name, reason in candidates:
        if name in available and registry.get(name).capabilities.missing(problem) is None:
            return Plan(name, reason)
    raise SolverUnavailableError(
        f"no installed solver can take this {klass}; install highspy or pyscipopt"
    )


def second_opinion(problem: MathProgram, first: str) -> str | None:
    """Another installed backend that can take the problem, for ``--cross-check``."""
    for name in ("scip", "highs", "cpsat"):
        if name != first and name in registry.installed() and registry.get(name).capabilities.missing(problem) is None:
            return name
    return None
