"""Solving on the one flow: PyVRP, the shared verification policy, one record, any store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optarium.domains.routing import RoutingInstance, read_instance, solve_routing, verify_routes
from optarium.domains.routing.instance import euclidean_matrix
from optarium.domains.routing.settings import RouteSettings
from optarium.errors import OptionError
from optarium.store.base import open_store

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "routing"


def test_cold_solve_is_verified_close_to_best_known_and_recorded_once(cvrp: Path, store_url: str) -> None:
    instance = read_instance(cvrp / "X-n101-k25.vrp")
    solution = solve_routing(instance, time_limit=1.5, seed=1, store=store_url)
    assert solution.status == "feasible" and solution.verified and solution.kind == "routing"
    gap = solution.extra["gap_to_best_known"]
    assert gap is not None and 0 <= gap < 0.1 and solution.extra["best_known"] == 27591
    routes = solution.payload
    assert routes is not None and verify_routes(instance, routes).objective == solution.objective
    store = open_store(store_url)
    assert store.count_runs() == 1
    run = store.get_run(solution.run_id or -1)
    assert run["kind"] == "routing" and run["verified"] and run["status"] == "feasible"
    assert run["objective"] == solution.objective and run["fingerprint"] == instance.fingerprint()
    assert run["extra"]["routes"] == routes and run["extra"]["instance"] == instance.compact()
    assert run["extra"]["gap_to_best_known"] == pytest.approx(gap)
    assert run["params"] == {"time_limit": 1.5, "iterations": None, "seed": 1, "warm_start": False}


def test_same_seed_and_iteration_budget_give_the_same_routes() -> None:
    instance = read_instance(EXAMPLES / "deliveries.csv")
    first = solve_routing(instance, iterations=300, seed=7, record=False)
    second = solve_routing(instance, RouteSettings(iterations=300, seed=7), record=False)
    assert first.payload == second.payload and first.extra["iterations"] == 300


def test_time_windows_are_respected_by_the_solution() -> None:
    instance = read_instance(EXAMPLES / "deliveries_tw.csv")
    solution = solve_routing(instance, time_limit=1, seed=0, record=False)
    assert solution.verified and solution.verification is not None
    assert solution.verification.details["max_lateness"] == 0


@pytest.mark.parametrize(("budget", "name"), [({"time_limit": 0}, "time_limit"), ({"time_limit": -1.0}, "time_limit"),
                                              ({"iterations": 0}, "iterations")])
def test_a_zero_budget_is_an_option_error_naming_the_parameter(budget: dict[str, float], name: str) -> None:
    with pytest.raises(OptionError, match=f"option `{name}` must be a positive") as caught:
        solve_routing(read_instance(EXAMPLES / "deliveries.csv"), record=False, **budget)  # type: ignore[arg-type]
    assert caught.value.name == name


def test_routes_that_fail_verification_are_reported_as_an_error_and_recorded_so(tmp_path: Path) -> None:
    """A distance matrix that disagrees with the coordinates (a misread file): PyVRP's cost is not
    the recomputed one, so the answer is an error, as for math programs, with its routes kept."""
    good = read_instance(EXAMPLES / "deliveries.csv")
    skewed = RoutingInstance(name="skewed", coords=good.coords, demands=good.demands, capacity=good.capacity,
                             distances=euclidean_matrix(good.coords, "round") + 1 - np.eye(len(good.coords), dtype=np.int64))
    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    solution = solve_routing(skewed, iterations=200, store=store)
    assert solution.status == "error" and not solution.verified
    assert solution.payload is not None and solution.objective is not None
    assert "failed verification" in solution.message and "differs from the recomputed cost" in solution.message
    run = store.get_run(solution.run_id or -1)
    assert run["status"] == "error" and not run["verified"]
    # an unverified run is never learned from
    assert store.verified_runs("routing") == []


def test_routing_runs_in_an_in_memory_store(tmp_path: Path) -> None:
    url = f"memory://routing-{tmp_path.name}"
    store = open_store(url)
    cold = solve_routing(read_instance(EXAMPLES / "deliveries.csv"), iterations=200, store=url)
    warm = solve_routing(read_instance(EXAMPLES / "X-n101-k25.vrp"), iterations=300, warm_start=True, store=url)
    assert cold.verified and warm.verified and store.count_runs() == 2
    assert store.get_run(warm.run_id or -1)["params"]["warm_start"] is True
    assert "learned from 1 stored instance(s)" in warm.message and warm.plan is not None
    assert warm.plan.source == "learned" and [a["version"] for a in store.list_artifacts("routing.")] == [1]


def test_warm_start_learns_from_stored_runs_of_other_instances(cvrp: Path, store_url: str) -> None:
    from optarium.domains.routing.warmstart import stored_solutions

    store = open_store(store_url)
    untrained = solve_routing(read_instance(EXAMPLES / "deliveries.csv"), iterations=200, warm_start=True, store=store)
    assert "no stored routing runs" in untrained.message and untrained.verified
    for name in ("X-n101-k25", "X-n106-k14"):
        solve_routing(read_instance(cvrp / f"{name}.vrp"), time_limit=1, seed=1, store=store)
    target = read_instance(cvrp / "X-n110-k13.vrp")
    assert len(stored_solutions(store, exclude_fingerprint=target.fingerprint())) == 3  # two X instances, the CSV
    solution = solve_routing(target, time_limit=1.5, seed=1, warm_start=True, store=store)
    assert "learned from 3 stored instance(s)" in solution.message
    assert "learned neighbourhood of 30" in solution.message and "learned starts" in solution.message
    assert solution.verified and solution.extra["warm_start"] is True
    gap, initial = solution.extra["gap_to_best_known"], solution.extra["initial_cost"]
    assert gap is not None and gap < 0.1
    assert initial is not None and solution.objective is not None and solution.objective <= initial
    run = store.get_run(solution.run_id or -1)
    assert run["params"]["warm_start"] is True and run["plan"]["source"] == "learned"
    # the solve of the target itself never trains its own warm start
    assert len(stored_solutions(store, exclude_fingerprint=target.fingerprint())) == 3


def test_the_learned_policy_is_saved_as_an_artifact_and_reused_until_a_new_run(cvrp: Path, tmp_path: Path) -> None:
    from optarium.domains.routing.warmstart import EdgePolicy

    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    for name in ("X-n101-k25", "X-n106-k14"):
        solve_routing(read_instance(cvrp / f"{name}.vrp"), iterations=300, seed=1, store=store)
    target = read_instance(cvrp / "X-n110-k13.vrp")
    first = solve_routing(target, iterations=200, warm_start=True, store=store, record=False)
    assert first.plan is not None and "saved as routing.edge_policy v1" in first.plan.reason
    [saved] = store.list_artifacts("routing.edge_policy")
    assert saved["meta"]["latest_run_id"] == 2 and saved["meta"]["run_ids"] == [1, 2]
    # the stored numbers are exactly those training gives
    trained = EdgePolicy.from_store(store, exclude_fingerprint=target.fingerprint())
    assert first.plan.params["edge_policy"] == trained.to_dict()

    again = solve_routing(target, iterations=200, warm_start=True, store=store)
    assert again.plan is not None and "routing.edge_policy v1 reused" in again.plan.reason
    assert again.plan.params["edge_policy"] == trained.to_dict() and again.payload == first.payload
    # a run of the target itself changes nothing it learns from; another instance's run does
    assert "v1 reused" in solve_routing(target, iterations=50, warm_start=True, store=store, record=False).plan_reason
    solve_routing(read_instance(cvrp / "X-n115-k10.vrp"), iterations=300, seed=1, store=store)
    retrained = solve_routing(target, iterations=50, warm_start=True, store=store, record=False)
    assert "saved as routing.edge_policy v2" in retrained.plan_reason
    assert "learned from 3 stored instance(s)" in retrained.message


def test_warm_start_searches_with_the_learned_route_count_first(cvrp: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    for name in ("X-n106-k14", "X-n110-k13"):
        solve_routing(read_instance(cvrp / f"{name}.vrp"), iterations=2000, seed=1, store=store)
    tight = read_instance(cvrp / "X-n176-k26.vrp")
    solution = solve_routing(tight, iterations=3000, seed=1, warm_start=True, store=store, record=False)
    assert "26 routes (learned) for the first 17% of the budget" in solution.message
    assert "went on from the learned start" not in solution.message
    assert solution.verified and solution.extra["iterations"] == 3000
    cold = solve_routing(tight, iterations=3000, seed=1, record=False)
    assert solution.objective is not None and cold.objective is not None and solution.objective < cold.objective


def test_no_feasible_solution_in_the_budget_is_a_time_limit_status_not_an_exception(tmp_path: Path) -> None:
    # total demand 81 on one vehicle of capacity 30: no solution exists
    text = (EXAMPLES / "deliveries.csv").read_text().replace("# capacity=30", "# capacity=30\n# vehicles=1")
    (tmp_path / "one_van.csv").write_text(text)
    store = open_store(f"sqlite:///{tmp_path / 'runs.db'}")
    solution = solve_routing(read_instance(tmp_path / "one_van.csv"), iterations=100, store=store)
    assert solution.status == "time_limit" and solution.payload is None and solution.verification is None
    assert "found no feasible solution for one_van in the budget" in solution.message
    assert store.get_run(solution.run_id or -1)["status"] == "time_limit"
