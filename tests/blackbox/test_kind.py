"""The black-box kind walks the one flow: plan, sampler, check against the space, one recorded run."""

from __future__ import annotations

import itertools

import pytest

from optarium import kinds
from optarium.blackbox.kind import verify
from optarium.blackbox.problem import BlackBoxProblem
from optarium.errors import OptionError, SolverUnavailableError
from optarium.flow import solve_problem
from optarium.store.base import open_store

SPACE = {"x": {"type": "float", "low": -2.0, "high": 2.0}, "k": {"type": "int", "low": 0, "high": 4},
         "c": {"type": "categorical", "choices": ["a", "b"]}}


def bowl(params: dict) -> float:
    return (params["x"] - 0.5) ** 2 + abs(params["k"] - 2) + (params["c"] == "b")


def test_a_study_through_the_flow_is_recorded_with_its_plan_space_and_best_point(tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    solution = solve_problem(BlackBoxProblem(SPACE, bowl, 12, name="bowl"), store=url, params={"seed": 3})

    assert solution.status == "feasible" and solution.verified and solution.kind == "blackbox"
    assert solution.objective == pytest.approx(bowl(solution.payload))
    assert "gp" in solution.plan.reason and solution.plan.solver == "auto"
    assert solution.extra["trials"] == 12
    run = open_store(url, read_only=True).get_run(solution.run_id)
    assert run["kind"] == "blackbox" and run["name"] == "bowl" and run["verified"]
    assert run["extra"]["params"] == solution.payload
    assert BlackBoxProblem(SPACE, bowl, 12).features()["n_categorical"] == 1
    assert run["fingerprint"] == BlackBoxProblem(SPACE, bowl, 99).fingerprint()  # the budget is not the problem


def test_maximize_keeps_the_largest_value():
    solution = solve_problem(BlackBoxProblem(SPACE, bowl, 10, direction="maximize"), solver="random", record=False,
                             params={"seed": 1})
    assert solution.status == "feasible" and solution.objective == max(t[1] for t in solution.extra["trace"])
    assert kinds.get("blackbox").sense(BlackBoxProblem(SPACE, bowl, 1, direction="maximize")) == "max"


def test_recheck_turns_a_value_the_function_does_not_reproduce_into_an_error():
    counter = itertools.count()

    def drifting(params: dict) -> float:  # a different value on every call
        return float(next(counter))

    solution = solve_problem(BlackBoxProblem(SPACE, drifting, 4, recheck=True), solver="random", record=False)
    assert solution.status == "error" and not solution.verified
    assert "not the reported" in solution.verification.message


def test_a_point_outside_the_space_fails_the_check():
    problem = BlackBoxProblem(SPACE, bowl, 5)
    check = verify(problem, {"x": 3.0, "k": 1, "c": "a"}, 1.0)
    assert not check.verified and "[-2.0, 2.0]" in check.message
    assert not verify(problem, {"x": 0.0, "k": 1, "c": "z"}, 1.0).verified
    assert verify(problem, {"x": 0.0, "k": 1, "c": "a"}, 1.0).verified


def test_an_unknown_sampler_names_the_ones_there_are():
    with pytest.raises(SolverUnavailableError, match="cmaes"):
        solve_problem(BlackBoxProblem(SPACE, bowl, 3), solver="annealing", record=False)


@pytest.mark.parametrize(("field", "value"), [("budget", 0), ("direction", "down"), ("objective", 3)])
def test_bad_arguments_name_the_argument(field, value):
    arguments = {"space": SPACE, "objective": bowl, "budget": 3, field: value}
    with pytest.raises(OptionError, match=f"`{field}`"):
        BlackBoxProblem(**arguments)


def test_the_kinds_are_listed_in_one_order_whichever_was_imported_first():
    """This module imported the black-box kind before the others; the list (and the messages naming it) starts as always."""
    assert kinds.names()[:7] == ["math_program", "routing", "jobshop", "robust", "bilevel", "nonlinear", "blackbox"]
