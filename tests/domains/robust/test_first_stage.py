"""``first_stage_infeasible``: the public check, shared by CCG and the learned method, that the rows
holding neither recourse nor uncertainty leave some first-stage decision."""

from __future__ import annotations

from optarium.domains.robust.ccg import first_stage_infeasible, solve_ccg

from .problems import short


def test_a_first_stage_row_no_decision_satisfies_is_found_and_ccg_reports_the_problem_infeasible() -> None:
    problem = short(upper=10, at_least=4).build()
    assert first_stage_infeasible(problem)
    assert solve_ccg(problem).status == "infeasible"


def test_first_stage_rows_that_leave_a_decision_pass() -> None:
    assert not first_stage_infeasible(short(upper=10, at_least=2).build())
    assert not first_stage_infeasible(short(upper=10).build())
