"""Values written back into a user's Pyomo or PuLP model read as the user would write them."""

from __future__ import annotations

import math

import optarium


def test_a_zero_written_back_into_a_pyomo_model_is_never_negative_zero() -> None:
    import pyomo.environ as pyo

    model = pyo.ConcreteModel()
    model.x = pyo.Var(range(3), domain=pyo.NonNegativeIntegers, bounds=(0, 4))
    model.capacity = pyo.Constraint(expr=sum(model.x[i] * (i + 1) for i in range(3)) <= 7)
    model.profit = pyo.Objective(expr=sum(model.x[i] * (3 - i) for i in range(3)), sense=pyo.maximize)
    assert optarium.solve(model, record=False).status == "optimal"
    values = [model.x[i].value for i in range(3)]
    assert values == [4.0, 1.0, 0.0]
    assert all(math.copysign(1.0, v) == 1.0 for v in values), values  # HiGHS answers -0.0 for x[2]
