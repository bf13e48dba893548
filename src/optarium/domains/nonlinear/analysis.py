"""Cheap facts about a nonlinear program: detected convexity and domain errors within the bounds.

Convexity is detected by curvature rules (sums, scaling, convex functions of affine or
convex arguments, powers by the sign of their base) with a quadratic test (the
Hessian's eigenvalues) where the rules say nothing. A problem is reported convex
only when every piece is proven so; ``False`` means "not proven", not "nonconvex".
Domain errors (a logarithm of something that may be 0, a division by something that may
be 0) are found by interval arithmetic over the variable bounds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from optarium.domains.nonlinear.calculus import Interval, intervals
from optarium.domains.nonlinear.expr import Expr, order, to_text
from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    from optarium.domains.nonlinear.program import NonlinearProgram

# curvatures, from most to least specific
CONST, LINEAR, CONVEX, CONCAVE, UNKNOWN = "const", "linear", "convex", "concave", "unknown"
_FLIP = {CONVEX: CONCAVE, CONCAVE: CONVEX}
MAX_QUADRATIC_VARS = 200


def convexity(problem: NonlinearProgram) -> bool:
    """True when the continuous relaxation is proven convex (objective and every constraint)."""
    roots = [problem.objective, *(c.body for c in problem.constraints)]
    lower, upper = problem.bounds()
    curvature = Curvature(roots, list(lower), list(upper))
    wanted_objective = CONVEX if problem.sense == "min" else CONCAVE
    if not curvature.fits(problem.objective, wanted_objective):
        return False
    for constraint in problem.constraints:
        if math.isfinite(constraint.upper) and not curvature.fits(constraint.body, CONVEX):
            return False
        if math.isfinite(constraint.lower) and not curvature.fits(constraint.body, CONCAVE):
            return False
    return True


class Curvature:
    """The curvature of every node under ``roots`` over the box of bounds."""

    def __init__(self, roots: list[Expr], lower: list[float], upper: list[float]) -> None:
        self.ranges = intervals(roots, lower, upper)
        self.found: dict[int, str] = {}
        for node in order(roots):
            self.found[id(node)] = self._rule(node)

    def fits(self, node: Expr, wanted: str) -> bool:
        return self.found[id(node)] in (CONST, LINEAR, wanted)

    def _sign(self, node: Expr) -> Interval:
        return self.ranges[id(node)]

    def _rule(self, node: Expr) -> str:
        found = self._by_rules(node)
        if found == UNKNOWN:
            found = _quadratic_curvature(node)
        return found

    def _by_rules(self, node: Expr) -> str:
        op = node.op
        if op == "const":
            return CONST
        if op in ("var", "linear"):
            return LINEAR
        kids = [self.found[id(arg)] for arg in node.args]
        if op == "sum":
            kinds = {k for k in kids if k not in (CONST, LINEAR)}
            if not kinds:
                return LINEAR if LINEAR in kids else CONST
            return kinds.pop() if len(kinds) == 1 and UNKNOWN not in kinds else UNKNOWN
        if op == "neg":
            return _FLIP.get(kids[0], kids[0])
        if all(k == CONST for k in kids):
            return CONST
        if op == "mul":
            return self._product(node, kids)
        if op == "div":
            return self._quotient(node, kids)
        if op == "pow":
            return self._power(node, kids)
        inner = kids[0]
        lo, hi = self._sign(node.args[0])
        if op == "exp":
            return CONVEX if inner in (LINEAR, CONVEX) else UNKNOWN
        if op in ("log", "log10", "sqrt"):
            return CONCAVE if inner in (LINEAR, CONCAVE) else UNKNOWN
        if op == "abs":
            if inner == LINEAR or (inner == CONVEX and lo >= 0) or (inner == CONCAVE and hi <= 0):
                return CONVEX
            return UNKNOWN
        return UNKNOWN

    def _scaled(self, factor: float, curvature: str) -> str:
        if factor == 0:
            return CONST
        return curvature if factor > 0 else _FLIP.get(curvature, curvature)

    def _product(self, node: Expr, kids: list[str]) -> str:
        left, right = node.args
        if left.op == "const":
            return self._scaled(left.value, kids[1])
        if right.op == "const":
            return self._scaled(right.value, kids[0])
        if left is right and kids[0] == LINEAR:
            return CONVEX
        return UNKNOWN

    def _quotient(self, node: Expr, kids: list[str]) -> str:
        top, bottom = node.args
        if bottom.op == "const":
            return self._scaled(1.0 / bottom.value, kids[0]) if bottom.value else UNKNOWN
        if top.op != "const":
            return UNKNOWN
        lo, hi = self._sign(bottom)
        c = top.value
        if lo > 0 and kids[1] in (LINEAR, CONCAVE):
            return self._scaled(c, CONVEX)
        if hi < 0 and kids[1] in (LINEAR, CONVEX):
            return self._scaled(c, CONCAVE)
        return UNKNOWN

    def _power(self, node: Expr, kids: list[str]) -> str:
        base, exponent = node.args
        lo, hi = self._sign(base)
        if base.op == "const" and exponent.op != "const":
            if base.value <= 0 or base.value == 1:
                return UNKNOWN
            as_exp = CONVEX if base.value > 1 else CONCAVE  # c**e = exp(e * ln c)
            return CONVEX if kids[1] in (LINEAR, as_exp) else UNKNOWN
        if exponent.op != "const":
            return UNKNOWN
        p, inner = exponent.value, kids[0]
        if p == 1:
            return inner
        if p == 0:
            return CONST
        if float(p).is_integer() and int(p) % 2 == 0 and p > 0:
            if inner == LINEAR or (inner == CONVEX and lo >= 0) or (inner == CONCAVE and hi <= 0):
                return CONVEX
            return UNKNOWN
        if p > 1:
            if lo >= 0 and inner in (LINEAR, CONVEX):
                return CONVEX
            if float(p).is_integer() and hi <= 0 and inner in (LINEAR, CONCAVE):
                return CONCAVE
            return UNKNOWN
        if 0 < p < 1:
            return CONCAVE if lo >= 0 and inner in (LINEAR, CONCAVE) else UNKNOWN
        if lo > 0 and inner in (LINEAR, CONCAVE):  # p < 0: decreasing and convex for a positive base
            return CONVEX
        return UNKNOWN


def _quadratic_curvature(node: Expr) -> str:
    """Convex or concave when ``node`` is a quadratic polynomial with a semidefinite Hessian."""
    import numpy as np

    poly = polynomial(node)
    if poly is None:
        return UNKNOWN
    pairs = {key: c for key, c in poly.items() if len(key) == 2}
    if not pairs:
        return LINEAR
    used = sorted({j for key in pairs for j in key})
    if len(used) > MAX_QUADRATIC_VARS:
        return UNKNOWN
    where = {j: k for k, j in enumerate(used)}
    hessian = np.zeros((len(used), len(used)))
    for (i, j), c in pairs.items():
        hessian[where[i], where[j]] += c
        hessian[where[j], where[i]] += c
    eigenvalues = np.linalg.eigvalsh(hessian)
    scale = max(1.0, float(np.abs(eigenvalues).max()))
    if eigenvalues.min() >= -1e-10 * scale:
        return CONVEX
    if eigenvalues.max() <= 1e-10 * scale:
        return CONCAVE
    return UNKNOWN


Polynomial = dict[tuple[int, ...], float]


def polynomial(node: Expr, memo: dict[int, Polynomial | None] | None = None) -> Polynomial | None:
    """``node`` as monomials of degree at most 2 (keys: (), (j,), (i, j) with i <= j), or None."""
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    result: Polynomial | None = None
    op = node.op
    if op == "const":
        result = {(): node.value}
    elif op == "var":
        result = {(node.index,): 1.0}
    elif op == "linear":
        result = {(): node.value}
        for j, c in zip(node.indices, node.coefs, strict=True):
            result[(j,)] = result.get((j,), 0.0) + c
    elif op in ("sum", "neg"):
        parts = [polynomial(arg, memo) for arg in node.args]
        if all(p is not None for p in parts):
            result = {}
            sign = -1.0 if op == "neg" else 1.0
            for part in parts:
                assert part is not None
                for key, c in part.items():
                    result[key] = result.get(key, 0.0) + sign * c
    elif op == "mul":
        result = _times(polynomial(node.args[0], memo), polynomial(node.args[1], memo))
    elif op == "div" and node.args[1].op == "const" and node.args[1].value != 0:
        top = polynomial(node.args[0], memo)
        result = None if top is None else {key: c / node.args[1].value for key, c in top.items()}
    elif op == "pow" and node.args[1].op == "const" and node.args[1].value in (1.0, 2.0):
        base = polynomial(node.args[0], memo)
        result = base if node.args[1].value == 1.0 else _times(base, base)
    memo[id(node)] = result
    return result


def _times(a: Polynomial | None, b: Polynomial | None) -> Polynomial | None:
    if a is None or b is None:
        return None
    out: Polynomial = {}
    for ka, ca in a.items():
        for kb, cb in b.items():
            key = tuple(sorted(ka + kb))
            if len(key) > 2:
                return None
            out[key] = out.get(key, 0.0) + ca * cb
    return out


def check_domains(problem: NonlinearProgram) -> None:
    """Refuse a function applied outside its domain somewhere within the variable bounds.

    The bounds are first tightened by :func:`tightened` (a variable defined by a constraint
    gets the range of its definition). A logarithm of something that may be <= 0, a square root or fractional power of something
    that may be negative, a division by something that may be 0: one line naming the
    expression, where it occurs and the range interval arithmetic finds for its argument.
    """
    lower, upper = tightened(problem)
    for label, root in (("the objective", problem.objective), *((f"constraint {c.name}", c.body) for c in problem.constraints)):
        ranges = intervals([root], list(lower), list(upper))
        for node in order([root]):
            why = _domain_error(node, ranges)
            if why is not None:
                text = to_text(node, problem.var_names)
                text = text if len(text) <= 80 else text[:77] + "..."
                raise InvalidModelError(f"{why} in {label}: {text}", source=problem.source or problem.name)


def tightened(problem: NonlinearProgram, rounds: int = 3, max_terms: int = 20) -> tuple[list[float], list[float]]:
    """Variable bounds tightened by the constraints that have a nonlinear part.

    In ``lower <= a * x_j + rest <= upper``, where ``x_j`` appears only in the linear part,
    ``x_j`` lies within ``([lower, upper] - range(rest)) / a``; a few rounds over
    constraints with at most ``max_terms`` linear terms (definitions such as
    ``y = sqrt(...)``, common in converted models). Valid for every feasible point.
    """
    from optarium.domains.nonlinear.expr import split_linear, variables

    lower, upper = (list(map(float, side)) for side in problem.bounds())
    shapes = []
    for constraint in problem.constraints:
        terms, constant, others = split_linear(constraint.body)
        if others and len(terms) <= max_terms:
            inside = set().union(*(variables(other) for other in others))
            shapes.append((constraint, terms, constant, others, inside))
    for _ in range(rounds):
        changed = False
        for constraint, terms, constant, others, inside in shapes:
            ranges = intervals(others, lower, upper)
            lo = constant + sum(ranges[id(other)][0] for other in others)
            hi = constant + sum(ranges[id(other)][1] for other in others)
            for j, a in terms.items():
                if j in inside:
                    continue
                rest_lo, rest_hi = lo, hi
                for k, b in terms.items():
                    if k != j:
                        low, high = sorted((b * lower[k], b * upper[k]))
                        rest_lo, rest_hi = rest_lo + low, rest_hi + high
                if math.isnan(rest_lo) or math.isnan(rest_hi):
                    continue
                with_lower = constraint.lower - rest_hi
                with_upper = constraint.upper - rest_lo
                new = sorted((with_lower / a, with_upper / a)) if a > 0 else sorted((with_upper / a, with_lower / a))
                new_lo, new_hi = (v if not math.isnan(v) else fallback for v, fallback in zip(new, (-math.inf, math.inf), strict=True))
                if _gain(new_lo, lower[j]) and new_lo <= upper[j]:
                    lower[j], changed = new_lo, True
                if _gain(-new_hi, -upper[j]) and new_hi >= lower[j]:
                    upper[j], changed = new_hi, True
        if not changed:
            break
    return lower, upper


def _gain(new: float, old: float) -> bool:
    """Whether a new lower bound is worth taking over the old one."""
    if math.isinf(new):
        return False
    return math.isinf(old) or new > old + 1e-9 * max(1.0, abs(old))


def _domain_error(node: Expr, ranges: dict[int, Interval]) -> str | None:
    op = node.op
    if op in ("log", "log10", "sqrt", "div", "pow"):
        argument = node.args[1] if op == "div" else node.args[0]
        lo, hi = ranges[id(argument)]
        span = f"[{lo:.6g}, {hi:.6g}]"
        if op in ("log", "log10") and lo <= 0:
            return f"the argument of {op} may be <= 0 within the variable bounds (it ranges over {span})"
        if op == "sqrt" and lo < 0:
            return f"the argument of sqrt may be negative within the variable bounds (it ranges over {span})"
        if op == "div" and lo <= 0 <= hi:
            return f"a division by an expression that may be 0 within the variable bounds (it ranges over {span})"
        if op == "pow":
            exponent = node.args[1]
            if exponent.op != "const":
                if node.args[0].op == "const" and node.args[0].value > 0:
                    return None
                return None if lo > 0 else f"a power with a variable exponent of a base that may be <= 0 (it ranges over {span})"
            p = exponent.value
            if not float(p).is_integer() and lo < 0:
                return f"a fractional power ({p:g}) of a base that may be negative within the variable bounds (it ranges over {span})"
            if p < 0 and lo <= 0 <= hi:
                return f"a negative power ({p:g}) of a base that may be 0 within the variable bounds (it ranges over {span})"
    return None
