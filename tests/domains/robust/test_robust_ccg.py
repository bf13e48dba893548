"""The exact method against brute force: every first-stage decision and every recourse enumerated."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.robust import RobustBuilder, read_file
from optarium.domains.robust.ccg import RecourseInfeasibleError, solve_ccg
from optarium.domains.robust.io import parse_capital_budgeting, parse_knapsack
from optarium.errors import SolverCapabilityError

from .conftest import (
    brute_worst_objective_uncertainty,
    capital_budgeting_text,
    grid_worst,
    knapsack_text,
)
from .problems import short


def _all_x(problem):  # type: ignore[no-untyped-def]
    return [np.array(x, dtype=float) for x in itertools.product((0, 1), repeat=problem.first.size)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_knapsack_optimum_equals_the_enumerated_robust_optimum(seed: int) -> None:
    problem = parse_knapsack(knapsack_text(4, seed, gamma=2))
    brute = min(brute_worst_objective_uncertainty(problem, x) for x in _all_x(problem))
    result = solve_ccg(problem, time_limit=30)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(-brute, abs=1e-6) and result.bound == pytest.approx(-brute, abs=1e-6)
    assert brute_worst_objective_uncertainty(problem, result.x) == pytest.approx(brute, abs=1e-6)


@pytest.mark.parametrize("seed", [4, 5])
def test_capital_budgeting_optimum_matches_a_fine_scenario_grid(seed: int) -> None:
    problem = parse_capital_budgeting(capital_budgeting_text(4, 1, seed))
    result = solve_ccg(problem, time_limit=30)
    assert result.status == "optimal" and result.x is not None
    grid = min(grid_worst(problem, x, 401) for x in _all_x(problem))
    # the grid sees only some scenarios (a lower bound on each worst case, in min form); the step is 1/200
    assert -result.objective >= grid - 1e-9
    assert -result.objective <= grid + 0.01 * abs(grid)


def test_bounds_only_tighten_and_the_time_limit_is_honoured(knapsack20: Path) -> None:
    problem = read_file(knapsack20)
    seen: list[tuple[float, float | None, float | None]] = []
    started = time.perf_counter()
    result = solve_ccg(problem, time_limit=1.5, progress=lambda *event: seen.append(event))
    assert time.perf_counter() - started < 4
    assert result.status in ("time_limit", "optimal") and len(seen) >= 1
    incumbents = [i for _, i, _ in seen if i is not None]
    bounds = [b for _, _, b in seen if b is not None]
    assert incumbents == sorted(incumbents) and bounds == sorted(bounds, reverse=True)  # a max problem
    assert incumbents[-1] <= 4358.41 + 1e-6 <= bounds[-1] + 1e-6  # the published optimum lies between


def test_recourse_infeasible_for_a_scenario_is_reported_with_that_scenario() -> None:
    with pytest.raises(RecourseInfeasibleError, match=r"infeasible for scenario \(demand\[0\]=") as raised:
        solve_ccg(short(upper=2).build(), time_limit=10)  # demand up to 6, capacity 3 + 2
    assert raised.value.scenario[0] > 5  # no decision covers a demand above 3 + 2


def test_continuous_recourse_with_uncertain_objective_is_exact_and_in_uncertain_rows_refused() -> None:
    b = RobustBuilder("mix")
    x = b.first_stage(2, "x", upper=1, vtype="binary")
    y = b.recourse(2, "y", upper=1)
    xi = b.uncertain(2, "xi", lower=0, upper=1, budget=1)
    b.objective(2 * x[0] + 1.5 * x[1] + (1 + 2 * xi[0]) * y[0] + (1 + 2 * xi[1]) * y[1])
    b.constrain(x[0] + x[1] + y[0] + y[1], ">=", 1.5)
    result = solve_ccg(b.build(), time_limit=10)
    # buy x[1] (1.5) and cover the remaining 0.5 after xi is known: the adversary makes both y cost 2 (xi = 0.5, 0.5)
    assert result.status == "optimal" and result.objective == pytest.approx(2.5, abs=1e-6)
    b.constrain(y[0], "<=", xi[0])
    with pytest.raises(SolverCapabilityError, match="continuous recourse variable 'y\\[0\\]'"):
        solve_ccg(b.build(), time_limit=10)


def test_infeasible_first_stage_rows_give_an_infeasible_answer_not_a_scenario() -> None:
    b = RobustBuilder("none")
    x = b.first_stage(2, "x", vtype="binary")
    y = b.recourse(1, "y", upper=1, vtype="binary")
    xi = b.uncertain(1, "xi")
    b.objective(x[0] + y[0] * xi[0])
    b.constrain(x[0] + x[1], ">=", 3)  # two binaries never reach 3
    assert solve_ccg(b.build(), time_limit=5).status == "infeasible"
    b = RobustBuilder("always")
    x = b.first_stage(1, "x", vtype="binary")
    y = b.recourse(1, "y", upper=1, vtype="binary")
    xi = b.uncertain(1, "xi", lower=2.5, upper=3)
    b.objective(x[0] + y[0])
    b.constrain(x[0] + y[0], ">=", xi[0])  # every scenario, the first one included, needs more than 1 + 1
    with pytest.raises(RecourseInfeasibleError, match="whatever the first-stage decision"):
        solve_ccg(b.build(), time_limit=5)
