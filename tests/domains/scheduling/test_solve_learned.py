"""CP-SAT, the learned rule and the recorded runs, through the library API."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.scheduling.instance import load_instance
from optarium.domains.scheduling.learned import (
    ARTIFACT,
    LearnedRule,
    find_rule,
    load_rule,
    random_instance,
    save_rule,
    train,
)
from optarium.domains.scheduling.rules import best_rule
from optarium.domains.scheduling.solve import makespan, solve_jobshop, summary
from optarium.domains.scheduling.verify import gap_to_best_known, verify_starts
from optarium.errors import InvalidModelError, OptionError
from optarium.solution import Solution
from optarium.store.base import open_store


def test_cp_sat_reaches_the_ft06_optimum_and_the_run_is_recorded(store_url: str) -> None:
    result = solve_jobshop("ft06", "cp", time_limit=5, threads=2, store=store_url)
    assert isinstance(result, Solution) and result.kind == "jobshop"
    assert result.status == "optimal" and result.solver == "cpsat"
    assert result.verified and makespan(result) == 55 and result.objective == 55
    assert result.bound == 55 and result.gap == 0.0
    assert result.plan is not None and result.plan.source == "user"
    assert "ortools" not in sys.modules, "CP-SAT must run in a worker process"
    run = open_store(store_url).get_run(result.run_id or -1)
    assert run["kind"] == "jobshop" and run["objective"] == 55 and run["verified"]
    assert run["extra"]["best_known"] == 55 and run["extra"]["gap_to_best_known"] == 0.0
    assert run["extra"]["method"] == "cp" and run["extra"]["incumbents"][-1][1] == 55
    starts = np.asarray(run["extra"]["starts"])
    instance = load_instance("ft06")
    assert verify_starts(instance, starts).objective == 55


def test_the_default_method_is_planned_cp_sat_with_its_reason() -> None:
    result = solve_jobshop("ft06", time_limit=5, threads=2, record=False)
    assert result.solver == "cpsat" and result.status == "optimal"
    assert result.plan is not None and result.plan.source == "rules" and "CP-SAT" in result.plan.reason
    assert result.extra["method"] == "cp"


def test_a_hint_is_accepted_and_never_made_worse() -> None:
    result = solve_jobshop("la01", "learned+cp", time_limit=3, threads=2, record=False)
    learned = solve_jobshop("la01", "learned", record=False)
    assert result.verified and learned.verified
    done, alone = makespan(result), makespan(learned)
    assert done is not None and alone is not None and done <= alone
    assert result.solver == "learned+cpsat" and result.message.startswith("hint: ")
    assert learned.status == "feasible" and learned.extra["learned_rule"] == "shipped"


def test_a_limit_before_cp_sats_first_solution_returns_the_hint_verified(store_url: str) -> None:
    # CP-SAT stopped right after presolve reports no solution, as a time limit that comes that early does
    instance = random_instance(10, 5, seed=3)
    result = solve_jobshop(instance, "learned+cp", time_limit=5, threads=1, params={"stop_after_presolve": True},
                           store=store_url)
    learned = makespan(solve_jobshop(instance, "learned", record=False))
    _, rule_starts = best_rule(instance)
    assert result.status == "time_limit" and result.solver_status == "UNKNOWN"
    assert result.verified and result.payload is not None
    assert makespan(result) == result.objective == min(learned, int((rule_starts + instance.durations).max()))
    assert result.message.endswith("before its first solution; the answer is the hint")
    assert summary(instance, result)["incumbents"][0][1] == result.objective
    assert open_store(store_url).get_run(result.run_id)["status"] == "time_limit"


def test_a_rule_is_recorded_under_its_own_name(store_url: str) -> None:
    result = solve_jobshop("la01", "rule", rule="SPT", store=store_url)
    assert result.solver == "rule:spt" and result.status == "feasible" and result.verified
    run = open_store(store_url).get_run(result.run_id or -1)
    assert run["solver"] == "rule:spt" and run["params"]["method"] == "rule"
    assert run["plan"]["source"] == "user"


def test_zero_time_budget_and_unknown_method_are_refused_naming_the_parameter() -> None:
    with pytest.raises(OptionError, match="`time_limit`"):
        solve_jobshop("ft06", "cp", time_limit=0)
    with pytest.raises(OptionError, match="`method`"):
        solve_jobshop("ft06", "tabu")
    with pytest.raises(OptionError, match="`threads`"):
        solve_jobshop("ft06", "cp", threads=0)


def test_scheduling_works_in_a_memory_store() -> None:
    store = "memory://scheduling-test"
    result = solve_jobshop("ft06", "rule", store=store)
    again = solve_jobshop("ft06", "learned", store=store)
    handle = open_store(store)
    assert handle.count_runs() == 2
    assert [run["solver"] for run in handle.list_runs(kind="jobshop")] == ["learned", "rule:mor"]
    assert handle.get_run(result.run_id or -1)["extra"]["starts"] == np.asarray(result.payload).tolist()
    assert again.verified


def test_summary_adds_makespan_best_known_and_method() -> None:
    result = solve_jobshop("la01", "rule", record=False)
    out = summary(load_instance("la01"), result)
    assert out["kind"] == "jobshop" and out["method"] == "rule" and out["rule"] == "mor"
    assert out["best_known"] == 666 and out["makespan"] == makespan(result)
    assert out["gap_to_best_known"] == pytest.approx(gap_to_best_known(load_instance("la01"), out["makespan"]), abs=1e-6)


def test_learned_rule_trains_on_tiny_instances_and_schedules_larger_ones(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    tiny = [random_instance(5, 4, seed=1), random_instance(6, 5, seed=2)]
    rule = train(tiny, teacher_time_limit=1.0, steps=50, search_generations=3, seed=0, show_progress=True)
    assert "training:" not in capfd.readouterr().err  # no terminal, no progress display
    assert rule.info["makespan_over_teacher"] >= 1.0
    assert rule.info["decisions"] > 0
    for name in ("ft06", "la01"):
        instance = load_instance(name)
        check = verify_starts(instance, rule.schedule(instance))
        assert check.verified, check.violations
    path = rule.save(tmp_path / "rule.json")
    again = load_rule(path)
    la01 = load_instance("la01")
    assert np.array_equal(again.schedule(la01), rule.schedule(la01))
    result = solve_jobshop(la01, "learned", model=path, record=False)
    assert result.verified and result.extra["learned_rule"] == f"file {path}"


def test_a_trained_rule_round_trips_as_a_versioned_artifact(store_url: str, tmp_path: Path) -> None:
    shipped = load_rule()
    tweaked = LearnedRule(shipped.W1, shipped.b1, -shipped.w2, shipped.v, info={"trained_on": ["test"]})
    store = open_store(store_url)
    assert save_rule(shipped, store) == 1
    assert save_rule(tweaked, store_url) == 2
    la01 = load_instance("la01")
    newest, where = find_rule(store=store)
    assert where == f"artifact {ARTIFACT} v2"
    assert np.array_equal(newest.schedule(la01), tweaked.schedule(la01))
    first = load_rule(store=store, version=1)
    assert np.array_equal(first.schedule(la01), shipped.schedule(la01))
    assert store.load_artifact(ARTIFACT).meta["trained_on"] == ["test"]  # type: ignore[union-attr]
    # the learned methods take the store's newest version; an explicit file wins over it
    result = solve_jobshop(la01, "learned", store=store_url)
    assert result.extra["learned_rule"] == f"artifact {ARTIFACT} v2"
    assert np.array_equal(result.payload, tweaked.schedule(la01))
    assert store.get_run(result.run_id or -1)["params"]["learned_rule"] == f"artifact {ARTIFACT} v2"
    path = shipped.save(tmp_path / "shipped.json")
    assert solve_jobshop(la01, "learned", model=path, store=store_url).extra["learned_rule"] == f"file {path}"


def test_the_shipped_rule_loads_and_a_broken_model_is_refused(tmp_path: Path) -> None:
    shipped = load_rule()
    assert isinstance(shipped, LearnedRule) and shipped.info["trained_on"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    with pytest.raises(InvalidModelError, match="not an optarium job-shop rule"):
        load_rule(broken)
    store = open_store("memory://broken-rule")
    store.save_artifact(ARTIFACT, b"not json", {})
    with pytest.raises(InvalidModelError, match=f"artifact {ARTIFACT} v1"):
        load_rule(store=store)


TRAIN_SCRIPT = """
from optarium.domains.scheduling.learned import random_instance, train
tiny = [random_instance(5, 4, seed=1), random_instance(6, 5, seed=2)]
rule = train(tiny, teacher_time_limit=0.5, steps=20, search_generations=2, seed=0, show_progress=True)
print("trained", rule.info["decisions"])
"""


def test_training_shows_its_stage_on_a_terminal(python_on_a_terminal: Callable[[str], tuple[int, str, str]]) -> None:
    code, out, screen = python_on_a_terminal(TRAIN_SCRIPT)
    assert code == 0 and out.startswith("trained ")
    assert "training: " in screen and "teacher 2/2" in screen and "search generation 2/2: makespan / teacher" in screen
