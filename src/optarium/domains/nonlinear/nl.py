"""Read AMPL ``.nl`` files (text format, "g") into a :class:`NonlinearProgram`.

The format is D. M. Gay's "Writing .nl Files" (SAND2005-7907P): a 10-line header, then
segments (``C``/``O`` nonlinear parts in prefix notation, ``J``/``G`` linear parts, ``r``
constraint sides, ``b`` variable bounds, ``V`` defined variables). Variable names come
from a ``.col`` file beside the model when there is one. An operator outside
:data:`OPCODES` is refused by name.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

from optarium.domains.nonlinear import expr as E
from optarium.domains.nonlinear.expr import Expr
from optarium.domains.nonlinear.program import Constraint, NonlinearProgram
from optarium.errors import InputFileError, InvalidModelError

INF = math.inf

# opcode -> (name, operand count or -1 for a counted list, builder); the numbers are AMPL's
# (the mp library's nl-opcodes.h)
OPCODES: dict[int, tuple[str, int, Callable[[list[Expr]], Expr]]] = {
    0: ("plus", 2, lambda a: E.add(a[0], a[1])),
    1: ("minus", 2, lambda a: a[0] - a[1]),
    2: ("mult", 2, lambda a: E.mul(a[0], a[1])),
    3: ("div", 2, lambda a: a[0] / a[1]),
    5: ("pow", 2, lambda a: a[0] ** a[1]),
    15: ("abs", 1, lambda a: abs(a[0])),
    16: ("unary minus", 1, lambda a: -a[0]),
    38: ("tan", 1, lambda a: E.tan(a[0])),
    39: ("sqrt", 1, lambda a: E.sqrt(a[0])),
    41: ("sin", 1, lambda a: E.sin(a[0])),
    42: ("log10", 1, lambda a: E.function("log10", a[0])),
    43: ("log", 1, lambda a: E.log(a[0])),
    44: ("exp", 1, lambda a: E.exp(a[0])),
    46: ("cos", 1, lambda a: E.cos(a[0])),
    54: ("sumlist", -1, lambda a: E.add(*a)),
    76: ("pow (constant exponent)", 2, lambda a: a[0] ** a[1]),
    77: ("square", 1, lambda a: a[0] ** 2),
    78: ("pow (constant base)", 2, lambda a: a[0] ** a[1]),
}
# AMPL's names of the operators optarium does not take, for the error message
UNSUPPORTED = {
    4: "mod", 6: "less", 11: "min", 12: "max", 13: "floor", 14: "ceil", 20: "or", 21: "and", 22: "lt", 23: "le",
    24: "eq", 28: "ge", 29: "gt", 30: "ne", 34: "not", 35: "if-then-else", 37: "tanh", 40: "sinh", 45: "cosh",
    47: "atanh", 48: "atan2", 49: "atan", 50: "asinh", 51: "asin", 52: "acosh", 53: "acos", 55: "integer division",
    56: "precision", 57: "round", 58: "trunc", 59: "count", 60: "numberof", 61: "symbolic numberof", 62: "atleast",
    63: "atmost", 64: "piecewise-linear term", 65: "symbolic if", 66: "exactly", 67: "not atleast", 68: "not atmost",
    69: "not exactly", 70: "forall", 71: "exists", 72: "implication", 73: "iff", 74: "alldiff", 75: "not alldiff",
}


class _Lines:
    def __init__(self, lines: list[str], source: str) -> None:
        self.lines, self.at, self.source = lines, 0, source

    def next(self) -> str:
        while self.at < len(self.lines):
            line = self.lines[self.at].split("#", 1)[0].strip()
            self.at += 1
            if line:
                return line
        raise self.error("the file ends too early")

    def numbers(self) -> list[float]:
        line = self.next()
        try:
            return [float(token) for token in line.split()]
        except ValueError:
            raise self.error(f"expected numbers, got {line!r}") from None

    def done(self) -> bool:
        while self.at < len(self.lines) and not self.lines[self.at].split("#", 1)[0].strip():
            self.at += 1
        return self.at >= len(self.lines)

    def error(self, message: str) -> InvalidModelError:
        return InvalidModelError(message, source=self.source, line=self.at)


def read_nl(path: str | os.PathLike[str]) -> NonlinearProgram:
    """Read a text ``.nl`` file; one clear line for a file it cannot take."""
    location = Path(path)
    try:
        raw = location.read_bytes()
    except FileNotFoundError:
        raise InputFileError(str(location)) from None
    except OSError as error:
        raise InputFileError(str(location), error.strerror or "cannot be read") from None
    if raw[:1] == b"b":
        raise InvalidModelError("binary .nl files are not supported; write the text format (AMPL option -og)", source=str(location))
    if raw[:1] != b"g":
        raise InvalidModelError("not an AMPL .nl file (the first line must start with 'g')", source=str(location))
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise InvalidModelError("an .nl file must be ASCII text", source=str(location)) from None
    return _parse(_Lines(text.splitlines(), str(location)), location)


def _parse(lines: _Lines, location: Path) -> NonlinearProgram:
    first = lines.lines[0]
    name = first.split("# problem", 1)[1].strip() if "# problem" in first else location.stem
    lines.at = 1
    header = [lines.numbers() for _ in range(9)]
    try:
        n_var, n_con, n_obj = (int(v) for v in header[0][:3])
        nlvc, nlvo, nlvb = (int(v) for v in header[3][:3])
        nbv, niv, nlvbi, nlvci, nlvoi = (int(v) for v in header[5][:5])
    except (ValueError, IndexError):
        raise lines.error("the header does not have the numbers an .nl header has") from None
    if n_obj > 1:
        raise lines.error(f"{n_obj} objectives; optarium takes one")
    lower, upper = [-INF] * n_var, [INF] * n_var
    sides: list[tuple[float, float]] = [(-INF, INF)] * n_con
    nonlinear: list[Expr] = [E.const(0.0)] * n_con
    jacobian: list[dict[int, float]] = [{} for _ in range(n_con)]
    objective: Expr = E.const(0.0)
    gradient: dict[int, float] = {}
    sense = "min"
    defined: dict[int, Expr] = {}
    while not lines.done():
        head = lines.next()
        tag, fields = head[0], head[1:].split()
        if tag == "C":
            nonlinear[_index(lines, fields, n_con, "constraint")] = _expression(lines, n_var, defined)
        elif tag == "O":
            _index(lines, fields, max(n_obj, 1), "objective")
            sense = "max" if len(fields) > 1 and fields[1] == "1" else "min"
            objective = _expression(lines, n_var, defined)
        elif tag == "V":
            index, count = int(fields[0]), int(fields[1])
            terms = [lines.numbers() for _ in range(count)]
            body = _expression(lines, n_var, defined)
            defined[index] = E.add(*[E.mul(t[1], _ref(lines, int(t[0]), n_var, defined)) for t in terms], body)
        elif tag == "r":
            sides = [_side(lines, "constraint", k) for k in range(n_con)]
        elif tag == "b":
            for j in range(n_var):
                lower[j], upper[j] = _side(lines, "variable", j)
        elif tag in ("J", "G"):
            index, count = int(fields[0]), int(fields[1])
            target = gradient if tag == "G" else jacobian[_index(lines, [str(index)], n_con, "constraint")]
            for _ in range(count):
                entry = lines.numbers()
                target[_variable(lines, int(entry[0]), n_var, defined)] = entry[1]
        elif tag in ("k", "x", "d"):
            for _ in range(int(fields[0])):
                lines.next()
        elif tag == "S":
            for _ in range(int(fields[1])):
                lines.next()
        elif tag == "F":
            raise lines.error(f"imported function {fields[-1] if fields else ''!r} is not supported")
        else:
            raise lines.error(f"unknown segment {head!r}")
    is_integer = _integers(n_var, nlvc, nlvo, nlvb, nbv, niv, nlvbi, nlvci, nlvoi)
    constraints = []
    for i in range(n_con):
        body = E.add(E.linear(list(jacobian[i].values()), list(jacobian[i])), nonlinear[i])
        constraints.append(Constraint(f"c{i}", body, *sides[i]))
    objective = E.add(E.linear(list(gradient.values()), list(gradient)), objective)
    names = _names(location, n_var)
    return NonlinearProgram(name, tuple(names), tuple(lower), tuple(upper), tuple(is_integer), objective,
                            "max" if sense == "max" else "min", tuple(constraints), source=str(location))


def _index(lines: _Lines, fields: list[str], limit: int, what: str) -> int:
    try:
        index = int(fields[0])
    except (ValueError, IndexError):
        raise lines.error(f"a {what} segment without an index") from None
    if not 0 <= index < limit:
        raise lines.error(f"{what} index {index} out of range (the header says {limit})")
    return index


def _side(lines: _Lines, what: str, k: int) -> tuple[float, float]:
    values = lines.numbers()
    kind = int(values[0]) if values else -1
    try:
        if kind == 0:
            return values[1], values[2]
        if kind == 1:
            return -INF, values[1]
        if kind == 2:
            return values[1], INF
        if kind == 3:
            return -INF, INF
        if kind == 4:
            return values[1], values[1]
    except IndexError:
        raise lines.error(f"{what} {k}: a bound line without its values") from None
    if kind == 5:
        raise lines.error(f"{what} {k} is a complementarity condition, which optarium does not take")
    raise lines.error(f"{what} {k}: unknown bound type {kind}")


def _variable(lines: _Lines, j: int, n_var: int, defined: dict[int, Expr]) -> int:
    if not 0 <= j < n_var:
        raise lines.error(f"variable index {j} out of range (the header says {n_var} variables)")
    return j


def _ref(lines: _Lines, j: int, n_var: int, defined: dict[int, Expr]) -> Expr:
    if 0 <= j < n_var:
        return E.var(j)
    if j in defined:
        return defined[j]
    raise lines.error(f"variable index {j} is neither a variable nor a defined variable")


def _expression(lines: _Lines, n_var: int, defined: dict[int, Expr]) -> Expr:
    """One expression in prefix notation, read without recursion (deep sums are common)."""
    stack: list[tuple[int, int, list[Expr]]] = []  # (opcode, operands wanted, operands read)
    while True:
        token = lines.next()
        tag, rest = token[0], token[1:].strip()
        node: Expr | None = None
        try:
            if tag == "n":
                node = E.const(float(rest))
            elif tag == "v":
                node = _ref(lines, int(rest), n_var, defined)
            elif tag == "o":
                code = int(rest)
                if code not in OPCODES:
                    name = UNSUPPORTED.get(code, "an operator optarium does not know")
                    raise lines.error(f"unsupported operator o{code} ({name}); optarium takes: "
                                      + ", ".join(OPCODES[k][0] for k in sorted(OPCODES)))
                wanted = OPCODES[code][1]
                if wanted < 0:
                    wanted = int(lines.next())
                stack.append((code, wanted, []))
            elif tag in ("h", "f"):
                raise lines.error("string constants and imported functions are not supported")
            else:
                raise lines.error(f"unexpected expression token {token!r}")
        except ValueError as error:
            if isinstance(error, InvalidModelError):
                raise
            raise lines.error(f"bad expression token {token!r}") from None
        while node is not None:
            if not stack:
                return node
            code, wanted, operands = stack[-1]
            operands.append(node)
            node = None
            if len(operands) == wanted:
                stack.pop()
                node = OPCODES[code][2](operands)


def _integers(n_var: int, nlvc: int, nlvo: int, nlvb: int, nbv: int, niv: int, nlvbi: int, nlvci: int, nlvoi: int) -> list[bool]:
    """Which variables are integer, by the .nl variable order (Gay, "Writing .nl Files", table 3)."""
    integer = [False] * n_var
    nlv = max(nlvc, nlvo)
    for start, stop, count in ((0, nlvb, nlvbi), (nlvb, nlvc, nlvci), (nlvc, nlv, nlvoi)):
        for j in range(max(start, stop - count), stop):
            integer[j] = True
    for j in range(n_var - nbv - niv, n_var):
        integer[j] = True
    return integer


def _names(location: Path, n_var: int) -> list[str]:
    names_file = location.with_suffix(".col")
    if names_file.is_file():
        names = [line.strip() for line in names_file.read_text(errors="replace").splitlines() if line.strip()]
        if len(names) >= n_var and len(set(names[:n_var])) == n_var:
            return names[:n_var]
    return [f"x{j}" for j in range(n_var)]
