"""The two-stage robust problem: first-stage decisions, an uncertainty set, recourse decisions.

``min_x  max_{xi in U}  min_{y in Y(x, xi)}  f(x, xi, y)`` (or ``max min max`` for
``sense="max"``), where every coefficient of the objective and of each row may be
affine in the uncertain parameters ``xi``::

    f   = c0 + cx.x + cy.y + cxi.xi + sum_k xi_k (Cx[k].x + Cy[k].y)
    row = Ax[r].x + Ay[r].y + E[r].xi + sum_k xi_k (Ax_xi[r,k].x + Ay_xi[r,k].y) <= b[r]

The uncertainty set is a box ``lower <= xi <= upper`` (finite, checked) with
optional linear rows ``G xi <= h``; :meth:`Uncertainty.budgeted` builds the
budgeted polyhedral set ``{xi in [lower, upper]: sum (xi - lower)/(upper - lower) <= gamma}``.
All arrays are dense numpy float arrays; ``Ax_xi``/``Ay_xi`` are sparse
``(row, k, var, value)`` entry lists (:class:`Bilinear`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optarium.errors import InvalidModelError

KIND = "robust"
VTYPES = ("continuous", "integer", "binary")


@dataclass(frozen=True)
class Block:
    """One stage's variables: names, bounds and which are integer."""

    names: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.names)
        for label in ("lower", "upper", "integer"):
            if np.shape(getattr(self, label)) != (n,):
                raise InvalidModelError(f"`{label}` must have one entry per variable ({n}), got shape {np.shape(getattr(self, label))}")
        bad = np.flatnonzero(self.lower > self.upper)
        if bad.size:
            i = int(bad[0])
            raise InvalidModelError(f"`lower <= upper` must hold for variable {self.names[i]!r}, got lower={self.lower[i]}, upper={self.upper[i]}")
        _unique(self.names, "variable")

    @property
    def size(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Bilinear:
    """Sparse entries ``(row, k, var, value)``: coefficient ``value * xi_k`` of variable ``var`` in ``row``."""

    row: np.ndarray
    k: np.ndarray
    var: np.ndarray
    value: np.ndarray

    @staticmethod
    def empty() -> Bilinear:
        z = np.zeros(0, dtype=np.int64)
        return Bilinear(z, z.copy(), z.copy(), np.zeros(0))

    def at(self, xi: np.ndarray, rows: int, cols: int) -> np.ndarray:
        """The dense ``(rows, cols)`` matrix ``sum_k xi_k * entries_k``."""
        out = np.zeros((rows, cols))
        np.add.at(out, (self.row, self.var), self.value * xi[self.k])
        return out

    def rows_touched(self) -> set[int]:
        return {int(r) for r in self.row[self.value != 0]}


@dataclass(frozen=True)
class Uncertainty:
    """``{xi : lower <= xi <= upper, G xi <= h}``; the box must be finite and the set non-empty."""

    names: tuple[str, ...]
    lower: np.ndarray
    upper: np.ndarray
    G: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    h: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gamma: float | None = None

    def __post_init__(self) -> None:
        m = len(self.names)
        if m == 0:
            raise InvalidModelError("the uncertainty set has no uncertain parameter")
        _unique(self.names, "uncertain parameter")
        if self.G.size == 0:
            object.__setattr__(self, "G", np.zeros((0, m)))
        if np.shape(self.lower) != (m,) or np.shape(self.upper) != (m,):
            raise InvalidModelError(f"uncertainty `lower`/`upper` must have {m} entries, got {np.shape(self.lower)} and {np.shape(self.upper)}")
        if self.G.shape[1] != m or self.h.shape != (self.G.shape[0],):
            raise InvalidModelError(f"uncertainty rows `G` must be (rows, {m}) and `h` (rows,), got {self.G.shape} and {self.h.shape}")
        for i in range(m):
            if not (np.isfinite(self.lower[i]) and np.isfinite(self.upper[i])):
                raise InvalidModelError(
                    f"the uncertainty set is unbounded: {self.names[i]!r} has lower={self.lower[i]}, upper={self.upper[i]}; "
                    "give every uncertain parameter finite bounds")
            if self.lower[i] > self.upper[i]:
                raise InvalidModelError(f"the uncertainty set is empty: {self.names[i]!r} has lower={self.lower[i]} > upper={self.upper[i]}")
        if self.gamma is not None and not self.gamma >= 0:
            raise InvalidModelError(f"the uncertainty budget `gamma` must be >= 0, got gamma={self.gamma}")
        if self.G.shape[0] and not _nonempty(self):
            raise InvalidModelError("the uncertainty set is empty: no xi in the box satisfies its rows `G xi <= h`")

    @staticmethod
    def box(lower: Any, upper: Any, names: list[str] | None = None) -> Uncertainty:
        lo, up = np.asarray(lower, dtype=float).ravel(), np.asarray(upper, dtype=float).ravel()
        return Uncertainty(tuple(names or [f"xi[{k}]" for k in range(lo.size)]), lo, up)

    @staticmethod
    def budgeted(lower: Any, upper: Any, gamma: float, names: list[str] | None = None) -> Uncertainty:
        """The box with ``sum_k (xi_k - lower_k) / (upper_k - lower_k) <= gamma`` (``gamma >= 0``)."""
        if not gamma >= 0:
            raise InvalidModelError(f"the uncertainty budget `gamma` must be >= 0, got {gamma=}")
        box = Uncertainty.box(lower, upper, names)
        width = box.upper - box.lower
        scale = np.divide(1.0, width, out=np.zeros_like(width), where=width > 0)
        G = scale.reshape(1, -1)
        h = np.array([gamma + float(scale @ box.lower)])
        return Uncertainty(box.names, box.lower, box.upper, G, h, float(gamma))

    @property
    def size(self) -> int:
        return len(self.names)

    def contains(self, xi: np.ndarray, tol: float = 1e-7) -> bool:
        xi = np.asarray(xi, dtype=float)
        return bool(xi.shape == (self.size,) and np.all(xi >= self.lower - tol) and np.all(xi <= self.upper + tol)
                    and np.all(self.G @ xi <= self.h + tol * np.maximum(1, np.abs(self.h))))


def _unique(names: tuple[str, ...], what: str) -> None:
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise InvalidModelError(f"{what} name {twice!r} is used twice; each {what} needs its own name")


def check_recourse(problem: RobustProblem, time_limit: float | None = None) -> bool:
    """Raise :class:`~optarium.domains.robust.ccg.RecourseInfeasibleError`, naming a scenario, when every
    first-stage decision is left without a recourse by some scenario; return False when no first-stage
    decision satisfies the rows that hold neither recourse nor uncertainty, else True.

    This is column-and-constraint generation on the problem with its objective set to zero (it stops at the
    first decision that has a recourse in every scenario); a check that runs out of ``time_limit`` seconds
    passes silently. Every method may call it before solving; the exact method makes the same finding itself.
    """
    import dataclasses

    from optarium.domains.robust.ccg import solve_ccg

    zero = dataclasses.replace(problem, cx=np.zeros_like(problem.cx), cy=np.zeros_like(problem.cy),
                               Cx=np.zeros_like(problem.Cx), Cy=np.zeros_like(problem.Cy),
                               cxi=np.zeros_like(problem.cxi), c0=0.0)
    return solve_ccg(zero, time_limit=time_limit).status != "infeasible"


def _nonempty(u: Uncertainty) -> bool:
    from optarium.domains.robust.milp import solve_milp

    m = u.size
    found = solve_milp(np.zeros(m), u.G, np.full(u.G.shape[0], -np.inf), u.h, u.lower, u.upper, np.zeros(m, dtype=bool))
    return found.status == "optimal"


@dataclass(frozen=True)
class RobustProblem:
    """A two-stage robust problem (see the module docstring for the exact form); immutable, checked when built."""

    first: Block
    second: Block
    uncertainty: Uncertainty
    cx: np.ndarray
    cy: np.ndarray
    Cx: np.ndarray
    Cy: np.ndarray
    cxi: np.ndarray
    Ax: np.ndarray
    Ay: np.ndarray
    E: np.ndarray
    b: np.ndarray
    Ax_xi: Bilinear
    Ay_xi: Bilinear
    c0: float = 0.0
    sense: str = "min"
    name: str = "robust"
    row_names: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        n1, n2, m, r = self.first.size, self.second.size, self.uncertainty.size, len(self.b)
        if self.sense not in ("min", "max"):
            raise InvalidModelError(f"`sense` must be 'min' or 'max', got {self.sense!r}")
        expected = {"cx": (n1,), "cy": (n2,), "Cx": (m, n1), "Cy": (m, n2), "cxi": (m,),
                    "Ax": (r, n1), "Ay": (r, n2), "E": (r, m), "b": (r,)}
        for label, shape in expected.items():
            if np.shape(getattr(self, label)) != shape:
                raise InvalidModelError(f"mismatched dimensions: `{label}` must have shape {shape} "
                                        f"({n1} first-stage, {n2} recourse, {m} uncertain, {r} rows), got {np.shape(getattr(self, label))}")
        for label, entries, cols in (("Ax_xi", self.Ax_xi, n1), ("Ay_xi", self.Ay_xi, n2)):
            if entries.row.size and (entries.row.max() >= r or entries.k.max() >= m or entries.var.max() >= cols
                                     or min(entries.row.min(), entries.k.min(), entries.var.min()) < 0):
                raise InvalidModelError(f"mismatched dimensions: `{label}` has an entry outside {r} rows, {m} uncertain, {cols} variables")
        for label in ("cx", "cy", "Cx", "Cy", "cxi", "Ax", "Ay", "E", "b"):
            if not np.all(np.isfinite(getattr(self, label))):
                raise InvalidModelError(f"`{label}` has a value that is not finite")
        if not self.row_names:
            object.__setattr__(self, "row_names", tuple(f"row{i}" for i in range(r)))
        elif len(self.row_names) != r:
            raise InvalidModelError(f"mismatched dimensions: `row_names` must name the {r} rows, got {len(self.row_names)}")

    @property
    def kind(self) -> str:
        return KIND

    @property
    def sign(self) -> float:
        """+1 for ``min``, -1 for ``max``: internally every method minimises ``sign * f``."""
        return 1.0 if self.sense == "min" else -1.0

    @property
    def uncertain_rows(self) -> list[int]:
        """Rows whose coefficients or right-hand side depend on ``xi``."""
        touched = self.Ax_xi.rows_touched() | self.Ay_xi.rows_touched()
        touched |= {int(i) for i in np.flatnonzero(np.any(self.E != 0, axis=1))}
        return sorted(touched)

    def recourse_rows(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(np.any(self.Ay != 0, axis=1))] + sorted(
            {int(r) for r in self.Ay_xi.row} - {int(i) for i in np.flatnonzero(np.any(self.Ay != 0, axis=1))})

    def matrices_at(self, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(Ax(xi), Ay(xi), b - E xi)``: the rows for the scenario ``xi``."""
        r = len(self.b)
        Ax = self.Ax + self.Ax_xi.at(xi, r, self.first.size)
        Ay = self.Ay + self.Ay_xi.at(xi, r, self.second.size)
        return Ax, Ay, self.b - self.E @ xi

    def costs_at(self, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """``(cx(xi), cy(xi), constant(xi))`` of the objective in the problem's own sense."""
        return self.cx + xi @ self.Cx, self.cy + xi @ self.Cy, self.c0 + float(self.cxi @ xi)

    def objective(self, x: np.ndarray, xi: np.ndarray, y: np.ndarray) -> float:
        cx, cy, const = self.costs_at(xi)
        return float(cx @ x + cy @ y + const)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(f"{KIND}|{self.sense}|{self.first.names}|{self.second.names}|{self.uncertainty.names}|{self.c0!r}".encode())
        arrays = [self.first.lower, self.first.upper, self.first.integer, self.second.lower, self.second.upper,
                  self.second.integer, self.uncertainty.lower, self.uncertainty.upper, self.uncertainty.G,
                  self.uncertainty.h, self.cx, self.cy, self.Cx, self.Cy, self.cxi, self.Ax, self.Ay, self.E, self.b]
        for entries in (self.Ax_xi, self.Ay_xi):
            order = np.lexsort((entries.var, entries.k, entries.row))
            arrays += [entries.row[order], entries.k[order], entries.var[order], entries.value[order]]
        for array in arrays:
            digest.update(np.ascontiguousarray(np.asarray(array, dtype=float)).tobytes())
            digest.update(b"|")
        return digest.hexdigest()[:16]

    def features(self) -> dict[str, Any]:
        return {
            "first_stage": self.first.size, "first_integer": int(self.first.integer.sum()),
            "recourse": self.second.size, "recourse_integer": int(self.second.integer.sum()),
            "uncertain": self.uncertainty.size, "uncertainty_rows": int(self.uncertainty.G.shape[0]),
            "budget": self.uncertainty.gamma, "rows": len(self.b), "uncertain_rows": len(self.uncertain_rows),
            "objective_uncertain": bool(np.any(self.Cx) or np.any(self.Cy) or np.any(self.cxi)), "sense": self.sense,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (read back with :func:`optarium.domains.robust.io.from_dict`)."""
        def block(b: Block) -> dict[str, Any]:
            return {"names": list(b.names), "lower": b.lower.tolist(), "upper": b.upper.tolist(), "integer": b.integer.tolist()}

        def bil(e: Bilinear) -> list[list[float]]:
            return [e.row.tolist(), e.k.tolist(), e.var.tolist(), e.value.tolist()]

        u = self.uncertainty
        return {
            "format": "optarium.robust/1", "name": self.name, "sense": self.sense, "first": block(self.first),
            "second": block(self.second),
            "uncertainty": {"names": list(u.names), "lower": u.lower.tolist(), "upper": u.upper.tolist(),
                            "G": u.G.tolist(), "h": u.h.tolist(), "gamma": u.gamma},
            "c0": self.c0, "cx": self.cx.tolist(), "cy": self.cy.tolist(), "Cx": self.Cx.tolist(), "Cy": self.Cy.tolist(),
            "cxi": self.cxi.tolist(), "Ax": self.Ax.tolist(), "Ay": self.Ay.tolist(), "E": self.E.tolist(),
            "b": self.b.tolist(), "Ax_xi": bil(self.Ax_xi), "Ay_xi": bil(self.Ay_xi), "row_names": list(self.row_names),
        }
