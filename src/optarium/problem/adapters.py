"""Turn a Pyomo ConcreteModel or a PuLP LpProblem into a canonical problem, and answers back into it.

Pyomo writes an LP file (its writer knows every Pyomo expression form),
which the usual reader takes back; a PuLP model is read from its objects.
Each reading keeps a :class:`ModelLink` from the program's columns to the
user's variable objects, which writes a solution's values back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optarium.solution import Solution

from optarium.errors import InvalidModelError
from optarium.problem.io import read_problem
from optarium.problem.program import MathProgram


def is_pyomo_model(obj: Any) -> bool:
    module = type(obj).__module__
    return module.startswith("pyomo.") and hasattr(obj, "component_objects")


def is_pulp_problem(obj: Any) -> bool:
    return type(obj).__module__.startswith("pulp") and hasattr(obj, "writeMPS")


@dataclass(frozen=True)
class ModelLink:
    """The user's variable objects, one per program column, and the names the user sees.

    ``variables[j]`` is the Pyomo ``VarData`` or PuLP ``LpVariable`` of column ``j``.
    """

    library: str
    variables: Sequence[Any]
    names: Sequence[str]

    def write_back(self, solution: Solution[Any]) -> bool:
        """Set the user's variables to the solution's point when it is verified; True if written.

        An unverified point (a failed check, an ``error`` status) and an answer without a
        point leave the model as it was, as Pyomo and PuLP do for a solve that found nothing.
        """
        point = solution.payload
        if point is None or not solution.verified or solution.status == "error":
            return False
        values = (point.x + 0.0).tolist()  # + 0.0: a zero reads 0.0, never -0.0
        if self.library == "pyomo":
            for var, value in zip(self.variables, values, strict=True):
                var.set_value(value, skip_validation=True)
        else:
            for var, value in zip(self.variables, values, strict=True):
                var.varValue = value
        return True


def from_pyomo(model: Any) -> MathProgram:
    """A Pyomo ConcreteModel with one active objective, linear or quadratic."""
    return link_pyomo(model)[0]


def link_pyomo(model: Any) -> tuple[MathProgram, ModelLink]:
    """:func:`from_pyomo` and the link from its columns to the model's variables."""
    name = str(getattr(model, "name", "") or "")
    name = "pyomo_model" if name in ("", "unknown") else name.replace(" ", "_")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.lp"
        try:
            _, symbol_map_id = model.write(str(path), io_options={"symbolic_solver_labels": True})
        except Exception as error:
            raise InvalidModelError(f"Pyomo could not write the model: {error}", source=name) from None
        problem = read_problem(path)
    symbol_maps = model.solutions.symbol_map
    by_symbol = symbol_maps[symbol_map_id].bySymbol
    del symbol_maps[symbol_map_id]  # the writer keeps it on the model; nothing else needs it
    problem = fold_constant(_renamed(problem, name))
    variables = [by_symbol[label] for label in problem.var_names]
    return problem, ModelLink("pyomo", variables, [str(var.name) for var in variables])


def from_pulp(problem: Any) -> MathProgram:
    """A PuLP LpProblem, read from its variables, constraints and objective."""
    return link_pulp(problem)[0]


def link_pulp(problem: Any) -> tuple[MathProgram, ModelLink]:
    """:func:`from_pulp` and the link from its columns to the problem's variables."""
    import numpy as np
    import scipy.sparse as sp

    name = str(getattr(problem, "name", "") or "pulp_model").replace(" ", "_")
    variables = problem.variables()
    column = {var.name: j for j, var in enumerate(variables)}
    rows, cols, values, lower, upper, con_names = [], [], [], [], [], []
    listed = problem.constraints
    # PuLP 3.3 made `constraints` callable (a list); older versions hold a dict
    pairs = [(con.name, con) for con in listed()] if callable(listed) else list(listed.items())
    for i, (con_name, constraint) in enumerate(pairs):
        for var, coefficient in constraint.items():
            rows.append(i)
            cols.append(column[var.name])
            values.append(float(coefficient))
        rhs = -float(constraint.constant)
        # PuLP senses: -1 is <=, 0 is ==, 1 is >=
        lower.append(rhs if constraint.sense in (0, 1) else -np.inf)
        upper.append(rhs if constraint.sense in (0, -1) else np.inf)
        con_names.append(con_name or f"_C{i + 1}")  # PuLP 3.3 leaves an unnamed constraint's name None
    A = sp.csr_matrix((values, (rows, cols)), shape=(len(con_names), len(variables)))
    objective = problem.objective if problem.objective is not None else {}
    c = np.zeros(len(variables))
    for var, coefficient in objective.items():
        c[column[var.name]] = float(coefficient)
    offset = float(getattr(objective, "constant", 0.0) or 0.0)
    program = MathProgram.build(
        c, A, lower, upper,
        [-np.inf if v.lowBound is None else float(v.lowBound) for v in variables],
        [np.inf if v.upBound is None else float(v.upBound) for v in variables],
        [v.cat == "Integer" or v.cat == "Binary" for v in variables],
        sense="max" if problem.sense == -1 else "min",
        offset=offset, var_names=[v.name for v in variables], con_names=con_names, name=name,
    )
    # build() keeps the columns in the order given
    return program, ModelLink("pulp", list(variables), [v.name for v in variables])


def fold_constant(problem: MathProgram) -> MathProgram:
    """Pyomo writes an objective constant as a variable fixed at 1; make it an offset again."""
    import numpy as np

    names = list(problem.var_names)
    if "ONE_VAR_CONSTANT" not in names:
        return problem
    j = names.index("ONE_VAR_CONSTANT")
    if problem.A[:, j].nnz or problem.col_lower[j] != 1 or problem.col_upper[j] != 1:
        return problem
    if problem.Q is not None and (problem.Q[:, j].nnz or problem.Q[j, :].nnz):
        return problem
    keep = np.arange(problem.n_vars) != j
    return MathProgram.build(
        problem.c[keep], problem.A[:, keep], problem.row_lower, problem.row_upper,
        problem.col_lower[keep], problem.col_upper[keep], problem.is_integer[keep],
        sense=problem.sense, offset=problem.offset + float(problem.c[j]),
        Q=None if problem.Q is None else problem.Q[keep][:, keep],
        var_names=[n for n in names if n != "ONE_VAR_CONSTANT"], con_names=problem.con_names, name=problem.name,
        is_semi=None if problem.is_semi is None else problem.is_semi[keep],
    )


def _renamed(problem: MathProgram, name: str) -> MathProgram:
    from dataclasses import replace

    return replace(problem, name=name, _cache={})
