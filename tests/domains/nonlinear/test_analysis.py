"""Detected convexity and domain errors found before anything is solved."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.domains.nonlinear import Model, exp, log, read_nl, sqrt
from optarium.domains.nonlinear.analysis import check_domains, tightened
from optarium.errors import InvalidModelError


def test_convex_pieces_are_recognised() -> None:
    m = Model()
    x, y = m.var("x", -2, 2), m.var("y", 0.1, 5)
    m.minimize((x - 1) ** 2 + 2 * (x + y) ** 2 + exp(x) - log(y) + 1 / y)
    m.subject_to(x**2 + y**2 <= 4)
    m.subject_to(sqrt(y) >= 0.5)
    assert m.build().features()["convex"] is True


def test_a_positive_semidefinite_quadratic_written_as_products_is_convex() -> None:
    m = Model()
    x, y = m.var("x"), m.var("y")
    m.minimize(x * x + x * y + y * y)
    assert m.build().features()["convex"] is True


def test_nonconvex_problems_are_not_called_convex() -> None:
    m = Model()
    x, y = m.var("x", -1, 1), m.var("y", -1, 1)
    m.minimize(x * y)
    assert m.build().features()["convex"] is False
    m = Model()
    x = m.var("x", 0, 2)
    m.minimize(x)
    m.subject_to(x**2 >= 1)  # outside a disc: not convex
    assert m.build().features()["convex"] is False


def test_a_logarithm_of_a_variable_that_may_be_zero_is_refused_by_name() -> None:
    m = Model()
    m.minimize(log(m.var("flow", 0, 10)))
    with pytest.raises(InvalidModelError, match=r"argument of log may be <= 0 .* \[0, 10\]\) in the objective: log\(flow\)"):
        check_domains(m.build())


def test_a_division_by_something_that_may_be_zero_is_refused() -> None:
    m = Model()
    x, y = m.var("x", 1, 2), m.var("y", -1, 1)
    m.minimize(x)
    m.subject_to(x / (y + 0.5) <= 3, name="ratio")
    with pytest.raises(InvalidModelError, match=r"division by an expression that may be 0.*constraint ratio"):
        check_domains(m.build())


def test_a_square_root_of_something_that_may_be_negative_is_refused() -> None:
    m = Model()
    m.minimize(sqrt(m.var("x", -1, 1)))
    with pytest.raises(InvalidModelError, match="argument of sqrt may be negative"):
        check_domains(m.build())


def test_a_safe_domain_passes() -> None:
    m = Model()
    x = m.var("x", 0, 10)
    m.minimize(log(x + 1) + 1 / (x + 2) + sqrt(x))
    check_domains(m.build())


def test_variables_defined_by_constraints_get_the_range_of_their_definition(data: Path) -> None:
    # nvs22 divides by x6, unbounded in the file but defined by x6 = sqrt(... >= 1.25)
    problem = read_nl(data / "nvs22.nl")
    lower, _ = tightened(problem)
    assert problem.lower[6] == float("-inf") and lower[6] >= 1.1
    check_domains(problem)
