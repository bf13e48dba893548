"""The error for a recourse that no first-stage decision keeps names what is true: the one scenario that
leaves no decision, or the scenarios that do so only together."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.domains.robust import RobustBuilder
from optarium.domains.robust.ccg import RecourseInfeasibleError, master_problem, solve_ccg

from .problems import short


def squeeze() -> RobustBuilder:
    """``x`` in 0..6 now, ``y`` in 0..2 later, with ``x + y >= demand`` and ``x - y <= demand``.

    A demand of 6 needs ``x >= 4`` and a demand of 0 needs ``x <= 2``: each alone leaves decisions
    with a recourse, the two together leave none.
    """
    b = RobustBuilder("squeeze")
    x = b.first_stage(1, "x", upper=6, vtype="integer")
    y = b.recourse(1, "y", upper=2, vtype="integer")
    demand = b.uncertain(1, "demand", lower=0, upper=6)
    b.objective(x[0] + y[0])
    b.constrain(x[0] + y[0], ">=", demand[0])
    b.constrain(x[0] - y[0], "<=", demand[0])
    return b


def test_scenarios_that_leave_no_decision_only_together_are_named_together() -> None:
    problem = squeeze().build()
    with pytest.raises(RecourseInfeasibleError) as raised:
        solve_ccg(problem, time_limit=20)
    named = raised.value.scenarios
    assert len(named) == 2 and "together leave no first-stage decision" in str(raised.value)
    assert "whatever the first-stage decision" not in str(raised.value)
    assert sorted(float(scenario[0]) for scenario in named) == [0.0, 6.0]
    for scenario in named:  # each alone leaves a decision, which is why the message says "together"
        assert master_problem(problem, [scenario], None).status == "optimal"
    assert master_problem(problem, named, None).status == "infeasible"


def test_a_scenario_that_leaves_no_decision_alone_is_named_alone() -> None:
    with pytest.raises(RecourseInfeasibleError, match=r"for scenario \(demand\[0\]=6\) whatever the first-stage decision") as raised:
        solve_ccg(short(upper=2).build(), time_limit=20)
    assert len(raised.value.scenarios) == 1 and np.array_equal(raised.value.scenario, [6.0])
