"""SCIP as the global (MI)NLP backend: the expression graph becomes SCIP's nonlinear constraints.

SCIP's spatial branch-and-bound reports a dual bound; the answer is ``optimal`` only when
SCIP says so and the gap between its answer and its bound is within
:data:`GLOBAL_GAP` (or the ``rel_gap`` asked, when larger). The objective, when nonlinear,
is moved into a constraint on one more variable, as SCIP's own ``.nl`` reader does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.nonlinear.expr import Expr, is_linear, order
from optarium.errors import InvalidModelError, OptionError
from optarium.kinds import RawResult

if TYPE_CHECKING:
    from optarium.domains.nonlinear.program import NonlinearProgram
    from optarium.plan import Plan
    from optarium.solvers.base import SolveOptions

# the parameter that says how SCIP gets the model: "file" (the default: SCIP reads the .nl file the
# problem came from, as SCIP alone would; a problem from elsewhere is built from its graph) or
# "graph" (always built from the expression graph)
INPUT = "scip_input"
# relative gap (absolute near 0) below which SCIP's answer is reported globally optimal
GLOBAL_GAP = 1e-6


def options_or_default(options: Any) -> SolveOptions:
    from optarium.solvers.base import SolveOptions

    return options if isinstance(options, SolveOptions) else SolveOptions()


def gap_closed(objective: float | None, bound: float | None, rel_gap: float | None) -> bool:
    """Whether ``objective`` is within the global tolerance of ``bound``."""
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return False
    allowed = max(GLOBAL_GAP, rel_gap or 0.0)
    return abs(objective - bound) <= allowed * max(1.0, abs(objective))


class ScipNonlinear:
    """SCIP's spatial branch-and-bound over the expression graph."""

    name = "scip"
    is_global = True

    def version(self) -> str:
        from optarium.solvers.scip import version

        return version()

    def solve(self, problem: NonlinearProgram, options: Any, plan: Plan | None = None) -> RawResult:
        import pyscipopt

        from optarium.solvers.scip import OPTION_NAMES, STATUS, optimize, set_params

        settings_from = options_or_default(options).with_plan(plan)
        # `threads` stays out: SCIP's lp/threads sizes its LP solver, not the spatial search
        settings = settings_from.backend_settings({option: name for option, name in OPTION_NAMES.items() if option != "threads"})
        scip_input = settings.pop(INPUT, "file")
        if scip_input not in ("graph", "file"):
            raise OptionError(INPUT, scip_input, "'graph' (SCIP's model built from the expression graph) or 'file'")
        opened = read_file(problem) if scip_input == "file" else None
        if opened is None:  # not from a file SCIP reads the same way: build the model from the graph
            scip_input = "graph"
            model = pyscipopt.Model()
            variables = build(model, problem)
        else:
            model, variables = opened
        model.hideOutput(quiet=not settings_from.solver_log)
        set_params(model, settings)
        if settings_from.progress is not None:  # the live line on a terminal: incumbent, bound, gap
            from optarium.solvers.scip import ProgressHandler

            model.includeEventhdlr(ProgressHandler(settings_from), "optarium_progress", "reports progress")
        scip_status, seconds = optimize(model)
        if scip_status == "inforunbd":
            return _infeasible_or_unbounded(model, seconds)
        status = STATUS.get(scip_status, "error")
        x = objective = bound = None
        message = ""
        if model.getNSols() > 0 and status not in ("infeasible", "unbounded"):  # an unbounded ray's point proves nothing
            best = model.getBestSol()
            x = np.array([model.getSolVal(best, v) for v in variables], dtype=np.float64)
            objective = float(model.getSolObjVal(best))
        dual = float(model.getDualbound())
        if math.isfinite(dual) and abs(dual) < 1e20:
            bound = dual
        if status == "optimal" and not gap_closed(objective, bound, settings_from.rel_gap):
            status = "feasible"
            message = f"SCIP stopped ({scip_status}) with its bound {bound} short of the answer; not proven globally optimal"
        if status in ("optimal", "feasible") and x is None:
            status = "error"
        return RawResult(status, objective, bound, x, scip_status, seconds, message,
                         extra={"nodes": int(model.getNNodes()), "global": True, "scip_input": scip_input})


def _infeasible_or_unbounded(model: Any, seconds: float) -> RawResult:
    """Tell infeasible from unbounded on the same model, its objective made zero."""
    from optarium.solvers.scip import infeasible_or_unbounded

    model.freeTransform()
    for variable in model.getVars():
        model.chgVarObj(variable, 0.0)
    return infeasible_or_unbounded(model, seconds)


def read_file(problem: NonlinearProgram) -> tuple[Any, list[Any]] | None:
    """SCIP's model of the ``.nl`` file the problem was read from, and its variables in our order; or None.

    None when the problem did not come from an ``.nl`` file, SCIP refuses it, or its
    variables do not match ours one for one (then the model is built from the graph).
    """
    import re
    from pathlib import Path

    from optarium.solvers.scip import read_model

    if not problem.source.lower().endswith(".nl") or not Path(problem.source).is_file():
        return None
    read = read_model(Path(problem.source))
    if read is None:
        return None
    where = {name: j for j, name in enumerate(problem.var_names)}
    variables: list[Any] = [None] * problem.n_vars
    for variable in read.getVars():
        name = str(variable.name)
        found = re.fullmatch(r"[xib](\d+)", name)  # SCIP's names: continuous, integer, binary
        j = where.get(name, int(found.group(1)) if found else None)
        if j is not None and j < problem.n_vars and variables[j] is None:
            variables[j] = variable
    if any(variable is None for variable in variables):
        return None
    return read, variables


def build(model: Any, problem: NonlinearProgram) -> list[Any]:
    """Add the problem's variables, constraints and objective to a pyscipopt model; the variables."""
    import pyscipopt

    from optarium.solvers.scip import ranged

    def side(value: float) -> float | None:
        return None if math.isinf(value) else float(value)

    linear_objective = is_linear(problem.objective)
    coefficients: dict[int, float] = {}
    if linear_objective:
        from optarium.domains.nonlinear.expr import split_linear

        coefficients, constant, _ = split_linear(problem.objective)
    # integer variables get their bounds after they are made, so [0, 1] ones stay integer rather
    # than binary, the objective constraint comes first: as SCIP's own .nl reader builds them
    variables = [
        model.addVar(name=name, vtype="I" if integer else "C", lb=side(lo) if not integer else 0.0,
                     ub=side(hi) if not integer else None, obj=coefficients.get(j, 0.0))
        for j, (name, lo, hi, integer) in enumerate(
            zip(problem.var_names, problem.lower, problem.upper, problem.is_integer, strict=True))
    ]
    for variable, lo, hi, integer in zip(variables, problem.lower, problem.upper, problem.is_integer, strict=True):
        if integer:
            model.chgVarLb(variable, side(lo))
            model.chgVarUb(variable, side(hi))
    translate = _Translator(variables, pyscipopt)
    sense = "maximize" if problem.sense == "max" else "minimize"
    if linear_objective:
        if constant:
            model.addObjoffset(constant)
    else:
        epigraph = model.addVar(name="objective", lb=None, ub=None, obj=1.0)
        body = translate(problem.objective)
        model.addCons(body - epigraph <= 0.0 if problem.sense == "min" else body - epigraph >= 0.0, name="objective")
    for constraint in problem.constraints:
        body = translate(constraint.body)
        lower, upper = side(constraint.lower), side(constraint.upper)
        if lower is None and upper is None:
            continue
        if isinstance(body, int | float):  # a constant body: keep its infeasibility visible to SCIP
            zero = model.addVar(name=f"{constraint.name}_constant", lb=0.0, ub=0.0)
            body = zero + float(body)
        model.addCons(ranged(body, lower, upper), name=constraint.name)
    model.setObjective(model.getObjective(), sense=sense, clear=False)
    return variables


class _Translator:
    """Our nodes to pyscipopt expressions, each shared node translated once."""

    def __init__(self, variables: list[Any], pyscipopt: Any) -> None:
        self.variables, self.scip = variables, pyscipopt
        self.done: dict[int, Any] = {}

    def __call__(self, root: Expr) -> Any:
        for node in order([root]):
            if id(node) not in self.done:
                self.done[id(node)] = self._node(node, [self.done[id(arg)] for arg in node.args])
        return self.done[id(root)]

    def _node(self, node: Expr, args: list[Any]) -> Any:
        scip, op = self.scip, node.op
        if op == "const":
            return node.value
        if op == "var":
            return self.variables[node.index]
        if op == "linear":
            total = scip.quicksum(c * self.variables[j] for c, j in zip(node.coefs, node.indices, strict=True))
            return total + node.value if node.value else total
        if op == "sum":
            return scip.quicksum(args)
        if op == "neg":
            return -args[0]
        if op == "mul":
            return self._general(args[0]) * self._general(args[1])
        if op == "div":
            return self._general(args[0]) / self._general(args[1])
        if op == "pow":
            return self._power(node, args)
        if op == "abs":
            return abs(args[0])
        if op in ("exp", "log", "sqrt", "sin", "cos"):
            return getattr(scip, op)(args[0])
        if op == "log10":
            return scip.log(args[0]) / math.log(10)
        if op == "tan":
            return scip.sin(args[0]) / scip.cos(args[0])
        raise InvalidModelError(f"SCIP cannot take the operator {op!r}")

    def _general(self, value: Any) -> Any:
        """A pyscipopt general expression: its polynomial ``Expr`` would multiply out products and
        powers (``(0.0003 * x) ** 3`` becomes a coefficient below SCIP's epsilon)."""
        if isinstance(value, float):
            return value
        return self.scip.scip.buildGenExprObj(value)

    def _power(self, node: Expr, args: list[Any]) -> Any:
        base, exponent = args
        if node.args[1].op == "const":
            p = node.args[1].value
            if isinstance(base, float):
                return base**p
            return self._general(base) ** p
        # a variable exponent: b**e = exp(e * log(b)), defined for b > 0 (checked up front)
        log_base = math.log(base) if isinstance(base, float) else self.scip.log(base)
        return self.scip.exp(exponent * log_base)
