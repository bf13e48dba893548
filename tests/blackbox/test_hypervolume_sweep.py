"""The two-objective hypervolume as one numpy sweep, and the hypervolume history kept incrementally, give the
values of the point-by-point loops they replaced, to the last bit: on random fronts with ties, duplicates, points
beyond the reference and values near the largest float (measured scaled by powers of two)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from optarium.blackbox.base import Trial
from optarium.blackbox.multiobjective import hypervolume_history, inferred_reference, signs
from optarium.blackbox.pareto import _UNSCALED, Staircase, hypervolume, non_dominated

pytestmark = pytest.mark.filterwarnings("error")  # an overflow RuntimeWarning fails the test


def loop_hypervolume(losses: np.ndarray, reference: np.ndarray) -> float:
    """The hypervolume in two objectives as it was measured before the sweep: one rectangle per point, in a loop."""
    points = np.asarray(losses, dtype=float).reshape(-1, 2)
    ref = np.asarray(reference, dtype=float)
    points = points[np.all(points < ref, axis=1)]
    if not len(points):
        return 0.0
    points = np.unique(points[non_dominated(points)], axis=0)
    exponents = np.zeros(2, dtype=int)
    if np.isfinite(ref).all() and max(float(np.abs(points).max()), float(np.abs(ref).max())) > _UNSCALED:
        exponents = np.frexp(np.maximum(np.abs(points).max(axis=0), np.abs(ref)))[1]
        points, ref = np.ldexp(points, -exponents), np.ldexp(ref, -exponents)
    order = points[np.argsort(points[:, 0])]
    volume, floor = 0.0, ref[1]
    for x, y in order:
        if y < floor:
            volume += (ref[0] - x) * (floor - y)
            floor = y
    with np.errstate(over="ignore"):
        return float(np.ldexp(volume, int(exponents.sum())))


def loop_history(trials: list[Trial], directions: list[str], reference: np.ndarray) -> list[tuple[int, float]]:
    """The hypervolume history as it was measured before: the whole front's hypervolume again at each change."""
    sign = signs(directions)
    out: list[tuple[int, float]] = []
    kept = np.empty((0, len(sign)))
    volume = 0.0
    for count, trial in enumerate(trials, start=1):
        if trial.feasible and trial.values is not None:
            loss = np.asarray(trial.values) * sign
            if not (kept <= loss).all(axis=1).any():
                kept = np.vstack([kept[~(loss <= kept).all(axis=1)], loss])
                volume = loop_hypervolume(kept, reference)
        out.append((count, volume))
    return out


def random_points(rng: np.random.Generator, draw: int) -> np.ndarray:
    """(n, 2): uniform, on a small grid (ties and duplicates), on a curve (all on the front), or near the largest float."""
    count = int(rng.integers(0, 300 if draw % 7 == 0 else 40))
    kind = draw % 4
    if kind == 0:
        points = rng.normal(size=(count, 2)) * 10.0 ** rng.integers(-3, 4)
    elif kind == 1:
        points = rng.integers(0, 5, size=(count, 2)).astype(float)
    elif kind == 2:
        x = rng.random(count)
        points = np.column_stack([x, 1 - np.sqrt(x)]) + rng.random((count, 2)) * 0.01 * (draw % 3)
    else:  # near the largest float in both losses, or in the first only (a finite volume whose sides overflow)
        points = rng.uniform(-1.0, 1.0, size=(count, 2)) * 1.7e308
        if draw % 8 == 7:
            points[:, 1] = rng.random(count) * 1e-300
    if count > 2:
        points[-1] = points[0]  # a duplicate
        points[1, 0] = points[0, 0]  # a tie in the first loss
    return points


def test_the_2d_sweep_gives_the_loops_hypervolume_to_the_last_bit() -> None:
    rng = np.random.default_rng(0)
    for draw in range(400):
        points = random_points(rng, draw)
        if len(points) and draw % 5:
            # a reference some points are beyond (the worst values, or a random quantile of each loss)
            reference = np.sort(points, axis=0)[int(rng.uniform(0.3, 1.0) * (len(points) - 1))] if draw % 2 else points.max(axis=0)
        else:
            reference = rng.normal(size=2)
        if draw % 4 == 3:
            reference = np.clip(reference, -1.7e308, 1.7e308)
        assert hypervolume(points, reference) == loop_hypervolume(points, reference), draw


def test_huge_values_keep_their_power_of_two_scaling() -> None:
    # ranges near the largest float: unscaled, the sweep's differences would overflow to inf
    points = np.array([[-1.5e308, 1.2e308], [0.5e308, -1.0e308], [1.0e308, -1.6e308]])
    reference = np.array([1.7e308, 1.7e308])
    assert hypervolume(points, reference) == loop_hypervolume(points, reference) == np.inf
    small = points / 2.0**1000
    assert hypervolume(points / 2.0**20, reference / 2.0**20) == loop_hypervolume(points / 2.0**20, reference / 2.0**20)
    assert hypervolume(small, reference / 2.0**1000) == pytest.approx(hypervolume(points / 2.0**520, reference / 2.0**520)
                                                                      * 2.0**-960, rel=1e-15)


def test_a_staircase_keeps_the_front_and_the_hypervolume_of_the_points_so_far() -> None:
    rng = np.random.default_rng(1)
    for draw in range(60):
        points = random_points(rng, 4 * draw + draw % 3)  # values up to 1e100 in size (none of the huge kind)
        reference = points.max(axis=0) if len(points) else np.ones(2)
        front = Staircase(reference)
        for count, (x, y) in enumerate(points, start=1):
            joined = front.add(float(x), float(y))
            so_far = points[:count]
            on_front = np.unique(so_far[non_dominated(so_far) & np.all(so_far < reference, axis=1)], axis=0)
            assert front.xs == sorted(on_front[:, 0].tolist()) and front.ys == sorted(on_front[:, 1].tolist())[::-1]
            earlier = points[:count - 1]
            assert joined == bool(x < reference[0] and y < reference[1]
                                  and not np.any((earlier[:, 0] <= x) & (earlier[:, 1] <= y)))
            assert front.volume == loop_hypervolume(so_far, reference)


def random_trials(rng: np.random.Generator, draw: int) -> list[Trial]:
    points = random_points(rng, draw)
    feasible = rng.random(len(points)) < 0.8
    return [Trial(number, {}, "complete", values=tuple(float(v) for v in point), feasibility=None if ok else 1.0)
            for number, (point, ok) in enumerate(zip(points, feasible, strict=True), start=1)]


@pytest.mark.parametrize("directions", [["minimize", "minimize"], ["maximize", "minimize"]])
def test_the_hypervolume_history_is_the_loops_to_the_last_bit(directions: list[str]) -> None:
    rng = np.random.default_rng(2)
    for draw in range(120):
        trials = random_trials(rng, draw)
        inferred = inferred_reference(trials, directions)
        if inferred is None:
            assert hypervolume_history(trials, directions) == []
            continue
        expected = loop_history(trials, directions, np.array(inferred) * signs(directions))
        assert hypervolume_history(trials, directions) == expected, draw
        front = [t for t in trials if t.feasible]
        if draw % 4 != 3 and front:
            # a given reference a feasible trial is better than in both objectives, some others beyond it
            given = [v + (0.5 if d == "minimize" else -0.5) for v, d in zip(front[len(front) // 2].values or (),
                                                                            directions, strict=True)]
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert hypervolume_history(trials, directions, given) == loop_history(
                    trials, directions, np.array(given) * signs(directions)), draw


def test_a_history_of_three_objectives_still_measures_each_change() -> None:
    rng = np.random.default_rng(3)
    directions = ["minimize", "maximize", "minimize"]
    trials = [Trial(n, {}, "complete", values=tuple(float(v) for v in rng.random(3))) for n in range(1, 60)]
    history = hypervolume_history(trials, directions)
    reference = np.array(inferred_reference(trials, directions)) * signs(directions)
    losses = np.array([t.values for t in trials]) * signs(directions)
    assert [volume for _, volume in history] == [hypervolume(losses[:count], reference)
                                                 for count in range(1, len(trials) + 1)]
