"""SCIP proves global optima; Ipopt and SLSQP give local ones, never called optimal; the planner says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.domains.nonlinear import Model, read_nl, solve_nonlinear
from optarium.domains.nonlinear.planner import NonlinearPlanner
from optarium.errors import SolverCapabilityError


def two_wells() -> Model:
    """min ((x - 2)^2 - 1)^2 - 0.3 (x - 2) on [0, 3.2]: a local minimum near x = 1.04, the global one near 3.04.

    The local solvers start at x = 1.6 (the middle of the bounds), inside the worse well.
    """
    m = Model("two_wells")
    x = m.var("x", 0, 3.2)
    m.minimize(((x - 2) ** 2 - 1) ** 2 - 0.3 * (x - 2))
    m.subject_to(x >= 0)
    return m


@pytest.mark.parametrize(("name", "optimum"), [("st_e13", 2.0), ("ex1222", 1.0765430830), ("nvs22", 6.05822),
                                               ("syn05m", 837.7324009)])
@pytest.mark.parametrize("scip_input", ["file", "graph"])
def test_scip_finds_the_published_global_optimum_with_a_closed_gap(data: Path, name: str, optimum: float, scip_input: str) -> None:
    # "file": SCIP reads the .nl file itself (the plan for files); "graph": SCIP's model built from our graph
    solution = solve_nonlinear(data / f"{name}.nl", time_limit=30, record=False, scip_input=scip_input)
    assert solution.status == "optimal" and solution.verified and solution.extra["scip_input"] == scip_input
    assert solution.objective == pytest.approx(optimum, rel=1e-6)
    assert solution.bound is not None and solution.gap is not None and solution.gap <= 1e-6
    assert solution.verification is not None and solution.verification.reader == "nl"


@pytest.mark.parametrize("solver", ["ipopt", "slsqp"])
def test_a_local_solver_is_locally_optimal_never_optimal(data: Path, solver: str) -> None:
    pytest.importorskip("cyipopt" if solver == "ipopt" else "scipy")
    solution = solve_nonlinear(data / "prob06.nl", solver=solver, record=False)
    assert solution.status == "locally_optimal" and solution.verified
    assert solution.objective == pytest.approx(1.1771243440, rel=1e-6)
    assert solution.bound is None


def test_a_local_solver_may_stop_in_a_worse_well_where_scip_finds_the_global_one() -> None:
    pytest.importorskip("cyipopt")
    problem = two_wells().build()
    local = solve_nonlinear(problem, solver="ipopt", record=False)
    best = solve_nonlinear(problem, solver="scip", record=False)
    assert local.status == "locally_optimal" and best.status == "optimal"
    assert best.values["x"] == pytest.approx(3.0355, abs=1e-3) and local.values["x"] == pytest.approx(1.04, abs=0.05)
    assert best.objective is not None and local.objective is not None and best.objective < local.objective - 0.5


def test_a_global_optimum_asked_of_a_local_solver_on_a_nonconvex_problem_is_refused() -> None:
    pytest.importorskip("cyipopt")
    with pytest.raises(SolverCapabilityError, match="not proven convex when a global optimum is asked"):
        solve_nonlinear(two_wells().build(), solver="ipopt", global_optimum=True, record=False)


def test_integer_variables_are_refused_by_a_local_solver(data: Path) -> None:
    with pytest.raises(SolverCapabilityError, match="integer variables"):
        solve_nonlinear(data / "st_e13.nl", solver="slsqp", record=False)


def test_an_unproven_answer_is_not_optimal() -> None:
    m = Model("hard")
    xs = [m.var(f"x{i}", -10, 10) for i in range(12)]
    m.minimize(sum((x**2 - 1) * (x - 0.3 * i) for i, x in enumerate(xs)) + xs[0] * xs[1] * xs[2])
    solution = solve_nonlinear(m.build(), solver="scip", time_limit=0.05, record=False)
    assert solution.status in ("time_limit", "feasible", "optimal")
    if solution.status == "optimal":  # solved within the limit after all: the gap must be closed
        assert solution.gap is not None and solution.gap <= 1e-6


def test_the_planner_chooses_by_class_and_says_why(data: Path) -> None:
    minlp = NonlinearPlanner(installed=["scip", "ipopt"]).plan(read_nl(data / "st_e13.nl"))
    assert minlp.solver == "scip" and minlp.params == {"scip_input": "file"} and "reads the .nl file itself" in minlp.reason
    nlp = two_wells().build()
    small = NonlinearPlanner(installed=["scip", "ipopt"]).plan(nlp)
    assert small.solver == "scip" and "small enough" in small.reason
    large = NonlinearPlanner(installed=["scip", "ipopt"], global_size=1).plan(nlp)
    assert large.solver == "ipopt" and "local optimum fast" in large.reason
    asked = NonlinearPlanner(require_global=True, installed=["scip", "ipopt"], global_size=1).plan(nlp)
    assert asked.solver == "scip" and "global optimum asked" in asked.reason


def test_infeasible_and_unbounded_problems_say_so_without_a_point() -> None:
    m = Model("infeasible")
    x = m.var("x", 0, 1)
    m.minimize(x)
    m.subject_to(x * x >= 2)
    assert solve_nonlinear(m.build(), record=False).status == "infeasible"
    m = Model("unbounded")
    x, y = m.var("x"), m.var("y", 0, 1)
    m.minimize(-x * x * y - x)
    solution = solve_nonlinear(m.build(), time_limit=5, record=False)
    assert solution.status == "unbounded" and solution.payload is None


def test_scip_reports_progress_with_incumbent_and_bound(data: Path) -> None:
    seen: list = []
    solution = solve_nonlinear(data / "nvs17.nl", time_limit=30, record=False, progress=seen.append)
    assert solution.status == "optimal" and solution.objective == pytest.approx(-1100.4, rel=1e-6)
    assert seen, "no progress in a solve of a second or more"
    last = seen[-1]
    assert last.incumbent is not None and last.bound is not None and last.bound <= last.incumbent + 1e-6
