"""Branch-and-price for the robust knapsack against brute force, and the exact method's use of it."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.robust import read_file, solve_robust
from optarium.domains.robust.io import parse_knapsack
from optarium.domains.robust.knapsack import (
    Knapsack,
    adversary_order,
    feasible_policy,
    place_exposure,
    price,
    price_tables,
    recognise,
    solve_knapsack,
)

from .conftest import DATA, brute_worst_objective_uncertainty, knapsack_text
from .pricing_reference import price as reference_price


@pytest.mark.parametrize(("n", "seed", "gamma"), [(4, 1, 2), (4, 2, 1), (5, 3, 2), (5, 4, 1), (5, 6, 3), (5, 8, 2)])
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


def _policy_scenario(data, chosen: np.ndarray, nu: np.ndarray, beta: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The adversary's scenario for a chosen set: ``nu_i`` plus the weight of item i's place among the chosen items."""
    mu = nu.copy()
    for place, i in enumerate(i for i in adversary_order(data) if chosen[i]):
        if place < beta.size:
            mu[i] += beta[place]
    return mu


@pytest.mark.parametrize("places", [3, 0])  # 0: the plain DP of the paper's bound (one scenario)
def test_pricing_finds_the_best_chosen_set_and_filling_against_the_policy(places: int) -> None:
    problem = parse_knapsack(knapsack_text(6, 7, gamma=2))
    data = recognise(problem)
    assert data is not None
    rng = np.random.default_rng(0)
    tables = price_tables(data, places)  # reused by every call, as branch-and-price does: nothing stale may leak
    for _ in range(8):
        nu, beta = feasible_policy(rng.uniform(0, 0.5, 6), rng.uniform(0, 0.6, places), data.gamma)
        lower = (rng.random(6) < 0.2).astype(float)
        upper = np.maximum(lower, (rng.random(6) < 0.8).astype(float))
        best, patterns = price(data, nu, beta, lower, upper, columns=3, tables=tables)
        fresh, fresh_patterns = price(data, nu, beta, lower, upper, columns=3)
        assert fresh == best and [q.value for q in fresh_patterns] == [q.value for q in patterns]
        brute = -np.inf
        for option in itertools.product((0, 1, 2, 3), repeat=6):  # out, outsourced, produced, produced and repaired
            o = np.array(option)
            chosen, produced, repaired = (o > 0).astype(float), (o > 1).astype(float), (o == 3).astype(float)
            if np.any(chosen < lower) or np.any(chosen > upper) or data.weight @ produced + data.repair @ repaired > data.capacity:
                continue
            mu = _policy_scenario(data, chosen, nu, beta)
            value = data.profit @ chosen - data.outsourcing @ (chosen - produced) - (mu * data.degradation) @ (produced - repaired)
            brute = max(brute, float(value))
        assert best == pytest.approx(brute, abs=1e-9)
        for rank, pattern in enumerate(patterns):  # the best column first, then the best of other final positions
            chosen, produced, repaired = pattern.chosen, pattern.produced, pattern.repaired
            assert np.all(lower <= chosen) and np.all(chosen <= upper) and np.all(repaired <= produced) and np.all(produced <= chosen)
            assert data.weight @ produced + data.repair @ repaired <= data.capacity
            mu = _policy_scenario(data, chosen, nu, beta)
            assert pattern.item_exposure @ mu == pytest.approx(pattern.item_exposure @ nu + pattern.position_exposure @ beta)
            # what the master recomputes for a column of either DP is what the DP saw
            assert place_exposure(data, pattern, places) == pytest.approx(pattern.position_exposure)
            against_policy = pattern.value - pattern.item_exposure @ nu - pattern.position_exposure @ beta
            assert against_policy == pytest.approx(best, abs=1e-9) if rank == 0 else against_policy <= best + 1e-9


def _uneven_knapsack(n: int, seed: int) -> Knapsack:
    """A knapsack with the cases the pricing DP treats apart: items worth more than their outsourcing cost, an item
    heavier than the knapsack, one that fits only unrepaired, ties in degradation."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(20, 90, n)
    repair = rng.integers(5, 40, n)
    capacity = int(weight.sum() * rng.uniform(0.3, 0.6))
    weight[0], weight[1], repair[1] = capacity + 1, capacity - 3, 10
    profit = weight + rng.integers(0, 40, n).astype(float)
    degradation = np.round(rng.uniform(0.1, 0.5, n) * profit)
    degradation[2] = degradation[3]
    outsourcing = profit + rng.integers(-20, 30, n)
    return Knapsack(profit, degradation, repair, weight, outsourcing.astype(float), capacity, float(rng.integers(1, 4)))


@pytest.mark.parametrize("seed", range(6))
def test_pricing_gives_the_columns_of_the_reference_dp_float_for_float(seed: int) -> None:
    data = _uneven_knapsack(8 + seed, seed)
    rng = np.random.default_rng(100 + seed)
    n = data.size
    for places in (0, math.ceil(data.gamma) + 2):
        tables, reference_tables = price_tables(data, places), price_tables(data, places)  # reused, as in the search
        for call in range(40):
            nu, beta = feasible_policy(rng.uniform(-0.3, 0.6, n), rng.uniform(-0.3, 0.8, places), data.gamma)
            if call == 0:
                nu, beta = np.zeros(n), np.zeros(places)  # the search's first policy
            lower = (rng.random(n) < 0.3).astype(float)
            upper = np.maximum(lower, (rng.random(n) < 0.8).astype(float))
            if call % 4 == 3:
                lower = upper = (rng.random(n) < 0.5).astype(float)  # an integral decision evaluated
            best, patterns = price(data, nu, beta, lower, upper, columns=3, tables=tables)
            expected, expected_patterns = reference_price(data, nu, beta, lower, upper, columns=3, tables=reference_tables)
            assert best == expected and len(patterns) == len(expected_patterns)
            for pattern, twin in zip(patterns, expected_patterns, strict=True):
                assert pattern.value == twin.value
                for field in ("chosen", "produced", "repaired", "item_exposure", "position_exposure"):
                    assert np.array_equal(getattr(pattern, field), getattr(twin, field))


def test_the_policy_scenario_of_every_chosen_set_lies_in_the_budgeted_set() -> None:
    rng = np.random.default_rng(1)
    data = recognise(parse_knapsack(knapsack_text(6, 3, gamma=2)))
    assert data is not None
    for _ in range(20):
        nu, beta = feasible_policy(rng.uniform(-0.2, 1.2, 6), rng.uniform(-0.2, 1.2, 4), data.gamma)
        for chosen in itertools.product((0, 1), repeat=6):
            mu = _policy_scenario(data, np.array(chosen, dtype=bool), nu, beta)
            assert np.all(mu >= 0) and np.all(mu <= 1 + 1e-12) and mu.sum() <= data.gamma + 1e-12


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
    outcome = solve_knapsack(recognise(problem), time_limit=1.0)  # type: ignore[arg-type]
    assert outcome.x is not None and outcome.value <= 4358.41 + 0.005 <= outcome.bound + 0.01  # printed to 6 digits


def test_a_knapsack_with_fractional_weights_is_left_to_column_and_constraint_generation() -> None:
    text = knapsack_text(4, 1).splitlines()
    fields = text[1].split()
    fields[3] = f"{float(fields[3]) + 0.5}"
    problem = parse_knapsack("\n".join([text[0], " ".join(fields), *text[2:]]) + "\n")
    assert recognise(problem) is None
    solution = solve_robust(problem, "exact", time_limit=20, record=False)
    assert "algorithm" not in solution.extra and solution.status == "optimal" and solution.verified


def test_a_zero_time_limit_still_answers_a_decision_with_its_exact_worst_case() -> None:
    problem = parse_knapsack(knapsack_text(5, 3, gamma=2))
    data = recognise(problem)
    assert data is not None
    outcome = solve_knapsack(data, time_limit=0.0)
    assert outcome.status == "time_limit" and outcome.x is not None
    assert outcome.value == pytest.approx(-brute_worst_objective_uncertainty(problem, outcome.x), rel=1e-9)
