"""The two MPS/LP readers (HiGHS's and SCIP's) and the reader cross-check.

The model files are written here from a MathProgram or by hand; none comes from outside the repository.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import optarium
from optarium import kinds
from optarium.errors import InvalidModelError
from optarium.problem import io
from optarium.problem.io import read_problem, read_problem_scip, write_problem
from optarium.problem.program import MathProgram

# the second `x c1` entry is a duplicate that HiGHS would drop and SCIP keeps (a real quirk
# of the two parsers): the check refuses the file before either reader sees it.
DUPLICATE_ENTRY = """NAME dup
ROWS
 N obj
 L c1
COLUMNS
 x obj -1 c1 1
 x c1 2
 y obj -1 c1 1
RHS
 rhs c1 4
BOUNDS
 UP bnd x 10
 UP bnd y 10
ENDATA
"""


def small_milp() -> MathProgram:
    return MathProgram.from_arrays(
        c=[-3, -2, -4], A_ub=[[1, 1, 2], [2, 0, 1.5]], b_ub=[4, 5], A_eq=[[1, -1, 0]], b_eq=[0.5],
        bounds=[(0, 3), (-1, None), (0, 1)], integrality=[0, 0, 1], name="small",
    )


@pytest.mark.parametrize("suffix", [".mps", ".lp", ".mps.gz"])
def test_both_readers_read_a_written_model_as_the_same_problem(tmp_path: Path, suffix: str) -> None:
    path = write_problem(small_milp(), tmp_path / f"small{suffix}")
    by_highs, by_scip = read_problem(path), read_problem_scip(path)
    assert by_scip.fingerprint() == by_highs.fingerprint() == small_milp().fingerprint()
    assert sorted(by_scip.var_names) == sorted(by_highs.var_names)  # SCIP lists variables by type


def test_the_scip_reader_is_registered_after_highs() -> None:
    names = [reader.name for spec, reader in kinds.readers_for("model.mps") if spec.name == "math_program"]
    assert names == ["highs", "scip"]


def test_kinds_read_by_reader_name_uses_scip(tmp_path: Path) -> None:
    path = write_problem(small_milp(), tmp_path / "small.lp")
    problem, reader = kinds.read(path, reader="scip")
    assert reader.name == "scip" and problem.fingerprint() == small_milp().fingerprint()


def test_the_scip_reader_refuses_a_quadratic_objective(tmp_path: Path) -> None:
    path = tmp_path / "qp.lp"
    path.write_text("Minimize\n obj: [ 2 x ^2 ] / 2\nSubject To\n c1: x >= 1\nEnd\n")
    with pytest.raises(InvalidModelError, match="linear models only"):
        read_problem_scip(path)


def test_cross_check_says_which_readers_read_the_file_and_that_they_agree(tmp_path: Path) -> None:
    path = write_problem(small_milp(), tmp_path / "small.mps")
    solution = optarium.solve(path, cross_check=True, record=False)
    assert solution.status == "optimal" and solution.verified
    assert solution.verification is not None and solution.verification.reader == "highs"
    assert solution.cross_check is not None and solution.cross_check["agree"] is True
    reading = solution.cross_check["reader"]
    assert reading["first"] == "highs" and reading["second"] == "scip"
    assert reading["same_problem"] is True and reading["differences"] == {}
    assert "different problem" not in solution.message


def test_a_duplicate_entry_the_readers_would_read_differently_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.mps"
    path.write_text(DUPLICATE_ENTRY)
    with pytest.raises(InvalidModelError, match=r"dup.mps:7: column 'x' has a second entry in row 'c1'"):
        read_problem(path)
    with pytest.raises(InvalidModelError, match=r"dup\.mps:7"):
        optarium.solve(path, cross_check=True, record=False)


def test_a_misreading_second_reader_is_caught_through_the_kind_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the second reader gets wrong, a different fingerprint is reported."""
    path = write_problem(small_milp(), tmp_path / "small.lp")

    def misread(file: Path) -> MathProgram:
        problem = read_problem(file)
        upper = np.array(problem.row_upper)
        upper[0] += 1
        upper.setflags(write=False)
        return replace(problem, row_upper=upper, _cache={})

    monkeypatch.setattr(io, "read_problem_scip", misread)
    solution = optarium.solve(path, cross_check=True, record=False)
    assert solution.cross_check is not None and solution.cross_check["reader"]["same_problem"] is False
    assert "different problem" in solution.message
    assert solution.status == "optimal"  # the answer itself was checked against HiGHS's reading


def test_cross_check_on_a_python_model_has_no_second_reading() -> None:
    solution = optarium.solve(small_milp(), cross_check=True, record=False)
    assert solution.cross_check is not None
    assert solution.cross_check["reader"] == {"first": "python", "second": None, "same_problem": None,
                                              "note": "not read from a file"}


def test_cross_check_notes_when_the_second_reader_cannot_read_the_file(tmp_path: Path) -> None:
    path = tmp_path / "qp.lp"
    path.write_text("Minimize\n obj: [ 2 x ^2 ] / 2\nSubject To\n c1: x >= 1\nEnd\n")
    solution = optarium.solve(path, cross_check=True, record=False)
    reading = solution.cross_check["reader"] if solution.cross_check else {}
    assert reading["same_problem"] is None and "linear models only" in reading["note"]


def test_a_malformed_number_in_a_long_section_is_still_refused(tmp_path: Path) -> None:
    """HiGHS reads '1.2.3' as 1.2; the one-pass check must hand such a section to the line-by-line one."""
    lines = "".join(f" x{j} obj 1 c1 1\n" for j in range(2000))
    text = f"NAME long\nROWS\n N obj\n L c1\nCOLUMNS\n{lines} y obj 1 c1 1.2.3\nRHS\n rhs c1 4\nENDATA\n"
    path = tmp_path / "long.mps"
    path.write_text(text)
    with pytest.raises(InvalidModelError, match=r"long.mps:2006: '1.2.3' is not a number"):
        read_problem(path)


@pytest.mark.parametrize("bad", [False, True])
def test_a_large_file_checked_beside_the_parse_reads_the_same_and_refuses_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: bool
) -> None:
    """Past PARALLEL_CHECK_CHARS the number check runs in a forked child while HiGHS parses."""
    from optarium.problem import io

    lines = "".join(f" x{j} obj 1 c1 1\n" for j in range(2000))
    value = "1.2.3" if bad else "2"
    text = f"NAME long\nROWS\n N obj\n L c1\nCOLUMNS\n{lines} y obj 1 c1 {value}\nRHS\n rhs c1 4\nENDATA\n"
    path = tmp_path / "long.mps"
    path.write_text(text)
    expected = None if bad else read_problem(path).fingerprint()
    forks: list[int] = []
    real_fork = io.os.fork
    monkeypatch.setattr(io, "PARALLEL_CHECK_CHARS", 0)
    monkeypatch.setattr(io.os, "fork", lambda: forks.append(1) or real_fork())
    if bad:
        with pytest.raises(InvalidModelError, match=r"long.mps:2006: '1.2.3' is not a number"):
            read_problem(path)
    else:
        assert read_problem(path).fingerprint() == expected
    assert forks == [1]


@pytest.mark.parametrize("suffix", [".mps.bz2", ".lp.xz", ".mps.xz", ".lp.bz2"])
def test_bz2_and_xz_models_are_written_read_and_solved(tmp_path: Path, suffix: str) -> None:
    path = write_problem(small_milp(), tmp_path / f"small{suffix}")
    assert path.read_bytes()[:3] in (b"BZh", b"\xfd7z")  # really compressed
    assert read_problem(path).fingerprint() == read_problem_scip(path).fingerprint() == small_milp().fingerprint()
    solution = optarium.solve(path, record=False)
    assert solution.status == "optimal" and solution.verified


def test_a_corrupt_compressed_model_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.mps.xz"
    path.write_bytes(b"not xz at all")
    with pytest.raises(InvalidModelError, match="cannot read file"):
        read_problem(path)


SEMI_MPS = """NAME semi
ROWS
 N obj
 G demand
COLUMNS
 x obj 1 demand 1
 y obj 2 demand 1
RHS
 rhs demand 2
BOUNDS
 SC bnd x 10
 LO bnd x 5
 UP bnd y 4
ENDATA
"""


def test_semi_continuous_bounds_are_read_written_and_solved_by_highs(tmp_path: Path) -> None:
    path = tmp_path / "semi.mps"
    path.write_text(SEMI_MPS)
    problem = read_problem(path)
    assert problem.is_semi is not None and problem.is_semi.tolist() == [True, False]
    for suffix in (".mps", ".lp"):
        assert read_problem(write_problem(problem, tmp_path / f"again{suffix}")).fingerprint() == problem.fingerprint()
    # x is 0 or in [5, 10]: x = 0, y = 2 (cost 4); read as a plain bound, x >= 5 would cost 5
    solution = optarium.solve(path, record=False)
    assert solution.status == "optimal" and solution.verified and solution.values == {"x": 0.0, "y": 2.0}
    # presolve settles it before branch-and-bound runs: proved optimal, so the bound is the objective (no 100% gap)
    assert solution.bound == solution.objective == 4.0 and solution.gap == 0.0
    with pytest.raises(optarium.errors.SolverCapabilityError, match="semi-continuous"):
        optarium.solve(path, solver="scip", record=False)


@pytest.mark.parametrize(("name", "text", "other"), [
    ("model.mps", "\\ a knapsack\nMaximize\n obj: 3 x + 2 y\nSubject To\n c: x + y <= 1\nBinary\n x y\nEnd\n", "lp"),
    ("model.lp", "NAME m\nROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n UP BND x 1\nENDATA\n", "mps"),
])
def test_a_file_named_as_the_other_format_is_refused_with_the_name_it_needs(tmp_path: Path, name: str, text: str, other: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidModelError, match=rf"reads like an {other.upper()} file: name it \*\.{other}"):
        read_problem(path)


def test_a_malformed_file_of_its_own_format_gets_no_hint(tmp_path: Path) -> None:
    path = tmp_path / "bad.lp"
    path.write_text("Maximize\n obj: 3 x +\nSubject To\nEnd\n")
    with pytest.raises(InvalidModelError) as caught:
        read_problem(path)
    assert "reads like" not in str(caught.value)
