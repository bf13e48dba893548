"""Value-function cuts against an exhaustive enumeration of small integer bilevel problems."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.bilevel.io import read_bilevel
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.domains.bilevel.solve import solve_bilevel
from optarium.errors import SolverCapabilityError

DATA = Path(__file__).resolve().parent / "data"


def enumerate_optimum(problem: BilevelProblem, cap: int = 20) -> float | None:
    """The optimistic bilevel optimum by listing every integer (x, y) in the bounds, an infinite
    upper bound taken as ``cap`` (no solver)."""

    def grid(lower: np.ndarray, upper: np.ndarray) -> list[tuple[int, ...]]:
        return list(itertools.product(*[range(int(lo), int(min(hi, cap)) + 1) for lo, hi in zip(lower, upper, strict=True)]))

    xs, ys = grid(problem.x_lower, problem.x_upper), grid(problem.y_lower, problem.y_upper)
    sign = 1.0 if problem.follower_sense == "min" else -1.0
    best = None
    for x in map(np.array, xs):
        feasible = [np.array(y) for y in ys
                    if np.all(problem.A_x @ x + problem.A_y @ np.array(y) <= problem.a_upper + 1e-9)
                    and np.all(problem.A_x @ x + problem.A_y @ np.array(y) >= problem.a_lower - 1e-9)]
        if not feasible:
            continue
        values = [sign * float(problem.dy @ y) for y in feasible]
        optimal = [y for y, v in zip(feasible, values, strict=True) if v <= min(values) + 1e-9]
        allowed = [y for y in optimal if np.all(problem.G_x @ x + problem.G_y @ y <= problem.g_upper + 1e-9)
                   and np.all(problem.G_x @ x + problem.G_y @ y >= problem.g_lower - 1e-9)]
        for y in allowed:
            value = problem.leader_value(x, y)
            best = value if best is None or value < best else best
    return best


def random_problem(seed: int) -> BilevelProblem:
    """Two integer leader and two integer follower variables in [0, 3]; the leader wants the opposite of the follower."""
    rng = np.random.default_rng(seed)
    n_x, n_y, rows = 2, 2, 3
    follower_sense = "max" if seed % 2 else "min"
    dy = rng.integers(-5, 6, n_y)
    cy = -(1 if follower_sense == "min" else -1) * 2 * dy + rng.integers(-2, 3, n_y)
    follower = [(rng.integers(-3, 4, n_x).tolist(), rng.integers(-3, 4, n_y).tolist(), "<=", int(rng.integers(2, 9)))
                for _ in range(rows)]
    leader = [([1] * n_x, rng.integers(-2, 3, n_y).tolist(), "<=", int(rng.integers(3, 7)))]
    return BilevelProblem.build(
        (rng.integers(-5, 6, n_x).tolist(), cy.tolist()), ([0] * n_x, dy.tolist()), x_bounds=[(0, 3)] * n_x,
        y_bounds=[(0, 3)] * n_y, x_integer=[True] * n_x, y_integer=[True] * n_y, follower_constraints=follower,
        leader_constraints=leader, follower_sense=follower_sense, name=f"random{seed}")


def test_moore_bard_example_from_the_mibs_files() -> None:
    problem = read_bilevel(DATA / "moore_bard.aux")  # the rows imply x <= 10 and y <= 5, below the enumeration's cap
    solution = solve_bilevel(problem, record=False)
    assert solution.solver == "valuefunction" and solution.status == "optimal" and solution.verified
    assert solution.objective == pytest.approx(enumerate_optimum(problem)) == pytest.approx(-22.0)
    assert solution.payload == {"x": [2.0], "y": [2.0]} and solution.bound == pytest.approx(-22.0)
    assert solution.extra["rounds"] >= 2  # the high-point relaxation alone answers (2, 4), which the follower refuses


@pytest.mark.parametrize("seed", range(16))
def test_value_function_cuts_match_enumeration(seed: int) -> None:
    problem = random_problem(seed)
    expected = enumerate_optimum(problem)
    solution = solve_bilevel(problem, record=False, time_limit=20)
    if expected is None:
        assert solution.status == "infeasible"
    else:
        assert solution.status == "optimal" and solution.verified, solution.message
        assert solution.objective == pytest.approx(expected, abs=1e-6)


def test_value_function_agrees_with_kkt_on_a_continuous_follower_with_integer_linking() -> None:
    problem = BilevelProblem.build(([-1], [-7]), ([0], [1]), follower_sense="max", x_bounds=[(0, 4)], x_integer=[True],
                                   y_bounds=[(0, None)], follower_constraints=[([-1], [3], "<=", 6), ([3], [1], "<=", 10)])
    kkt = solve_bilevel(problem, method="kkt", record=False)
    cuts = solve_bilevel(problem, method="valuefunction", record=False)
    assert kkt.status == cuts.status == "optimal" and kkt.verified and cuts.verified
    assert cuts.objective == pytest.approx(kkt.objective, abs=1e-6)


def test_continuous_linking_leader_variables_are_refused_naming_one() -> None:
    problem = read_bilevel(DATA / "basblib_bf_1982_02.json")
    with pytest.raises(SolverCapabilityError, match="appears in a follower row but is continuous"):
        solve_bilevel(problem, method="valuefunction", record=False)
    integer_follower = BilevelProblem.build(([1], [1]), ([0], [1]), y_integer=[True], x_bounds=[(0, 1)])
    with pytest.raises(SolverCapabilityError, match=r"kkt.*integer variables"):
        solve_bilevel(integer_follower, method="kkt", record=False)


def test_stopping_after_max_rounds_reports_the_incumbent_with_its_bound_and_gap() -> None:
    from optarium.domains.bilevel.settings import BilevelSettings

    problem = read_bilevel(DATA / "moore_bard.aux")
    solution = solve_bilevel(problem, BilevelSettings(max_rounds=1), record=False)
    # one round: the high-point relaxation's (2, 4) at -42 is a bound; the follower's answer at x = 2 gives -22
    assert solution.status == "feasible" and solution.verified and solution.objective == pytest.approx(-22.0)
    assert solution.bound == pytest.approx(-42.0) and solution.gap is not None and solution.gap > 0
    assert "max_rounds=1" in solution.message
