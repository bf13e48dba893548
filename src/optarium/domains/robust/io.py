"""Readers: the two-stage robust knapsack (Arslan & Detienne), capital budgeting (Subramanyam et al.), and JSON.

The published files have no suffix; :func:`read_file` tells the two text formats
apart by their first line (3 numbers: knapsack, 5: capital budgeting) unless
``format`` names one. Renamed copies are found by suffix too: ``.rkp``,
``.rcb`` and ``.robust.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from optarium.domains.robust.problem import Bilinear, Block, RobustProblem, Uncertainty
from optarium.errors import InputFileError, InvalidModelError

FORMATS = ("knapsack", "capital_budgeting", "json")
# late investments earn this fraction of the revenue (as in the source repository of the instances)
LATE_FRACTION = 0.8


def read_file(path: str | Path, format: str | None = None) -> RobustProblem:
    """Read a robust instance; ``format`` is one of :data:`FORMATS` (None: by suffix, then by content)."""
    path = Path(path)
    if format is not None and format not in FORMATS:
        raise InvalidModelError(f"`format` must be one of {', '.join(FORMATS)}, got {format!r}")
    if not path.is_file():
        raise InputFileError(str(path))
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(str(path), f"cannot be read as text ({error})") from None
    lowered = path.name.lower()
    if format is None:
        if lowered.endswith(".json"):
            format = "json"
        elif lowered.endswith(".rkp"):
            format = "knapsack"
        elif lowered.endswith(".rcb"):
            format = "capital_budgeting"
        else:
            format = _sniff(text, str(path))
    if format == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidModelError(f"not JSON: {error}", source=str(path)) from None
        problem = from_dict(data, source=str(path))
    elif format == "knapsack":
        problem = parse_knapsack(text, name=path.name, source=str(path))
    else:
        problem = parse_capital_budgeting(text, name=path.name, source=str(path))
    return problem


def _sniff(text: str, source: str) -> str:
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvalidModelError("the file is empty", source=source)
    if len(lines[0]) == 3:
        return "knapsack"
    if len(lines[0]) == 5:
        return "capital_budgeting"
    raise InvalidModelError(
        f"cannot tell the format from the first line ({len(lines[0])} numbers; the knapsack format has 3, "
        "capital budgeting 5); name the `format`", source=source, line=1)


def _numbers(text: str, source: str) -> list[list[float]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append([float(token) for token in line.split()])
        except ValueError:
            raise InvalidModelError(f"expected numbers, got {line.strip()[:40]!r}", source=source, line=number) from None
    return rows


def parse_knapsack(text: str, name: str = "knapsack", source: str = "") -> RobustProblem:
    """The two-stage robust knapsack of Arslan & Detienne (INFORMS J. Computing 2022), as a ``max`` problem.

    Choose items ``x`` now; once the profit degradations ``xi`` (``xi in [0,1]^n``,
    ``sum xi <= Gamma``) are known, produce chosen items in house (``y``, weight
    ``c_i``) or outsource them (cost ``f_i``), and repair in-house items (``r``,
    extra weight ``t_i``) to avoid their degradation ``p_hat_i xi_i``. Profit:
    ``sum (p_i - f_i) x_i + f_i y_i - p_hat_i xi_i (y_i - r_i)``.
    """
    where = source or name
    rows = _numbers(text, where)
    if not rows or len(rows[0]) != 3:
        raise InvalidModelError("the first line must be `items capacity budget`", source=where, line=1)
    n, capacity, gamma = int(rows[0][0]), rows[0][1], rows[0][2]
    items = [value for row in rows[1:] for value in row]
    if n <= 0 or len(items) != 5 * n:
        raise InvalidModelError(f"mismatched dimensions: {n} items need {5 * n} item numbers, got {len(items)}", source=where)
    data = np.array(items).reshape(n, 5)
    profit, degradation, repair, weight, outsourcing = data.T
    x = Block(tuple(f"x[{i}]" for i in range(n)), np.zeros(n), np.ones(n), np.ones(n, dtype=bool))
    names = tuple(f"y[{i}]" for i in range(n)) + tuple(f"r[{i}]" for i in range(n))
    y = Block(names, np.zeros(2 * n), np.ones(2 * n), np.ones(2 * n, dtype=bool))
    Cy = np.zeros((n, 2 * n))
    Cy[np.arange(n), np.arange(n)] = -degradation
    Cy[np.arange(n), n + np.arange(n)] = degradation
    eye = np.eye(n)
    Ax = np.vstack([np.zeros((1, n)), -eye, np.zeros((n, n))])
    Ay = np.vstack([np.concatenate([weight, repair])[None, :], np.hstack([eye, np.zeros((n, n))]), np.hstack([-eye, eye])])
    b = np.concatenate([[capacity], np.zeros(2 * n)])
    row_names = ("capacity", *(f"in_house_if_chosen[{i}]" for i in range(n)), *(f"repair_if_in_house[{i}]" for i in range(n)))
    return RobustProblem(
        first=x, second=y, uncertainty=Uncertainty.budgeted(np.zeros(n), np.ones(n), gamma), cx=profit - outsourcing,
        cy=np.concatenate([outsourcing, np.zeros(n)]), Cx=np.zeros((n, n)), Cy=Cy, cxi=np.zeros(n), Ax=Ax, Ay=Ay,
        E=np.zeros((2 * n + 1, n)), b=b, Ax_xi=Bilinear.empty(), Ay_xi=Bilinear.empty(), sense="max", name=name,
        row_names=row_names, source=source,
    )


def parse_capital_budgeting(text: str, name: str = "capital_budgeting", source: str = "") -> RobustProblem:
    """Two-stage robust capital budgeting (Subramanyam, Gounaris & Wiesemann 2020, without loans), as a ``max`` problem.

    Invest in ``x`` now and ``y`` once the risk factors ``xi in [-1, 1]^d`` are
    known (``x_i + y_i <= 1``); costs ``c_i(xi) = (1 + phi_i.xi/2) c_i`` must fit
    the budget; revenue ``r(xi).(x + 0.8 y)`` with ``r_i(xi) = (1 + psi_i.xi/2) r_i``.
    """
    where = source or name
    rows = _numbers(text, where)
    if not rows or len(rows[0]) != 5:
        raise InvalidModelError("the first line must be `seed items factors budget max_loan`", source=where, line=1)
    _, n_float, d_float, budget, _ = rows[0]
    n, d = int(n_float), int(d_float)
    if n <= 0 or d <= 0 or len(rows) != 3 + 2 * n:
        raise InvalidModelError(f"mismatched dimensions: {n} items need {3 + 2 * n} lines, got {len(rows)}", source=where)
    cost, revenue = np.array(rows[1]), np.array(rows[2])
    phi, psi = np.array(rows[3:3 + n]), np.array(rows[3 + n:3 + 2 * n])
    if cost.shape != (n,) or revenue.shape != (n,) or phi.shape != (n, d) or psi.shape != (n, d):
        raise InvalidModelError(f"mismatched dimensions: expected {n} costs, {n} revenues and {n}x{d} loadings twice", source=where)
    x = Block(tuple(f"x[{i}]" for i in range(n)), np.zeros(n), np.ones(n), np.ones(n, dtype=bool))
    y = Block(tuple(f"y[{i}]" for i in range(n)), np.zeros(n), np.ones(n), np.ones(n, dtype=bool))
    Cx = (revenue[:, None] * psi / 2).T
    eye = np.eye(n)
    Ax = np.vstack([cost[None, :], eye])
    Ay = np.vstack([cost[None, :], eye])
    rows_k = np.repeat(np.arange(d)[None, :], n, axis=0).ravel()
    vars_k = np.repeat(np.arange(n), d)
    values = (cost[:, None] * phi / 2).ravel()
    entries = Bilinear(np.zeros(n * d, dtype=np.int64), rows_k.astype(np.int64), vars_k.astype(np.int64), values)
    return RobustProblem(
        first=x, second=y, uncertainty=Uncertainty.box(-np.ones(d), np.ones(d)), cx=revenue, cy=LATE_FRACTION * revenue,
        Cx=Cx, Cy=LATE_FRACTION * Cx, cxi=np.zeros(d), Ax=Ax, Ay=Ay, E=np.zeros((n + 1, d)),
        b=np.concatenate([[budget], np.ones(n)]), Ax_xi=entries, Ay_xi=entries, sense="max", name=name,
        row_names=("budget", *(f"once[{i}]" for i in range(n))), source=source,
    )


def from_dict(data: dict[str, Any], source: str = "") -> RobustProblem:
    """The problem written by :meth:`RobustProblem.to_dict`."""
    try:
        def block(d: dict[str, Any]) -> Block:
            return Block(tuple(d["names"]), np.array(d["lower"], dtype=float), np.array(d["upper"], dtype=float),
                         np.array(d["integer"], dtype=bool))

        def bil(d: list[list[float]]) -> Bilinear:
            if not d or not d[0]:
                return Bilinear.empty()
            return Bilinear(np.array(d[0], dtype=np.int64), np.array(d[1], dtype=np.int64), np.array(d[2], dtype=np.int64),
                            np.array(d[3], dtype=float))

        u = data["uncertainty"]
        m = len(u["names"])
        uncertainty = Uncertainty(tuple(u["names"]), np.array(u["lower"], dtype=float), np.array(u["upper"], dtype=float),
                                  np.array(u.get("G") or np.zeros((0, m)), dtype=float).reshape(-1, m),
                                  np.array(u.get("h") or [], dtype=float), u.get("gamma"))
        first, second = block(data["first"]), block(data["second"])
        r = len(data["b"])

        def matrix(key: str, shape: tuple[int, int]) -> np.ndarray:
            return np.array(data[key], dtype=float).reshape(shape) if np.size(data[key]) else np.zeros(shape)

        return RobustProblem(
            first=first, second=second, uncertainty=uncertainty, cx=np.array(data["cx"], dtype=float),
            cy=np.array(data["cy"], dtype=float), Cx=matrix("Cx", (m, first.size)), Cy=matrix("Cy", (m, second.size)),
            cxi=np.array(data["cxi"], dtype=float), Ax=matrix("Ax", (r, first.size)), Ay=matrix("Ay", (r, second.size)),
            E=matrix("E", (r, m)), b=np.array(data["b"], dtype=float), Ax_xi=bil(data["Ax_xi"]), Ay_xi=bil(data["Ay_xi"]),
            c0=float(data.get("c0", 0.0)), sense=data.get("sense", "min"), name=data.get("name", "robust"),
            row_names=tuple(data.get("row_names") or ()), source=source,
        )
    except InvalidModelError as error:
        raise InvalidModelError(str(error), source=source or None) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidModelError(f"not a robust problem ({type(error).__name__}: {error})", source=source or None) from None
