"""check_equivalence on real gold models and small hand-made programs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from optarium.equivalence import ModelTooLargeError, check_equivalence
from optarium.problem.io import read_problem, write_problem
from optarium.problem.program import MathProgram

MODELS = Path(__file__).resolve().parents[1] / "data" / "nl" / "models"


def permuted(program: MathProgram, seed: int = 0) -> MathProgram:
    """The same problem with variables and constraints reordered and renamed."""
    rng = np.random.default_rng(seed)
    cols, rows = rng.permutation(program.n_vars), rng.permutation(program.n_cons)
    return MathProgram.build(
        program.c[cols], program.A[rows][:, cols], program.row_lower[rows], program.row_upper[rows],
        program.col_lower[cols], program.col_upper[cols], program.is_integer[cols],
        sense=program.sense, offset=program.offset,
        Q=None if program.Q is None else program.Q[cols][:, cols],
        var_names=[f"renamed_{j}" for j in range(program.n_vars)],
        con_names=[f"row_{i}" for i in range(program.n_cons)],
    )


def replaced(program: MathProgram, **changes: object) -> MathProgram:
    parts: dict[str, object] = {
        "c": program.c, "A": program.A, "row_lower": program.row_lower, "row_upper": program.row_upper,
        "col_lower": program.col_lower, "col_upper": program.col_upper, "is_integer": program.is_integer,
    }
    keywords: dict[str, object] = {"sense": program.sense, "offset": program.offset, "Q": program.Q}
    for key, value in changes.items():
        (parts if key in parts else keywords)[key] = value
    return MathProgram.build(*parts.values(), **keywords)  # type: ignore[arg-type]


@pytest.fixture
def gold() -> MathProgram:
    return read_problem(MODELS / "nlp4lp" / "prob_001.lp")


@pytest.fixture
def bigger() -> MathProgram:
    return read_problem(MODELS / "bench4opt_lp" / "blending_problem_cement_production.lp")


def test_permuted_renamed_copy_written_to_lp_and_read_back_is_equivalent(bigger: MathProgram, tmp_path: Path) -> None:
    copy = read_problem(write_problem(permuted(bigger, seed=3), tmp_path / "copy.lp"))
    result = check_equivalence(bigger, copy)
    assert result.verdict == "equivalent", result.reason
    assert result.certificate in ("wl_determinable", "symmetric_decomposable")
    assert result.sizes["a"] == result.sizes["b"]


def test_one_changed_coefficient_is_not_equivalent(bigger: MathProgram) -> None:
    A = bigger.A.tolil()
    row, col = bigger.A.nonzero()
    A[row[0], col[0]] = A[row[0], col[0]] * 1.5
    result = check_equivalence(bigger, permuted(replaced(bigger, A=A.tocsr())))
    assert result.verdict == "not_equivalent"
    assert "coefficients" in result.reason


def test_dropped_constraint_is_not_equivalent(bigger: MathProgram) -> None:
    keep = np.arange(1, bigger.n_cons)
    other = replaced(bigger, A=bigger.A[keep], row_lower=bigger.row_lower[keep], row_upper=bigger.row_upper[keep])
    result = check_equivalence(bigger, other)
    assert result.verdict == "not_equivalent"
    assert "constraints" in result.reason


def test_flipped_objective_sense_is_not_equivalent(gold: MathProgram) -> None:
    flipped = replaced(gold, sense="min" if gold.sense == "max" else "max")
    result = check_equivalence(gold, flipped)
    assert result.verdict == "not_equivalent"
    assert "sense" in result.reason


def test_different_variable_counts_are_an_answer_not_an_error(gold: MathProgram, bigger: MathProgram) -> None:
    result = check_equivalence(gold, bigger)
    assert result.verdict == "not_equivalent"
    assert "variables" in result.reason


def test_same_numbers_in_another_structure_are_told_apart() -> None:
    # two rows, two columns, the same multiset of coefficients, rhs and costs
    a = MathProgram.build([1, 1], sp.csr_matrix([[1, 2], [2, 1]]), None, [4, 4])
    b = MathProgram.build([1, 1], sp.csr_matrix([[1, 1], [2, 2]]), None, [4, 4])
    result = check_equivalence(a, b)
    assert result.verdict == "not_equivalent"
    assert "round" in result.reason


def test_integer_and_continuous_variables_are_told_apart(gold: MathProgram) -> None:
    relaxed = replaced(gold, is_integer=np.zeros(gold.n_vars, dtype=bool))
    integral = replaced(gold, is_integer=np.ones(gold.n_vars, dtype=bool), col_upper=np.full(gold.n_vars, 50.0))
    relaxed_bounded = replaced(relaxed, col_upper=np.full(gold.n_vars, 50.0))
    result = check_equivalence(relaxed_bounded, integral)
    assert result.verdict == "not_equivalent"
    assert "types" in result.reason


def test_rows_scaled_by_a_constant_need_scale_rows(bigger: MathProgram) -> None:
    factors = np.linspace(2.0, 7.0, bigger.n_cons)
    scaled = replaced(
        bigger, A=sp.diags(factors) @ bigger.A,
        row_lower=bigger.row_lower * factors, row_upper=bigger.row_upper * factors,
    )
    assert check_equivalence(bigger, scaled).verdict == "not_equivalent"
    result = check_equivalence(bigger, permuted(scaled), scale_rows=True)
    assert result.verdict == "equivalent", result.reason
    assert result.normalisations == ("scale_rows",)


def test_ge_rows_written_as_le_need_flip_ge() -> None:
    a = MathProgram.build([3, 2], sp.csr_matrix([[1, 1], [1, 3], [2, 1]]), [4, -np.inf, 1], [np.inf, 9, np.inf])
    negated = np.array([-1.0, 1.0, -1.0])
    b = MathProgram.build([3, 2], sp.diags(negated) @ a.A, [-np.inf, -np.inf, -np.inf], [-4, 9, -1])
    assert check_equivalence(a, b).verdict == "not_equivalent"
    result = check_equivalence(a, b, flip_ge=True, scale_rows=True)
    assert result.verdict == "equivalent", result.reason
    assert result.normalisations == ("scale_rows", "flip_ge")


def test_symmetric_model_gets_a_certificate_or_undetermined_never_a_guess() -> None:
    # two interchangeable blocks x_k + 2 y_k <= 3, tied by one budget row over all four
    rows = sp.csr_matrix([[1, 2, 0, 0], [0, 0, 1, 2], [1, 1, 1, 1]])
    blocks = MathProgram.build([1, 2, 1, 2], rows, None, [3, 3, 10], sense="max")
    assert check_equivalence(blocks, permuted(blocks, seed=5)).certificate == "symmetric_decomposable"
    # a 6-cycle against two triangles: 1-WL gives both the same colours
    def cycle_model(pairs: list[tuple[int, int]]) -> MathProgram:
        rows = sp.lil_matrix((len(pairs), 6))
        for index, (i, j) in enumerate(pairs):
            rows[index, i] = rows[index, j] = 1
        return MathProgram.build(np.ones(6), rows.tocsr(), None, np.ones(len(pairs)), sense="max")

    hexagon = cycle_model([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0)])
    triangles = cycle_model([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)])
    result = check_equivalence(hexagon, triangles)
    assert result.verdict == "undetermined"
    assert "cannot certify" in result.reason


def test_tiny_float_noise_does_not_break_equality(bigger: MathProgram) -> None:
    noisy = replaced(bigger, A=bigger.A * (1 + 1e-13), c=bigger.c * (1 - 1e-13))
    assert check_equivalence(bigger, noisy).verdict == "equivalent"


def test_models_above_the_size_limit_are_refused(bigger: MathProgram) -> None:
    with pytest.raises(ModelTooLargeError, match="nonzeros"):
        check_equivalence(bigger, bigger, max_nonzeros=bigger.A.nnz - 1)


def test_result_serialises_with_verdict_reason_and_sizes(gold: MathProgram) -> None:
    data = check_equivalence(gold, permuted(gold)).to_dict()
    assert data["verdict"] == "equivalent"
    assert data["sizes"]["a"]["variables"] == gold.n_vars
    assert data["normalisations"] == []
    assert data["seconds"] >= 0
