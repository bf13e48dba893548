"""The RE suite's problems in benchmarks/re_problems.py: the suite's own values, its normalisation, bad points.

Expected raw values were computed once with the suite's reference implementation
(github.com/ryojitanabe/reproblems, reproblem_python_ver/reproblem.py at commit 2884574).
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "re_problems.py"
_SPEC = importlib.util.spec_from_file_location("re_problems", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
re_problems = importlib.util.module_from_spec(_SPEC)
sys.modules.setdefault("re_problems", re_problems)  # dataclasses look their module up there
_SPEC.loader.exec_module(re_problems)
RE_PROBLEMS = re_problems.RE_PROBLEMS

SUITE_VALUES = [
    ("RE21", [2.274, 1.842, 1.479, 1.033], [1880.4245642067815, 0.024387439445071737]),
    ("RE33", [70.087, 92.932, 1918.124, 18.822], [3.25223490401229, 2.2102218493700536, 0.0]),
    ("RE33", [75.062, 90.843, 1438.187, 11.269], [1.3174017274867054, 4.854920900386772, 4.218999999999994]),
    ("RE37", [0.658, 0.715, 0.708, 0.28], [0.3961041633999999, 0.5854276625, 0.37874095724800017]),
    ("RE37", [0.948, 0.489, 0.71, 0.7], [0.5374973877999999, 0.4739070499, 0.5892901657659998]),
]


@pytest.mark.parametrize(("name", "x", "expected"), SUITE_VALUES)
def test_raw_objectives_match_the_suites_reference_implementation(name: str, x: list[float],
                                                                  expected: list[float]) -> None:
    raw = RE_PROBLEMS[name].raw(np.array([x]))[0]
    np.testing.assert_allclose(raw, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("name", "x", "expected"), SUITE_VALUES)
def test_objectives_are_normalised_by_the_suites_ideal_and_nadir(name: str, x: list[float],
                                                                 expected: list[float]) -> None:
    problem = RE_PROBLEMS[name]
    ideal, nadir = np.array(problem.ideal), np.array(problem.nadir)
    np.testing.assert_allclose(problem(np.array(x)), (np.array(expected) - ideal) / (nadir - ideal), rtol=1e-12)
    assert list(problem.ref_point) == [1.1] * problem.num_objectives


def test_re21_extreme_designs_land_on_the_corners_of_the_normalised_front() -> None:
    # the thinnest bars give the least volume and the largest displacement, the reverse at the other corner
    problem = RE_PROBLEMS["RE21"]
    root2 = math.sqrt(2.0)
    corners = problem(np.array([[1.0, root2, root2, 1.0], [3.0, 3.0, root2, 3.0]]))
    np.testing.assert_allclose(corners, [[0.0, 1.0], [1.0, 0.0]], atol=1e-9)


def test_a_batch_of_points_gives_the_same_objectives_as_one_point_at_a_time() -> None:
    rng = np.random.default_rng(0)
    for problem in RE_PROBLEMS.values():
        points = problem.bounds[0] + rng.random((7, problem.dim)) * (problem.bounds[1] - problem.bounds[0])
        batch = problem(points)
        assert batch.shape == (7, problem.num_objectives)
        np.testing.assert_allclose(batch, [problem(point) for point in points])


def test_a_point_of_the_wrong_length_names_the_problem_and_its_dimension() -> None:
    with pytest.raises(ValueError, match="RE37 takes 4 variables"):
        RE_PROBLEMS["RE37"](np.zeros(3))
