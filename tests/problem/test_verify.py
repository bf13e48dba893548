"""Independent verification: recomputed objective, bounds, rows and integrality."""

from __future__ import annotations

import numpy as np

from optarium.problem import MathProgram
from optarium.problem.verify import verify_point


def problem() -> MathProgram:
    return MathProgram.from_arrays(
        c=[1.0, 2.0], A_ub=[[1.0, 1.0]], b_ub=[4.0], bounds=[(0, 3), (0, 3)], integrality=[1, 0], name="check"
    )


def test_a_feasible_point_passes_and_its_objective_is_recomputed() -> None:
    result = verify_point(problem(), np.array([1.0, 2.5]), 6.0)
    assert result.verified
    assert result.objective == 6.0
    assert result.max_violation == 0.0


def test_each_kind_of_violation_is_found_and_named() -> None:
    row = verify_point(problem(), np.array([2.0, 3.0]))
    assert not row.verified and row.details["worst"]["row"]["name"] == "c0" and row.details["max_row_violation"] == 0.25
    bound = verify_point(problem(), np.array([0.0, 3.5]))
    assert not bound.verified and bound.details["worst"]["bound"]["name"] == "x1"
    integral = verify_point(problem(), np.array([0.5, 1.0]))
    assert not integral.verified and integral.details["max_integrality_violation"] == 0.5


def test_a_wrong_reported_objective_fails() -> None:
    result = verify_point(problem(), np.array([1.0, 1.0]), 4.0)
    assert not result.verified
    assert "reported objective" in result.message


def test_non_finite_or_wrong_size_points_fail() -> None:
    assert not verify_point(problem(), np.array([np.nan, 1.0])).verified
    assert not verify_point(problem(), np.array([1.0])).verified


def test_a_semi_continuous_variable_may_be_zero_or_within_its_bounds() -> None:
    semi = MathProgram.build(c=[1.0, 1.0], col_lower=[2.0, 3.0], col_upper=[5.0, 8.0], is_integer=[False, True],
                             is_semi=[True, True], name="semi")
    for x in ([0, 0], [2, 3], [5, 8], [3.5, 6]):
        assert verify_point(semi, np.array(x, dtype=float)).verified, x
    outside = verify_point(semi, np.array([1.0, 0.0]))
    assert not outside.verified and outside.violations[0].startswith("bound of x0")
    assert not verify_point(semi, np.array([0.0, 5.5])).verified  # semi-integer: integral as well
    assert not verify_point(semi, np.array([6.0, 0.0])).verified


def test_semi_continuous_flags_change_the_fingerprint() -> None:
    plain = MathProgram.build(c=[1.0], col_lower=[2.0], col_upper=[5.0])
    semi = MathProgram.build(c=[1.0], col_lower=[2.0], col_upper=[5.0], is_semi=[True])
    assert semi.fingerprint() != plain.fingerprint()
    assert MathProgram.build(c=[1.0], col_lower=[2.0], col_upper=[5.0], is_semi=[False]).fingerprint() == plain.fingerprint()
    assert semi.features()["n_semi"] == 1 and semi.problem_class == "MILP"


def test_a_row_whose_activity_overflows_is_not_verified() -> None:
    huge = MathProgram.from_arrays(c=[0.0, 0.0], A_ub=[[1e308, -1e308]], b_ub=[1.0], bounds=(0, None), name="overflow")
    result = verify_point(huge, np.array([10.0, 10.0]))  # inf - inf: the row's activity is not a number
    assert not result.verified
    assert result.details["max_row_violation"] == np.inf and result.details["worst"]["row"]["name"] == "c0"
