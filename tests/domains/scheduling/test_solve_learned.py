"""CP-SAT, the learned rule and the recorded runs, through the library API."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from optarium.domains.scheduling.instance import load_instance
from optarium.domains.scheduling.learned import LearnedRule, load_rule, random_instance, train
from optarium.domains.scheduling.solve import solve_jobshop
from optarium.domains.scheduling.verify import Schedule, verify_schedule
from optarium.errors import InvalidModelError, OptionError
from optarium.store.base import open_store


def test_cp_sat_reaches_the_ft06_optimum_and_the_run_is_recorded(store_url: str) -> None:
    result = solve_jobshop("ft06", "cp", time_limit=5, threads=2, store=store_url)
    assert result.status == "optimal"
    assert result.verified and result.makespan == 55 and result.gap == 0.0
    assert result.bound == 55
    assert "ortools" not in sys.modules, "CP-SAT must run in a worker process"
    run = open_store(store_url).get_run(result.run_id or -1)
    assert run["kind"] == "jobshop" and run["objective"] == 55 and run["verified"]
    starts = np.asarray(run["extra"]["starts"])
    instance = load_instance("ft06")
    assert verify_schedule(instance, Schedule.from_starts(instance, starts)).makespan == 55


def test_a_hint_is_accepted_and_never_made_worse() -> None:
    result = solve_jobshop("la01", "learned+cp", time_limit=3, threads=2, record=False)
    learned = solve_jobshop("la01", "learned", record=False)
    assert result.verified and learned.verified
    assert result.makespan is not None and learned.makespan is not None
    assert result.makespan <= learned.makespan
    assert result.solver == "learned+cpsat"


def test_zero_time_budget_and_unknown_method_are_refused() -> None:
    with pytest.raises(OptionError, match="time-limit"):
        solve_jobshop("ft06", "cp", time_limit=0)
    with pytest.raises(OptionError, match="--method"):
        solve_jobshop("ft06", "tabu")


def test_learned_rule_trains_on_tiny_instances_and_schedules_larger_ones(tmp_path: Path) -> None:
    tiny = [random_instance(5, 4, seed=1), random_instance(6, 5, seed=2)]
    rule = train(tiny, teacher_time_limit=1.0, steps=50, search_generations=3, seed=0)
    assert rule.info["makespan_over_teacher"] >= 1.0
    assert rule.info["decisions"] > 0
    for name in ("ft06", "la01"):
        instance = load_instance(name)
        check = verify_schedule(instance, Schedule.from_starts(instance, rule.schedule(instance)))
        assert check.verified, check.violations
    path = rule.save(tmp_path / "rule.json")
    again = load_rule(path)
    la01 = load_instance("la01")
    assert np.array_equal(again.schedule(la01), rule.schedule(la01))
    result = solve_jobshop(la01, "learned", model=path, record=False)
    assert result.verified


def test_the_shipped_rule_loads_and_a_broken_model_file_is_refused(tmp_path: Path) -> None:
    shipped = load_rule()
    assert isinstance(shipped, LearnedRule) and shipped.info["trained_on"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    with pytest.raises(InvalidModelError, match="not an optarium job-shop rule"):
        load_rule(broken)
