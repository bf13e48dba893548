"""Ctrl-C while `optarium formulate` solves the formulated model: exit 130, the answer so far kept, no new round."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..cli.conftest import write_market_split
from ..conftest import interrupt_when

OPTARIUM = str(Path(sys.executable).parent / "optarium")


def test_ctrl_c_during_the_solve_is_exit_130_and_asks_the_llm_nothing_more(llm_server: Any, kit: Any, tmp_path: Path) -> None:
    hard = write_market_split(tmp_path / "split.lp").read_text()  # keeps HiGHS busy well past the Ctrl-C
    llm_server.script = [{"content": f"Objective: least slack.\n\n```lp\n{hard}```\n"}]
    problem = tmp_path / "problem.txt"
    problem.write_text(kit.question)
    code, out, log = interrupt_when(
        [OPTARIUM, "-v", "formulate", str(problem), "--llm-url", llm_server.url, "--llm-model", "m", "--json",
         "--time-limit", "30", "--store", f"sqlite:///{tmp_path / 's.db'}"],
        lambda log: any(line.endswith("highs started\n") for line in log), after=0.2)
    assert code == 130, log
    result = json.loads(out)
    assert (result["status"], result["cause"], result["rounds"]) == ("interrupted", "interrupted", 0), result
    assert "interrupted" in result["error"] and len(llm_server.requests) == 1
    assert "error:  (" not in log and "Traceback" not in log
