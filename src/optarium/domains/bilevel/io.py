"""Read bilevel programs: the JSON/YAML form and the MibS form (MPS + auxiliary file).

JSON/YAML (``"format": "bilevel-linear-json"``): ``leader`` and ``follower``
objects, each with ``variables`` (``name``, ``lb``, ``ub``, ``integer``),
``objective`` (``sense``, ``x``, ``y``, ``constant``) and ``constraints``
(``name``, ``x``, ``y``, ``sense``, ``rhs``); see docs/bilevel.md.

MibS: the MPS file holds every variable and row and the leader's objective;
the auxiliary file names the follower's variables (with their objective
coefficients) and rows, either by name (``@NUMVARS``, ``@NUMCONSTRS``,
``@VARSBEGIN``/``@VARSEND``, ``@CONSTRSBEGIN``/``@CONSTRSEND``, optional
``@OBJSENSE``, ``@MPS``) or by 0-based index (``N``, ``M``, ``LC``, ``LR``,
``LO``, ``OS`` lines, ``OS -1`` meaning the follower maximises).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.bilevel.problem import ROW_SENSES, SENSES, BilevelProblem
from optarium.errors import InputFileError, InvalidModelError

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram

JSON_SUFFIXES = (".json", ".yaml", ".yml")


def read_bilevel(path: str | os.PathLike[str], *, aux: str | os.PathLike[str] | None = None) -> BilevelProblem:
    """Read a bilevel problem from ``path`` by its suffix: ``.json``/``.yaml``/``.yml``, ``.aux`` (MibS,
    the MPS file named inside or beside it) or ``.mps`` (MibS, with ``aux`` or the ``.aux`` beside it)."""
    file = Path(path)
    if file.is_dir():
        raise InputFileError(str(file), "is a folder, not a bilevel file")
    if not file.is_file():
        raise InputFileError(str(file))
    lowered = file.name.lower()
    if lowered.endswith(JSON_SUFFIXES):
        return read_json(file)
    if lowered.endswith(".aux"):
        return read_mibs(None, file)
    if lowered.endswith((".mps", ".mps.gz", ".mps.bz2", ".mps.xz")):
        return read_mibs(file, aux)
    raise InvalidModelError("a bilevel file must end in .json, .yaml, .yml, .aux or .mps", source=str(file))


def read_json(path: str | os.PathLike[str]) -> BilevelProblem:
    """Read the JSON (or YAML) form of a bilevel problem."""
    file = Path(path)
    if not file.is_file():
        raise InputFileError(str(file))
    text = _text(file)
    try:
        if file.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (ValueError, ImportError) as error:  # yaml.YAMLError subclasses neither; caught below
        raise InvalidModelError(f"not valid {file.suffix[1:].upper()}: {error}", source=str(file)) from None
    except Exception as error:
        raise InvalidModelError(f"not valid YAML: {error}".splitlines()[0], source=str(file)) from None
    return from_dict(data, source=str(file), name=file.name.split(".")[0])


def _text(file: Path) -> str:
    """The file's text; a file that is not UTF-8 text is one line naming it."""
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidModelError("not a text file (not UTF-8)", source=str(file)) from None
    except OSError as error:
        raise InputFileError(str(file), f"cannot read: {error.strerror or error}") from None


def from_dict(data: Any, *, source: str = "", name: str = "bilevel") -> BilevelProblem:
    """Build a problem from the parsed JSON/YAML form."""
    where = source or name
    if not isinstance(data, dict):
        raise InvalidModelError("the file must hold one object with `leader` and `follower`", source=where)
    levels = {}
    for level in ("leader", "follower"):
        part = data.get(level)
        if not isinstance(part, dict):
            raise InvalidModelError(f"missing `{level}` object", source=where)
        variables = part.get("variables", [])
        objective = part.get("objective")
        if not isinstance(variables, list) or not isinstance(objective, dict):
            raise InvalidModelError(f"`{level}` needs a `variables` list and an `objective` object", source=where)
        for k, var in enumerate(variables):
            if not isinstance(var, dict):
                raise InvalidModelError(f"`{level}.variables[{k}]` must be an object, got {var!r}", source=where)
            flag = var.get("integer", False)
            if not (isinstance(flag, bool) or (isinstance(flag, int) and flag in (0, 1))):
                raise InvalidModelError(f"`{level}.variables[{k}].integer` must be true or false, got {var['integer']!r}",
                                        source=where)
            if isinstance(var.get("name", ""), (bool, list, dict)) or var.get("name", "") is None:
                raise InvalidModelError(f"`{level}.variables[{k}].name` must be a string, got {var.get('name')!r}",
                                        source=where)
        constraints = part.get("constraints") or []
        if not isinstance(constraints, list) or not all(isinstance(c, dict) for c in constraints):
            raise InvalidModelError(f"`{level}.constraints` must be a list of objects", source=where)
        levels[level] = (variables, objective, constraints)
    xs, leader_objective, leader_rows = levels["leader"]
    ys, follower_objective, follower_rows = levels["follower"]

    def numeric(label: str, values: list[Any]) -> None:
        """Coefficients are numbers; true/false are not (a bool would be read as 1 or 0)."""
        bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)]
        if bad:
            raise InvalidModelError(f"`{label}` coefficients must be finite numbers, got {bad[0]!r}", source=where)

    def coefficients(level: str, obj: dict[str, Any]) -> tuple[Any, Any, Any]:
        x, y = obj.get("x", []), obj.get("y", [])
        if not isinstance(x, list) or not isinstance(y, list):
            raise InvalidModelError(f"`{level}.objective` needs `x` and `y` coefficient lists", source=where)
        numeric(f"{level}.objective", x + y)
        if len(x) != len(xs) or len(y) != len(ys):
            raise InvalidModelError(
                f"`{level}.objective` has {len(x)} x and {len(y)} y coefficients for {len(xs)} leader and "
                f"{len(ys)} follower variables", source=where)
        return x, y, obj.get("constant", 0.0)

    def rows(level: str, constraints: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
        out = []
        for i, con in enumerate(constraints):
            x, y = con.get("x", []), con.get("y", [])
            if not isinstance(x, list) or not isinstance(y, list) or len(x) != len(xs) or len(y) != len(ys):
                raise InvalidModelError(
                    f"`{level}.constraints[{i}]` ({con.get('name', i)!s}) must have {len(xs)} x and {len(ys)} y "
                    "coefficients", source=where)
            numeric(f"{level}.constraints[{i}]", x + y)
            if con.get("sense") not in ROW_SENSES:
                raise InvalidModelError(f"`{level}.constraints[{i}].sense` must be one of {', '.join(ROW_SENSES)}, "
                                        f"got {con.get('sense')!r}", source=where)
            rhs = con.get("rhs")
            if isinstance(rhs, bool) or not isinstance(rhs, (int, float)) or not math.isfinite(rhs):
                raise InvalidModelError(f"`{level}.constraints[{i}].rhs` must be a finite number, got {rhs!r}", source=where)
            out.append((x, y, con.get("sense"), con.get("rhs")))
        return out

    def bound(var: dict[str, Any], key: str) -> float | None:
        value = var.get(key)
        if value is None:
            return None
        wrong_infinity = value == (math.inf if key == "lb" else -math.inf)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or wrong_infinity:
            raise InvalidModelError(f"variable {var.get('name')!r}: `{key}` must be a number or null, got {value!r}",
                                    source=where)
        return float(value)

    for level, obj in (("leader", leader_objective), ("follower", follower_objective)):
        if obj.get("sense", "min") not in SENSES:
            raise InvalidModelError(f"`{level}.objective.sense` must be 'min' or 'max', got {obj.get('sense')!r}",
                                    source=where)
        constant = obj.get("constant", 0.0)
        if isinstance(constant, bool) or not isinstance(constant, (int, float)):
            raise InvalidModelError(f"`{level}.objective.constant` must be a number, got {constant!r}", source=where)

    return BilevelProblem.build(
        coefficients("leader", leader_objective), coefficients("follower", follower_objective),
        leader_sense=leader_objective.get("sense", "min"), follower_sense=follower_objective.get("sense", "min"),
        x_bounds=[(bound(v, "lb"), bound(v, "ub")) for v in xs], y_bounds=[(bound(v, "lb"), bound(v, "ub")) for v in ys],
        x_integer=[bool(v.get("integer", False)) for v in xs], y_integer=[bool(v.get("integer", False)) for v in ys],
        leader_constraints=rows("leader", leader_rows), follower_constraints=rows("follower", follower_rows),
        x_names=[str(v.get("name", f"x{j}")) for j, v in enumerate(xs)],
        y_names=[str(v.get("name", f"y{k}")) for k, v in enumerate(ys)],
        leader_row_names=[str(c.get("name", f"G{i}")) for i, c in enumerate(leader_rows)],
        follower_row_names=[str(c.get("name", f"g{i}")) for i, c in enumerate(follower_rows)],
        name=str(data.get("name") or name), source=source,
        reference=data.get("published") if isinstance(data.get("published"), dict) else None,
    )


def to_dict(problem: BilevelProblem) -> dict[str, Any]:
    """The JSON form of ``problem`` (what :func:`from_dict` reads back)."""

    def number(value: float) -> float | None:
        return None if not np.isfinite(value) else float(value)

    def variables(names: tuple[str, ...], lower: Any, upper: Any, integer: Any) -> list[dict[str, Any]]:
        return [{"name": n, "lb": number(lo), "ub": number(hi), "integer": bool(i)}
                for n, lo, hi, i in zip(names, lower, upper, integer, strict=True)]

    def rows(names: tuple[str, ...], Rx: Any, Ry: Any, lower: Any, upper: Any) -> list[dict[str, Any]]:
        out = []
        for n, rx, ry, lo, hi in zip(names, Rx, Ry, lower, upper, strict=True):
            coefs = {"x": [float(v) for v in rx], "y": [float(v) for v in ry]}
            if lo == hi:
                out.append({"name": n, **coefs, "sense": "=", "rhs": float(lo)})
                continue
            if np.isfinite(hi):
                out.append({"name": n, **coefs, "sense": "<=", "rhs": float(hi)})
            if np.isfinite(lo):
                out.append({"name": n if not np.isfinite(hi) else f"{n}_lo", **coefs, "sense": ">=", "rhs": float(lo)})
        return out

    p = problem
    return {
        "format": "bilevel-linear-json", "version": 1, "name": p.name, "bilevel_convention": "optimistic",
        "leader": {
            "variables": variables(p.x_names, p.x_lower, p.x_upper, p.x_integer),
            "objective": {"sense": p.leader_sense, "x": p.cx.tolist(), "y": p.cy.tolist(), "constant": p.c0},
            "constraints": rows(p.leader_row_names, p.G_x, p.G_y, p.g_lower, p.g_upper),
        },
        "follower": {
            "variables": variables(p.y_names, p.y_lower, p.y_upper, p.y_integer),
            "objective": {"sense": p.follower_sense, "x": p.dx.tolist(), "y": p.dy.tolist(), "constant": p.d0},
            "constraints": rows(p.follower_row_names, p.A_x, p.A_y, p.a_lower, p.a_upper),
        },
    }


def read_mibs(mps: str | os.PathLike[str] | None, aux: str | os.PathLike[str] | None = None) -> BilevelProblem:
    """Read the MibS form: the MPS file ``mps`` and its auxiliary file ``aux``.

    Without ``aux`` the file with the MPS file's stem and suffix ``.aux`` is
    used; without ``mps`` the file named under ``@MPS`` in ``aux`` (relative to
    it), else the ``.mps`` beside it.
    """
    aux_file = Path(aux) if aux is not None else None
    if aux_file is None:
        assert mps is not None
        mps_file = Path(mps)
        stem = mps_file.name.split(".")[0]
        aux_file = mps_file.with_name(stem + ".aux")
        if not aux_file.is_file():
            raise InputFileError(str(aux_file), f"no auxiliary file (the MibS form needs one beside {mps_file.name}; pass aux=)")
    elif not aux_file.is_file():
        raise InputFileError(str(aux_file), "no such auxiliary file")
    spec = _parse_aux(aux_file)
    if mps is None:
        named = spec.get("mps")
        candidates = ([aux_file.parent / named] if named else []) + [aux_file.with_suffix(".mps")]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise InputFileError(str(candidates[0]), f"no MPS file for the auxiliary file {aux_file.name}")
        mps = found[0]
    mps_file = Path(mps)
    if not mps_file.is_file():
        raise InputFileError(str(mps_file))
    from optarium.problem.io import read_problem

    program = read_problem(mps_file)
    if program.Q is not None or program.is_semi is not None:
        raise InvalidModelError("the MibS form is read for linear problems only (no quadratic or semi-continuous parts)",
                                source=str(mps_file))
    return _split(program, spec, aux_file, source=str(aux_file))


def _parse_aux(file: Path) -> dict[str, Any]:
    """The follower's columns (names or indices), objective coefficients, rows and sense from an auxiliary file."""
    lines = [(number, line.strip()) for number, line in enumerate(_text(file).splitlines(), start=1)]
    lines = [(n, s) for n, s in lines if s and not s.startswith(("*", "#"))]
    spec: dict[str, Any] = {"vars": [], "objective": [], "rows": [], "sense": 1, "by": None, "counts": {}}
    section = None
    for number, line in lines:
        tokens = line.split()
        head = tokens[0].upper()
        try:
            if head.startswith("@"):
                section = head
                if head in ("@VARSBEGIN", "@CONSTRSBEGIN"):
                    spec["by"] = "name"
                continue
            if section in ("@NUMVARS", "@NUMCONSTRS"):
                spec["counts"][section] = int(tokens[0])
            elif section == "@VARSBEGIN":
                spec["vars"].append(tokens[0])
                spec["objective"].append(float(tokens[1]) if len(tokens) > 1 else 0.0)
            elif section == "@CONSTRSBEGIN":
                spec["rows"].append(tokens[0])
            elif section == "@OBJSENSE":
                word = tokens[0].upper()
                if word not in ("MIN", "MAX", "1", "-1"):
                    raise InvalidModelError(f"@OBJSENSE must be MIN or MAX, got {tokens[0]!r}", source=str(file), line=number)
                spec["sense"] = -1 if word in ("MAX", "-1") else 1
            elif section == "@MPS":
                spec["mps"] = line
            elif section in ("@NAME", "@VARSEND", "@CONSTRSEND"):
                continue
            elif section is None and head in ("N", "M", "LC", "LR", "LO", "OS", "IC", "IB", "IL"):
                spec["by"] = spec["by"] or "index"
                value = tokens[1]
                if head == "N":
                    spec["counts"]["@NUMVARS"] = int(value)
                elif head == "M":
                    spec["counts"]["@NUMCONSTRS"] = int(value)
                elif head == "LC":
                    spec["vars"].append(int(value))
                elif head == "LR":
                    spec["rows"].append(int(value))
                elif head == "LO":
                    spec["objective"].append(float(value))
                elif head == "OS":
                    spec["sense"] = -1 if float(value) < 0 else 1
                else:
                    raise InvalidModelError(f"{head} lines (interdiction data) are not supported", source=str(file), line=number)
            else:
                raise InvalidModelError(f"unexpected line {line!r}", source=str(file), line=number)
        except (ValueError, IndexError) as error:
            if isinstance(error, InvalidModelError):
                raise
            raise InvalidModelError(f"cannot read {line!r}", source=str(file), line=number) from None
    if not spec["vars"]:
        raise InvalidModelError("the auxiliary file names no follower variables", source=str(file))
    counts = spec["counts"]
    if "@NUMVARS" in counts and counts["@NUMVARS"] != len(spec["vars"]):
        raise InvalidModelError(f"the auxiliary file announces {counts['@NUMVARS']} follower variables but lists "
                                f"{len(spec['vars'])}", source=str(file))
    if "@NUMCONSTRS" in counts and counts["@NUMCONSTRS"] != len(spec["rows"]):
        raise InvalidModelError(f"the auxiliary file announces {counts['@NUMCONSTRS']} follower rows but lists "
                                f"{len(spec['rows'])}", source=str(file))
    if len(spec["objective"]) != len(spec["vars"]):
        raise InvalidModelError(f"the auxiliary file gives {len(spec['objective'])} follower objective coefficients for "
                                f"{len(spec['vars'])} follower variables", source=str(file))
    return spec


def _split(program: MathProgram, spec: dict[str, Any], aux_file: Path, source: str) -> BilevelProblem:
    """Split one MPS program into leader and follower parts as the auxiliary file says."""
    n, m = program.n_vars, program.n_cons

    def positions(items: list[Any], names: list[str], what: str, size: int) -> list[int]:
        if spec["by"] == "name":
            index = {name: i for i, name in enumerate(names)}
            missing = [item for item in items if item not in index]
            if missing:
                raise InvalidModelError(f"the auxiliary file names {what} {missing[0]!r}, which the MPS file does not have",
                                        source=str(aux_file))
            found = [index[item] for item in items]
        else:
            bad = [item for item in items if not 0 <= item < size]
            if bad:
                raise InvalidModelError(f"the auxiliary file names {what} index {bad[0]}, but the MPS file has {size}",
                                        source=str(aux_file))
            found = list(items)
        if len(set(found)) != len(found):
            raise InvalidModelError(f"the auxiliary file names a {what} twice", source=str(aux_file))
        return found

    ycols = positions(spec["vars"], list(program.var_names), "variable", n)
    frows = positions(spec["rows"], list(program.con_names), "row", m)
    xcols = [j for j in range(n) if j not in set(ycols)]
    lrows = [i for i in range(m) if i not in set(frows)]
    A = program.A.toarray()
    dy = np.array(spec["objective"], dtype=np.float64)
    follower_sense = "max" if spec["sense"] < 0 else "min"
    names = list(program.var_names)
    rownames = list(program.con_names)
    return BilevelProblem(
        name=aux_file.name.split(".")[0], x_names=tuple(names[j] for j in xcols), y_names=tuple(names[j] for j in ycols),
        x_lower=program.col_lower[xcols].copy(), x_upper=program.col_upper[xcols].copy(),
        x_integer=program.is_integer[xcols].copy(), y_lower=program.col_lower[ycols].copy(),
        y_upper=program.col_upper[ycols].copy(), y_integer=program.is_integer[ycols].copy(),
        leader_sense=program.sense, cx=program.c[xcols].copy(), cy=program.c[ycols].copy(), c0=program.offset,
        G_x=A[np.ix_(lrows, xcols)], G_y=A[np.ix_(lrows, ycols)], g_lower=program.row_lower[lrows].copy(),
        g_upper=program.row_upper[lrows].copy(), leader_row_names=tuple(rownames[i] for i in lrows),
        follower_sense=follower_sense, dx=np.zeros(len(xcols)), dy=dy, d0=0.0,
        A_x=A[np.ix_(frows, xcols)], A_y=A[np.ix_(frows, ycols)], a_lower=program.row_lower[frows].copy(),
        a_upper=program.row_upper[frows].copy(), follower_row_names=tuple(rownames[i] for i in frows), source=source,
    )
