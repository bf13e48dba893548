"""Live progress on stderr for long work (route, bench audit), on a terminal only: never with --json, --quiet or a pipe."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")
ROUTING = Path(__file__).resolve().parents[1] / "domains" / "routing" / "data" / "X-n101-k25.vrp"
NL = Path(__file__).resolve().parents[1] / "data" / "nl"
Terminal = Callable[..., tuple[int, str, str]]


def test_route_shows_the_elapsed_time_of_its_budget_and_the_cost_found_on_a_terminal(tmp_path: Path, on_terminal: Terminal) -> None:
    code, out, screen = on_terminal(["route", str(ROUTING), "--time-limit", "2", "--no-record"])
    assert code == 0
    assert "routing" in screen and "of 2s" in screen
    assert "cost " in screen  # the best cost so far, redrawn as the search improves it
    assert out.startswith("cost ") and "routing" not in out


@pytest.mark.parametrize("flag", ["--json", "--quiet"])
def test_route_shows_no_progress_with_json_or_quiet(on_terminal: Terminal, flag: str) -> None:
    code, out, screen = on_terminal(["route", str(ROUTING), "--time-limit", "1.5", "--no-record", flag])
    assert code == 0 and "routing" not in screen
    if flag == "--json":
        assert json.loads(out)["status"] == "feasible"


def test_route_shows_no_progress_into_a_pipe() -> None:
    done = subprocess.run([OPTARIUM, "route", str(ROUTING), "--time-limit", "1.5", "--no-record"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""


@pytest.fixture
def audit_set(tmp_path: Path) -> Path:
    """Two records with gold models from the shipped NL data."""
    records = [json.loads(line) for line in (NL / "nlp4lp.jsonl").read_text().splitlines() if line.strip()]
    chosen = [record for record in records if record["id"] in ("prob_001", "prob_002")]
    for record in chosen:
        shutil.copy(NL / record["gold_model"], tmp_path / Path(record["gold_model"]).name)
        record["gold_model"] = Path(record["gold_model"]).name
    dataset = tmp_path / "set.jsonl"
    dataset.write_text("".join(json.dumps(record) + "\n" for record in chosen))
    return dataset


def test_bench_audit_shows_a_bar_on_a_terminal_only(audit_set: Path, on_terminal: Terminal) -> None:
    code, out, screen = on_terminal(["bench", "audit", str(audit_set), "--solvers", "highs", "--time-limit", "5"])
    assert code == 0, screen
    assert "auditing" in screen and "/2" in screen
    assert "2 gold models solved" in out and "auditing" not in out
    code, out, screen = on_terminal(["bench", "audit", str(audit_set), "--solvers", "highs", "--json"])
    assert code == 0 and "auditing" not in screen and json.loads(out)["checked"] == 2
    piped = subprocess.run([OPTARIUM, "bench", "audit", str(audit_set), "--solvers", "highs"],
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""


def test_bench_nl_shows_a_bar_on_a_terminal_only(on_terminal: Terminal) -> None:
    examples = Path(__file__).resolve().parents[2] / "examples" / "formulate"
    args = ["bench", "nl", str(examples / "problems.jsonl"), "--replay", str(examples / "answers"), "--no-record"]
    code, out, screen = on_terminal(args)
    assert code == 0, screen
    assert "bench nl" in screen and "bench nl" not in out
    code, out, screen = on_terminal([*args, "--json"])
    assert code == 0 and "bench nl" not in screen and json.loads(out)["summary"]["problems"] == 3
