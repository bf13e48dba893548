"""The learned method calls an unbounded problem unbounded, as the exact method does, instead of
reporting a decision its network's +-1e6 box made up; it trains no network for one."""

from __future__ import annotations

import pytest

from optarium.domains.robust import RobustBuilder
from optarium.domains.robust.backend import CCG
from optarium.domains.robust.learned import LearnedPlanner, Neur2RO, unbounded
from optarium.domains.robust.problem import RobustProblem
from optarium.plan import Plan


def _problem(unbounded_part: str) -> RobustProblem:
    """``min cost`` with demand ``xi`` in [0, 6] met by ``x + y``; ``unbounded_part`` says which
    variable has no upper bound and a negative cost (``first``, ``recourse``), or ``none``."""
    builder = RobustBuilder(f"unbounded-{unbounded_part}")
    x = builder.first_stage(1, "x", upper=float("inf") if unbounded_part == "first" else 3.0, vtype="integer")
    y = builder.recourse(1, "y", upper=10, vtype="integer")
    z = builder.recourse(1, "z", upper=float("inf") if unbounded_part == "recourse" else 5.0)
    xi = builder.uncertain(1, "demand", lower=0, upper=6)
    builder.objective((-1 if unbounded_part == "first" else 1) * x[0] + 3 * y[0] - z[0])
    builder.constrain(x[0] + y[0], ">=", xi[0])
    builder.constrain(z[0] + x[0], ">=", 0)  # z sits in no row that depends on the uncertainty
    return builder.build()


@pytest.mark.parametrize("unbounded_part", ["first", "recourse"])
def test_learned_says_unbounded_where_exact_does_and_trains_nothing(unbounded_part: str) -> None:
    problem = _problem(unbounded_part)
    exact = CCG().solve(problem, None, Plan("ccg", {}, "", "rules"))
    plan = LearnedPlanner(samples=40, epochs=5).plan(problem)
    assert plan.params == {"unbounded": True} and "unbounded" in plan.reason
    learned = Neur2RO().solve(problem, None, plan)
    assert exact.status == learned.status == "unbounded"
    assert learned.payload is None and learned.objective is None


def test_a_bounded_problem_is_not_called_unbounded() -> None:
    assert not unbounded(_problem("none"), 10.0)
