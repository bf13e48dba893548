"""Pareto fronts and hypervolume of values near the largest float: exact where the volume is a float,
``inf`` where it is not, never an overflow warning."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optarium.blackbox.pareto import hypervolume, infer_reference, non_dominated
from optarium.cli.main import app

pytestmark = pytest.mark.filterwarnings("error")  # an overflow RuntimeWarning fails the test


def test_the_hypervolume_of_huge_values_is_the_exact_volume_scaled() -> None:
    points = np.random.default_rng(0).random((30, 3))
    reference = np.array([1.2, 1.3, 1.1])
    scale = 1e102  # each range about 1e102, the volume about 1e306: intermediate products of the sweep overflow
    assert hypervolume(points * scale, reference * scale) == pytest.approx(hypervolume(points, reference) * scale**3,
                                                                            rel=1e-12)
    assert hypervolume(np.array([[-0.6e308, 1.0]]), np.array([0.9e308, 1.5])) == pytest.approx(0.75e308, rel=1e-12)


def test_a_volume_beyond_the_largest_float_is_inf_without_a_warning() -> None:
    assert hypervolume(np.array([[1e308, -1e308], [-1e308, 1e308]]), np.array([1.7e308, 1.7e308])) == np.inf


def test_an_inferred_reference_of_values_near_the_largest_float_is_finite_and_beyond_them() -> None:
    losses = np.array([[1e308, -1e308], [-1e308, 1e308], [1.7e308, 1.5e308]])
    reference = infer_reference(losses)
    assert np.isfinite(reference).all() and (reference >= losses.max(axis=0)).all()
    assert reference[1] == pytest.approx(1.75e308)  # 1.5e308 plus a tenth of the range 2.5e308


def test_an_inferred_reference_of_ordinary_values_is_the_worst_plus_a_tenth_of_the_range() -> None:
    losses = np.array([[3.0, -2.0], [1.0, 0.5]])
    assert infer_reference(losses).tolist() == [3.0 + 0.1 * 2.0, 0.5 + 0.1 * 2.5]
    assert infer_reference(np.array([[3.0, -2.0]])).tolist() == [3.0 + 0.3, -2.0 + 0.2]  # flat: a tenth of the size


def test_study_best_of_huge_values_prints_the_front_and_no_warning(tmp_path: Path) -> None:
    (tmp_path / "space.yaml").write_text("x: {type: float, low: 0.0, high: 1.0}\n")
    store = f"sqlite:///{tmp_path / 's.db'}"

    def invoke(*args: str) -> tuple[int, str, str]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = CliRunner().invoke(app, ["study", *args, "--store", store])
        return result.exit_code, result.stdout, result.stderr

    assert invoke("create", "s", "--space", str(tmp_path / "space.yaml"), "--directions", "minimize,minimize",
                  "--sampler", "random")[0] == 0
    assert invoke("ask", "s", "--n", "2")[0] == 0
    assert invoke("tell", "s", "1", "1e308", "-1e308")[0] == 0
    assert invoke("tell", "s", "2", "-1e308", "1e308")[0] == 0
    code, out, err = invoke("best", "s")
    assert (code, err) == (0, "") and "Pareto front: 2 trials; hypervolume beyond the largest float" in out
    code, out, err = invoke("best", "s", "--json")
    shown = json.loads(out)
    assert (code, err) == (0, "") and shown["hypervolume"] is None and len(shown["pareto_front"]) == 2
    assert all(v is not None for v in shown["reference"])


def dominated_by_definition(losses: np.ndarray) -> np.ndarray:
    """Each row: does another row weakly beat it everywhere and strictly somewhere (row by row, O(n^2))."""
    return np.array([bool((np.all(losses <= row, axis=1) & np.any(losses < row, axis=1)).any()) for row in losses], dtype=bool)


@pytest.mark.parametrize("objectives", [1, 2, 3, 4])
def test_the_front_is_every_row_no_other_row_dominates_with_ties_and_duplicates(objectives: int) -> None:
    rng = np.random.default_rng(objectives)
    for draw in range(60):
        count = int(rng.integers(0, 600 if draw % 10 == 0 else 40))
        losses = rng.integers(0, 4, size=(count, objectives)).astype(float) if draw % 2 else rng.random((count, objectives))
        if count > 1:
            losses[-1] = losses[0]  # a duplicate: both stay when neither is dominated
        assert non_dominated(losses).tolist() == (~dominated_by_definition(losses)).tolist()
