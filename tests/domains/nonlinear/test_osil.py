"""Reading OSiL files through SCIP's reader and writer, then optarium's .nl reader."""

from __future__ import annotations

from pathlib import Path

import pytest

import optarium
from optarium.domains.nonlinear.osil import read_osil
from optarium.errors import InvalidModelError

pytest.importorskip("pyscipopt")


def test_an_osil_file_reads_and_solves_to_its_optimum(data: Path) -> None:
    problem = read_osil(data / "tiny.osil")
    assert problem.source.endswith("tiny.osil") and problem.name == "tiny"
    assert {"x", "k"} <= set(problem.var_names) and problem.features()["n_integer"] == 1
    solution = optarium.solve(str(data / "tiny.osil"), record=False)
    assert solution.kind == "nonlinear" and solution.status == "optimal" and solution.verified
    assert solution.objective == pytest.approx(0.75, rel=1e-6)
    assert solution.values["x"] == pytest.approx(1.5, abs=1e-5) and solution.values["k"] == pytest.approx(1.0)
    assert solution.verification is not None and solution.verification.reader == "osil"


def test_a_broken_osil_file_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.osil"
    path.write_text("<osil><instanceData><variables numberOfVariables='2'>")
    with pytest.raises(InvalidModelError, match=r"broken\.osil: SCIP cannot read this OSiL file"):
        read_osil(path)
