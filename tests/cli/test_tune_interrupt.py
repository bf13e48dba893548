"""Ctrl-C during ``optarium tune``: exit 130, no traceback, and no tuned configuration saved from the cut-short runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from optarium.store.base import open_store

from ..conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_ctrl_c_during_a_solve_stops_tuning_and_saves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "family"  # hard set covers: HiGHS takes over 10 s on each, so the Ctrl-C comes inside a solve
    subprocess.run([OPTARIUM, "generate", "set_cover", "--n", "3", "--difficulty", "hard", "--out", str(folder)],
                   check=True, capture_output=True)
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    code, out, log = interrupt_when(
        [OPTARIUM, "-v", "tune", str(folder), "--budget", "6", "--time-cap", "30", "--store", store],
        lambda log: any(line.endswith("highs started\n") for line in log), after=0.3)
    assert code == 130, log
    assert out == "" and log.endswith("\ninterrupted\n") and "Traceback" not in log, (out, log)
    assert "configuration 1" not in log  # the interrupted run was not taken for a result
    assert open_store(store).list_artifacts() == []
