"""The independent check: the follower's response must be optimal for the reported leader decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.domains.bilevel.io import read_bilevel
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.domains.bilevel.verify import follower_optimum, verify_bilevel

DATA = Path(__file__).resolve().parent / "data"


def moore_bard() -> BilevelProblem:
    return read_bilevel(DATA / "moore_bard.aux")


def test_a_bilevel_feasible_point_is_verified_and_its_objective_recomputed() -> None:
    check = verify_bilevel(moore_bard(), {"x": [2.0], "y": [2.0]}, -22.0)
    assert check.verified and check.objective == -22.0 and check.max_violation == 0.0
    assert check.details["follower_objective"] == 2.0 and check.details["follower_optimum"] == 2.0


def test_a_response_the_follower_would_not_choose_is_refused() -> None:
    # (2, 4) satisfies every row (the high-point relaxation's optimum) but the follower, minimising y, answers y = 2
    check = verify_bilevel(moore_bard(), {"x": [2.0], "y": [4.0]})
    assert not check.verified
    assert any("not optimal for the reported leader decision" in v and "can reach 2" in v for v in check.violations)
    assert check.details["follower_gap"] == pytest.approx(2.0) and check.max_violation == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("payload", "reported", "expected"),
    [
        ({"x": [2.0], "y": [1.5]}, None, "follower variable 'y' = 1.5 should be integer"),
        ({"x": [-1.0], "y": [2.0]}, None, "leader variable 'x' = -1 is outside [0, inf]"),
        ({"x": [8.0], "y": [2.0]}, None, "follower constraint 'R1' is violated by 2"),
        ({"x": [2.0], "y": [2.0]}, -21.0, "reported objective -21 differs from the recomputed -22"),
        ({"x": [2.0, 1.0], "y": [2.0]}, None, "the answer has 2 leader and 1 follower values"),
        ({"y": [2.0]}, None, "the answer must be"),
    ],
)
def test_violations_are_named(payload: dict[str, list[float]], reported: float | None, expected: str) -> None:
    check = verify_bilevel(moore_bard(), payload, reported)
    assert not check.verified and any(expected in v for v in check.violations), check.violations


def test_coupling_leader_rows_are_checked() -> None:
    problem = read_bilevel(DATA / "bolib_MershaDempe2006Ex2.json")
    # the follower maximises y under y <= 3x - 3 and y <= 30 - 3x; at x = 9 it answers y = 3 and the leader's
    # rows G1: 2x - 3y >= -12 and G2: x + y <= 14 hold; at x = 4 it answers y = 9, optimal for it, but G1 fails
    assert verify_bilevel(problem, {"x": [9.0], "y": [3.0]}).verified
    check = verify_bilevel(problem, {"x": [4.0], "y": [9.0]})
    assert not check.verified and check.details["follower_gap"] == 0.0
    assert [v for v in check.violations] == ["leader constraint 'G1' is violated by 7"]


def test_follower_optimum_reports_infeasible_leader_decisions() -> None:
    problem = BilevelProblem.build(([1], [1]), ([0], [1]), x_bounds=[(0, 5)], follower_constraints=[([1], [1], "<=", 1)])
    assert follower_optimum(problem, problem.x_lower + 3)[0] == "infeasible"
    status, value, _ = follower_optimum(problem, problem.x_lower)
    assert status == "optimal" and value == 0.0
