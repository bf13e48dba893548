"""The bilevel problem type: checked building, fingerprint and features."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.domains.bilevel.io import from_dict, to_dict
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.errors import InvalidModelError


def moore_bard() -> BilevelProblem:
    return BilevelProblem.build(
        ([-1], [-10]), ([0], [1]), x_integer=[True], y_integer=[True],
        follower_constraints=[([-25], [20], "<=", 30), ([1], [2], "<=", 10), ([2], [-1], "<=", 15), ([2], [10], ">=", 15)],
        name="moore_bard")


def test_build_fills_defaults_and_reports_shape_features() -> None:
    problem = moore_bard()
    assert (problem.n_x, problem.n_y) == (1, 1)
    assert problem.x_lower.tolist() == [0.0] and problem.x_upper.tolist() == [np.inf]
    assert problem.a_upper.tolist() == [30, 10, 15, np.inf] and problem.a_lower.tolist() == [-np.inf] * 3 + [15]
    features = problem.features()
    assert features["problem_class"] == "bilevel-MILP-MILP" and features["n_linking"] == 1
    assert features["n_follower_rows"] == 4 and features["coupling"] is False
    assert problem.integer_follower and problem.linking.tolist() == [True]


def test_fingerprint_ignores_names_and_survives_a_json_round_trip() -> None:
    problem = moore_bard()
    again = from_dict(to_dict(problem), name="other")
    assert again.fingerprint() == problem.fingerprint()
    renamed = BilevelProblem.build(([-1], [-10]), ([0], [1]), x_integer=[True], y_integer=[True], x_names=["a"],
                                   follower_constraints=[([-25], [20], "<=", 30), ([1], [2], "<=", 10),
                                                         ([2], [-1], "<=", 15), ([2], [10], ">=", 15)])
    assert renamed.fingerprint() == problem.fingerprint()
    changed = BilevelProblem.build(([-1], [-10]), ([0], [1]), x_integer=[True], y_integer=[True],
                                   follower_constraints=[([-25], [20], "<=", 31)])
    assert changed.fingerprint() != problem.fingerprint()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"follower_objective": ([0, 1], [1])}, "`follower_objective` has 2 x and 1 y coefficients"),
        ({"leader_sense": "maximise"}, "`leader_sense` must be 'min' or 'max', got 'maximise'"),
        ({"x_bounds": [(0, 1), (0, 1)]}, "`x_bounds` must have 1 (low, high) pairs, got 2"),
        ({"y_bounds": [(3, 1)]}, "variable 'y0' has lower bound 3.0 above its upper bound 1.0"),
        ({"follower_constraints": [([1, 2], [1], "<=", 1)]}, "`follower_constraints[0]` has 2 x and 1 y coefficients"),
        ({"leader_constraints": [([1], [1], "<", 1)]}, "`leader_constraints[0]` sense must be one of"),
        ({"leader_constraints": [([1], [1], "<=", "ten")]}, "`leader_constraints[0]` rhs must be a number, got 'ten'"),
        ({"leader_objective": ([1], [float("nan")])}, "`leader_objective[1]` must hold finite numbers"),
        ({"y_integer": [True, False]}, "`y_integer` must have 1 entries, got 2"),
    ],
)
def test_build_names_the_bad_value(kwargs: dict[str, object], expected: str) -> None:
    arguments: dict[str, object] = {"leader_objective": ([1], [1]), "follower_objective": ([0], [1])}
    arguments.update(kwargs)
    with pytest.raises(InvalidModelError, match=None) as caught:
        BilevelProblem.build(**arguments)  # type: ignore[arg-type]
    assert expected in str(caught.value)


def test_a_problem_without_follower_variables_is_refused() -> None:
    with pytest.raises(InvalidModelError, match="at least one follower variable"):
        BilevelProblem.build(([1], []), ([0], []))


def test_arrays_are_read_only() -> None:
    problem = moore_bard()
    with pytest.raises(ValueError, match="read-only"):
        problem.A_y[0, 0] = 5.0
