"""After ``optarium.solve(model)`` the Pyomo or PuLP model holds the verified answer."""

from __future__ import annotations

import pulp
import pyomo.environ as pe
import pytest

import optarium


def pyomo_knapsack() -> pe.ConcreteModel:
    model = pe.ConcreteModel()
    model.goods = pe.Set(initialize=["gold bar", "silver", 3])
    weight = {"gold bar": 4, "silver": 3, 3: 2}
    value = {"gold bar": 10, "silver": 7, 3: 4}
    model.take = pe.Var(model.goods, within=pe.Binary)
    model.spare = pe.Var(bounds=(0, 1.5))
    model.value = pe.Objective(expr=sum(value[i] * model.take[i] for i in model.goods) + model.spare + 1, sense=pe.maximize)
    model.capacity = pe.Constraint(expr=sum(weight[i] * model.take[i] for i in model.goods) + model.spare <= 7)
    return model


@pytest.mark.parametrize("solver", ["highs", "scip"])
def test_pyomo_variables_hold_the_solution_after_solve(solver: str) -> None:
    model = pyomo_knapsack()
    solution = optarium.solve(model, solver=solver, record=False)
    assert solution.status == "optimal" and solution.verified
    assert solution.objective == pytest.approx(18.0)
    assert model.take["gold bar"].value == pytest.approx(1) and model.take["silver"].value == pytest.approx(1)
    assert model.take[3].value == pytest.approx(0) and model.spare.value == pytest.approx(0)
    assert pe.value(model.value) == pytest.approx(solution.objective)
    # the names the user sees, not the LP file's labels
    assert set(solution.values) == {"take[gold bar]", "take[silver]", "take[3]", "spare"}
    assert solution.values["take[gold bar]"] == pytest.approx(1)


def test_pulp_variables_hold_the_solution_after_solve() -> None:
    problem = pulp.LpProblem("mix", pulp.LpMaximize)
    x = {k: problem.add_variable(f"x_{k}", 0, 4, cat="Integer") for k in range(3)}
    y = problem.add_variable("y", 0, None)
    problem += 3 * x[0] + 2 * x[1] + x[2] + 0.5 * y
    problem += x[0] + x[1] + x[2] + y <= 6
    problem += x[0] - y <= 2
    solution = optarium.solve(problem, record=False)
    assert solution.status == "optimal" and solution.verified
    assert [x[k].varValue for k in range(3)] == pytest.approx([2, 4, 0])
    assert y.varValue == pytest.approx(0)
    assert pulp.value(problem.objective) == pytest.approx(solution.objective)
    assert solution.values == {"x_0": pytest.approx(2), "x_1": pytest.approx(4), "x_2": pytest.approx(0), "y": pytest.approx(0)}


def test_an_infeasible_model_keeps_its_values() -> None:
    model = pe.ConcreteModel()
    model.x = pe.Var(bounds=(0, 1), initialize=0.25)
    model.obj = pe.Objective(expr=model.x)
    model.impossible = pe.Constraint(expr=model.x >= 2)
    solution = optarium.solve(model, record=False)
    assert solution.status == "infeasible"
    assert model.x.value == 0.25  # nothing written without a verified point
