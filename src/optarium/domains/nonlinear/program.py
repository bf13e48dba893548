"""The nonlinear program: variables with bounds and types, an objective and constraints as expressions.

A :class:`NonlinearProgram` is immutable, of kind ``"nonlinear"``; build one with
:class:`Model` in Python, read one from an AMPL ``.nl`` file
(:mod:`optarium.domains.nonlinear.nl`) or from a Pyomo model
(:mod:`optarium.domains.nonlinear.pyomo`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from optarium.domains.nonlinear.expr import Expr, Relation, is_linear, order, var, wrap
from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Sense = Literal["min", "max"]
VarType = Literal["continuous", "integer", "binary"]
INF = math.inf
# bounds at or beyond this magnitude mean "no bound", as in the .nl and MPS conventions
INFINITE_BOUND = 1e20


@dataclass(frozen=True)
class Constraint:
    """``lower <= body <= upper``; an infinite side is no side."""

    name: str
    body: Expr
    lower: float = -INF
    upper: float = INF

    def __post_init__(self) -> None:
        if math.isnan(self.lower) or math.isnan(self.upper) or self.lower > self.upper:
            raise InvalidModelError(f"constraint {self.name!r} needs lower <= upper, got {self.lower=}, {self.upper=}")


@dataclass(frozen=True, eq=False)
class NonlinearProgram:
    """Variables ``x[0..n-1]`` with bounds and types, ``objective`` (min or max) and ``constraints``.

    ``lower``, ``upper`` and ``is_integer`` have one entry per variable (binaries are
    integers with bounds [0, 1]); ``offset`` is already part of ``objective``.
    A problem of kind ``"nonlinear"`` (see :mod:`optarium.kinds`).
    """

    kind: ClassVar[str] = "nonlinear"

    name: str
    var_names: tuple[str, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    is_integer: tuple[bool, ...]
    objective: Expr
    sense: Sense = "min"
    constraints: tuple[Constraint, ...] = ()
    source: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.var_names)
        where = self.source or self.name
        if not (len(self.lower) == len(self.upper) == len(self.is_integer) == n):
            raise InvalidModelError(f"`lower`, `upper` and `is_integer` must have {n} entries each", source=where)
        if self.sense not in ("min", "max"):
            raise InvalidModelError(f"`sense` must be 'min' or 'max', got {self.sense!r}", source=where)
        for j, (lo, hi) in enumerate(zip(self.lower, self.upper, strict=True)):
            if math.isnan(lo) or math.isnan(hi) or lo > hi:
                raise InvalidModelError(f"variable {self.var_names[j]} needs lower <= upper, got {lo}, {hi}", source=where)
        used = [node for node in order([self.objective, *(c.body for c in self.constraints)]) if node.op in ("var", "linear")]
        for node in used:
            indices = (node.index,) if node.op == "var" else node.indices
            if any(not 0 <= j < n for j in indices):
                raise InvalidModelError(f"an expression uses variable index {max(indices)} of only {n}", source=where)

    @property
    def n_vars(self) -> int:
        return len(self.var_names)

    @property
    def n_cons(self) -> int:
        return len(self.constraints)

    def bounds(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(lower, upper)`` as float arrays of shape (n,)."""
        import numpy as np

        return np.array(self.lower, dtype=np.float64), np.array(self.upper, dtype=np.float64)

    def fingerprint(self) -> str:
        """A hash of the structure and numbers, the same however the problem was read (names are not hashed)."""
        if "fingerprint" not in self._cache:
            digest = hashlib.sha256()
            digest.update(f"{self.sense}|{self.n_vars}|{self.n_cons}|".encode())
            for lo, hi, integer in zip(self.lower, self.upper, self.is_integer, strict=True):
                digest.update(f"{lo:.12g},{hi:.12g},{int(integer)};".encode())
            digest.update(self.objective.key().encode())
            for constraint in self.constraints:
                digest.update(f"|{constraint.lower:.12g}<={constraint.body.key()}<={constraint.upper:.12g}".encode())
            self._cache["fingerprint"] = digest.hexdigest()
        return str(self._cache["fingerprint"])

    def features(self) -> dict[str, Any]:
        """Counts (variables by type, nonlinear terms and constraints, operators) and detected convexity."""
        if "features" not in self._cache:
            from optarium.domains.nonlinear.analysis import convexity

            n_integer = sum(self.is_integer)
            n_binary = sum(1 for j in range(self.n_vars) if self.is_integer[j] and self.lower[j] >= 0 and self.upper[j] <= 1)
            roots = [self.objective, *(c.body for c in self.constraints)]
            operators: dict[str, int] = {}
            for node in order(roots):
                if node.op not in ("const", "var", "linear"):
                    operators[node.op] = operators.get(node.op, 0) + 1
            nonlinear_cons = sum(1 for c in self.constraints if not is_linear(c.body))
            nonlinear = bool(operators)
            convex = convexity(self)
            if not nonlinear:
                klass = "MILP" if n_integer else "LP"
            else:
                klass = "MINLP" if n_integer else "NLP"
            self._cache["features"] = {
                "problem_class": klass, "n_vars": self.n_vars, "n_continuous": self.n_vars - n_integer,
                "n_integer": n_integer, "n_binary": n_binary, "n_cons": self.n_cons,
                "n_nonlinear_cons": nonlinear_cons, "nonlinear_objective": not is_linear(self.objective),
                "n_nonlinear_terms": sum(operators.values()), "operators": dict(sorted(operators.items())),
                "convex": convex, "sense": self.sense,
            }
        return dict(self._cache["features"])

    def evaluate(self, x: Sequence[float] | NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        """The objective and each constraint body at ``x`` (shape (n,))."""
        import numpy as np

        from optarium.domains.nonlinear.expr import evaluate

        point = np.asarray(x, dtype=np.float64)
        values = evaluate([self.objective, *(c.body for c in self.constraints)], point)
        return float(values[0]), np.array([float(v) for v in values[1:]], dtype=np.float64)


class Model:
    """A small builder: ``m = Model("name"); x = m.var("x", 0, 4); m.minimize(x**2); m.subject_to(x >= 1)``.

    ``var`` returns an expression; combine them with ``+ - * / **`` and the functions of
    :mod:`optarium.domains.nonlinear.expr` (``exp``, ``log``, ``sqrt``, ``sin``, ...).
    """

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self._names: list[str] = []
        self._lower: list[float] = []
        self._upper: list[float] = []
        self._integer: list[bool] = []
        self._objective: Expr = wrap(0.0)
        self._sense: Sense = "min"
        self._constraints: list[Constraint] = []

    def var(self, name: str, lower: float | None = None, upper: float | None = None, type: VarType = "continuous") -> Expr:
        """A new variable; ``None`` bounds are infinite, a binary's bounds are [0, 1]."""
        if type not in ("continuous", "integer", "binary"):
            raise InvalidModelError(f"`type` must be 'continuous', 'integer' or 'binary', got {type!r}")
        if name in self._names:
            raise InvalidModelError(f"a variable named {name!r} already exists")
        lo = -INF if lower is None else float(lower)
        hi = INF if upper is None else float(upper)
        if type == "binary":
            lo, hi = max(lo, 0.0), min(hi, 1.0)
        if lo > hi:
            raise InvalidModelError(f"`lower <= upper` must hold for variable {name!r}, got {lower=}, {upper=}")
        self._names.append(name)
        self._lower.append(lo)
        self._upper.append(hi)
        self._integer.append(type != "continuous")
        return var(len(self._names) - 1)

    def minimize(self, objective: Expr | float) -> None:
        self._objective, self._sense = wrap(objective), "min"

    def maximize(self, objective: Expr | float) -> None:
        self._objective, self._sense = wrap(objective), "max"

    def subject_to(self, relation: Relation, name: str | None = None) -> None:
        """Add a constraint written ``expr <= value``, ``expr >= value`` or ``expr == value``."""
        if not isinstance(relation, Relation):
            raise InvalidModelError(f"`relation` must be a comparison of expressions, got a {type(relation).__name__}")
        label = name or f"c{len(self._constraints)}"
        body, lower, upper = _moved(relation)
        self._constraints.append(Constraint(label, body, lower, upper))

    def build(self) -> NonlinearProgram:
        return NonlinearProgram(
            self.name, tuple(self._names), tuple(self._lower), tuple(self._upper), tuple(self._integer),
            self._objective, self._sense, tuple(self._constraints),
        )


def _moved(relation: Relation) -> tuple[Expr, float, float]:
    """The relation's body without its constant, and the sides moved by it."""
    from optarium.domains.nonlinear.expr import add, linear, split_linear

    terms, constant, others = split_linear(relation.body)
    body = add(linear(list(terms.values()), list(terms)), *others) if terms else add(*others) if others else wrap(0.0)
    lower = -INF if relation.lower is None else relation.lower - constant
    upper = INF if relation.upper is None else relation.upper - constant
    return body, lower, upper
