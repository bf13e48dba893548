"""Ctrl-C during ``optarium solve x.nl`` with a local solver: the best feasible point so far is kept, verified and
recorded with status ``interrupted``; exit 130."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from optarium.store.base import open_store

from ...conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")


@pytest.mark.parametrize("solver", ["ipopt", "slsqp"])
def test_ctrl_c_keeps_the_best_feasible_point_of_a_local_solver(tmp_path: Path, chain_nl: Path, solver: str) -> None:
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    code, out, log = interrupt_when(
        [OPTARIUM, "-vv", "solve", str(chain_nl), "--solver", solver, "--json", "--time-limit", "60", "--store", store],
        lambda log: any(f"{solver} iterating" in line for line in log), after=0.3, timeout=60)
    assert code == 130, log
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["verified"] and result["solver"] == solver, result
    assert result["objective"] is not None and "Traceback" not in log
    recorded = open_store(store).get_run(result["run_id"])
    assert recorded["status"] == "interrupted" and recorded["verified"] and recorded["objective"] == result["objective"]
