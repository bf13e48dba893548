"""Read a Pyomo ConcreteModel with nonlinear expressions by walking its expression trees.

Pyomo stays the user's model: each variable of the program keeps a link to its
``VarData`` (:class:`optarium.problem.adapters.ModelLink`), so a verified answer is
written back into ``m.x[i].value`` as for linear models. Fixed variables and
parameters become constants; an expression type optarium does not take is named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium.domains.nonlinear import expr as E
from optarium.domains.nonlinear.expr import Expr
from optarium.domains.nonlinear.program import INF, Constraint, NonlinearProgram
from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    from optarium.problem.adapters import ModelLink

_FUNCTIONS = {"exp", "log", "log10", "sqrt", "sin", "cos", "tan", "abs"}


def is_nonlinear(model: Any) -> bool:
    """Whether a Pyomo model needs the nonlinear kind: a nonlinear or quadratic constraint,
    or an objective beyond quadratic."""
    from pyomo.environ import Constraint as PyomoConstraint
    from pyomo.environ import Objective

    for constraint in model.component_data_objects(PyomoConstraint, active=True, descend_into=True):
        if constraint.body.polynomial_degree() not in (0, 1):
            return True
    for objective in model.component_data_objects(Objective, active=True, descend_into=True):
        if objective.expr.polynomial_degree() not in (0, 1, 2):
            return True
    return False


def link_pyomo(model: Any) -> tuple[NonlinearProgram, ModelLink]:
    """The program of a Pyomo model with one active objective, and the link to its variables."""
    from pyomo.environ import Constraint as PyomoConstraint
    from pyomo.environ import Objective, maximize, value

    from optarium.problem.adapters import ModelLink

    name = str(getattr(model, "name", "") or "")
    name = "pyomo_model" if name in ("", "unknown") else name.replace(" ", "_")
    objectives = list(model.component_data_objects(Objective, active=True, descend_into=True))
    if len(objectives) != 1:
        raise InvalidModelError(f"the model needs exactly one active objective, it has {len(objectives)}", source=name)
    walker = _Walker(name)
    objective = walker(objectives[0].expr)
    constraints = []
    for data in model.component_data_objects(PyomoConstraint, active=True, descend_into=True):
        body = walker(data.body)
        lower = -INF if data.lower is None else float(value(data.lower))
        upper = INF if data.upper is None else float(value(data.upper))
        constraints.append(Constraint(str(data.name), body, lower, upper))
    variables = walker.variables
    lower_bounds, upper_bounds, integer = [], [], []
    for var in variables:
        lower_bounds.append(-INF if var.lb is None else float(var.lb))
        upper_bounds.append(INF if var.ub is None else float(var.ub))
        integer.append(bool(var.is_integer() or var.is_binary()))
    names = [str(var.name) for var in variables]
    program = NonlinearProgram(
        name, tuple(names), tuple(lower_bounds), tuple(upper_bounds), tuple(integer), objective,
        "max" if objectives[0].sense == maximize else "min", tuple(constraints),
    )
    return program, ModelLink("pyomo", variables, names)


class _Walker:
    """Pyomo expression → our graph; variables numbered in the order they are met."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.variables: list[Any] = []
        self.index: dict[int, int] = {}
        self.done: dict[int, Expr] = {}

    def __call__(self, node: Any) -> Expr:
        from pyomo.core.expr.numvalue import native_numeric_types
        from pyomo.environ import value

        if type(node) in native_numeric_types:
            return E.const(float(node))
        key = id(node)
        if key in self.done:
            return self.done[key]
        if not node.is_potentially_variable() or (node.is_variable_type() and node.fixed):
            result = E.const(float(value(node)))
        elif node.is_variable_type():
            if key not in self.index:
                self.index[key] = len(self.variables)
                self.variables.append(node)
            result = E.var(self.index[key])
        elif node.is_named_expression_type():
            result = self(node.expr)
        else:
            result = self._operator(node)
        self.done[key] = result
        return result

    def _operator(self, node: Any) -> Expr:
        import pyomo.core.expr as P

        args = [self(arg) for arg in node.args]
        if isinstance(node, P.SumExpression | P.LinearExpression):
            return E.add(*args)
        if isinstance(node, P.MonomialTermExpression | P.ProductExpression):
            return E.mul(args[0], args[1])
        if isinstance(node, P.DivisionExpression):
            return args[0] / args[1]
        if isinstance(node, P.PowExpression):
            return args[0] ** args[1]
        if isinstance(node, P.NegationExpression):
            return -args[0]
        if isinstance(node, P.AbsExpression):
            return abs(args[0])
        if isinstance(node, P.UnaryFunctionExpression):
            function = node.getname()
            if function in _FUNCTIONS:
                return E.function(function, args[0])
            raise InvalidModelError(f"unsupported function {function!r}; optarium takes: {', '.join(sorted(_FUNCTIONS))}",
                                    source=self.source)
        raise InvalidModelError(f"unsupported Pyomo expression {type(node).__name__}", source=self.source)
