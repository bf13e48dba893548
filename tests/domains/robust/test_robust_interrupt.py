"""Ctrl-C during ``optarium robust``: the best decision found so far is kept, verified and recorded; exit 130."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from optarium.store.base import open_store

from ...conftest import interrupt_when
from .conftest import knapsack_text

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def interrupt_once_solving(*args: str, after: float = 0.3) -> tuple[int, str, str]:
    """Run ``optarium -vv robust ARGS --time-limit 60``, send Ctrl-C ``after`` seconds past the log's line on the
    first decision of branch-and-price (the search under way); exit code, stdout, stderr."""
    return interrupt_when([OPTARIUM, "-vv", "robust", *args, "--time-limit", "60"],
                          lambda log: any("branch-and-price: first decision" in line for line in log), after=after,
                          timeout=60)


def test_ctrl_c_keeps_the_best_knapsack_decision_found_so_far(tmp_path: Path) -> None:
    (tmp_path / "k40.rkp").write_text(knapsack_text(40, 1, gamma=4))  # branch-and-price takes over 10 s on it
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    code, out, log = interrupt_once_solving(str(tmp_path / "k40.rkp"), "--json", "--store", store)
    assert code == 130, log
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["verified"] and result["solver"] == "ccg", result
    assert result["objective"] is not None and len(result["x"]) == 40 and result["method_objective"] is not None
    assert "Traceback" not in log
    recorded = open_store(store).get_run(result["run_id"])
    assert recorded["status"] == "interrupted" and recorded["verified"] and recorded["objective"] == result["objective"]


def test_ctrl_c_shows_the_knapsack_decision_as_interrupted(tmp_path: Path) -> None:
    (tmp_path / "k40.rkp").write_text(knapsack_text(40, 1, gamma=4))
    code, out, log = interrupt_once_solving(str(tmp_path / "k40.rkp"), "--no-record")
    assert code == 130, log
    assert out.startswith("interrupted  worst case ") and "  verified" in out, out
    assert "Traceback" not in log
