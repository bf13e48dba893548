"""Linear bilevel programs: one checked, immutable type and a Python builder.

The leader chooses ``x``, the follower answers with ``y`` optimal for its own
problem given ``x``; the optimistic convention holds (among the follower's
optimal answers the one best for the leader is taken)::

    leader:    min/max  cx.x + cy.y + c0
               s.t.     x_lower <= x <= x_upper, x_j integer where x_integer[j]
                        g_lower <= G_x x + G_y y <= g_upper          (leader rows, may hold y)
                        y solves the follower's problem for this x
    follower:  min/max  dx.x + dy.y + d0   over y
               s.t.     y_lower <= y <= y_upper, y_k integer where y_integer[k]
                        a_lower <= A_x x + A_y y <= a_upper          (follower rows)

Rows are ranged like :class:`~optarium.problem.program.MathProgram` rows
(``-inf``/``inf`` for a missing side, equal sides for an equation).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from optarium.errors import InvalidModelError

if TYPE_CHECKING:
    from numpy.typing import NDArray

INF = math.inf
SENSES = ("min", "max")
ROW_SENSES = ("<=", ">=", "=")


@dataclass(frozen=True, eq=False)
class BilevelProblem:
    """A linear bilevel program (see the module docstring); a problem of kind ``"bilevel"``.

    Shapes: ``cx``, ``dx``, ``x_*`` (n_x,); ``cy``, ``dy``, ``y_*`` (n_y,);
    ``G_x`` (m_leader, n_x), ``G_y`` (m_leader, n_y), ``g_*`` (m_leader,);
    ``A_x`` (m_follower, n_x), ``A_y`` (m_follower, n_y), ``a_*`` (m_follower,).
    Build one with :meth:`build`, which checks every part and names the bad one.
    """

    kind: ClassVar[str] = "bilevel"

    name: str
    x_names: tuple[str, ...]
    y_names: tuple[str, ...]
    x_lower: NDArray[np.float64]
    x_upper: NDArray[np.float64]
    x_integer: NDArray[np.bool_]
    y_lower: NDArray[np.float64]
    y_upper: NDArray[np.float64]
    y_integer: NDArray[np.bool_]
    leader_sense: str
    cx: NDArray[np.float64]
    cy: NDArray[np.float64]
    c0: float
    G_x: NDArray[np.float64]
    G_y: NDArray[np.float64]
    g_lower: NDArray[np.float64]
    g_upper: NDArray[np.float64]
    leader_row_names: tuple[str, ...]
    follower_sense: str
    dx: NDArray[np.float64]
    dy: NDArray[np.float64]
    d0: float
    A_x: NDArray[np.float64]
    A_y: NDArray[np.float64]
    a_lower: NDArray[np.float64]
    a_upper: NDArray[np.float64]
    follower_row_names: tuple[str, ...]
    source: str = ""
    reference: dict[str, Any] = field(default_factory=dict)
    _fingerprint: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def build(
        cls,
        leader_objective: Sequence[Any],
        follower_objective: Sequence[Any],
        *,
        leader_sense: str = "min",
        follower_sense: str = "min",
        x_bounds: Sequence[tuple[float | None, float | None]] | None = None,
        y_bounds: Sequence[tuple[float | None, float | None]] | None = None,
        x_integer: Sequence[bool] | None = None,
        y_integer: Sequence[bool] | None = None,
        leader_constraints: Sequence[Sequence[Any]] = (),
        follower_constraints: Sequence[Sequence[Any]] = (),
        x_names: Sequence[str] | None = None,
        y_names: Sequence[str] | None = None,
        leader_row_names: Sequence[str] | None = None,
        follower_row_names: Sequence[str] | None = None,
        name: str = "bilevel",
        source: str = "",
        reference: dict[str, Any] | None = None,
    ) -> BilevelProblem:
        """Build a checked problem from plain lists.

        ``leader_objective`` and ``follower_objective`` are ``(x_coefs, y_coefs)``
        or ``(x_coefs, y_coefs, constant)``; their lengths fix n_x and n_y.
        Each constraint is ``(x_coefs, y_coefs, sense, rhs)`` with ``sense`` one
        of ``"<="``, ``">="``, ``"="``. Bounds are ``(low, high)`` pairs, None
        for no bound; missing ``x_bounds``/``y_bounds`` mean ``0 <= v < inf``.
        """
        where = source or name
        cx, cy, c0 = _objective("leader_objective", leader_objective, where)
        dx, dy, d0 = _objective("follower_objective", follower_objective, where)
        n_x, n_y = cx.size, cy.size
        if dx.size != n_x or dy.size != n_y:
            raise InvalidModelError(
                f"`follower_objective` has {dx.size} x and {dy.size} y coefficients, but `leader_objective` has "
                f"{n_x} and {n_y}", source=where)
        if n_y == 0:
            raise InvalidModelError("a bilevel problem needs at least one follower variable, got n_y=0", source=where)
        for label, sense in (("leader_sense", leader_sense), ("follower_sense", follower_sense)):
            if sense not in SENSES:
                raise InvalidModelError(f"`{label}` must be 'min' or 'max', got {sense!r}", source=where)
        x_lower, x_upper = _bounds("x_bounds", x_bounds, n_x, where)
        y_lower, y_upper = _bounds("y_bounds", y_bounds, n_y, where)
        G_x, G_y, g_lower, g_upper = _rows("leader_constraints", leader_constraints, n_x, n_y, where)
        A_x, A_y, a_lower, a_upper = _rows("follower_constraints", follower_constraints, n_x, n_y, where)
        return cls(
            name=name, x_names=_names("x_names", x_names, "x", n_x, where), y_names=_names("y_names", y_names, "y", n_y, where),
            x_lower=x_lower, x_upper=x_upper, x_integer=_flags("x_integer", x_integer, n_x, where),
            y_lower=y_lower, y_upper=y_upper, y_integer=_flags("y_integer", y_integer, n_y, where),
            leader_sense=leader_sense, cx=cx, cy=cy, c0=c0, G_x=G_x, G_y=G_y, g_lower=g_lower, g_upper=g_upper,
            leader_row_names=_names("leader_row_names", leader_row_names, "G", len(g_lower), where),
            follower_sense=follower_sense, dx=dx, dy=dy, d0=d0, A_x=A_x, A_y=A_y, a_lower=a_lower, a_upper=a_upper,
            follower_row_names=_names("follower_row_names", follower_row_names, "g", len(a_lower), where),
            source=source, reference=dict(reference or {}),
        )

    def __post_init__(self) -> None:
        where = self.source or self.name
        n_x, n_y = self.n_x, self.n_y
        expected = {
            "x_lower": (n_x,), "x_upper": (n_x,), "x_integer": (n_x,), "dx": (n_x,),
            "y_lower": (n_y,), "y_upper": (n_y,), "y_integer": (n_y,), "cy": (n_y,), "dy": (n_y,),
            "G_x": (len(self.g_lower), n_x), "G_y": (len(self.g_lower), n_y), "g_upper": (len(self.g_lower),),
            "A_x": (len(self.a_lower), n_x), "A_y": (len(self.a_lower), n_y), "a_upper": (len(self.a_lower),),
        }
        for label, shape in expected.items():
            if np.shape(getattr(self, label)) != shape:
                raise InvalidModelError(f"`{label}` must have shape {shape}, got {np.shape(getattr(self, label))}", source=where)
        if len(self.x_names) != n_x or len(self.y_names) != n_y:
            raise InvalidModelError(f"expected {n_x} leader and {n_y} follower variable names", source=where)
        names = self.x_names + self.y_names
        if len(set(names)) != len(names):
            twice = next(name for name in names if names.count(name) > 1)
            raise InvalidModelError(f"variable name {twice!r} is used twice; each variable needs its own name", source=where)
        for label in ("x", "y"):
            lower, upper = getattr(self, f"{label}_lower"), getattr(self, f"{label}_upper")
            bad = np.flatnonzero(lower > upper)
            if bad.size:
                j = int(bad[0])
                raise InvalidModelError(
                    f"variable {getattr(self, f'{label}_names')[j]!r} has lower bound {lower[j]} above its upper bound {upper[j]}",
                    source=where)
        for label in ("g", "a"):
            lower, upper = getattr(self, f"{label}_lower"), getattr(self, f"{label}_upper")
            names = self.leader_row_names if label == "g" else self.follower_row_names
            bad = np.flatnonzero((lower > upper) | (lower == INF) | (upper == -INF))
            if bad.size:
                i = int(bad[0])
                raise InvalidModelError(f"constraint {names[i]!r} cannot hold: {lower[i]} <= row <= {upper[i]}", source=where)
        for label in ("cx", "cy", "dx", "dy", "G_x", "G_y", "A_x", "A_y"):
            if not np.all(np.isfinite(getattr(self, label))):
                raise InvalidModelError(f"coefficients in `{label}` must be finite numbers", source=where)
        for array in (self.x_lower, self.x_upper, self.x_integer, self.y_lower, self.y_upper, self.y_integer, self.cx,
                      self.cy, self.dx, self.dy, self.G_x, self.G_y, self.g_lower, self.g_upper, self.A_x, self.A_y,
                      self.a_lower, self.a_upper):
            array.setflags(write=False)

    @property
    def n_x(self) -> int:
        return int(self.cx.size)

    @property
    def n_y(self) -> int:
        return int(self.cy.size)

    @property
    def integer_follower(self) -> bool:
        return bool(self.y_integer.any())

    @property
    def linking(self) -> NDArray[np.bool_]:
        """Leader variables that appear in a follower row (they change the follower's feasible set), shape (n_x,)."""
        return np.asarray((self.A_x != 0).any(axis=0), dtype=bool) if self.A_x.size else np.zeros(self.n_x, dtype=bool)

    def leader_value(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
        return float(self.cx @ x + self.cy @ y + self.c0)

    def follower_value(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
        return float(self.dx @ x + self.dy @ y + self.d0)

    def fingerprint(self) -> str:
        """SHA-256 of the data (senses, bounds, integrality, objectives, rows; names left out)."""
        if not self._fingerprint:
            digest = hashlib.sha256()
            digest.update(f"bilevel|{self.n_x}|{self.n_y}|{self.leader_sense}|{self.follower_sense}|{self.c0!r}|{self.d0!r}|".encode())
            for array in (self.x_lower, self.x_upper, self.x_integer, self.y_lower, self.y_upper, self.y_integer,
                          self.cx, self.cy, self.G_x, self.G_y, self.g_lower, self.g_upper,
                          self.dx, self.dy, self.A_x, self.A_y, self.a_lower, self.a_upper):
                digest.update(np.ascontiguousarray(array, dtype=np.float64 if array.dtype != bool else bool).tobytes() + b"|")
            self._fingerprint.append(digest.hexdigest())
        return self._fingerprint[0]

    def features(self) -> dict[str, Any]:
        """Sizes and shape numbers recorded with each run."""
        return {
            "problem_class": "bilevel-" + ("MILP" if self.x_integer.any() else "LP") + "-" + ("MILP" if self.integer_follower else "LP"),
            "n_x": self.n_x, "n_y": self.n_y,
            "n_x_integer": int(self.x_integer.sum()), "n_y_integer": int(self.y_integer.sum()),
            "n_leader_rows": len(self.g_lower), "n_follower_rows": len(self.a_lower),
            "n_linking": int(self.linking.sum()),
            "coupling": bool(np.any(self.G_y != 0)),
        }


def _objective(label: str, value: Sequence[Any], where: str) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        raise InvalidModelError(f"`{label}` must be (x_coefs, y_coefs) or (x_coefs, y_coefs, constant), got {value!r}", source=where)
    x = _numbers(f"{label}[0]", value[0], where)
    y = _numbers(f"{label}[1]", value[1], where)
    constant = float(value[2]) if len(value) == 3 and value[2] is not None else 0.0
    if not math.isfinite(constant):
        raise InvalidModelError(f"`{label}` constant must be finite, got {constant}", source=where)
    return x, y, constant


def _numbers(label: str, value: Any, where: str) -> NDArray[np.float64]:
    try:
        array = np.array(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InvalidModelError(f"`{label}` must be a list of numbers, got {value!r}", source=where) from None
    if not np.all(np.isfinite(array)):
        raise InvalidModelError(f"`{label}` must hold finite numbers, got {value!r}", source=where)
    return array


def _bounds(label: str, pairs: Sequence[Any] | None, n: int, where: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if pairs is None:
        return np.zeros(n), np.full(n, INF)
    if len(pairs) != n:
        raise InvalidModelError(f"`{label}` must have {n} (low, high) pairs, got {len(pairs)}", source=where)
    lower, upper = np.empty(n), np.empty(n)
    for j, pair in enumerate(pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InvalidModelError(f"`{label}[{j}]` must be a (low, high) pair, got {pair!r}", source=where)
        low, high = pair
        lower[j] = -INF if low is None else float(low)
        upper[j] = INF if high is None else float(high)
        if math.isnan(lower[j]) or math.isnan(upper[j]) or lower[j] == INF or upper[j] == -INF:
            raise InvalidModelError(f"`{label}[{j}]` is not a usable bound pair: {pair!r}", source=where)
    return lower, upper


def _rows(label: str, rows: Sequence[Sequence[Any]], n_x: int, n_y: int, where: str) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    m = len(rows)
    Rx, Ry = np.zeros((m, n_x)), np.zeros((m, n_y))
    lower, upper = np.full(m, -INF), np.full(m, INF)
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) != 4:
            raise InvalidModelError(f"`{label}[{i}]` must be (x_coefs, y_coefs, sense, rhs), got {row!r}", source=where)
        xs, ys, sense, rhs = row
        x = _numbers(f"{label}[{i}] x coefficients", xs, where)
        y = _numbers(f"{label}[{i}] y coefficients", ys, where)
        if x.size != n_x or y.size != n_y:
            raise InvalidModelError(
                f"`{label}[{i}]` has {x.size} x and {y.size} y coefficients; the objectives have n_x={n_x}, n_y={n_y}",
                source=where)
        if sense not in ROW_SENSES:
            raise InvalidModelError(f"`{label}[{i}]` sense must be one of {ROW_SENSES}, got {sense!r}", source=where)
        try:
            bound = float(rhs)
        except (TypeError, ValueError):
            raise InvalidModelError(f"`{label}[{i}]` rhs must be a number, got {rhs!r}", source=where) from None
        if not math.isfinite(bound):
            raise InvalidModelError(f"`{label}[{i}]` rhs must be finite, got {rhs!r}", source=where)
        Rx[i], Ry[i] = x, y
        if sense in ("<=", "="):
            upper[i] = bound
        if sense in (">=", "="):
            lower[i] = bound
    return Rx, Ry, lower, upper


def _flags(label: str, flags: Sequence[bool] | None, n: int, where: str) -> NDArray[np.bool_]:
    if flags is None:
        return np.zeros(n, dtype=bool)
    array = np.array(flags, dtype=bool).reshape(-1)
    if array.size != n:
        raise InvalidModelError(f"`{label}` must have {n} entries, got {array.size}", source=where)
    return array


def _names(label: str, names: Sequence[str] | None, prefix: str, n: int, where: str) -> tuple[str, ...]:
    if names is None:
        return tuple(f"{prefix}{j}" for j in range(n))
    if len(names) != n:
        raise InvalidModelError(f"`{label}` must have {n} names, got {len(names)}", source=where)
    return tuple(str(name) for name in names)
