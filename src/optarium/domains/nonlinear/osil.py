"""Read OSiL files (the Optimization Services instance language, XML) through SCIP.

SCIP reads the file and writes it out as an ``.nl`` file, which :func:`read_nl` then reads;
so an OSiL model takes the same route, and the same checks, as an ``.nl`` one. A nonlinear
objective comes back as SCIP's ``nlobjvar`` variable and a constraint on it.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from optarium.domains.nonlinear.program import NonlinearProgram
from optarium.errors import InputFileError, InvalidModelError, SolverUnavailableError


def read_osil(path: str | os.PathLike[str]) -> NonlinearProgram:
    """An OSiL file as a nonlinear program (needs pyscipopt); one clear line for a file SCIP refuses."""
    import importlib.util

    from optarium.domains.nonlinear.nl import read_nl

    location = Path(path)
    if not location.is_file():
        raise InputFileError(str(location))
    if importlib.util.find_spec("pyscipopt") is None:
        raise SolverUnavailableError("reading OSiL needs the Python package 'pyscipopt'; install it with `pip install pyscipopt`")
    from optarium.solvers.scip import read_quietly

    model, said = read_quietly(location)
    if model is None:
        found = re.search(r"ERROR: (.*)", said)
        raise InvalidModelError(f"SCIP cannot read this OSiL file{': ' + found.group(1).strip() if found else ''}",
                                source=str(location))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{location.stem}.nl"
        _write_quietly(model, target)
        problem = read_nl(target)
    return replace(problem, source=str(location), _cache={})


def _write_quietly(model: object, target: Path) -> None:
    """SCIP writes the model; what it prints on the way goes nowhere."""
    import sys

    sys.stdout.flush()
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(1)
        os.dup2(sink.fileno(), 1)
        try:
            model.writeProblem(str(target))  # type: ignore[attr-defined]
            sys.stdout.flush()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
