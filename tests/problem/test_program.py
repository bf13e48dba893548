"""The canonical problem: construction checks, features, fingerprint, readers and writers."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from optarium.errors import InputFileError, InvalidModelError
from optarium.problem import MathProgram, read_problem, write_problem
from optarium.problem.adapters import from_pulp, from_pyomo

MIP = Path(__file__).resolve().parents[1] / "data" / "mip"
ROUND_TRIP_FILES = ["afiro.mps", "e226.mps.gz", "bell5.mps.gz", "2122.lp.gz", "p0548.mps.gz", "flugpl.mps.gz"]


def small_milp() -> MathProgram:
    return MathProgram.from_arrays(
        c=[-3, -2], A_ub=[[1, 1], [1, 3]], b_ub=[4, 6], bounds=[(0, None), (0, 3)], integrality=[1, 0], name="toy"
    )


def test_program_is_immutable() -> None:
    problem = small_milp()
    with pytest.raises(ValueError):
        problem.c[0] = 5.0
    with pytest.raises(AttributeError):
        problem.sense = "max"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"c": [1.0, math.nan]}, "NaN"),
        ({"c": [1.0, math.inf]}, "infinite"),
        ({"c": [1.0, 1.0], "A": sp.csr_matrix([[1.0, math.nan]])}, "NaN or infinite"),
        ({"c": [1.0, 1.0], "col_lower": [0.0]}, "must have 2 entries"),
        ({"c": [1.0], "sense": "maximise"}, "'min' or 'max'"),
    ],
)
def test_bad_coefficients_are_refused_with_the_reason(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidModelError, match=message):
        MathProgram.build(**kwargs)


def test_features_describe_sizes_and_classes() -> None:
    features = small_milp().features()
    assert features["problem_class"] == "MILP"
    assert (features["n_vars"], features["n_cons"], features["n_nonzeros"]) == (2, 2, 4)
    assert features["n_integer"] == 1 and features["n_continuous"] == 1
    assert features["matrix_range"] == [1.0, 3.0]


def test_fingerprint_ignores_names_order_but_not_numbers() -> None:
    problem = small_milp()
    same = MathProgram.from_arrays(c=[-3, -2], A_ub=[[1, 1], [1, 3]], b_ub=[4, 6], bounds=[(0, None), (0, 3)], integrality=[1, 0])
    changed = MathProgram.from_arrays(c=[-3, -2], A_ub=[[1, 1], [1, 3]], b_ub=[4, 7], bounds=[(0, None), (0, 3)], integrality=[1, 0])
    assert problem.fingerprint() == same.fingerprint()
    assert problem.fingerprint() != changed.fingerprint()


@pytest.mark.parametrize("name", ROUND_TRIP_FILES)
@pytest.mark.parametrize("suffix", [".mps", ".lp", ".mps.gz", ".lp.gz"])
def test_write_then_read_keeps_the_fingerprint(tmp_path: Path, name: str, suffix: str) -> None:
    original = read_problem(MIP / name)
    copy = read_problem(write_problem(original, tmp_path / f"copy{suffix}"))
    assert copy.fingerprint() == original.fingerprint()
    assert copy.offset == pytest.approx(original.offset)


def test_objective_constant_is_kept() -> None:
    assert read_problem(MIP / "e226.mps.gz").offset == pytest.approx(7.113)


def test_gzipped_file_reads_like_the_plain_one(tmp_path: Path) -> None:
    packed = tmp_path / "afiro.mps.gz"
    packed.write_bytes(gzip.compress((MIP / "afiro.mps").read_bytes()))
    assert read_problem(packed).fingerprint() == read_problem(MIP / "afiro.mps").fingerprint()


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_problem(tmp_path / "absent.mps")


def test_malformed_lp_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.lp"
    broken.write_text("Maximize\n obj: 3 x + 2 y\nSubject To\n c1: x + y <=\nEnd\n")
    with pytest.raises(InvalidModelError, match="line 5"):
        read_problem(broken)


def test_non_numeric_mps_coefficient_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mps"
    broken.write_text("NAME bad\nROWS\n N obj\n L c1\nCOLUMNS\n x obj 1 c1 abc\nRHS\n rhs c1 4\nENDATA\n")
    with pytest.raises(InvalidModelError, match=r"broken.mps:6: 'abc' is not a number"):
        read_problem(broken)


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    odd = tmp_path / "model.txt"
    odd.write_text("Minimize\n x\nEnd\n")
    with pytest.raises(InvalidModelError, match="unknown model format"):
        read_problem(odd)


def test_pulp_and_pyomo_models_match_the_same_file(tmp_path: Path) -> None:
    import pulp
    import pyomo.environ as pe

    lp = pulp.LpProblem("toy", pulp.LpMaximize)
    x = lp.add_variable("x", 0, None, cat="Integer")
    y = lp.add_variable("y", 0, 3)
    lp += 3 * x + 2 * y + 5
    lp += x + y <= 4, "cap"
    lp += x + 3 * y <= 6, "c2"
    from_lp = from_pulp(lp)

    model = pe.ConcreteModel()
    model.x = pe.Var(within=pe.NonNegativeIntegers)
    model.y = pe.Var(bounds=(0, 3))
    model.obj = pe.Objective(expr=3 * model.x + 2 * model.y + 5, sense=pe.maximize)
    model.cap = pe.Constraint(expr=model.x + model.y <= 4)
    model.c2 = pe.Constraint(expr=model.x + 3 * model.y <= 6)
    from_model = from_pyomo(model)

    for program in (from_lp, from_model):
        assert program.sense == "max"
        assert program.offset == pytest.approx(5.0)
        assert program.features()["n_integer"] == 1
        assert np.allclose(sorted(program.c), [2.0, 3.0])
    written = read_problem(write_problem(from_lp, tmp_path / "toy.lp"))
    assert written.fingerprint() == from_lp.fingerprint()


def test_quadratic_objective_survives_a_round_trip(tmp_path: Path) -> None:
    problem = read_problem(Path(__file__).resolve().parents[2] / "examples" / "portfolio.lp")
    assert problem.problem_class == "QP"
    assert problem.Q is not None and problem.Q.nnz == 7
    for suffix in (".lp", ".mps"):
        assert read_problem(write_problem(problem, tmp_path / f"qp{suffix}")).fingerprint() == problem.fingerprint()


def test_text_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.lp"
    junk.write_text("hello world\nthis is not a model\n")
    # HiGHS before 1.16 reads such text as an empty model, 1.16 refuses it: either way one clear error
    with pytest.raises(InvalidModelError, match=r"no variables found|malformed LP file"):
        read_problem(junk)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("nan.mps", "NAME bad\nROWS\n N obj\n L c1\nCOLUMNS\n x obj 1 c1 nan\nRHS\n rhs c1 4\nENDATA\n", r"nan.mps:6: coefficient 'nan'"),
        ("inf.mps", "NAME bad\nROWS\n N obj\n L c1\nCOLUMNS\n x obj inf c1 1\nRHS\n rhs c1 4\nENDATA\n", r"inf.mps:6: coefficient 'inf'"),
        ("nan.lp", "Minimize\n obj: x\nSubject To\n c1: nan x >= 1\nEnd\n", r"nan.lp:4: a coefficient is NaN"),
        ("inf.lp", "Minimize\n obj: x\nSubject To\n c1: -inf x >= 1\nEnd\n", r"inf.lp:4: coefficient '-inf'"),
    ],
)
def test_non_finite_coefficients_in_files_are_refused(tmp_path: Path, name: str, text: str, message: str) -> None:
    """HiGHS would silently drop them; optarium names the line instead."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InvalidModelError, match=message):
        read_problem(path)


def test_infinite_bounds_in_lp_files_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "free.lp"
    path.write_text("Minimize\n obj: x + y\nSubject To\n c1: x + y >= 1\nBounds\n x <= inf\n -inf <= y <= 3\nEnd\n")
    problem = read_problem(path)
    assert np.isinf(problem.col_upper[0]) and np.isinf(problem.col_lower[1])


def test_names_are_one_compact_sequence_equal_to_a_tuple_of_them() -> None:
    from optarium.problem.program import Names

    names = Names(["x", "long_name", "", "ü"])
    assert names == ("x", "long_name", "", "ü") and list(names) == ["x", "long_name", "", "ü"]
    assert (names[1], names[-1], len(names)) == ("long_name", "ü", 4)
    assert names[1:3] == ["long_name", ""] and names.index("ü") == 3 and "x" in names
    with pytest.raises(IndexError):
        names[4]
    with pytest.raises(InvalidModelError, match="NUL"):
        Names(["a\0b"])
    assert MathProgram.build([1, 2], None, var_names=["b", "a"]).var_names == ("b", "a")


def test_the_fingerprint_orders_by_name_so_permuted_programs_match() -> None:
    A = sp.csr_matrix([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0]])
    first = MathProgram.build([1, 2, 3], A, [0, 1], [5, 6], var_names=["a", "b", "c"], con_names=["r", "s"])
    order, rows = [2, 0, 1], [1, 0]
    second = MathProgram.build(
        [3, 1, 2], A[rows][:, order], [1, 0], [6, 5], var_names=["c", "a", "b"], con_names=["s", "r"]
    )
    assert first.fingerprint() == second.fingerprint()
    changed = MathProgram.build([1, 2, 3], A * 2, [0, 1], [5, 6], var_names=["a", "b", "c"], con_names=["r", "s"])
    assert changed.fingerprint() != first.fingerprint()


MPS_HEAD = "NAME bad\nROWS\n N obj\n L c1\n L c2\nCOLUMNS\n"
MPS_TAIL = "RHS\n rhs c1 4 c2 3\nBOUNDS\n UP bnd x 10\n UP bnd y 10\nENDATA\n"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (" x obj -1 c1 1\n x c1 2\n y obj -1 c1 1\n", r"bad.mps:8: column 'x' has a second entry in row 'c1'"),
        (" x obj -1 c1 1\n x obj -2\n y obj -1 c1 1\n", r"bad.mps:8: column 'x' has a second entry in row 'obj'"),
        (" x obj -1 c1 1\n y obj -1 c1 1\n x c2 1\n", r"bad.mps:9: column 'x' continues here after other columns"),
        (" x obj -1 c1 1\n x c9 1\n y obj -1 c1 1\n", r"bad.mps:8: row 'c9' of column 'x' is not defined in ROWS"),
    ],
)
def test_mps_entries_highs_would_drop_are_refused_with_the_line(tmp_path: Path, columns: str, message: str) -> None:
    path = tmp_path / "bad.mps"
    path.write_text(MPS_HEAD + columns + MPS_TAIL)
    with pytest.raises(InvalidModelError, match=message):
        read_problem(path)


def test_an_mps_row_defined_twice_is_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.mps"
    path.write_text(MPS_HEAD.replace(" L c2\n", " L c1\n") + " x obj -1 c1 1\n y obj -1 c1 1\n" + MPS_TAIL.replace(" c2 3", ""))
    with pytest.raises(InvalidModelError, match=r"bad.mps:5: row 'c1' is defined twice"):
        read_problem(path)


def test_lp_names_nan_and_inf_are_names_not_numbers(tmp_path: Path) -> None:
    path = tmp_path / "names.lp"
    path.write_text("Minimize\n obj: x + nan + inf\nSubject To\n nan: x + nan >= 2\n c2: 2 x + 3 inf\n >= 3\nEnd\n")
    problem = read_problem(path)
    assert set(problem.var_names) == {"x", "nan", "inf"} and "nan" in problem.con_names


def test_a_nan_right_hand_side_in_an_lp_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rhs.lp"
    path.write_text("Minimize\n obj: x\nSubject To\n c1: x >= nan\nEnd\n")
    with pytest.raises(InvalidModelError, match=r"rhs.lp:4: a right-hand side is NaN"):
        read_problem(path)
