"""A table of past experiments (CSV with a header row) as a space, parameter rows and objective values.

The objective is the column named ``objective`` (default: the last column). Without a
given space, each other column becomes a parameter: a column of integers an int
parameter, of other numbers a float one over the observed range, anything else a
categorical one with the observed values as choices (a column with no name and no values, a
spreadsheet's trailing comma, is left out); a column of mostly numbers with a word or
a non-finite number in it is refused (a typo more often than a category). With a space, its parameters must
all be columns of the table; other columns are ignored. A missing or repeated column,
an empty table, no parameter column, an empty parameter cell, or an objective cell that
is not a finite number is one :class:`TableError` naming the column (and the row).
A table that ``study export`` wrote (a ``state`` column and ``params_<name>`` columns) reads
as its complete, feasible trials, the parameters under their own names, the objective
``value`` by default (``value_0``, ... for several objectives).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from optarium.blackbox.errors import SpaceError, TableError
from optarium.blackbox.space import Space

PARAMS = "params_"  # the prefix of a parameter's column in what ``study export`` writes


def read_table(path: str | Path, objective: str | None = None,
               space: Space | None = None) -> tuple[Space, list[dict[str, Any]], list[float]]:
    """(space, parameter rows, objective values) from the CSV file at ``path``."""
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: a spreadsheet's byte-order mark
            reader = csv.reader(handle)
            header = next(reader, None)
            body = [row for row in reader if row]
    except FileNotFoundError:
        raise TableError(where, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TableError(where, f"cannot read as CSV text: {error}") from None
    if not header or not body:
        raise TableError(where, "needs a header row and at least two data rows")
    header = [name.strip() for name in header]
    # a spreadsheet's trailing comma: a column with no name and no values is no column
    blank = [i for i, name in enumerate(header) if not name and all(i >= len(row) or not row[i].strip() for row in body)]
    if blank:
        header = [name for i, name in enumerate(header) if i not in blank]
        body = [[cell for i, cell in enumerate(row) if i not in blank] for row in body]
    if "" in header:
        raise TableError(where, f"column {header.index('') + 1} has no name in the header; name it, or if it is a "
                                "saved index (pandas), write the table without it (index=False)")
    if len(header) == 1 and any(mark in header[0] for mark in ";\t"):
        raise TableError(where, f"is not comma-separated (its header is one cell, {header[0]!r}); save it as CSV with commas")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise TableError(where, f"has the column {repeated[0]!r} more than once; give each column its own name")
    lines = list(range(2, len(body) + 2))  # each row's number in the file, as messages name it
    if _is_study_export(header):
        header, body, lines, objective = _from_study_export(where, header, body, objective)
    objective = objective or header[-1]
    if objective not in header:
        raise TableError(where, f"has no objective column {objective!r}; columns: {', '.join(header)}")
    column = header.index(objective)
    values = []
    for number, row in zip(lines, body, strict=True):
        if len(row) != len(header):
            raise TableError(where, f"row {number} has {len(row)} cells, the header {len(header)}")
        try:
            value = float(row[column])
        except ValueError:
            raise TableError(where, f"objective {objective!r} in row {number} is not a number: {row[column]!r}") from None
        if not math.isfinite(value):
            raise TableError(where, f"objective {objective!r} in row {number} is not finite: {row[column]!r}")
        values.append(value)
    if len(values) < 2:
        raise TableError(where, "needs at least two data rows")
    names = [name for name in header if name != objective] if space is None else space.names
    if not names:
        raise TableError(where, f"has no parameter column besides the objective {objective!r}")
    missing = [name for name in names if name not in header]
    if missing:
        raise TableError(where, f"has no column {missing[0]!r} for the space's parameter; columns: {', '.join(header)}")
    cells = {name: [row[header.index(name)].strip() for row in body] for name in names}
    for name in names:
        if "" in cells[name]:
            number = lines[cells[name].index("")]
            raise TableError(where, f"column {name!r} has no value in row {number}; fill it in or leave the row out")
    if space is None:
        for name in names:
            _check_numbers(where, name, cells[name], lines)
        space = Space.from_dict({name: _infer(cells[name]) for name in names})
    rows = []
    for number, index in zip(lines, range(len(body)), strict=True):
        raw = {name: _typed(space, name, cells[name][index]) for name in names}
        try:
            space.check(raw)
        except SpaceError as error:
            raise TableError(where, f"row {number}: {error}") from None
        rows.append(raw)
    return space, rows, values


def _is_study_export(header: list[str]) -> bool:
    return "state" in header and any(name.startswith(PARAMS) for name in header)


def _from_study_export(where: str, header: list[str], body: list[list[str]], objective: str | None
                       ) -> tuple[list[str], list[list[str]], list[int], str]:
    """A table that ``study export`` wrote, as its complete, feasible trials: the ``params_`` columns
    without the prefix and the objective (default ``value``); rows numbered as in the file."""
    objective = objective or "value"
    if objective not in header:
        raise TableError(where, f"has no objective column {objective!r}; columns: {', '.join(header)}")
    params = [i for i, name in enumerate(header) if name.startswith(PARAMS)]
    state, feasibility = header.index("state"), header.index("feasibility") if "feasibility" in header else None
    kept, lines = [], []
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise TableError(where, f"row {number} has {len(row)} cells, the header {len(header)}")
        told = feasibility is None or not row[feasibility].strip() or (_number(row[feasibility]) or 0.0) <= 0
        if row[state] == "complete" and told:
            kept.append([row[i] for i in params] + [row[header.index(objective)]])
            lines.append(number)
    return [header[i][len(PARAMS):] for i in params] + [objective], kept, lines, objective


def _check_numbers(where: str, name: str, cells: list[str], lines: list[int]) -> None:
    """A column of mostly numbers must be all finite numbers: a stray word or an infinity there is a typo
    more often than a category, so it is refused rather than turning the column categorical."""
    numbers = [_number(cell) for cell in cells]
    if sum(number is not None for number in numbers) * 2 <= len(cells):
        return
    for row, cell, number in zip(lines, cells, numbers, strict=True):
        if number is None:
            raise TableError(where, f"column {name!r} holds numbers, but row {row} holds {cell!r}; fix the cell, "
                             f"or give a space that makes {name!r} categorical")
        if not math.isfinite(number):
            raise TableError(where, f"column {name!r} in row {row} is not finite: {cell!r}")


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _infer(cells: list[str]) -> dict[str, Any]:
    try:
        numbers = [float(c) for c in cells]
    except ValueError:
        return {"type": "categorical", "choices": sorted(set(cells))}
    if all(n.is_integer() for n in numbers) and min(numbers) < max(numbers):
        return {"type": "int", "low": int(min(numbers)), "high": int(max(numbers))}
    if min(numbers) < max(numbers):
        return {"type": "float", "low": min(numbers), "high": max(numbers)}
    return {"type": "categorical", "choices": sorted(set(cells))}


def _typed(space: Space, name: str, cell: str) -> Any:
    param = space.params[space.names.index(name)]
    kind = param.to_dict()["type"]
    try:
        if kind == "float":
            return float(cell)
        if kind == "int":  # 2.5 stays 2.5, so the space's check refuses it rather than it being cut to 2
            number = float(cell)
            return int(number) if number.is_integer() else number
    except ValueError:
        return cell
    choices = param.to_dict()["choices"]
    for choice in choices:
        if str(choice) == cell:
            return choice
    return cell
