"""The tuned planner: a stored configuration for a recognised family, the rules with a reason otherwise."""

from __future__ import annotations

import uuid

import pytest

import optarium
from optarium.learn.generators import generate
from optarium.learn.recognise import COORDINATES, centroid, feature_vector
from optarium.plan.tuned import TunedPlanner
from optarium.solvers import registry
from optarium.store.base import Store, open_store

TINY = {"n_items": 10, "n_knapsacks": 2}


def save_configuration(store: Store, solver_version: str | None = None) -> None:
    vectors = [feature_vector(generate("multiple_knapsack", seed, **TINY).features()) for seed in range(4)]
    store.save_artifact("tuned.highs.multiple_knapsack", b"{}", {
        "family": "multiple_knapsack", "solver": "highs",
        "solver_version": solver_version or registry.get("highs").version(),
        "params": {"mip_heuristic_effort": 0.2}, "centroid": centroid(vectors), "coordinates": list(COORDINATES),
    })


@pytest.fixture
def store() -> Store:
    return open_store(f"memory://tuned-{uuid.uuid4().hex}")


def test_an_instance_of_the_family_gets_the_tuned_configuration(store: Store) -> None:
    save_configuration(store)
    plan = TunedPlanner().plan(generate("multiple_knapsack", 99, **TINY), store)
    assert plan.source == "tuned" and plan.solver == "highs"
    assert plan.params == {"mip_heuristic_effort": 0.2}
    assert plan.reason.startswith("tuned configuration tuned.highs.multiple_knapsack v1 (nearest family: multiple knapsack")


def test_a_solve_with_the_tuned_planner_records_its_reason(store: Store) -> None:
    save_configuration(store)
    solution = optarium.solve(generate("multiple_knapsack", 98, **TINY), store=store, planner=TunedPlanner())
    assert solution.verified and solution.plan is not None and solution.plan.source == "tuned"
    assert store.list_runs(limit=1)[0]["plan"]["source"] == "tuned"


def test_an_unrelated_instance_falls_back_to_the_rules_saying_why(store: Store) -> None:
    save_configuration(store)
    plan = TunedPlanner().plan(generate("set_cover", 1, n_rows=20, n_cols=30), store)
    assert plan.source == "rules" and plan.params == {}
    assert "no tuned configuration: nearest family multiple_knapsack is at distance" in plan.reason


def test_a_configuration_for_another_solver_version_is_ignored_with_the_reason(store: Store) -> None:
    save_configuration(store, solver_version="0.0.1")
    plan = TunedPlanner().plan(generate("multiple_knapsack", 99, **TINY), store)
    assert plan.source == "rules"
    assert "was tuned for highs 0.0.1" in plan.reason and "ignored" in plan.reason


def test_without_a_store_or_configurations_the_plan_is_the_rules_own(store: Store) -> None:
    from optarium.plan.rules import MathRules

    problem = generate("multiple_knapsack", 1, **TINY)
    rules = MathRules().plan(problem)
    assert TunedPlanner().plan(problem, None) == rules
    assert TunedPlanner().plan(problem, store) == rules


def test_the_math_kind_plans_with_tuned_configurations_by_default(store: Store) -> None:
    import optarium

    save_configuration(store)
    solution = optarium.solve(generate("multiple_knapsack", 99, **TINY), store=store)
    assert solution.plan is not None and solution.plan.source == "tuned"
    assert solution.verified


def test_a_reset_configuration_is_no_longer_used(store: Store) -> None:
    save_configuration(store)
    problem = generate("multiple_knapsack", 99, **TINY)
    assert TunedPlanner().plan(problem, store).source == "tuned"
    store.delete_artifact("tuned.highs.multiple_knapsack")
    assert TunedPlanner().plan(problem, store).source == "rules"


def test_the_planner_asked_by_name_says_when_the_store_has_no_tuned_configuration(store: Store) -> None:
    """solve(planner="tuned") on a store that was never tuned says so; the default planner reads as the rules."""
    problem = generate("multiple_knapsack", 97, **TINY)
    named = optarium.solve(problem, store=store, planner="tuned")
    assert named.plan is not None and named.plan.source == "rules"
    assert named.plan.reason.endswith("no tuned configuration: none in this store (optarium tune makes them)")
    default = optarium.solve(problem, store=store)
    assert default.plan is not None and "tuned" not in default.plan.reason
