"""Shared by the nonlinear tests: the folder of small MINLPLib instances, and a slow chain model written here."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture(scope="session")
def chain_nl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200-variable chain, written with Pyomo's NL writer: 100 x and 100 y in [-3, 3], minimise the Rosenbrock
    chain over y plus sin(x_i) y_i + 0.1 x_i^2 subject to y_i^2 + x_{i+1} y_{i+1} <= 4 (99 rows). Its start is
    feasible, and Ipopt and SLSQP each take over 10 s on it: a Ctrl-C or a short time limit always finds a point."""
    import pyomo.environ as pyo

    n = 100
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n - 1)
    m.x = pyo.Var(m.I, bounds=(-3, 3), initialize=-1.2)
    m.y = pyo.Var(m.I, bounds=(-3, 3), initialize=0.5)
    m.obj = pyo.Objective(expr=sum(100 * (m.y[i] - m.y[i - 1] ** 2) ** 2 + (1 - m.y[i - 1]) ** 2 for i in range(1, n))
                          + sum(pyo.sin(m.x[i]) * m.y[i] + 0.1 * m.x[i] ** 2 for i in m.I))
    m.c = pyo.Constraint(pyo.RangeSet(0, n - 2), rule=lambda m, i: m.y[i] ** 2 + m.x[i + 1] * m.y[i + 1] <= 4)
    path = tmp_path_factory.mktemp("chain") / "chain100.nl"
    m.write(str(path), format="nl", io_options={"symbolic_solver_labels": False})
    return path
