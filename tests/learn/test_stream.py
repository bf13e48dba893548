"""Bandits over MILP configurations for a stream of instances: every solve recorded with its plan."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from optarium.errors import OptionError
from optarium.learn.generators import generate
from optarium.learn.stream import (
    Config,
    ConfigBandit,
    ContextualConfigBandit,
    ThompsonConfigBandit,
    solve_stream,
)
from optarium.problem.io import write_problem
from optarium.store.base import Store, open_store

TINY = {"n_items": 10, "n_knapsacks": 2}
ARMS = [Config("highs defaults", "highs"), Config("scip defaults", "scip")]


@pytest.fixture
def store() -> Store:
    return open_store(f"memory://stream-{uuid.uuid4().hex}")


def test_the_bandit_moves_its_weight_to_the_arm_with_the_lower_loss() -> None:
    bandit = ConfigBandit(3, learning_rate=8.0, seed=0)
    for _ in range(300):
        arm, probability = bandit.ask()
        bandit.tell(arm, probability, [0.6, 0.1, 0.5][arm])
    assert int(np.argmax(bandit.probabilities())) == 1 and bandit.probabilities()[1] > 0.6


def test_the_contextual_bandit_learns_which_arm_suits_which_context() -> None:
    bandit = ContextualConfigBandit(2, 1, exploration=8.0, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(400):
        context = np.array([rng.uniform(-1, 1)])
        arm, probability = bandit.ask(context)
        # arm 0 is cheap for negative contexts, arm 1 for positive ones
        bandit.tell(arm, probability, 0.5 + 0.4 * context[0] * (1 if arm == 0 else -1), context)
    assert int(np.argmin(bandit.predict(np.array([-0.8])))) == 0
    assert int(np.argmin(bandit.predict(np.array([0.8])))) == 1


def test_thompson_sampling_tries_each_arm_in_its_warm_up_then_settles_on_the_faster_one() -> None:
    rng = np.random.default_rng(0)
    bandit = ThompsonConfigBandit(3, warmup=4, scale=0.1, seed=0)
    drawn = []
    for _ in range(60):
        arm, probability = bandit.ask()
        drawn.append(arm)
        difficulty = rng.lognormal(0.0, 1.0)  # one instance's hardness multiplies every arm's time
        bandit.tell(arm, probability, min(1.0, 0.01 * difficulty * [2.0, 1.0, 2.5][arm]))
    assert sorted(drawn[:12]) == [0] * 4 + [1] * 4 + [2] * 4
    assert drawn[30:].count(1) >= 27 and bandit.probabilities()[1] > 0.9
    with pytest.raises(OptionError, match="warmup"):
        ThompsonConfigBandit(2, warmup=0)


def test_a_stream_records_one_run_per_instance_with_the_bandits_reason(store: Store) -> None:
    problems = [generate("multiple_knapsack", seed, **TINY) for seed in range(6)]
    result = solve_stream(problems, "bandit", store=store, time_cap=10, configs=ARMS, seed=1)
    assert [row["step"] for row in result.rows] == list(range(1, 7))
    assert all(row["verified"] and row["status"] == "optimal" for row in result.rows)
    runs = store.list_runs(limit=10)
    assert len(runs) == 6
    for run in runs:
        assert run["plan"]["source"] == "bandit"
        assert run["plan"]["reason"].startswith("Tsallis-INF bandit over 2 configurations, step ")
    assert {row["run_id"] for row in result.rows} == {run["id"] for run in runs}


def test_compare_reports_every_configurations_total_and_the_ratios(store: Store) -> None:
    problems = [generate("multiple_knapsack", seed, **TINY) for seed in range(3)]
    result = solve_stream(problems, "contextual", store=store, time_cap=10, configs=ARMS, compare=True)
    summary = result.to_dict()
    assert set(summary["totals"]) == {"highs defaults", "scip defaults"}
    assert summary["vs_default"] == pytest.approx(result.total / summary["totals"]["highs defaults"])
    assert store.count_runs() == 3  # the comparison runs are not recorded
    for row in result.rows:
        assert row["all"][row["config"]] == row["cost"]


def test_the_fixed_policy_runs_the_first_configuration_everywhere(store: Store) -> None:
    result = solve_stream([generate("multiple_knapsack", 0, **TINY)] * 2, "fixed", store=store, configs=ARMS[::-1])
    assert {row["config"] for row in result.rows} == {"scip defaults"}
    assert store.list_runs(limit=1)[0]["plan"]["source"] == "rules"


def test_folders_are_read_before_anything_is_solved(store: Store, tmp_path: Path) -> None:
    (tmp_path / "mk").mkdir()
    for seed in range(2):
        write_problem(generate("multiple_knapsack", seed, **TINY), tmp_path / "mk" / f"mk_{seed}.mps")
    (tmp_path / "empty").mkdir()
    with pytest.raises(OptionError, match="has none"):
        solve_stream([tmp_path / "mk", tmp_path / "empty"], store=store)
    with pytest.raises(OptionError, match="policy"):
        solve_stream([tmp_path / "mk"], "greedy", store=store)
    assert store.count_runs() == 0
    result = solve_stream([tmp_path / "mk"], store=store, configs=ARMS)
    assert [row["instance"] for row in result.rows] == ["mk_0", "mk_1"]


def test_the_default_policy_warms_up_on_every_configuration_and_says_so(store: Store) -> None:
    problems = [generate("multiple_knapsack", seed, **TINY) for seed in range(3)]
    result = solve_stream(problems, store=store, time_cap=10, configs=ARMS, seed=0)
    assert result.policy == "thompson" and {row["config"] for row in result.rows[:2]} == {"highs defaults", "scip defaults"}
    for row in result.rows[:2]:
        assert "Thompson sampling on log time over 2 configurations" in row["reason"]
        assert "warm-up: each configuration runs 8 times first" in row["reason"]
