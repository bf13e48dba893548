"""Branch-and-price for the robust knapsack against brute force, and the exact method's use of it."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.robust import read_file, solve_robust
from optarium.domains.robust.io import parse_knapsack
from optarium.domains.robust.knapsack import price, recognise, solve_knapsack

from .conftest import DATA, brute_worst_objective_uncertainty, knapsack_text


@pytest.mark.parametrize(("n", "seed", "gamma"), [(4, 1, 2), (4, 2, 1), (5, 3, 2)])
def test_branch_and_price_optimum_equals_the_enumerated_robust_optimum(n: int, seed: int, gamma: int) -> None:
    problem = parse_knapsack(knapsack_text(n, seed, gamma=gamma))
    data = recognise(problem)
    assert data is not None
    values = {x: -brute_worst_objective_uncertainty(problem, np.array(x, dtype=float)) for x in itertools.product((0, 1), repeat=n)}
    outcome = solve_knapsack(data, time_limit=20)
    assert outcome.status == "optimal" and outcome.x is not None
    assert outcome.value == pytest.approx(max(values.values()), rel=1e-9)
    assert outcome.bound == pytest.approx(outcome.value, rel=1e-6)
    assert values[tuple(int(v) for v in outcome.x)] == pytest.approx(outcome.value, rel=1e-9)


def test_pricing_finds_the_best_filling_of_the_knapsack() -> None:
    problem = parse_knapsack(knapsack_text(6, 7, gamma=2))
    data = recognise(problem)
    assert data is not None
    rng = np.random.default_rng(0)
    for _ in range(5):
        nu, mu = rng.uniform(0, 80, 6), rng.uniform(0, 1, 6)
        allowed = rng.random(6) < 0.8
        best, y, r = price(data, nu, mu, allowed)
        brute = 0.0
        for option in itertools.product((0, 1, 2), repeat=6):
            o = np.array(option)
            yy, rr = (o > 0).astype(float), (o == 2).astype(float)
            if np.any(yy[~allowed]) or data.weight @ yy + data.repair @ rr > data.capacity:
                continue
            brute = max(brute, float((data.outsourcing - nu) @ yy - (mu * data.degradation) @ (yy - rr)))
        assert best == pytest.approx(brute, abs=1e-9)
        assert data.weight @ y + data.repair @ r <= data.capacity and np.all(r <= y) and not np.any(y[~allowed])
        assert float((data.outsourcing - nu) @ y - (mu * data.degradation) @ (y - r)) == pytest.approx(best, abs=1e-9)


def test_the_exact_method_proves_the_knapsack_optimum_by_branch_and_price() -> None:
    problem = read_file(DATA / "knapsack_n10.rkp")
    solution = solve_robust(problem, "exact", time_limit=20, record=False)
    assert solution.extra["algorithm"] == "branch_and_price"
    assert solution.status == "optimal" and solution.verified
    assert solution.bound == pytest.approx(solution.objective, rel=1e-6)
    # the method's own value of its decision agrees with the verifier's independent recomputation
    assert solution.extra["method_objective"] == pytest.approx(solution.objective, rel=1e-6)


def test_a_published_20_item_instance_keeps_the_published_optimum_between_its_bounds(knapsack20: Path) -> None:
    problem = read_file(knapsack20)
    started = time.perf_counter()
    outcome = solve_knapsack(recognise(problem), time_limit=1.0)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 2.5
    assert outcome.x is not None and outcome.value <= 4358.41 + 0.005 <= outcome.bound + 0.01  # printed to 6 digits


def test_a_knapsack_with_fractional_weights_is_left_to_column_and_constraint_generation() -> None:
    text = knapsack_text(4, 1).splitlines()
    fields = text[1].split()
    fields[3] = f"{float(fields[3]) + 0.5}"
    problem = parse_knapsack("\n".join([text[0], " ".join(fields), *text[2:]]) + "\n")
    assert recognise(problem) is None
    solution = solve_robust(problem, "exact", time_limit=20, record=False)
    assert "algorithm" not in solution.extra and solution.status == "optimal" and solution.verified
