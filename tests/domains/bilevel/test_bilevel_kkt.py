"""The KKT method on published problems and on the cases it must tell apart (unbounded, infeasible, max senses)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.bilevel.io import read_bilevel
from optarium.domains.bilevel.kkt import kkt_system
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.domains.bilevel.solve import solve_bilevel

DATA = Path(__file__).resolve().parent / "data"
with (DATA / "reference.csv").open() as handle:
    REFERENCE = {row["file"].split("/")[-1]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", sorted(name for name, row in REFERENCE.items() if row["computed_status"] == "optimal"))
def test_kkt_matches_the_reference_optimum_and_verifies(name: str) -> None:
    solution = solve_bilevel(read_bilevel(DATA / name), method="kkt", record=False, time_limit=20)
    expected = float(REFERENCE[name]["computed_F"])
    assert solution.status == "optimal" and solution.verified, solution.message
    assert solution.objective == pytest.approx(expected, abs=1e-6)
    assert solution.bound is not None and solution.bound <= solution.objective + 1e-9
    assert solution.verification is not None and solution.verification.details["follower_gap"] <= 1e-6


def test_non_unique_follower_answer_is_the_one_best_for_the_leader() -> None:
    # the follower is indifferent between several y at the leader's optimum; optimism picks the leader's best
    solution = solve_bilevel(read_bilevel(DATA / "basblib_b_1991_01.json"), record=False)
    assert solution.objective == pytest.approx(-1.0, abs=1e-9)


def test_an_unbounded_bilevel_problem_is_reported_unbounded() -> None:
    assert REFERENCE["bolib_TuyEtal2007Ex3.json"]["computed_status"] == "unbounded"
    solution = solve_bilevel(read_bilevel(DATA / "bolib_TuyEtal2007Ex3.json"), record=False, time_limit=20)
    assert solution.status == "unbounded" and solution.payload is None
    assert "unbounded LP" in solution.message


def test_leader_rows_that_no_follower_answer_meets_make_it_infeasible() -> None:
    # the follower always answers y = x + 1 (it maximises y under y <= x + 1); the leader needs y <= x
    problem = BilevelProblem.build(([1], [0]), ([0], [1]), follower_sense="max", x_bounds=[(0, 5)], y_bounds=[(0, 10)],
                                   follower_constraints=[([-1], [1], "<=", 1)], leader_constraints=[([-1], [1], "<=", 0)])
    solution = solve_bilevel(problem, record=False)
    assert solution.status == "infeasible" and solution.payload is None


def test_max_senses_and_integer_leader_variables() -> None:
    # leader maximises x + y with x integer in [0, 3.5]; the follower maximises -y (so it takes y as small as it may):
    # y >= 2x - 3 and y >= 0, so y = max(0, 2x - 3); the leader's best is x = 3, y = 3, F = 6
    problem = BilevelProblem.build(([1], [1]), ([0], [-1]), leader_sense="max", follower_sense="max", x_bounds=[(0, 3.5)],
                                   x_integer=[True], y_bounds=[(0, None)], follower_constraints=[([-2], [1], ">=", -3)])
    solution = solve_bilevel(problem, record=False)
    assert solution.status == "optimal" and solution.verified
    assert solution.objective == pytest.approx(6.0) and solution.payload == {"x": [3.0], "y": [3.0]}
    assert solution.bound is not None and solution.bound >= solution.objective - 1e-9


def test_kkt_system_has_one_complementarity_pair_per_finite_inequality() -> None:
    problem = read_bilevel(DATA / "basblib_bf_1982_02.json")
    system = kkt_system(problem)
    finite_bounds = int(np.isfinite(problem.y_lower).sum() + np.isfinite(problem.y_upper).sum())
    rows = int(np.isfinite(problem.a_upper).sum() + np.isfinite(problem.a_lower).sum())
    assert len(system.pairs) == finite_bounds + rows
