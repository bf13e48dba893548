"""`optarium schedule` for people: one gap on the screen, named (to the best-known makespan)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_a_time_limited_schedule_shows_one_gap_named_and_the_lower_bound_as_a_number(
    on_terminal: Callable[..., tuple[int, str, str]],
) -> None:
    code, out, screen = on_terminal(["schedule", "ta21", "--time-limit", "2.5", "--threads", "2", "--no-record"])
    assert code == 0, screen
    first = out.splitlines()[0]
    assert first.startswith("time_limit  makespan ")
    assert first.count("%") == 1 and "above the best-known 1642" in first and "lower bound " in first
    assert "gap" not in out
    # the live line while CP-SAT works names the same quantities and shows no second gap
    assert "scheduling" in screen and "makespan" in screen and "gap" not in screen


def test_json_keeps_both_numbers_under_their_names() -> None:
    done = subprocess.run([OPTARIUM, "schedule", "ft06", "--time-limit", "5", "--no-record", "--json"],
                          capture_output=True, text=True, timeout=120)
    data = json.loads(done.stdout)
    assert data["gap_to_best_known"] == 0 and data["gap"] == 0 and data["best_known"] == 55
