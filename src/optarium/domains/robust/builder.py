"""Build a :class:`RobustProblem` in Python with expressions in first-stage, recourse and uncertain terms.

>>> b = RobustBuilder("tiny", sense="max")
>>> x = b.first_stage(2, "x", vtype="binary")
>>> y = b.recourse(2, "y", vtype="binary")
>>> xi = b.uncertain(2, "xi", lower=0, upper=1, budget=1)
>>> b.objective(3 * x[0] + 2 * x[1] + y[0] - xi[0] * y[0])
>>> b.constrain(x[0] + x[1], "<=", 1)
>>> b.constrain(y[0] - x[0], "<=", 0)
>>> problem = b.build()

A term may multiply one variable by one uncertain parameter (``xi[k] * x[j]``);
constants and ``xi`` alone may appear anywhere; a product of two variables is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from optarium.domains.robust.problem import VTYPES, Bilinear, Block, RobustProblem, Uncertainty
from optarium.errors import InvalidModelError

# a term's key: (stage, index, k) with stage "x", "y" or "1" (constant), k = -1 without xi
Key = tuple[str, int, int]


class Expr:
    """An affine expression in the variables whose coefficients are affine in ``xi``."""

    def __init__(self, terms: dict[Key, float] | None = None):
        self.terms: dict[Key, float] = dict(terms or {})

    @staticmethod
    def of(value: Any) -> Expr:
        if isinstance(value, Expr):
            return value
        if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
            return Expr({("1", 0, -1): float(value)})
        raise InvalidModelError(f"expected a number or an expression, got {type(value).__name__} {value!r}")

    def __add__(self, other: Any) -> Expr:
        out = dict(self.terms)
        for key, value in Expr.of(other).terms.items():
            out[key] = out.get(key, 0.0) + value
        return Expr(out)

    __radd__ = __add__

    def __neg__(self) -> Expr:
        return Expr({key: -value for key, value in self.terms.items()})

    def __sub__(self, other: Any) -> Expr:
        return self + (-Expr.of(other))

    def __rsub__(self, other: Any) -> Expr:
        return Expr.of(other) - self

    def __mul__(self, other: Any) -> Expr:
        if not isinstance(other, Expr):
            factor = Expr.of(other).terms[("1", 0, -1)]
            return Expr({key: value * factor for key, value in self.terms.items()})
        if self.is_constant() or other.is_constant():
            constant, expr = (self, other) if self.is_constant() else (other, self)
            return expr * constant.terms.get(("1", 0, -1), 0.0)
        out: dict[Key, float] = {}
        for (sa, ia, ka), va in self.terms.items():
            for (sb, ib, kb), vb in other.terms.items():
                if (ka >= 0 and kb >= 0) or (sa in "xy" and sb in "xy"):
                    raise InvalidModelError("a product of two variables or of two uncertain parameters is not affine in each")
                stage, index = (sa, ia) if sa in "xy" else (sb, ib)
                k = max(ka, kb)
                out[(stage, index, k)] = out.get((stage, index, k), 0.0) + va * vb
        return Expr(out)

    __rmul__ = __mul__

    def is_constant(self) -> bool:
        return all(key == ("1", 0, -1) for key in self.terms)


def total(items: Iterable[Any]) -> Expr:
    """The sum of expressions (``sum`` works too)."""
    out = Expr()
    for item in items:
        out = out + item
    return out


class RobustBuilder:
    """Collects variables, uncertain parameters, rows and the objective; :meth:`build` checks and freezes them."""

    def __init__(self, name: str = "robust", sense: str = "min"):
        if sense not in ("min", "max"):
            raise InvalidModelError(f"`sense` must be 'min' or 'max', got {sense!r}")
        self.name, self.sense = name, sense
        self._vars: dict[str, list[tuple[str, float, float, bool]]] = {"x": [], "y": []}
        self._uncertainty: Uncertainty | None = None
        self._objective = Expr()
        self._rows: list[tuple[Expr, str]] = []

    def _add(self, stage: str, count: int, name: str, lower: float, upper: float, vtype: str) -> list[Expr]:
        if vtype not in VTYPES:
            raise InvalidModelError(f"`vtype` must be one of {', '.join(VTYPES)}, got {vtype!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            raise InvalidModelError(f"`count` must be a positive integer, got {count=}")
        if vtype == "binary":
            lower, upper = max(0.0, lower), min(1.0, upper)
        taken = {var[0] for variables in self._vars.values() for var in variables}
        if f"{name}[0]" in taken:
            raise InvalidModelError(f"variables named {name!r} already exist; give these another `name`")
        start = len(self._vars[stage])
        self._vars[stage] += [(f"{name}[{i}]", float(lower), float(upper), vtype != "continuous") for i in range(count)]
        return [Expr({(stage, start + i, -1): 1.0}) for i in range(count)]

    def first_stage(self, count: int, name: str = "x", *, lower: float = 0.0, upper: float = np.inf,
                    vtype: str = "continuous") -> list[Expr]:
        return self._add("x", count, name, lower, upper, vtype)

    def recourse(self, count: int, name: str = "y", *, lower: float = 0.0, upper: float = np.inf,
                 vtype: str = "continuous") -> list[Expr]:
        return self._add("y", count, name, lower, upper, vtype)

    def uncertain(self, count: int, name: str = "xi", *, lower: Any = 0.0, upper: Any = 1.0,
                  budget: float | None = None) -> list[Expr]:
        """The uncertain parameters: a box, budgeted when ``budget`` is given (once per problem)."""
        if self._uncertainty is not None:
            raise InvalidModelError("the uncertain parameters are already declared; declare them in one call")
        names = [f"{name}[{k}]" for k in range(count)]
        lo, up = np.broadcast_to(np.asarray(lower, dtype=float), (count,)), np.broadcast_to(np.asarray(upper, dtype=float), (count,))
        self._uncertainty = (Uncertainty.box(lo, up, names) if budget is None
                             else Uncertainty.budgeted(lo, up, budget, names))
        return [Expr({("1", 0, k): 1.0}) for k in range(count)]

    def objective(self, expr: Any) -> None:
        self._objective = Expr.of(expr)

    def constrain(self, lhs: Any, sense: str, rhs: Any) -> None:
        if sense not in ("<=", ">=", "=="):
            raise InvalidModelError(f"`sense` of a row must be '<=', '>=' or '==', got {sense!r}")
        expr = Expr.of(lhs) - Expr.of(rhs)
        if sense in ("<=", "=="):
            self._rows.append((expr, sense))
        if sense in (">=", "=="):
            self._rows.append((-expr, sense))

    def build(self) -> RobustProblem:
        if self._uncertainty is None:
            raise InvalidModelError("declare the uncertain parameters with `uncertain(...)` before `build()`")
        u = self._uncertainty
        blocks = {}
        for stage in ("x", "y"):
            rows = self._vars[stage]
            blocks[stage] = Block(tuple(r[0] for r in rows), np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                                  np.array([r[3] for r in rows], dtype=bool))
        n1, n2, m, r = blocks["x"].size, blocks["y"].size, u.size, len(self._rows)
        linear = {"x": np.zeros(n1), "y": np.zeros(n2)}
        by_xi = {"x": np.zeros((m, n1)), "y": np.zeros((m, n2))}
        cxi, c0 = np.zeros(m), 0.0
        for (stage, index, k), value in self._objective.terms.items():
            if stage == "1":
                if k >= 0:
                    cxi[k] += value
                else:
                    c0 += value
            elif k >= 0:
                by_xi[stage][k, index] += value
            else:
                linear[stage][index] += value
        A = {"x": np.zeros((r, n1)), "y": np.zeros((r, n2))}
        E, b = np.zeros((r, m)), np.zeros(r)
        entries: dict[str, list[tuple[int, int, int, float]]] = {"x": [], "y": []}
        for i, (expr, _) in enumerate(self._rows):
            for (stage, index, k), value in expr.terms.items():
                if stage == "1":
                    if k >= 0:
                        E[i, k] += value
                    else:
                        b[i] -= value
                elif k >= 0:
                    entries[stage].append((i, k, index, value))
                else:
                    A[stage][i, index] += value

        def bil(items: list[tuple[int, int, int, float]]) -> Bilinear:
            if not items:
                return Bilinear.empty()
            rows_, ks, vs, vals = zip(*items, strict=True)
            return Bilinear(np.array(rows_), np.array(ks), np.array(vs), np.array(vals, dtype=float))

        return RobustProblem(
            first=blocks["x"], second=blocks["y"], uncertainty=u, cx=linear["x"], cy=linear["y"], Cx=by_xi["x"],
            Cy=by_xi["y"], cxi=cxi, Ax=A["x"], Ay=A["y"], E=E, b=b, Ax_xi=bil(entries["x"]), Ay_xi=bil(entries["y"]),
            c0=c0, sense=self.sense, name=self.name,
        )
