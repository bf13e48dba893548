"""optarium.solve on .nl files and Pyomo models with nonlinear expressions: recorded, verified, written back."""

from __future__ import annotations

from pathlib import Path

import pytest

import optarium
from optarium.errors import InvalidModelError
from optarium.store.base import open_store


def test_an_nl_file_is_solved_verified_and_recorded_as_a_nonlinear_run(data: Path) -> None:
    store = open_store("memory://nonlinear-file")
    solution = optarium.solve(str(data / "st_e13.nl"), store=store)
    assert solution.kind == "nonlinear" and solution.status == "optimal" and solution.verified
    assert solution.values == pytest.approx({"x0": 0.5, "x1": 1.0}, abs=1e-6)
    assert solution.run_id is not None and store.count_runs() == 1
    summary = solution.summary()
    assert summary["plan"]["solver"] == "scip" and summary["verified"] is True


def test_a_pyomo_model_with_nonlinear_expressions_gets_its_values_written_back() -> None:
    pyo = pytest.importorskip("pyomo.environ")
    model = pyo.ConcreteModel(name="reactor")
    model.x = pyo.Var(bounds=(0.1, 5))
    model.y = pyo.Var(bounds=(0.1, 5))
    model.on = pyo.Var(domain=pyo.Binary)
    model.cost = pyo.Objective(expr=(model.x - 2) ** 2 + pyo.exp(-model.y) + model.x * model.y + 3 * model.on)
    model.need = pyo.Constraint(expr=pyo.log(model.x) + model.y >= 1 - model.on)
    model.cap = pyo.Constraint(expr=pyo.sqrt(model.x * model.y) <= 2)
    solution = optarium.solve(model, record=False)
    assert solution.kind == "nonlinear" and solution.status == "optimal" and solution.verified
    assert set(solution.values) == {"x", "y", "on"}
    assert pyo.value(model.cost) == pytest.approx(solution.objective, rel=1e-6)
    assert model.x.value == pytest.approx(solution.values["x"])


def test_a_linear_pyomo_model_still_goes_the_math_program_way() -> None:
    pyo = pytest.importorskip("pyomo.environ")
    model = pyo.ConcreteModel()
    model.x = pyo.Var(bounds=(0, 3))
    model.obj = pyo.Objective(expr=model.x, sense=pyo.maximize)
    assert optarium.solve(model, record=False).kind == "math_program"


def test_an_unsupported_pyomo_function_is_named() -> None:
    pyo = pytest.importorskip("pyomo.environ")
    model = pyo.ConcreteModel()
    model.x = pyo.Var(bounds=(0, 1))
    model.obj = pyo.Objective(expr=pyo.atan(model.x) ** 3)
    with pytest.raises(InvalidModelError, match="unsupported function 'atan'"):
        optarium.solve(model, record=False)


def test_a_domain_error_is_refused_before_anything_is_recorded() -> None:
    pyo = pytest.importorskip("pyomo.environ")
    store = open_store("memory://nonlinear-domain")
    model = pyo.ConcreteModel()
    model.x = pyo.Var(bounds=(0, 4))
    model.obj = pyo.Objective(expr=-pyo.log(model.x) * model.x)
    with pytest.raises(InvalidModelError, match="argument of log may be <= 0"):
        optarium.solve(model, store=store)
    assert store.count_runs() == 0


def test_pyomo_params_named_expressions_indexed_and_fixed_variables_are_read() -> None:
    pyo = pytest.importorskip("pyomo.environ")
    model = pyo.ConcreteModel(name="blend")
    model.goods = pyo.RangeSet(3)
    model.price = pyo.Param(model.goods, initialize={1: 2.0, 2: 3.0, 3: 1.5}, mutable=True)
    model.x = pyo.Var(model.goods, bounds=(0.1, 4))
    model.scale = pyo.Var(initialize=2.0)
    model.scale.fix()
    model.mix = pyo.Expression(expr=sum(model.price[i] * model.x[i] ** 2 for i in model.goods))
    model.cost = pyo.Objective(expr=model.mix / model.scale + pyo.sqrt(model.x[1] * model.x[2]))
    model.need = pyo.Constraint(expr=pyo.log(model.x[1]) + model.x[2] * model.x[3] >= 1)
    solution = optarium.solve(model, record=False)
    assert solution.status == "optimal" and solution.verified
    assert set(solution.values) == {"x[1]", "x[2]", "x[3]"}  # the fixed variable is a constant
    assert pyo.value(model.cost) == pytest.approx(solution.objective, rel=1e-6)
