"""The learned method: its network is embedded exactly, its answer is verified exactly, it is kept in the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.robust import solve_robust
from optarium.domains.robust.io import parse_knapsack
from optarium.domains.robust.learned import (
    RecourseValues,
    ValueNetwork,
    learned_adversary,
    learned_master,
    sample,
    train,
)
from optarium.store.base import open_store

from .conftest import brute_worst_objective_uncertainty, knapsack_text


@pytest.fixture(scope="module")
def trained():  # type: ignore[no-untyped-def]
    problem = parse_knapsack(knapsack_text(6, 11, gamma=2))
    xs, xis, values = sample(problem, 80, seed=0)
    net, mae = train(problem, xs, xis, values, hidden=8, epochs=40, seed=0)
    return problem, net, mae, (xs, xis, values)


def test_samples_carry_the_exact_second_stage_value(trained) -> None:  # type: ignore[no-untyped-def]
    problem, _, _, (xs, xis, values) = trained
    from optarium.domains.robust.adversary import best_response

    for x, xi, value in list(zip(xs, xis, values, strict=True))[:5]:
        _, _, exact = best_response(problem, x, xi)
        assert value == pytest.approx(exact - problem.sign * (problem.c0 + problem.cx @ x), rel=2e-3)
    assert RecourseValues(problem)(xs[0], xis[0]) == pytest.approx(best_response(problem, xs[0], xis[0])[2], rel=2e-3)


def test_the_milp_adversary_finds_the_networks_maximum_over_the_set(trained) -> None:  # type: ignore[no-untyped-def]
    problem, net, _, _ = trained
    x = np.array([1.0, 0, 1, 1, 0, 1])
    worst = learned_adversary(problem, net, x, None)
    assert problem.uncertainty.contains(worst.xi)
    # no scenario sampled in the set does better than the MILP's (the encoding is exact, big-M from intervals)
    rng = np.random.default_rng(0)
    first = problem.sign * (problem.c0 + problem.cx @ x)
    for _ in range(300):
        xi = rng.random(6)
        xi *= min(1.0, 2 / xi.sum())
        assert first + net.predict(x, xi)[0] <= worst.upper + 1e-6
    assert worst.upper == pytest.approx(first + net.predict(x, worst.xi)[0], abs=1e-6)


def test_the_milp_master_equals_enumeration_over_decisions(trained) -> None:  # type: ignore[no-untyped-def]
    import itertools

    problem, net, _, _ = trained
    scenarios = [np.zeros(6), np.array([1.0, 1.0, 0, 0, 0, 0])]
    found = learned_master(problem, net, scenarios, None)
    s = problem.sign
    brute = min(max(s * (problem.c0 + problem.cx @ np.array(x)) + net.predict(np.array(x, dtype=float), xi)[0] for xi in scenarios)
                for x in itertools.product((0.0, 1.0), repeat=6))
    assert found.objective == pytest.approx(brute, abs=1e-5)


def test_learned_answers_are_verified_exactly_and_the_network_is_kept(tmp_path: Path) -> None:
    problem = parse_knapsack(knapsack_text(6, 12, gamma=2))
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    first = solve_robust(problem, "learned", time_limit=20, store=store, samples=60)
    assert first.status == "feasible" and first.verified and first.bound is None
    x = np.array(first.payload["x"])  # type: ignore[index]
    assert first.objective == pytest.approx(-brute_worst_objective_uncertainty(problem, x), abs=1e-6)
    names = [a["name"] for a in open_store(store).list_artifacts("robust.neur2ro")]
    assert any(name.endswith("/data") for name in names) and len(names) == 2
    again = solve_robust(problem, "learned", time_limit=20, store=store, samples=60)
    assert "loaded from the store" in again.plan_reason and again.payload == first.payload
    kept = open_store(store).load_artifact(next(n for n in names if not n.endswith("/data")))
    assert kept is not None and isinstance(ValueNetwork.from_bytes(kept.data), ValueNetwork)


def test_the_learned_method_leaves_torch_dynamo_unimported() -> None:
    """torch.optim's first optimiser imports torch._dynamo (seconds); the value network trains without it."""
    code = ("import sys\nfrom optarium.domains.robust import solve_robust\n"
            "from optarium.domains.robust.io import parse_knapsack\n"
            "solution = solve_robust(parse_knapsack(sys.stdin.read()), 'learned', time_limit=20, record=False, samples=20)\n"
            "print(solution.verified, 'torch._dynamo' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], input=knapsack_text(5, 13), capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == ["True", "False"]
