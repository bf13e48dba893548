"""The classifier of results that reach the top, and its Thompson picks on an enumerated space."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optarium.blackbox.gp import _grid
from optarium.blackbox.lfbo import fit, labels, levels, thompson_pick
from optarium.blackbox.space import Space
from optarium.blackbox.study import Study

CHOICES = ["a", "b", "c", "d"]
SPACE = Space.from_dict({f"p{i}": {"type": "categorical", "choices": CHOICES} for i in range(3)})


def capped_table() -> np.ndarray:
    """Losses of the 64 points of SPACE: level "a" of p0 has the others' mean loss but never their best."""
    rng = np.random.default_rng(0)
    losses = []
    for point in _grid(SPACE):
        level = int(point[0] * 4)
        losses.append(rng.normal(0.0, 0.1) if level == 0 else rng.choice([-1.0, 1.0]) + rng.normal(0.0, 0.1))
    return np.array(losses)


def test_labels_mark_the_best_third_weighted_by_their_gain() -> None:
    losses = np.array([5.0, -2.0, 3.0, 0.0, 1.0, 4.0])
    z, weights = labels(losses)
    assert z.tolist() == [0, 1, 0, 1, 0, 0]
    assert weights[z == 1].mean() == pytest.approx(1.0)
    assert weights[1] > weights[3] and (weights[z == 0] == 1.0).all()


def test_a_level_that_never_reaches_the_top_ranks_last_though_its_mean_is_the_others() -> None:
    grid, losses = _grid(SPACE), capped_table()
    tried = np.random.default_rng(1).choice(len(grid), size=24, replace=False)
    mode, _ = fit(levels(SPACE, grid[tried]), *labels(losses[tried]))
    p0 = mode[1:5]  # intercept first, then the four levels of p0
    assert int(np.argmin(p0)) == 0, p0
    by_level = [losses[tried][(grid[tried][:, 0] * 4).astype(int) == k].mean() for k in range(4)]
    assert min(by_level[1:]) < by_level[0] + 0.5 < max(by_level[1:]) + 0.5  # its mean alone would not rank it last


def test_thompson_picks_rarely_ask_for_the_capped_level() -> None:
    grid, losses = _grid(SPACE), capped_table()
    tried = np.random.default_rng(1).choice(len(grid), size=24, replace=False)
    untried = np.delete(grid, tried, axis=0)
    rng = np.random.default_rng(2)
    picks = [thompson_pick(SPACE, grid[tried], losses[tried], untried, rng) for _ in range(100)]
    capped = np.mean([int(untried[i, 0] * 4) == 0 for i in picks])
    share = np.mean((untried[:, 0] * 4).astype(int) == 0)
    assert capped < share / 2, (capped, share)  # a quarter of the untried points, under a tenth of the picks
    assert len(set(picks)) > 3  # a draw per pick: they differ


def test_levels_need_a_discrete_space() -> None:
    space = Space.from_dict({"x": {"type": "float", "low": 0, "high": 1}})
    with pytest.raises(ValueError, match="`x`"):
        levels(space, np.array([[0.5]]))


def test_the_gp_sampler_asks_every_other_point_from_the_classifier_without_repeats() -> None:
    study = Study.create("table", {f"p{i}": {"type": "categorical", "choices": CHOICES} for i in range(3)},
                         seed=3, store="memory://")
    table = dict(zip(itertools.product(CHOICES, repeat=3), capped_table(), strict=True))
    for _ in range(14):
        (trial,) = study.ask()
        study.tell(trial, float(table[tuple(trial.params[f"p{i}"] for i in range(3))]))
    after_design = [t for t in study.trials if t.sampler == "gp"]
    assert len(after_design) >= 10
    assert [t.info.get("acquisition") == "lfbo" for t in after_design][1::2] == [True] * (len(after_design) // 2)
    assert len({tuple(t.params.values()) for t in study.trials}) == len(study.trials)
