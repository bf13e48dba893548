"""`optarium formulate FILE` follows the exit-code rule of cli/common.py: a formulated model whose solve hit the
time limit before any point is a failed run (exit 1), one that was solved is an answer (exit 0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from optarium.cli.main import app

from ..cli.conftest import market_split_lp
from .conftest import ScriptedLLM

SMALL_LP = "Maximize\n obj: 3 r + 4 s\nSubject To\n eggs: 2 r + 3 s <= 40\n bacon: 3 r + 5 s <= 70\nGeneral\n r s\nEnd"


def formulate(llm: ScriptedLLM, tmp_path: Path, lp: str) -> tuple[int, dict[str, Any], str]:
    llm.script = [{"content": f"The model in LP form.\n\n```lp\n{lp}\n```\n"}]
    question = tmp_path / "q.txt"
    question.write_text("Choose whole numbers of items so that every row of weights sums to half its total.\n")
    result = CliRunner().invoke(app, ["formulate", str(question), "--llm-url", llm.url, "--llm-model", "m",
                                      "--rounds", "0", "--no-insights", "--time-limit", "0.05", "--json",
                                      "--store", f"sqlite:///{tmp_path / 's.db'}"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def test_a_formulated_model_with_no_point_at_the_time_limit_exits_1(llm_server: ScriptedLLM, tmp_path: Path) -> None:
    code, out, err = formulate(llm_server, tmp_path, market_split_lp())
    assert (code, out["status"], out["objective"]) == (1, "time_limit", None), err


def test_a_formulated_model_solved_in_the_time_limit_exits_0(llm_server: ScriptedLLM, tmp_path: Path) -> None:
    code, out, err = formulate(llm_server, tmp_path, SMALL_LP)
    assert (code, out["status"], out["objective"]) == (0, "optimal", 60.0), err
