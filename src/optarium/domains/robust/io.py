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
    if path.is_dir():
        raise InputFileError(str(path), "is a folder, not an instance file")
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
    else:
        parse = parse_knapsack if format == "knapsack" else parse_capital_budgeting
        try:
            problem = parse(text, name=path.name, source=str(path))
        except InvalidModelError as error:
            if error.source is not None:
                raise
            raise InvalidModelError(str(error), source=str(path)) from None
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
    return [row for _, row in _numbered(text, source)]


def _numbered(text: str, source: str) -> list[tuple[int, list[float]]]:
    """The non-blank lines as (line number, finite numbers)."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = [float(token) for token in line.split()]
        except ValueError:
            raise InvalidModelError(f"expected numbers, got {line.strip()[:40]!r}", source=source, line=number) from None
        if not all(np.isfinite(values)):
            raise InvalidModelError(f"expected finite numbers, got {line.strip()[:40]!r}", source=source, line=number)
        rows.append((number, values))
    return rows


def _count(value: float, what: str, source: str) -> int:
    """A count from the first line, which must be a positive integer."""
    if not (value >= 1 and float(value).is_integer()):
        raise InvalidModelError(f"the number of {what} must be a positive integer, got {value:g}", source=source, line=1)
    return int(value)


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
    n, capacity, gamma = _count(rows[0][0], "items", where), rows[0][1], rows[0][2]
    if gamma < 0:
        raise InvalidModelError(f"the uncertainty budget must be >= 0, got {gamma:g}", source=where, line=1)
    items = [value for row in rows[1:] for value in row]
    if len(items) != 5 * n:
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
    numbered = _numbered(text, where)
    rows = [row for _, row in numbered]
    if not rows or len(rows[0]) != 5:
        raise InvalidModelError("the first line must be `seed items factors budget max_loan`", source=where, line=1)
    _, n_float, d_float, budget, _ = rows[0]
    n, d = _count(n_float, "items", where), _count(d_float, "risk factors", where)
    if len(rows) != 3 + 2 * n:
        raise InvalidModelError(f"mismatched dimensions: {n} items need {3 + 2 * n} lines, got {len(rows)}", source=where)
    for index, (line, row) in enumerate(numbered[1:], start=1):
        size, what = (n, "costs" if index == 1 else "revenues") if index < 3 else (d, "loadings (one per risk factor)")
        if len(row) != size:
            raise InvalidModelError(f"mismatched dimensions: expected {size} {what}, got {len(row)}", source=where, line=line)
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
    """The problem written by :meth:`RobustProblem.to_dict`; a missing key, a wrong type or a wrong size is
    one :class:`InvalidModelError` naming the key."""
    where = source or None
    if not isinstance(data, dict):
        raise InvalidModelError("the file must hold one JSON object, as `RobustProblem.to_dict` writes it", source=where)

    def get(part: dict[str, Any], key: str, label: str) -> Any:
        if not isinstance(part, dict):
            raise InvalidModelError(f"`{label.rsplit('.', 1)[0]}` must be an object, got {part!r}"[:200], source=where)
        if key not in part:
            raise InvalidModelError(f"missing key `{label}`", source=where)
        return part[key]

    def array(part: dict[str, Any], key: str, label: str, dtype: type = float) -> np.ndarray:
        value = get(part, key, label)
        if dtype is bool and not (isinstance(value, list) and all(isinstance(v, bool) or v in (0, 1) for v in value)):
            raise InvalidModelError(f"`{label}` must be a list of true/false, got {value!r}"[:200], source=where)
        try:
            return np.array(value, dtype=dtype)
        except (TypeError, ValueError):
            raise InvalidModelError(f"`{label}` must be a list of numbers, got {value!r}"[:200], source=where) from None

    def bound(part: dict[str, Any], key: str, label: str) -> np.ndarray:
        """Bounds, ``null`` meaning none (``-inf`` below, ``inf`` above)."""
        value = get(part, key, label)
        if isinstance(value, list):
            missing = -np.inf if key == "lower" else np.inf
            part = {key: [missing if v is None else v for v in value]}
        return array(part, key, label)

    def block(key: str) -> Block:
        part = get(data, key, key)
        names = get(part, "names", f"{key}.names")
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise InvalidModelError(f"`{key}.names` must be a list of strings, got {names!r}"[:200], source=where)
        return Block(tuple(names), bound(part, "lower", f"{key}.lower"), bound(part, "upper", f"{key}.upper"),
                     array(part, "integer", f"{key}.integer", bool))

    def bil(key: str) -> Bilinear:
        value = get(data, key, key)
        if not value or not value[0]:
            return Bilinear.empty()
        if not isinstance(value, list) or len(value) != 4 or len({np.size(part) for part in value}) != 1:
            raise InvalidModelError(f"`{key}` must be four lists of one length (rows, uncertain, variables, values)",
                                    source=where)
        try:
            return Bilinear(np.array(value[0], dtype=np.int64), np.array(value[1], dtype=np.int64),
                            np.array(value[2], dtype=np.int64), np.array(value[3], dtype=float))
        except (TypeError, ValueError):
            raise InvalidModelError(f"`{key}` must hold integer indices and numbers", source=where) from None

    def matrix(key: str, shape: tuple[int, int], counts: str) -> np.ndarray:
        value = array(data, key, key)
        if not value.size:
            return np.zeros(shape)
        if value.size != shape[0] * shape[1]:
            raise InvalidModelError(f"mismatched dimensions: `{key}` must have shape {shape} ({counts}), got "
                                    f"{value.size} numbers", source=where)
        return value.reshape(shape)

    try:
        u = get(data, "uncertainty", "uncertainty")
        names = get(u, "names", "uncertainty.names")
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise InvalidModelError(f"`uncertainty.names` must be a list of strings, got {names!r}"[:200], source=where)
        m = len(names)
        rows = np.array(u.get("G") or np.zeros((0, m)), dtype=float)
        gamma = u.get("gamma")
        if gamma is not None and (isinstance(gamma, bool) or not isinstance(gamma, (int, float))):
            raise InvalidModelError(f"`uncertainty.gamma` must be a number or null, got {gamma!r}", source=where)
        uncertainty = Uncertainty(tuple(names), bound(u, "lower", "uncertainty.lower"), bound(u, "upper", "uncertainty.upper"),
                                  rows.reshape(-1, m) if m else rows, np.array(u.get("h") or [], dtype=float), gamma)
        first, second = block("first"), block("second")
        b = array(data, "b", "b")
        r = len(b)
        counts = f"{first.size} first-stage, {second.size} recourse, {m} uncertain, {r} rows"
        row_names = data.get("row_names") or []
        if not isinstance(row_names, list) or not all(isinstance(name, str) for name in row_names):
            raise InvalidModelError(f"`row_names` must be a list of strings, got {row_names!r}"[:200], source=where)
        c0 = data.get("c0", 0.0)
        if isinstance(c0, bool) or not isinstance(c0, (int, float)):
            raise InvalidModelError(f"`c0` must be a number, got {c0!r}", source=where)
        return RobustProblem(
            first=first, second=second, uncertainty=uncertainty, cx=array(data, "cx", "cx"), cy=array(data, "cy", "cy"),
            Cx=matrix("Cx", (m, first.size), counts), Cy=matrix("Cy", (m, second.size), counts),
            cxi=array(data, "cxi", "cxi"), Ax=matrix("Ax", (r, first.size), counts),
            Ay=matrix("Ay", (r, second.size), counts), E=matrix("E", (r, m), counts), b=b, Ax_xi=bil("Ax_xi"),
            Ay_xi=bil("Ay_xi"), c0=float(c0), sense=data.get("sense", "min"),
            name=str(data.get("name", "robust")), row_names=tuple(row_names), source=source,
        )
    except InvalidModelError as error:
        if error.source is not None:
            raise
        raise InvalidModelError(str(error), source=where) from None
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidModelError(f"not a robust problem ({type(error).__name__}: {error})", source=where) from None
