"""The expression graph of a nonlinear program: immutable nodes, built with Python operators.

A node is a constant, a variable (by index), a linear form ``sum(coef * x[j]) + constant``,
or an operator over child nodes: ``sum``, ``mul``, ``div``, ``pow``, ``neg`` and the
functions in :data:`FUNCTIONS`. Nodes are shared (a DAG); :func:`order` lists the nodes
of several roots children first, each once, which evaluation, gradients, interval
bounds and the SCIP builder walk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# unary functions, by name; the numpy function of each lives in ``evaluate``
FUNCTIONS = ("exp", "log", "log10", "sqrt", "abs", "sin", "cos", "tan")
OPERATORS = ("const", "var", "linear", "sum", "mul", "div", "pow", "neg", *FUNCTIONS)

Operand = Union["Expr", float, int]


class Expr:
    """One node of the graph; immutable once built.

    ``op`` names the operation, ``args`` the child nodes; ``value`` is a constant's
    value; ``index`` a variable's; ``coefs``/``indices`` the terms of a ``linear`` node
    (whose ``value`` is its constant).
    """

    __slots__ = ("_key", "args", "coefs", "index", "indices", "op", "value")

    op: str
    args: tuple[Expr, ...]
    value: float
    index: int
    coefs: tuple[float, ...]
    indices: tuple[int, ...]
    _key: str | None

    def __init__(
        self, op: str, args: Sequence[Expr] = (), *, value: float = 0.0, index: int = -1,
        coefs: Sequence[float] = (), indices: Sequence[int] = (),
    ) -> None:
        if op not in OPERATORS:
            raise InvalidModelError(f"unsupported operator {op!r}; supported: {', '.join(OPERATORS)}")
        if op == "const" and not math.isfinite(value):
            raise InvalidModelError(f"a constant must be a finite number, got {value!r}")
        for name, item in (("op", op), ("args", tuple(args)), ("value", float(value)), ("index", int(index)),
                           ("coefs", tuple(float(c) for c in coefs)), ("indices", tuple(int(j) for j in indices)),
                           ("_key", None)):
            object.__setattr__(self, name, item)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("an expression is immutable")

    __hash__ = object.__hash__

    # -- building with Python operators -------------------------------------------------
    def __add__(self, other: Operand) -> Expr:
        return add(self, other)

    def __radd__(self, other: Operand) -> Expr:
        return add(other, self)

    def __sub__(self, other: Operand) -> Expr:
        return add(self, neg(wrap(other)))

    def __rsub__(self, other: Operand) -> Expr:
        return add(other, neg(self))

    def __mul__(self, other: Operand) -> Expr:
        return mul(self, other)

    def __rmul__(self, other: Operand) -> Expr:
        return mul(other, self)

    def __truediv__(self, other: Operand) -> Expr:
        return Expr("div", (self, wrap(other)))

    def __rtruediv__(self, other: Operand) -> Expr:
        return Expr("div", (wrap(other), self))

    def __pow__(self, other: Operand) -> Expr:
        return Expr("pow", (self, wrap(other)))

    def __rpow__(self, other: Operand) -> Expr:
        return Expr("pow", (wrap(other), self))

    def __neg__(self) -> Expr:
        return neg(self)

    def __abs__(self) -> Expr:
        return Expr("abs", (self,))

    def __le__(self, other: Operand) -> Relation:
        return Relation(add(self, neg(wrap(other))), None, 0.0)

    def __ge__(self, other: Operand) -> Relation:
        return Relation(add(self, neg(wrap(other))), 0.0, None)

    def __eq__(self, other: object) -> Relation:  # type: ignore[override]
        if not isinstance(other, Expr | int | float):
            return NotImplemented
        return Relation(add(self, neg(wrap(other))), 0.0, 0.0)

    def __bool__(self) -> bool:
        raise TypeError("an expression has no truth value; compare it with <=, >= or == to make a constraint")

    def __repr__(self) -> str:
        return to_text(self)

    def key(self) -> str:
        """A canonical text of this node's structure and numbers (the fingerprint hashes it)."""
        if self._key is None:
            if self.op == "const":
                text = f"c{_number(self.value)}"
            elif self.op == "var":
                text = f"v{self.index}"
            elif self.op == "linear":
                terms = ",".join(f"{j}:{_number(c)}" for j, c in sorted(zip(self.indices, self.coefs, strict=True)))
                text = f"L({terms};{_number(self.value)})"
            elif self.op in ("sum", "mul"):  # commutative: children in a canonical order
                text = f"{self.op}({','.join(sorted(arg.key() for arg in self.args))})"
            else:
                text = f"{self.op}({','.join(arg.key() for arg in self.args)})"
            object.__setattr__(self, "_key", text)
        assert self._key is not None
        return self._key


class Relation:
    """``lower <= body <= upper`` as written with ``<=``, ``>=`` or ``==``; None is no side."""

    __slots__ = ("body", "lower", "upper")

    def __init__(self, body: Expr, lower: float | None, upper: float | None) -> None:
        self.body, self.lower, self.upper = body, lower, upper

    def __bool__(self) -> bool:
        raise TypeError("a constraint has no truth value; add it to a model")


def _number(value: float) -> str:
    # about 12 significant digits, so a model printed and read back hashes alike
    return "0" if value == 0 else f"{value:.12g}"


def wrap(value: Operand) -> Expr:
    """An expression for a number or an expression."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidModelError(f"cannot use a {type(value).__name__} in an expression; use numbers and variables")
    return Expr("const", value=float(value))


def const(value: float) -> Expr:
    return Expr("const", value=float(value))


def var(index: int) -> Expr:
    return Expr("var", index=index)


def linear(coefs: Sequence[float], indices: Sequence[int], constant: float = 0.0) -> Expr:
    """``sum(coefs[k] * x[indices[k]]) + constant``; repeated indices are added up, zeros dropped."""
    merged: dict[int, float] = {}
    for j, c in zip(indices, coefs, strict=True):
        merged[int(j)] = merged.get(int(j), 0.0) + float(c)
    kept = {j: c for j, c in merged.items() if c != 0.0}
    if not kept:
        return const(constant)
    return Expr("linear", value=constant, coefs=list(kept.values()), indices=list(kept))


def neg(node: Expr) -> Expr:
    if node.op == "const":
        return const(-node.value)
    if node.op == "linear":
        return Expr("linear", value=-node.value, coefs=[-c for c in node.coefs], indices=node.indices)
    if node.op == "var":
        return linear([-1.0], [node.index])
    return Expr("neg", (node,))


def _as_linear(node: Expr) -> tuple[dict[int, float], float] | None:
    if node.op == "const":
        return {}, node.value
    if node.op == "var":
        return {node.index: 1.0}, 0.0
    if node.op == "linear":
        return dict(zip(node.indices, node.coefs, strict=True)), node.value
    return None


def add(*operands: Operand) -> Expr:
    """The sum of the operands; linear parts are merged into one ``linear`` node."""
    terms: dict[int, float] = {}
    constant = 0.0
    others: list[Expr] = []
    for operand in operands:
        node = wrap(operand)
        parts = [*node.args] if node.op == "sum" else [node]
        for part in parts:
            as_linear = _as_linear(part)
            if as_linear is None:
                others.append(part)
                continue
            for j, c in as_linear[0].items():
                terms[j] = terms.get(j, 0.0) + c
            constant += as_linear[1]
    lin = linear(list(terms.values()), list(terms), constant) if terms else const(constant)
    if not others:
        return lin
    if lin.op == "const" and lin.value == 0.0:
        return others[0] if len(others) == 1 else Expr("sum", others)
    return Expr("sum", [lin, *others])


def mul(a: Operand, b: Operand) -> Expr:
    left, right = wrap(a), wrap(b)
    if left.op == "const" and right.op == "const":
        return const(left.value * right.value)
    if right.op == "const":
        left, right = right, left
    if left.op == "const":
        if left.value == 0.0:
            return const(0.0)
        as_linear = _as_linear(right)
        if as_linear is not None:
            return linear([left.value * c for c in as_linear[0].values()], list(as_linear[0]), left.value * as_linear[1])
    return Expr("mul", (left, right))


def function(name: str, argument: Operand) -> Expr:
    """``name(argument)`` for a name in :data:`FUNCTIONS`."""
    if name not in FUNCTIONS:
        raise InvalidModelError(f"unsupported function {name!r}; supported: {', '.join(FUNCTIONS)}")
    return Expr(name, (wrap(argument),))


def exp(x: Operand) -> Expr:
    return function("exp", x)


def log(x: Operand) -> Expr:
    return function("log", x)


def sqrt(x: Operand) -> Expr:
    return function("sqrt", x)


def sin(x: Operand) -> Expr:
    return function("sin", x)


def cos(x: Operand) -> Expr:
    return function("cos", x)


def tan(x: Operand) -> Expr:
    return function("tan", x)


def quicksum(terms: Iterable[Operand]) -> Expr:
    return add(*terms)


def order(roots: Iterable[Expr]) -> list[Expr]:
    """Every node under ``roots``, children before parents, each once."""
    seen: set[int] = set()
    out: list[Expr] = []
    for root in roots:
        stack: list[tuple[Expr, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in seen:
                continue
            if expanded or not node.args:
                seen.add(id(node))
                out.append(node)
                continue
            stack.append((node, True))
            stack.extend((arg, False) for arg in reversed(node.args) if id(arg) not in seen)
    return out


def variables(node: Expr) -> set[int]:
    """The indices of the variables ``node`` depends on."""
    found: set[int] = set()
    for item in order([node]):
        if item.op == "var":
            found.add(item.index)
        elif item.op == "linear":
            found.update(item.indices)
    return found


def is_linear(node: Expr) -> bool:
    return node.op in ("const", "var", "linear")


def split_linear(node: Expr) -> tuple[dict[int, float], float, list[Expr]]:
    """``node`` as linear terms, a constant and the nonlinear summands."""
    parts = list(node.args) if node.op == "sum" else [node]
    terms: dict[int, float] = {}
    constant = 0.0
    others = []
    for part in parts:
        as_linear = _as_linear(part)
        if as_linear is None:
            others.append(part)
            continue
        for j, c in as_linear[0].items():
            terms[j] = terms.get(j, 0.0) + c
        constant += as_linear[1]
    return terms, constant, others


def to_text(node: Expr, names: Sequence[str] | None = None) -> str:
    """A readable infix text of ``node`` (variables by name when given)."""

    def name(j: int) -> str:
        return names[j] if names is not None else f"x[{j}]"

    if node.op == "const":
        return repr(node.value)
    if node.op == "var":
        return name(node.index)
    if node.op == "linear":
        terms = [f"{c!r}*{name(j)}" for c, j in zip(node.coefs, node.indices, strict=True)]
        return "(" + " + ".join(terms + ([repr(node.value)] if node.value else [])) + ")"
    inner = [to_text(arg, names) for arg in node.args]
    symbol = {"sum": " + ", "mul": "*", "div": "/", "pow": "**"}.get(node.op)
    if symbol is not None:
        return "(" + symbol.join(inner) + ")"
    if node.op == "neg":
        return f"-{inner[0]}"
    return f"{node.op}({inner[0]})"


def evaluate(roots: Sequence[Expr], x: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """The value of each root at ``x`` (shape (n,) or (n, k) for k points at once), with numpy.

    Outside a function's domain the value is NaN or infinite, as numpy gives it.
    """
    import numpy as np

    values: dict[int, Any] = {}
    with np.errstate(all="ignore"):
        for node in order(roots):
            values[id(node)] = _apply(node, [values[id(arg)] for arg in node.args], x)
    return [np.asarray(values[id(root)], dtype=np.float64) + np.zeros(x.shape[1:]) for root in roots]


def _apply(node: Expr, args: list[Any], x: NDArray[np.float64]) -> Any:
    import numpy as np

    op = node.op
    if op == "const":
        return node.value
    if op == "var":
        return x[node.index]
    if op == "linear":
        return np.tensordot(np.asarray(node.coefs), x[list(node.indices)], axes=1) + node.value
    if op == "sum":
        total = args[0]
        for item in args[1:]:
            total = total + item
        return total
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "pow":
        return np.power(np.asarray(args[0], dtype=np.float64), args[1])
    if op == "neg":
        return -args[0]
    return getattr(np, {"abs": "abs", "log": "log", "log10": "log10"}.get(op, op))(args[0])
