"""The nonlinear planner: SCIP (global, with a bound) or Ipopt (local, fast), by problem class and size."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

from optarium.errors import SolverUnavailableError
from optarium.plan import Plan

if TYPE_CHECKING:
    from optarium.domains.nonlinear.program import NonlinearProgram
    from optarium.store.base import Store

# up to this many variables plus constraints a continuous problem goes to SCIP for a proven global optimum
GLOBAL_SIZE = 2000
# the Python package each backend needs
PACKAGES = {"scip": "pyscipopt", "ipopt": "cyipopt", "slsqp": "scipy"}


def installed() -> list[str]:
    return [name for name, package in PACKAGES.items() if importlib.util.find_spec(package) is not None]


class NonlinearPlanner:
    """Rules by class: integers, a global optimum asked or a small problem → SCIP; else a local solver.

    ``require_global=True`` (``optarium.solve(..., global_optimum=True)``) always plans SCIP.
    """

    def __init__(self, require_global: bool = False, installed: list[str] | None = None, global_size: int = GLOBAL_SIZE):
        self.require_global = require_global
        self.installed = installed
        self.global_size = global_size

    def plan(self, problem: NonlinearProgram, history: Store | None = None) -> Plan:
        plan = self._plan(problem)
        if plan.solver == "scip" and problem.source.lower().endswith(".nl"):
            # the same model SCIP alone would solve; the graph still checks the answer
            return Plan("scip", {"scip_input": "file"}, plan.reason + "; SCIP reads the .nl file itself", plan.source)
        return plan

    def _plan(self, problem: NonlinearProgram) -> Plan:
        available = installed() if self.installed is None else self.installed
        features = problem.features()
        size = features["n_vars"] + features["n_cons"]
        klass = features["problem_class"]
        convex = "convex" if features["convex"] else "not proven convex"
        local = next((name for name in ("ipopt", "slsqp") if name in available), None)
        if "scip" in available:
            if features["n_integer"]:
                return Plan("scip", {}, f"{klass} with {features['n_integer']} integer variables ({convex}): "
                            "SCIP's spatial branch-and-bound, global with a bound", "rules")
            if self.require_global:
                return Plan("scip", {}, f"{klass}, {convex}, global optimum asked: SCIP proves it with its bound", "rules")
            if size <= self.global_size or local is None:
                return Plan("scip", {}, f"{klass}, {convex}, {size} variables and constraints: small enough for "
                            "SCIP to prove a global optimum", "rules")
        if local is not None and not features["n_integer"] and not self.require_global:
            why = "any local optimum is global" if features["convex"] else "a local optimum fast (global_optimum=True asks for SCIP)"
            name = "Ipopt" if local == "ipopt" else "SciPy SLSQP"
            return Plan(local, {}, f"{klass}, {convex}, {size} variables and constraints: {name}, {why}", "rules")
        raise SolverUnavailableError(
            f"no installed backend can take this {klass}"
            + (" to global optimality" if self.require_global else "") + "; install pyscipopt"
        )
