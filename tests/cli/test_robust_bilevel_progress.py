"""`optarium robust` and `optarium bilevel` on a terminal: the live line that solve and route show (never into a pipe)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from optarium.cli.common import LiveProgress
from optarium.cli.robust import _relay
from optarium.domains.bilevel.io import to_dict
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.solvers.base import Progress

KNAPSACK20 = Path(__file__).resolve().parents[1] / "domains" / "robust" / "data" / "RKP_ASC_n20_R1000_H100_h40_dev0.15_d0.1"
Terminal = Callable[..., tuple[int, str, str]]


def _doubled(path: Path, to: Path) -> Path:
    """The 20-item instance twice over (capacity and Gamma doubled): 40 items whose twins keep a proof far off."""
    head, *items = [line for line in path.read_text().splitlines() if line.strip()]
    n, capacity, gamma = head.split()
    to.write_text(f"{2 * int(n)} {2 * int(capacity)} {2 * int(gamma)}\n" + "\n".join(items + items) + "\n")
    return to


def test_robust_shows_a_live_line_on_a_terminal_and_ends_with_the_summary(tmp_path: Path, on_terminal: Terminal) -> None:
    path = _doubled(KNAPSACK20, tmp_path / "doubled.rkp")
    code, out, screen = on_terminal(["robust", str(path), "--time-limit", "1.2", "--no-record"])
    assert code == 0
    assert "robust" in screen and "1.2s" in screen  # redrawn in place after a second, then cleared
    assert out.startswith("time_limit  worst case") and "verified" in out and "1.2s" not in out  # not proved in 15 s either


def test_the_robust_methods_progress_reaches_the_live_line_with_its_gap() -> None:
    live = LiveProgress(enabled=False)
    _relay(live)(0.5, 100.0, 110.0)
    assert live.latest is not None and (live.latest.elapsed, live.latest.incumbent, live.latest.bound) == (0.5, 100.0, 110.0)
    assert live.latest.gap == pytest.approx(0.1)
    _relay(live)(0.7, None, 110.0)
    assert live.latest == Progress(0.7, None, 110.0, None)


def _interdiction(n: int, seed: int) -> BilevelProblem:
    """Knapsack interdiction: the leader removes items within a budget, the follower packs the rest (slow to prove)."""
    rng = np.random.default_rng(seed)
    weight, profit, cost = rng.integers(10, 50, n), rng.integers(10, 60, n), rng.integers(5, 30, n)
    zeros, unit = [0.0] * n, np.eye(n).tolist()
    rows = [(zeros, weight.tolist(), "<=", int(weight.sum() * 0.4))] + [(unit[i], unit[i], "<=", 1) for i in range(n)]
    return BilevelProblem.build((zeros, profit.tolist()), (zeros, profit.tolist()), follower_sense="max",
                                x_bounds=[(0, 1)] * n, y_bounds=[(0, 1)] * n, x_integer=[True] * n, y_integer=[True] * n,
                                leader_constraints=[(cost.tolist(), zeros, "<=", int(cost.sum() * 0.3))],
                                follower_constraints=rows, name="interdiction")


def test_bilevel_shows_the_elapsed_time_of_its_budget_on_a_terminal(tmp_path: Path, on_terminal: Terminal) -> None:
    path = tmp_path / "interdiction.json"
    path.write_text(json.dumps(to_dict(_interdiction(15, 1))))
    code, out, screen = on_terminal(["bilevel", str(path), "--time-limit", "1.6", "--no-record"])
    assert code == 0
    assert "bilevel" in screen and "1.6s" in screen  # the line starts after a second: 0.6 s of margin
    assert out.startswith("time_limit") and "1.6s" not in out  # far from proved in 1.6 s
