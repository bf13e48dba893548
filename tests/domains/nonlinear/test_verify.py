"""The independent check: bounds, every constraint, integrality and the objective, from the graph alone."""

from __future__ import annotations

import math

import pytest

from optarium.domains.nonlinear import Model, log, verify_point


def problem():  # type: ignore[no-untyped-def]
    m = Model("check")
    x, y = m.var("x", 0.5, 3), m.var("k", 0, 4, type="integer")
    m.minimize(x**2 + y)
    m.subject_to(x * y >= 1, name="product")
    m.subject_to(log(x) <= 1, name="log")
    return m.build()


def test_a_feasible_point_is_verified_with_the_objective_recomputed() -> None:
    check = verify_point(problem(), [1.0, 1.0], 2.0)
    assert check.verified and check.objective == pytest.approx(2.0) and check.max_violation == 0.0


def test_each_kind_of_violation_is_named() -> None:
    assert verify_point(problem(), [0.5, 1.0]).violations == ("constraint product violated by 0.5",)
    assert "k is 0.5 from an integer" in verify_point(problem(), [1.0, 1.5]).violations
    assert verify_point(problem(), [3.5, 1.0]).violations[0].startswith("bound of x violated")
    lied = verify_point(problem(), [1.0, 1.0], 1.5)
    assert not lied.verified and "reported objective 1.5 but the point gives 2.0" in lied.message


def test_a_point_outside_a_function_domain_is_not_verified() -> None:
    m = Model()
    x = m.var("x", -1, 1)
    m.minimize(x)
    m.subject_to(log(x) <= 0, name="log")
    check = verify_point(m.build(), [-0.5])
    assert not check.verified and "constraint log is not defined at the point" in check.message


def test_a_point_of_the_wrong_size_or_with_nan_is_not_verified() -> None:
    assert not verify_point(problem(), [1.0]).verified
    assert not verify_point(problem(), [math.nan, 1.0]).verified
