"""Ctrl-C on the shared flow and while the command starts: exit 130, no traceback, nothing begun after it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from optarium.store.base import open_store

from ..conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_ctrl_c_with_a_point_records_it_and_starts_no_cross_check(tmp_path: Path, market_split: Callable[..., Path]) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    model = market_split(tmp_path / "split.lp")

    def searching(log: list[str]) -> bool:  # two rows of HiGHS's table below its header: a point is known by then
        header = next((k for k, line in enumerate(log) if "BestSol" in line), None)
        return header is not None and len(log) - header - 1 >= 2

    code, out, log = interrupt_when(
        [OPTARIUM, "-v", "solve", str(model), "--json", "--solver", "highs", "--cross-check", "--time-limit", "20",
         "--solver-log", "--store", store], searching, after=0.1)
    assert code == 130, log
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["verified"] and result["solver"] == "highs", result
    assert result["cross_check"] is None and "cross-check not run: the solve was interrupted" in result["message"]
    assert "scip started" not in log and "Traceback" not in log
    recorded = open_store(store).get_run(result["run_id"])
    assert recorded["status"] == "interrupted" and recorded["cross_check"] is None


def test_ctrl_c_during_the_cross_check_keeps_the_first_answer(tmp_path: Path, market_split: Callable[..., Path]) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    model = market_split(tmp_path / "split.lp")
    code, out, log = interrupt_when(
        [OPTARIUM, "-v", "solve", str(model), "--json", "--solver", "highs", "--cross-check", "--time-limit", "0.5",
         "--store", store], lambda log: any(line.endswith("scip started\n") for line in log), after=0.1)
    assert code == 130, log
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["verified"] and result["objective"] is not None, result
    # SCIP stopped with a point or none: a better one of its own is reported as SCIP's, else HiGHS's is kept
    assert result["cross_check"]["solver"] == "scip" and "interrupted" in result["cross_check"]["note"]
    assert "highs finished: time_limit" in log and "Traceback" not in log
    recorded = open_store(store).get_run(result["run_id"])
    assert recorded["status"] == "interrupted" and recorded["objective"] == result["objective"]


def test_ctrl_c_while_the_command_starts_is_exit_130_without_a_traceback(tmp_path: Path) -> None:
    # compiled from source each time (no bytecode cache), the imports take long enough to be interrupted
    # in the middle; the import-time log says when the first of the command's own modules is in
    slow_start = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path / "no-cache"),
                  "PYTHONPROFILEIMPORTTIME": "1"}
    def imported(log: list[str], module: str) -> bool:
        return any(line.startswith("import time:") and line.rsplit("|", 1)[-1].strip() == module for line in log)

    code, out, log = interrupt_when([OPTARIUM, "--help"], lambda log: imported(log, "optarium.cli"), after=0, env=slow_start)
    assert (code, out) == (130, ""), log
    assert "Traceback" not in log and log.endswith("interrupted\n"), log
    # stopped while the command's modules were still being imported (an import cut short is logged too, the
    # last of them to import is not)
    assert not imported(log.splitlines(), "optarium.cli.serve")
