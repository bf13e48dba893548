"""Values, gradients and interval bounds of expression graphs, computed with numpy alone.

:class:`Compiled` evaluates several roots at once and their dense Jacobian by
reverse accumulation; :func:`intervals` bounds every node over a box of variable
bounds (for domain checks and convexity), with infinite ends where a bound is missing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.nonlinear.expr import Expr, _apply, order

if TYPE_CHECKING:
    from numpy.typing import NDArray

INF = math.inf


class Compiled:
    """Values and Jacobian of ``roots`` (m expressions over n variables) at one point.

    ``values(x)`` has shape (m,), ``jacobian(x)`` shape (m, n); both NaN/inf outside a domain.
    """

    def __init__(self, roots: Sequence[Expr], n: int) -> None:
        self.roots = list(roots)
        self.n = n
        self.nodes = order(self.roots)
        self.position = {id(node): k for k, node in enumerate(self.nodes)}
        self.children = [[self.position[id(arg)] for arg in node.args] for node in self.nodes]
        # the nodes under each root, parents first, for the backward pass
        self.reverse = [[self.position[id(node)] for node in reversed(order([root]))] for root in self.roots]

    def forward(self, x: NDArray[np.float64]) -> list[Any]:
        values: list[Any] = [0.0] * len(self.nodes)
        with np.errstate(all="ignore"):
            for k, node in enumerate(self.nodes):
                values[k] = _apply(node, [values[c] for c in self.children[k]], x)
        return values

    def values(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        forward = self.forward(x)
        return np.array([float(forward[self.position[id(root)]]) for root in self.roots], dtype=np.float64)

    def jacobian(self, x: NDArray[np.float64], forward: list[Any] | None = None) -> NDArray[np.float64]:
        values = self.forward(x) if forward is None else forward
        out = np.zeros((len(self.roots), self.n))
        with np.errstate(all="ignore"):
            for row, nodes in enumerate(self.reverse):
                adjoint = {nodes[0]: 1.0}
                for k in nodes:
                    weight = adjoint.pop(k, 0.0)
                    if weight == 0.0:
                        continue
                    self._backward(k, weight, values, adjoint, out[row])
        return out

    def _backward(self, k: int, weight: float, values: list[Any], adjoint: dict[int, float], grad: NDArray[np.float64]) -> None:
        node = self.nodes[k]
        op = node.op
        kids = self.children[k]

        def push(child: int, amount: float) -> None:
            adjoint[child] = adjoint.get(child, 0.0) + amount

        if op == "const":
            return
        if op == "var":
            grad[node.index] += weight
        elif op == "linear":
            np.add.at(grad, list(node.indices), weight * np.asarray(node.coefs))
        elif op == "sum":
            for child in kids:
                push(child, weight)
        elif op == "neg":
            push(kids[0], -weight)
        elif op == "mul":
            a, b = values[kids[0]], values[kids[1]]
            push(kids[0], weight * b)
            push(kids[1], weight * a)
        elif op == "div":
            a, b = values[kids[0]], values[kids[1]]
            push(kids[0], weight / b)
            push(kids[1], -weight * a / (b * b))
        elif op == "pow":
            a, b = float(values[kids[0]]), float(values[kids[1]])
            exponent = self.nodes[kids[1]]
            push(kids[0], weight * b * (a ** (b - 1) if b != 1 else 1.0) if (a > 0 or float(b).is_integer()) else math.nan)
            if exponent.op != "const":
                push(kids[1], weight * (a**b) * math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
        else:
            a = float(values[kids[0]])
            derivative = {
                "exp": lambda: math.exp(a) if a < 700 else math.inf,
                "log": lambda: 1.0 / a if a != 0 else math.inf,
                "log10": lambda: 1.0 / (a * math.log(10)) if a != 0 else math.inf,
                "sqrt": lambda: 0.5 / math.sqrt(a) if a > 0 else math.inf,
                "abs": lambda: math.copysign(1.0, a) if a != 0 else 0.0,
                "sin": lambda: math.cos(a),
                "cos": lambda: -math.sin(a),
                "tan": lambda: 1.0 / math.cos(a) ** 2,
            }[op]()
            push(kids[0], weight * derivative)


Interval = tuple[float, float]


def intervals(roots: Sequence[Expr], lower: Sequence[float], upper: Sequence[float]) -> dict[int, Interval]:
    """``{id(node): (lo, hi)}`` enclosing every node's value over the box ``lower <= x <= upper``."""
    out: dict[int, Interval] = {}
    for node in order(roots):
        out[id(node)] = _interval(node, [out[id(arg)] for arg in node.args], lower, upper)
    return out


def _mul(a: Interval, b: Interval) -> Interval:
    products = []
    for p in a:
        for q in b:
            products.append(0.0 if (p == 0 or q == 0) else p * q)
    return min(products), max(products)


def _interval(node: Expr, args: list[Interval], lower: Sequence[float], upper: Sequence[float]) -> Interval:
    op = node.op
    if op == "const":
        return node.value, node.value
    if op == "var":
        return float(lower[node.index]), float(upper[node.index])
    if op == "linear":
        lo = hi = node.value
        for c, j in zip(node.coefs, node.indices, strict=True):
            a, b = _mul((c, c), (float(lower[j]), float(upper[j])))
            lo, hi = lo + a, hi + b
        return _clean(lo, hi)
    if op == "sum":
        return _clean(sum(a[0] for a in args), sum(a[1] for a in args))
    if op == "neg":
        return -args[0][1], -args[0][0]
    if op == "mul":
        if node.args[0] is node.args[1]:
            return _square(args[0])
        return _mul(args[0], args[1])
    if op == "div":
        lo, hi = args[1]
        if lo <= 0 <= hi:
            return -INF, INF
        return _mul(args[0], (1 / hi, 1 / lo))
    if op == "pow":
        return _power(args[0], args[1], node.args[1])
    a, b = args[0]
    if op == "exp":
        return _exp(a), _exp(b)
    if op in ("log", "log10"):
        scale = 1.0 if op == "log" else 1 / math.log(10)
        return (scale * math.log(a) if a > 0 else -INF), (scale * math.log(b) if b > 0 else -INF)
    if op == "sqrt":
        return (math.sqrt(a) if a > 0 else 0.0), (math.sqrt(b) if b > 0 else 0.0)
    if op == "abs":
        if a >= 0:
            return a, b
        if b <= 0:
            return -b, -a
        return 0.0, max(-a, b)
    if op in ("sin", "cos"):
        return -1.0, 1.0
    return -INF, INF


def _clean(lo: float, hi: float) -> Interval:
    return (-INF if math.isnan(lo) else lo), (INF if math.isnan(hi) else hi)


def _exp(value: float) -> float:
    return math.exp(value) if value < 700 else INF


def _square(a: Interval) -> Interval:
    lo, hi = a
    squares = (lo * lo, hi * hi)
    return (0.0 if lo <= 0 <= hi else min(squares)), max(squares)


def _power(base: Interval, exponent: Interval, exponent_node: Expr) -> Interval:
    if exponent_node.op != "const":
        if base[0] > 0:
            logs = (math.log(base[0]), math.log(base[1]) if base[1] < INF else INF)
            return _exp(min(_mul(logs, exponent))), _exp(max(_mul(logs, exponent)))
        return -INF, INF
    p = exponent_node.value
    lo, hi = base
    if p == 0:
        return 1.0, 1.0
    if float(p).is_integer():
        if p > 0:
            if int(p) % 2 == 0:
                if lo <= 0 <= hi:
                    return 0.0, max(_pow(lo, p), _pow(hi, p))
                return min(_pow(lo, p), _pow(hi, p)), max(_pow(lo, p), _pow(hi, p))
            return _pow(lo, p), _pow(hi, p)
        if lo <= 0 <= hi:
            return -INF, INF
        values = (_pow(lo, p), _pow(hi, p))
        return min(values), max(values)
    # a fractional power is defined for a base >= 0 (and > 0 when p < 0)
    lo = max(lo, 0.0)
    if hi < 0:
        return math.nan, math.nan
    values = (_pow(lo, p), _pow(hi, p))
    return min(values), max(values)


def _pow(value: float, p: float) -> float:
    if math.isinf(value):
        if value > 0:
            return INF if p > 0 else 0.0
        return (INF if int(p) % 2 == 0 else -INF) if p > 0 else 0.0
    if value == 0 and p < 0:
        return INF
    try:
        return float(value**p)
    except OverflowError:
        return INF
