"""The verifier recomputes the worst case of a reported decision from the problem data alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optarium.domains.robust import read_file, solve_robust
from optarium.domains.robust.io import parse_capital_budgeting, parse_knapsack
from optarium.domains.robust.verify import verify_decision

from .conftest import (
    brute_worst_objective_uncertainty,
    capital_budgeting_text,
    grid_worst,
    knapsack_text,
)


@pytest.mark.parametrize("seed", [7, 8])
def test_worst_case_of_any_decision_equals_the_enumerated_one(seed: int) -> None:
    problem = parse_knapsack(knapsack_text(5, seed, gamma=2))
    x = np.random.default_rng(seed).integers(0, 2, 5).astype(float)
    checked = verify_decision(problem, {"x": x.tolist()})
    assert checked.verified, checked.violations
    assert checked.objective == pytest.approx(-brute_worst_objective_uncertainty(problem, x), abs=1e-6)
    on_scip = verify_decision(problem, {"x": x.tolist()}, solver="scip")
    assert on_scip.objective == pytest.approx(checked.objective, abs=1e-6)


def test_a_wrong_claim_a_fractional_or_misshapen_decision_fails(knapsack20: Path) -> None:
    problem = read_file(knapsack20)
    x = np.zeros(20)
    x[[0, 3, 4, 10]] = 1
    right = verify_decision(problem, {"x": x.tolist()})
    assert right.verified and right.details["worst_scenario"] is not None
    wrong = verify_decision(problem, {"x": x.tolist(), "claimed": right.objective + 1})
    assert not wrong.verified and "claimed worst case" in wrong.message
    half = x.copy()
    half[1] = 0.5
    assert "x[1]=0.5 is not integer" in verify_decision(problem, {"x": half.tolist()}).message
    assert "has 3 values for 20" in verify_decision(problem, {"x": [1, 0, 1]}).message


def test_a_decision_some_scenario_leaves_without_recourse_fails_naming_it() -> None:
    problem = parse_capital_budgeting(capital_budgeting_text(4, 1, seed=3))
    everything = verify_decision(problem, {"x": [1.0, 1.0, 1.0, 1.0]})  # twice the budget at nominal costs
    assert not everything.verified and "no recourse exists for scenario (xi[0]=" in everything.message
    x = np.array([1.0, 0, 0, 0])
    some = verify_decision(problem, {"x": x.tolist()})
    assert some.verified
    # the verified worst case is at least as bad as every scenario on a grid, and close to the worst of them
    grid = -grid_worst(problem, x, 801)
    assert some.objective <= grid + 1e-9 and some.objective >= grid - 0.01 * abs(grid)


def test_the_flow_reports_the_recomputed_worst_case_as_the_objective() -> None:
    problem = parse_knapsack(knapsack_text(5, 9, gamma=2))
    solution = solve_robust(problem, time_limit=20, record=False)
    assert solution.status == "optimal" and solution.verified
    assert solution.objective == solution.verification.objective  # type: ignore[union-attr]
    assert solution.objective == pytest.approx(solution.extra["method_objective"], abs=1e-6)
    assert solution.bound == pytest.approx(solution.objective, abs=1e-6) and solution.gap == pytest.approx(0, abs=1e-6)
