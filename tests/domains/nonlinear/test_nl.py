"""Reading AMPL .nl files: the counts SCIP reads, integer variables, and one clear line for what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.domains.nonlinear import read_nl
from optarium.errors import InputFileError, InvalidModelError

HEADER = """g3 0 1 0	# problem tiny
 1 1 1 0 0
 1 0
 0 0
 1 0 0
 0 0 0 1
 0 0 0 0 0
 1 0
 0 0
 0 0 0 0 0
"""


def test_a_minlplib_file_reads_with_its_variables_constraints_and_objective(data: Path) -> None:
    problem = read_nl(data / "st_e13.nl")
    assert problem.name == "st_e13"
    assert (problem.n_vars, problem.n_cons, problem.is_integer) == (2, 2, (False, True))
    assert (problem.lower, problem.upper) == ((0.0, 0.0), (1.6, 1.0))
    # -x0^2 - x1 <= -1.25 and x0 + x1 <= 1.6; minimise 2 x0 + x1
    objective, activity = problem.evaluate([0.5, 1.0])
    assert objective == pytest.approx(2.0)
    assert activity == pytest.approx([-1.25, 1.5])
    assert (problem.constraints[0].upper, problem.constraints[1].upper) == (-1.25, 1.6)


def test_a_maximisation_and_logarithms_read(data: Path) -> None:
    problem = read_nl(data / "syn05m.nl")
    features = problem.features()
    assert problem.sense == "max"
    assert (features["n_vars"], features["n_integer"], features["n_cons"], features["n_nonlinear_cons"]) == (20, 5, 28, 3)
    assert features["operators"]["log"] == 3


def test_the_same_file_has_the_same_fingerprint_wherever_it_lies(data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.nl"
    copy.write_bytes((data / "ex1222.nl").read_bytes())
    assert read_nl(copy).fingerprint() == read_nl(data / "ex1222.nl").fingerprint()
    assert read_nl(data / "st_e13.nl").fingerprint() != read_nl(data / "ex1222.nl").fingerprint()


def test_an_unsupported_operator_is_named(tmp_path: Path) -> None:
    path = tmp_path / "minmax.nl"
    path.write_text(HEADER + "C0\no11\n2\nv0\nn1\nO0 0\nn0\nr\n1 3\nb\n0 0 5\nJ0 1\n0 0\n")
    with pytest.raises(InvalidModelError, match=r"unsupported operator o11 \(min\)"):
        read_nl(path)


def test_binary_files_missing_files_and_other_text_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "b.nl"
    binary.write_bytes(b"b3 0 1 0\n")
    with pytest.raises(InvalidModelError, match=r"binary \.nl files are not supported"):
        read_nl(binary)
    with pytest.raises(InputFileError):
        read_nl(tmp_path / "absent.nl")
    other = tmp_path / "other.nl"
    other.write_text("NAME x\nROWS\n")
    with pytest.raises(InvalidModelError, match=r"not an AMPL \.nl file"):
        read_nl(other)


def test_a_truncated_file_says_where(tmp_path: Path) -> None:
    path = tmp_path / "short.nl"
    path.write_text(HEADER + "C0\no2\nv0\n")
    with pytest.raises(InvalidModelError, match="ends too early"):
        read_nl(path)
