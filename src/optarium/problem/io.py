"""Read and write MPS (free and fixed) and CPLEX LP files, plain or gzipped.

HiGHS does the parsing; when it refuses a file, SCIP's reader is asked for the
line it stopped at, so the user learns where the file is broken.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import numpy as np
import scipy.sparse as sp

from optarium.errors import InputFileError, InvalidModelError
from optarium.problem.program import MathProgram

if TYPE_CHECKING:
    import highspy

MODEL_SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz", ".mps.bz2")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$|^[+-]?(inf|infinity)$", re.IGNORECASE)


def model_format(path: Path) -> str:
    """``mps`` or ``lp`` from the file name (``.gz`` allowed)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(".mps") or name.endswith(".fixed.mps") or name.endswith(".free.mps"):
        return "mps"
    if name.endswith(".lp"):
        return "lp"
    raise InvalidModelError(
        "unknown model format; name the file *.mps, *.lp, *.mps.gz or *.lp.gz", source=str(path)
    )


def _open_text(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            return str(handle.read())
    except (OSError, EOFError) as error:
        raise InvalidModelError(f"cannot read file: {error}", source=str(path)) from None


def _check_mps_numbers(path: Path, text: str) -> None:
    """HiGHS reads a malformed number as 0; refuse it instead, naming the line."""
    # section headers are the lines that do not start with a blank or a comment
    headers = [(match.start(1), match.group(1).upper()) for match in re.finditer(r"\n([^\s*]\S*)", "\n" + text)]
    headers = [(start - 1, name) for start, name in headers]
    headers.append((len(text), ""))
    for (start, section), (end, _) in itertools.pairwise(headers):
        if section not in ("COLUMNS", "RHS", "RANGES"):
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


def _refuse(path: Path, text: str, start: int, lines: list[str], token: str, message: str) -> NoReturn:
    offset = next(n for n, line in enumerate(lines) if token in line.split())
    raise InvalidModelError(message, source=str(path), line=text.count("\n", 0, start) + offset + 2)


_LP_BOUNDS = re.compile(r"^\s*(bounds?|bound|binar(y|ies)|bin|generals?|gen|integers?|semi-continuous|semis?|end)\s*$", re.IGNORECASE | re.MULTILINE)
_LP_NON_FINITE = re.compile(r"(?<![\w.\]\[])[+-]?(nan|inf|infinity)(?![\w.])\s*\*?\s*[A-Za-z_]", re.IGNORECASE)


def _check_lp_numbers(path: Path, text: str) -> None:
    """HiGHS reads a NaN or infinite coefficient and drops it; refuse it instead, naming the line."""
    end = _LP_BOUNDS.search(text)
    body = text[: end.start()] if end else text
    for match in re.finditer(r"(?<![\w.\]\[])[+-]?nan(?![\w.])", body, re.IGNORECASE):
        raise InvalidModelError("a coefficient is NaN", source=str(path), line=text.count("\n", 0, match.start()) + 1)
    for match in _LP_NON_FINITE.finditer(body):
        raise InvalidModelError(
            f"coefficient '{match.group(0).split()[0]}' is not a finite number",
            source=str(path), line=text.count("\n", 0, match.start()) + 1,
        )


def _scip_location(path: Path) -> str | None:
    """Ask SCIP's reader why a file is malformed (it reports the line)."""
    try:
        import pyscipopt
    except ImportError:
        return None
    with tempfile.TemporaryFile(mode="w+b") as capture:
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            model = pyscipopt.Model()
            model.hideOutput()
            model.readProblem(str(path))
        except Exception:
            pass
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        message = capture.read().decode(errors="replace")
    for line in message.splitlines():
        found = re.search(r"ERROR: (.*(?:line|Line) .*)", line)
        if found:
            return found.group(1).strip()
    return None


_banner_lock = threading.Lock()
_banner_shown = False


def new_highs() -> highspy.Highs:
    """A HiGHS instance that writes nothing to standard output.

    HiGHS 1.16 prints its banner from the constructor, once per process, before any option can
    be set, so ``output_flag`` alone cannot keep ``--json`` output clean: the first construction
    runs with file descriptor 1 pointed at the null device.
    """
    import highspy

    global _banner_shown
    with _banner_lock:
        try:
            saved = None if _banner_shown else os.dup(1)
        except OSError:  # no standard output at all: nothing to keep clean
            saved = None
        if saved is None:
            solver = highspy.Highs()
        else:
            if sys.stdout is not None:
                sys.stdout.flush()
            try:
                with open(os.devnull, "wb") as sink:
                    os.dup2(sink.fileno(), 1)
                    solver = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
        _banner_shown = True
    solver.setOptionValue("output_flag", False)
    return solver


def read_problem(path: str | os.PathLike[str]) -> MathProgram:
    """Read an MPS or CPLEX LP file (optionally ``.gz``) into a canonical problem."""
    file = Path(path)
    if not file.exists():
        raise InputFileError(str(file))
    if file.is_dir():
        raise InputFileError(str(file), "is a directory, not a model file")
    kind = model_format(file)
    text = _open_text(file)
    if not text.strip():
        raise InvalidModelError("file is empty", source=str(file))
    if kind == "mps":
        _check_mps_numbers(file, text)
    else:
        _check_lp_numbers(file, text)
    solver = new_highs()
    import highspy

    if file.name.lower().endswith(".gz"):
        # hand HiGHS the plain text: not every HiGHS build reads gzip
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / f"model.{kind}"
            plain.write_text(text, encoding="utf-8")
            status = solver.readModel(str(plain))
    else:
        status = solver.readModel(str(file))
    if status == highspy.HighsStatus.kError:
        where = _scip_location(file)
        raise InvalidModelError(
            f"malformed {kind.upper()} file" + (f" ({where})" if where else ""), source=str(file)
        )
    stem = file.name.split(".")[0]
    if solver.getLp().num_col_ == 0:
        # HiGHS reads text without any LP/MPS section as an empty model
        raise InvalidModelError(f"no variables found; is this really a {kind.upper()} file?", source=str(file))
    return _from_highs(solver, name=stem)


def _from_highs(solver: highspy.Highs, name: str) -> MathProgram:
    import highspy

    lp = solver.getLp()
    n, m = lp.num_col_, lp.num_row_
    matrix = lp.a_matrix_
    start = np.asarray(matrix.start_, dtype=np.int64)
    index = np.asarray(matrix.index_, dtype=np.int64)
    value = np.asarray(matrix.value_, dtype=np.float64)
    if matrix.format_ == highspy.MatrixFormat.kColwise:
        A = sp.csc_matrix((value, index, start), shape=(m, n)).tocsr()
    else:
        A = sp.csr_matrix((value, index, start), shape=(m, n))
    integrality = np.zeros(n, dtype=bool)
    if len(lp.integrality_):
        kinds = [int(k) for k in lp.integrality_]
        integrality = np.array([k in (1, 3) for k in kinds], dtype=bool)  # integer, semi-integer
        if any(k in (2, 3) for k in kinds):
            raise InvalidModelError("semi-continuous and semi-integer variables are not supported", source=name)
    Q = None
    hessian = solver.getModel().hessian_
    if hessian.dim_ > 0 and len(hessian.value_):
        H = sp.csc_matrix(
            (np.asarray(hessian.value_), np.asarray(hessian.index_), np.asarray(hessian.start_)),
            shape=(n, n),
        )
        # HiGHS keeps the lower triangle; rebuild the full symmetric matrix.
        Q = H + sp.tril(H, -1).T
    var_names = list(lp.col_names_) if len(lp.col_names_) == n else None
    con_names = list(lp.row_names_) if len(lp.row_names_) == m else None
    sense = "max" if lp.sense_ == highspy.ObjSense.kMaximize else "min"
    return MathProgram.build(
        lp.col_cost_, A, lp.row_lower_, lp.row_upper_, lp.col_lower_, lp.col_upper_, integrality,
        sense=sense, offset=lp.offset_, Q=Q, var_names=var_names, con_names=con_names, name=name,
    )


def to_highs(problem: MathProgram, solver: highspy.Highs) -> None:
    """Pass a canonical problem into a HiGHS instance (used by the reader, writer and backend)."""
    import highspy

    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = problem.n_vars
    lp.num_row_ = problem.n_cons
    lp.col_cost_ = problem.c
    lp.col_lower_ = np.where(np.isinf(problem.col_lower), -inf, problem.col_lower)
    lp.col_upper_ = np.where(np.isinf(problem.col_upper), inf, problem.col_upper)
    lp.row_lower_ = np.where(np.isinf(problem.row_lower), -inf, problem.row_lower)
    lp.row_upper_ = np.where(np.isinf(problem.row_upper), inf, problem.row_upper)
    lp.offset_ = problem.offset
    lp.sense_ = highspy.ObjSense.kMaximize if problem.sense == "max" else highspy.ObjSense.kMinimize
    csc = problem.A.tocsc()
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    if problem.is_integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in problem.is_integer
        ]
    lp.col_names_ = list(problem.var_names)
    lp.row_names_ = list(problem.con_names)
    lp.model_name_ = problem.name
    status = solver.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise InvalidModelError("HiGHS refused the model data", source=problem.name)
    if problem.Q is not None:
        lower = sp.tril(problem.Q).tocsc()
        lower.sort_indices()
        status = solver.passHessian(
            problem.n_vars, lower.nnz, int(highspy.HessianFormat.kTriangular),
            lower.indptr, lower.indices, lower.data,
        )
        if status == highspy.HighsStatus.kError:
            raise InvalidModelError("HiGHS refused the quadratic objective (is it convex?)", source=problem.name)


def write_problem(problem: MathProgram, path: str | os.PathLike[str]) -> Path:
    """Write the problem as MPS or CPLEX LP (chosen by the suffix; ``.gz`` compresses)."""
    file = Path(path)
    kind = model_format(file)
    solver = new_highs()
    to_highs(problem, solver)
    compress = file.name.lower().endswith(".gz")
    target = file.with_name(file.name[:-3]) if compress else file
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / f"model.{kind}"
        import highspy

        if solver.writeModel(str(staging)) == highspy.HighsStatus.kError:
            raise InvalidModelError(f"HiGHS could not write the model as {kind.upper()}", source=str(file))
        data = staging.read_bytes()
    if compress:
        with gzip.open(file, "wb") as handle:
            handle.write(data)
    else:
        target.write_bytes(data)
    return file
