"""Read and write MPS (free and fixed) and CPLEX LP files, plain or compressed (gz, bz2, xz).

Two readers: HiGHS's parser (the default) and SCIP's (a second opinion for
cross-checks). Both get their solver object from :mod:`optarium.solvers`; this
module only checks the text, reads and writes. When HiGHS refuses a file,
SCIP's reader is asked for the line it stopped at.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import scipy.sparse as sp

from optarium.errors import InputFileError, InvalidModelError
from optarium.problem.program import READ_MODEL, MathProgram

if TYPE_CHECKING:
    import highspy

# what each compressed suffix is opened with; the parsers are handed the plain text
_COMPRESSED: dict[str, Any] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
MODEL_SUFFIXES = tuple(base + packed for base in (".mps", ".lp") for packed in ("", *_COMPRESSED))
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$|^[+-]?(inf|infinity)$", re.IGNORECASE)


def _compression(path: Path) -> str:
    """The compressed suffix of ``path`` (``.gz``, ``.bz2``, ``.xz``), or ``""``."""
    name = path.name.lower()
    return next((suffix for suffix in _COMPRESSED if name.endswith(suffix)), "")


def model_format(path: Path) -> str:
    """``mps`` or ``lp`` from the file name (``.gz``, ``.bz2`` or ``.xz`` allowed)."""
    name = path.name.lower()
    name = name.removesuffix(_compression(path))
    if name.endswith(".mps") or name.endswith(".fixed.mps") or name.endswith(".free.mps"):
        return "mps"
    if name.endswith(".lp"):
        return "lp"
    raise InvalidModelError(
        "unknown model format; name the file *.mps or *.lp, optionally with .gz, .bz2 or .xz", source=str(path)
    )


def _open_text(path: Path) -> str:
    opener = _COMPRESSED.get(_compression(path), open)
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            return str(handle.read())
    except (OSError, EOFError, lzma.LZMAError) as error:
        raise InvalidModelError(f"cannot read file: {error}", source=str(path)) from None


# A section whose every line is "name row number [row number]" (or an integer marker)
# needs no line-by-line look: one pass of the regular expression engine clears it.
_FINITE = r"[+-]?+(?:\d++\.?+\d*+|\.\d++)(?:[eE][+-]?+\d++)?+"
_PLAIN_LINES = re.compile(
    rf"(?:[ \t]*+(?:\S++[ \t]++'MARKER'[ \t]++\S++"
    rf"|\S++[ \t]++\S++[ \t]++{_FINITE}(?:[ \t]++\S++[ \t]++{_FINITE})?+)?+[ \t\r]*+(?:\n|\Z))*+"
)


def _mps_sections(text: str) -> Iterator[tuple[str, int, int]]:
    """Each section of an MPS text: its name in capitals, where its header starts and where it ends."""
    # section headers are the lines that do not start with a blank or a comment
    first = re.match(r"[^\s*]\S*", text)
    headers = [(0, first.group(0).upper())] if first else []
    headers += [(match.start(1), match.group(1).upper()) for match in re.finditer(r"\n([^\s*]\S*)", text)]
    headers.append((len(text), ""))
    for (start, section), (end, _) in itertools.pairwise(headers):
        yield section, start, end


def _check_mps_numbers(path: Path, text: str) -> None:
    """HiGHS reads a malformed number as 0; refuse it instead, naming the line."""
    for section, start, end in _mps_sections(text):
        if section not in ("COLUMNS", "RHS", "RANGES"):
            continue
        body = text.find("\n", start, end) + 1
        if body and _PLAIN_LINES.fullmatch(text, body, end):
            continue
        lines = text[start:end].splitlines()[1:]
        # name, row, value[, row, value]; in fixed format the set name may be missing
        values = [
            value
            for fields in map(str.split, lines)
            if fields and "'MARKER'" not in fields
            for value in (fields[2::2] if len(fields) in (3, 5) else fields[1::2])
        ]
        try:
            numbers = np.array(values, dtype=np.float64)
        except ValueError:
            bad = next(value for value in values if not _NUMBER.match(value))
            _refuse(path, text, start, lines, bad, f"'{bad}' is not a number")
        # RHS and RANGES may say "infinity"; a matrix or objective coefficient may not
        forbidden = np.isnan(numbers) | (np.isinf(numbers) if section == "COLUMNS" else False)
        if forbidden.any():
            bad = values[int(np.flatnonzero(forbidden)[0])]
            _refuse(path, text, start, lines, bad, f"coefficient '{bad}' is not a finite number")


# what HiGHS says when it reads an MPS file only in part: it drops the entry or the names and goes on
_DROPPED = re.compile(r"duplicate|same name|undefined|not in (ROWS|COLUMNS)", re.IGNORECASE)


def _check_mps_entries(path: Path, text: str) -> None:
    """Refuse, naming the line, a row defined twice, a column whose entries are split, an entry
    given twice or one for a row that ROWS does not define (HiGHS would drop it or the names)."""
    rows: set[str] = set()
    for section, start, end in _mps_sections(text):
        first_line = text.count("\n", 0, start) + 2
        lines = text[start:end].splitlines()[1:]
        if section == "ROWS":
            for offset, line in enumerate(lines):
                fields = line.split()
                if len(fields) == 2 and not line.startswith("*"):
                    if fields[1] in rows:
                        raise InvalidModelError(f"row '{fields[1]}' is defined twice", source=str(path), line=first_line + offset)
                    rows.add(fields[1])
        elif section == "COLUMNS":
            seen: set[str] = set()
            column, entries = "", set[str]()
            for offset, line in enumerate(lines):
                fields = line.split()
                if len(fields) not in (3, 5) or "'MARKER'" in fields or line.startswith("*"):
                    continue
                if fields[0] != column:
                    column, entries = fields[0], set()
                    if column in seen:
                        raise InvalidModelError(
                            f"column '{column}' continues here after other columns; MPS needs a column's entries together",
                            source=str(path), line=first_line + offset,
                        )
                    seen.add(column)
                for row in fields[1::2]:
                    if row not in rows:
                        raise InvalidModelError(f"row '{row}' of column '{column}' is not defined in ROWS", source=str(path), line=first_line + offset)
                    if row in entries:
                        raise InvalidModelError(f"column '{column}' has a second entry in row '{row}'", source=str(path), line=first_line + offset)
                    entries.add(row)


def _read_highs_model(solver: highspy.Highs, path: Path) -> tuple[Any, list[str]]:
    """``solver.readModel(path)`` and the warnings HiGHS logged while reading (nothing is printed)."""
    # a log file, not a log callback: HiGHS may log bytes that are not UTF-8, which the callback cannot take
    handle, name = tempfile.mkstemp(prefix="optarium-read-", suffix=".log")  # a file, not a folder: one call less each way
    os.close(handle)
    log = Path(name)
    try:
        solver.setOptionValue("log_to_console", False)
        solver.setOptionValue("log_file", name)
        solver.setOptionValue("output_flag", True)
        try:
            status = solver.readModel(str(path))
        finally:
            solver.setOptionValue("output_flag", False)
            solver.setOptionValue("log_file", "")
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    finally:
        log.unlink(missing_ok=True)
    return status, [line.strip() for line in text.splitlines() if line.strip()]


def _refuse(path: Path, text: str, start: int, lines: list[str], token: str, message: str) -> NoReturn:
    offset = next(n for n, line in enumerate(lines) if token in line.split())
    raise InvalidModelError(message, source=str(path), line=text.count("\n", 0, start) + offset + 2)


_LP_BOUNDS = re.compile(r"^\s*(bounds?|bound|binar(y|ies)|bin|generals?|gen|integers?|semi-continuous|semis?|end)\s*$", re.IGNORECASE | re.MULTILINE)
# a number is a coefficient when a variable follows it on its line; "nan" alone is a name
_LP_NON_FINITE = re.compile(r"(?<![\w.\]\[])[+-]?(nan|inf|infinity)(?![\w.])[ \t]*\*?[ \t]*[A-Za-z_]", re.IGNORECASE)
_LP_NAN_RHS = re.compile(r"(?:[<>=]=?)\s*[+-]?nan(?![\w.])", re.IGNORECASE)


def _check_lp_numbers(path: Path, text: str) -> None:
    """HiGHS reads a NaN or infinite coefficient and drops it; refuse it instead, naming the line.

    A variable or row may be named ``nan`` or ``inf``: only a number in a coefficient's
    place (before a variable) or a right-hand side's (after ``<=``, ``>=``, ``=``) is refused.
    """
    end = _LP_BOUNDS.search(text)
    body = text[: end.start()] if end else text
    for match in _LP_NAN_RHS.finditer(body):
        raise InvalidModelError("a right-hand side is NaN", source=str(path), line=text.count("\n", 0, match.start()) + 1)
    for match in _LP_NON_FINITE.finditer(body):
        if match.group(1).lower() == "nan":
            raise InvalidModelError("a coefficient is NaN", source=str(path), line=text.count("\n", 0, match.start()) + 1)
        raise InvalidModelError(
            f"coefficient '{match.group(0).split()[0]}' is not a finite number",
            source=str(path), line=text.count("\n", 0, match.start()) + 1,
        )


# a large MPS text is checked in a forked process while HiGHS parses the file in this one
PARALLEL_CHECK_CHARS = 4_000_000


def _check_aside(file: Path, text: str) -> int | None:
    """Start :func:`_check_mps_numbers` in a forked child; its pid, or None where there is no fork."""
    if not hasattr(os, "fork"):
        _check_mps_numbers(file, text)
        return None
    pid = os.fork()
    if pid == 0:  # the child: check, say how it went in the exit status, run nothing else
        code = 1
        try:
            _check_mps_numbers(file, text)
            code = 0
        finally:
            os._exit(code)
    return pid


def _checked_aside(pid: int | None) -> bool:
    """Wait for the checking child; True when it found every number well formed."""
    if pid is None:
        return True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


@contextmanager
def _plain_file(path: str | os.PathLike[str]) -> Iterator[tuple[Path, Path, str]]:
    """Check a model file's text and yield (the file, a plain copy a parser can read, its format)."""
    file = Path(path)
    if not file.exists():
        raise InputFileError(str(file))
    if file.is_dir():
        raise InputFileError(str(file), "is a directory, not a model file")
    kind = model_format(file)
    text = _open_text(file)
    if not text or text.isspace():
        raise InvalidModelError("file is empty", source=str(file))
    checker = None
    if kind == "mps" and not _compression(file) and len(text) >= PARALLEL_CHECK_CHARS:
        checker = _check_aside(file, text)
    elif kind == "mps":
        _check_mps_numbers(file, text)
    else:
        _check_lp_numbers(file, text)
    if not _compression(file):
        try:
            yield file, file, kind
        finally:
            if checker is not None and not _checked_aside(checker):
                _check_mps_numbers(file, text)  # raises, naming the line
        return
    # hand the parser the plain text: not every HiGHS or SCIP build reads gzip, none reads bz2 or xz
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / f"model.{kind}"
        plain.write_text(text, encoding="utf-8")
        del text
        yield file, plain, kind


_LP_START = re.compile(r"^\s*(max(imi[sz]e)?|min(imi[sz]e)?)\b", re.IGNORECASE)
_MPS_START = re.compile(r"^(NAME|ROWS|OBJSENSE)\b")


def _other_format(plain: Path, kind: str) -> str | None:
    """"lp" or "mps" when a file HiGHS refused as ``kind`` starts as the other format does (a misnamed file)."""
    with open(plain, encoding="utf-8", errors="replace") as handle:
        for line in itertools.islice(handle, 200):
            if not line.strip() or line.lstrip().startswith(("\\", "*")):
                continue
            if kind == "mps" and _LP_START.match(line):
                return "lp"
            if kind == "lp" and _MPS_START.match(line):
                return "mps"
            return None
    return None


def read_problem(path: str | os.PathLike[str], *, keep_model: bool = False) -> MathProgram:
    """Read an MPS or CPLEX LP file (optionally ``.gz``, ``.bz2`` or ``.xz``) into a canonical problem with HiGHS's parser.

    ``keep_model=True`` keeps the reader's HiGHS instance with the problem for the next HiGHS
    solve of it (once), which then skips passing a second copy: for a read that a solve follows.
    """
    import highspy

    from optarium.solvers.highs import new_highs

    with _plain_file(path) as (file, plain, kind):
        solver = new_highs()
        status, warnings = _read_highs_model(solver, plain)
        if status == highspy.HighsStatus.kError:
            where = _error_location(plain)
            other = _other_format(plain, kind)
            hint = f"; it reads like an {other.upper()} file: name it *.{other}" if other else ""
            raise InvalidModelError(
                f"malformed {kind.upper()} file" + (f" ({where})" if where else "") + hint, source=str(file)
            )
    dropped = [warning for warning in warnings if _DROPPED.search(warning)]
    if dropped:
        if kind == "mps":
            _check_mps_entries(file, _open_text(file))  # names the line where it can
        raise InvalidModelError(f"HiGHS would drop part of the file: {dropped[0].removeprefix('WARNING: ')}", source=str(file))
    if solver.getNumCol() == 0:
        # HiGHS reads text without any LP/MPS section as an empty model
        raise InvalidModelError(f"no variables found; is this really a {kind.upper()} file?", source=str(file))
    program = _from_highs(solver, name=file.name.split(".")[0])
    if keep_model:
        program._cache[READ_MODEL] = solver
    return program


def read_problem_scip(path: str | os.PathLike[str]) -> MathProgram:
    """Read an MPS or CPLEX LP file with SCIP's parser: the second reader of a cross-check.

    Linear models only; a quadratic objective is refused.
    """
    from optarium.solvers.scip import read_model

    with _plain_file(path) as (file, plain, kind):
        model = read_model(plain)
        if model is None:
            where = _error_location(plain)
            raise InvalidModelError(
                f"SCIP cannot read this {kind.upper()} file" + (f" ({where})" if where else ""), source=str(file)
            )
    return _from_scip(model, name=file.name.split(".")[0], source=str(file))


def _error_location(path: Path) -> str | None:
    from optarium.solvers.scip import error_location

    return error_location(path)


def _from_highs(solver: highspy.Highs, name: str) -> MathProgram:
    """Copy HiGHS's model out once; HiGHS hands over the matrix row-wise, already CSR."""
    import highspy

    lp = solver.getLp()
    n, m = lp.num_col_, lp.num_row_
    if m:
        _, start, index, value = solver.getRowsEntries(m, np.arange(m, dtype=np.int32))
        A = sp.csr_matrix((value, index, np.append(start, np.int32(len(value)))), shape=(m, n))
    else:
        A = sp.csr_matrix((0, n))
    integrality = semi = None
    kinds = lp.integrality_
    if len(kinds):
        codes = np.array([int(k) for k in kinds], dtype=np.int8)
        integrality = (codes == 1) | (codes == 3)  # integer, semi-integer
        semi = np.isin(codes, (2, 3))  # semi-continuous, semi-integer
    Q = None
    if solver.getHessianNumNz() > 0:
        hessian = solver.getModel().hessian_
        H = sp.csc_matrix(
            (np.asarray(hessian.value_), np.asarray(hessian.index_), np.asarray(hessian.start_)),
            shape=(n, n),
        )
        # HiGHS keeps the lower triangle; rebuild the full symmetric matrix.
        Q = H + sp.tril(H, -1).T
    var_names = lp.col_names_
    con_names = lp.row_names_
    sense = "max" if lp.sense_ == highspy.ObjSense.kMaximize else "min"
    return MathProgram.build(
        lp.col_cost_, A, lp.row_lower_, lp.row_upper_, lp.col_lower_, lp.col_upper_, integrality,
        sense=sense, offset=lp.offset_, Q=Q, var_names=var_names if len(var_names) == n else None,
        con_names=con_names if len(con_names) == m else None, name=name, copy=False, is_semi=semi,
    )


def _from_scip(model: Any, name: str, source: str) -> MathProgram:
    """A canonical problem from a pyscipopt model that has read a file (nothing transformed)."""
    variables = model.getVars()
    column = {var.name: j for j, var in enumerate(variables)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    con_names: list[str] = []
    for constraint in model.getConss():
        if constraint.getConshdlrName() != "linear":
            raise InvalidModelError(
                f"the SCIP reader takes linear models only; {constraint.name!r} is {constraint.getConshdlrName()}",
                source=source,
            )
        row = len(con_names)
        for var_name, coefficient in model.getValsLinear(constraint).items():
            rows.append(row)
            cols.append(column[var_name])
            values.append(coefficient)
        lower.append(model.getLhs(constraint))
        upper.append(model.getRhs(constraint))
        con_names.append(constraint.name)
    A = sp.csr_matrix((values, (rows, cols)), shape=(len(con_names), len(variables)))
    return MathProgram.build(
        [var.getObj() for var in variables], A, lower, upper,
        [var.getLbOriginal() for var in variables], [var.getUbOriginal() for var in variables],
        [var.vtype() != "CONTINUOUS" for var in variables],
        sense="max" if model.getObjectiveSense() == "maximize" else "min", offset=model.getObjoffset(),
        var_names=[var.name for var in variables], con_names=con_names, name=name,
    )


def write_problem(problem: MathProgram, path: str | os.PathLike[str]) -> Path:
    """Write the problem as MPS or CPLEX LP (chosen by the suffix; ``.gz``, ``.bz2`` or ``.xz`` compresses)."""
    file = Path(path)
    kind = model_format(file)
    from optarium.solvers.highs import new_highs, to_highs

    solver = new_highs()
    to_highs(problem, solver)
    compress = _compression(file)
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / f"model.{kind}"
        import highspy

        if solver.writeModel(str(staging)) == highspy.HighsStatus.kError:
            raise InvalidModelError(f"HiGHS could not write the model as {kind.upper()}", source=str(file))
        data = staging.read_bytes()
    if compress:
        with _COMPRESSED[compress](file, "wb") as handle:
            handle.write(data)
    else:
        file.write_bytes(data)
    return file


def read_start(path: str | os.PathLike[str]) -> dict[str, float]:
    """A start from a ``.sol`` file: one ``name value`` line per variable (what ``optarium solve -o x.sol`` writes).

    Lines starting with ``#``, ``=obj=``/``=status=`` and SCIP's ``objective value:`` header are skipped; a
    third column (SCIP's ``(obj:...)``) is ignored. A missing file, a line without a number, or no variable at
    all is an :class:`~optarium.errors.InputFileError` naming the line.
    """
    file = Path(path)
    if not file.is_file():
        raise InputFileError(str(file), "no such file (a .sol file with one `name value` line per variable)")
    try:
        text = file.read_text(errors="replace")
    except OSError as error:
        raise InputFileError(str(file), f"cannot read: {error.strerror or error}") from None
    start: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith(("#", "=")) or line.lower().startswith(("objective value:", "solution status:")):
            continue
        try:
            start[words[0]] = float(words[1]) if len(words) > 1 else float("nan")
        except ValueError:
            start[words[0]] = float("nan")
        if not np.isfinite(start[words[0]]):
            raise InputFileError(str(file), f"line {number}: `{line.strip()[:60]}` is not `name value` with a finite number")
    if not start:
        raise InputFileError(str(file), "no `name value` line: nothing to start from")
    return start
