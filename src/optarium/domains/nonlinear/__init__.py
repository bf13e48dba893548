"""Nonlinear programs (NLP, MINLP): an expression graph, SCIP as the global backend, Ipopt or SciPy as local ones.

Build one with :class:`Model` (or read an ``.nl`` file with :func:`read_nl`, or pass a Pyomo
model to ``optarium.solve``); :func:`solve_nonlinear` runs it on the one flow and returns
the shared :class:`~optarium.solution.Solution`, checked by :func:`verify_point`.
"""

from __future__ import annotations

from optarium.domains.nonlinear.expr import cos, exp, log, quicksum, sin, sqrt, tan
from optarium.domains.nonlinear.nl import read_nl
from optarium.domains.nonlinear.program import Constraint, Model, NonlinearProgram
from optarium.domains.nonlinear.solve import solve_nonlinear
from optarium.domains.nonlinear.verify import verify_point

__all__ = [
    "Constraint", "Model", "NonlinearProgram", "cos", "exp", "log", "quicksum", "read_nl", "sin", "solve_nonlinear",
    "sqrt", "tan", "verify_point",
]
