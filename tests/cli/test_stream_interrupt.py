"""Ctrl-C in `optarium solve-stream`: the stream stops after the instance it cut short, exit 130."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from optarium.store.base import open_store

from ..conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_ctrl_c_stops_the_stream_after_the_instance_it_interrupted(tmp_path: Path, market_split: Callable[..., Path]) -> None:
    folder = tmp_path / "stream"
    folder.mkdir()
    for seed in range(3):
        market_split(folder / f"split{seed}.lp", seed=seed)
    store = f"sqlite:///{tmp_path / 's.db'}"
    code, out, log = interrupt_when(
        [OPTARIUM, "-v", "solve-stream", str(folder), "--policy", "fixed", "--time-cap", "20", "--json", "--store", store],
        lambda log: any(line.endswith("highs started\n") for line in log), after=0.3)
    assert code == 130, log
    summary = json.loads(out)
    assert summary["interrupted"] is True and summary["instances"] == 1, summary
    assert [row["status"] for row in summary["rows"]] == ["interrupted"]
    # the run cut short costs the seconds it ran, not twice the cap as a run that did not finish
    assert summary["total_seconds"] == summary["rows"][0]["seconds"] < 20
    # nothing was started after the Ctrl-C: the one run of the stream is the interrupted one
    assert [run["status"] for run in open_store(store).list_runs(limit=10)] == ["interrupted"]
    assert "Traceback" not in log


def test_ctrl_c_before_the_instance_has_a_point_keeps_the_summary_of_those_before(tmp_path: Path) -> None:
    """The solve cut short had no point (nothing of it recorded): the summary of the instance before is printed
    and the exit code is still 130."""
    from optarium.learn.generators import generate
    from optarium.problem.io import write_problem

    from .conftest import market_split_lp

    folder = tmp_path / "stream"
    folder.mkdir()
    write_problem(generate("multiple_knapsack", 0, n_items=6, n_knapsacks=2), folder / "a_knapsack.mps")
    (folder / "b_split.lp").write_text(market_split_lp())  # no point for a long while
    store = f"sqlite:///{tmp_path / 's.db'}"
    code, out, log = interrupt_when(
        [OPTARIUM, "-v", "solve-stream", str(folder), "--policy", "fixed", "--time-cap", "20", "--store", store],
        lambda log: sum(line.endswith("highs started\n") for line in log) == 2, after=0.3)
    assert code == 130, log
    assert out.startswith("1 instances, policy fixed") and "interrupted: the stream stopped after 1 instance\n" in log
    assert [run["status"] for run in open_store(store).list_runs(limit=10)] == ["optimal"]
    assert "Traceback" not in log
