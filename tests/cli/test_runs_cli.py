"""`optarium runs list --kind` and `optarium runs show` with its plan and check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optarium

OPTARIUM = str(Path(sys.executable).parent / "optarium")
KNAPSACK = Path(__file__).resolve().parents[2] / "examples" / "knapsack.lp"


def run(*args: str, store: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OPTARIUM_STORE": store}
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, env=env, timeout=120)


def test_runs_list_filters_by_kind_and_show_gives_plan_and_reader(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 's.db'}"
    solution = optarium.solve(KNAPSACK, store=store)
    assert solution.run_id is not None
    mine = json.loads(run("runs", "list", "--kind", "math_program", "--json", store=store).stdout)
    assert [row["id"] for row in mine] == [solution.run_id]
    assert json.loads(run("runs", "list", "--kind", "routing", "--json", store=store).stdout) == []
    shown = run("runs", "show", str(solution.run_id), store=store)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "plan:" in text and "source: rules" in text and f"reason: {solution.plan_reason}" in text
    assert "verification:" in text and "reader: highs" in text and "verified: True" in text
