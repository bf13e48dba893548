"""examples/blackbox_papers.py (shown in docs/blackbox.md) keeps running, at a small budget."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blackbox_papers.py"


def load():
    spec = importlib.util.spec_from_file_location("blackbox_papers", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ranking_only_descent_improves_on_its_start_and_counts_rankings() -> None:
    best, rankings = load().ranking_run(seed=0, group=4, budget=80)
    assert rankings == 20
    assert best < 0.5 * 1.4667  # the centre's value: sum of linspace(-0.6, 0.6, 10) squared

