"""The expression graph: building with operators, values, gradients and fingerprints."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.domains.nonlinear import Model, exp, log, sin, sqrt
from optarium.domains.nonlinear.calculus import Compiled, intervals
from optarium.domains.nonlinear.expr import Expr, evaluate, var
from optarium.errors import InvalidModelError


def small_model(coefficient: float = 2.0) -> Model:
    m = Model("small")
    x = m.var("x", 0.5, 4)
    y = m.var("y", -1, 3)
    n = m.var("n", 0, 5, type="integer")
    m.minimize(coefficient * x**2 + exp(y) - log(x) * y + sqrt(x + 1) + n)
    m.subject_to(x * y + sin(y) <= 3, name="mix")
    m.subject_to(x + y + n >= 1)
    return m


def test_operators_build_a_graph_whose_values_match_plain_python() -> None:
    problem = small_model().build()
    x, y, n = 1.5, 0.3, 2.0
    objective, activity = problem.evaluate([x, y, n])
    assert objective == pytest.approx(2 * x**2 + np.exp(y) - np.log(x) * y + np.sqrt(x + 1) + n)
    assert activity[0] == pytest.approx(x * y + np.sin(y))
    assert activity[1] == pytest.approx(x + y + n)
    assert (problem.constraints[0].upper, problem.constraints[1].lower) == (3.0, 1.0)


def test_evaluation_takes_many_points_at_once() -> None:
    problem = small_model().build()
    points = np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 0.0]])
    values = evaluate([problem.objective], points)[0]
    assert values.shape == (2,)
    assert values[1] == pytest.approx(problem.evaluate(points[:, 1])[0])


def test_gradients_by_reverse_accumulation_match_finite_differences() -> None:
    problem = small_model().build()
    roots = [problem.objective, *(c.body for c in problem.constraints)]
    compiled = Compiled(roots, problem.n_vars)
    point = np.array([1.3, 0.7, 2.0])
    jacobian = compiled.jacobian(point)
    step = 1e-6
    for j in range(problem.n_vars):
        shift = np.zeros(3)
        shift[j] = step
        numeric = (compiled.values(point + shift) - compiled.values(point - shift)) / (2 * step)
        assert jacobian[:, j] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_fingerprint_is_the_same_for_the_same_problem_and_differs_for_other_numbers() -> None:
    assert small_model().build().fingerprint() == small_model().build().fingerprint()
    assert small_model().build().fingerprint() != small_model(coefficient=2.5).build().fingerprint()
    a, b = var(0), var(1)
    assert (a * b + exp(a)).key() == (exp(a) + b * a).key()  # sums and products in any order


def test_features_count_variables_terms_and_operators() -> None:
    features = small_model().build().features()
    assert (features["n_vars"], features["n_integer"], features["n_cons"]) == (3, 1, 2)
    assert features["problem_class"] == "MINLP"
    assert features["n_nonlinear_cons"] == 1 and features["nonlinear_objective"]
    assert {"exp", "log", "sqrt", "sin", "pow", "mul"} <= set(features["operators"])


def test_intervals_enclose_the_values_over_the_bounds() -> None:
    problem = small_model().build()
    lower, upper = problem.bounds()
    ranges = intervals([problem.objective], list(lower), list(upper))
    lo, hi = ranges[id(problem.objective)]
    rng = np.random.default_rng(0)
    points = lower[:, None] + rng.random((3, 500)) * (upper - lower)[:, None]
    values = evaluate([problem.objective], points)[0]
    assert lo <= values.min() and values.max() <= hi


def test_bad_building_blocks_are_refused_with_their_names() -> None:
    m = Model()
    m.var("x", 0, 1)
    with pytest.raises(InvalidModelError, match="already exists"):
        m.var("x")
    with pytest.raises(InvalidModelError, match="lower <= upper"):
        m.var("z", 2, 1)
    with pytest.raises(InvalidModelError, match="unsupported operator"):
        Expr("erf", (var(0),))
    with pytest.raises(TypeError, match="no truth value"):
        bool(var(0) <= 1)
