"""`optarium formulate` and `optarium bench nl` through a real subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "formulate"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture
def problem_file(tmp_path: Path, kit: Any) -> Path:
    path = tmp_path / "breakfast.txt"
    path.write_text(kit.question)
    return path


def test_formulate_json_gives_the_documented_fields(llm_server: Any, kit: Any, problem_file: Path) -> None:
    llm_server.script = [{"content": kit.pyomo(bug=" + oops")}, {"content": kit.pyomo()}]
    done = run("formulate", str(problem_file), "--llm-url", llm_server.url, "--llm-model", "m", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["id"] == "breakfast" and out["status"] == "optimal" and out["objective"] == kit.answer
    assert out["rounds"] == 1 and out["error"] == "" and out["correct"] is None and out["verified"]
    assert out["run_id"] is not None and "model.profit" in out["code"]


def test_endpoint_and_model_come_from_the_environment(llm_server: Any, kit: Any, problem_file: Path) -> None:
    llm_server.script = [{"content": kit.pyomo()}]
    done = run("formulate", str(problem_file), env={"OPTARIUM_LLM_URL": llm_server.url, "OPTARIUM_LLM_MODEL": "env-model"})
    assert done.returncode == 0, done.stderr
    assert "60" in done.stdout and llm_server.requests[0]["model"] == "env-model"


def test_empty_problem_file_is_one_line_exit_2_and_nothing_is_asked(llm_server: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    done = run("formulate", str(empty), "--llm-url", llm_server.url, "--llm-model", "m")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: {empty}: the problem text is empty"]
    assert llm_server.requests == []


def test_missing_endpoint_is_exit_2(problem_file: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPTARIUM_LLM")}
    done = subprocess.run([OPTARIUM, "formulate", str(problem_file)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "OPTARIUM_LLM_URL" in done.stderr


def test_endpoint_that_is_down_is_exit_1_with_the_cause(problem_file: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = run("formulate", str(problem_file), "--llm-url", f"http://127.0.0.1:{port}/v1", "--llm-model", "m")
    assert done.returncode == 1
    assert "cannot reach LLM endpoint" in done.stderr and "llm_unavailable" in done.stderr


def test_bench_nl_replay_json() -> None:
    done = run("bench", "nl", str(EXAMPLES / "problems.jsonl"), "--replay", str(EXAMPLES / "answers"), "--no-record", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["summary"]["accuracy"] == {"1e-06": 2 / 3, "0.0001": 2 / 3, "0.05": 2 / 3}
    assert [p["id"] for p in out["problems"]] == ["breakfast", "staffing", "diet"]
    assert {"id", "correct", "objective", "status", "rounds", "error"} <= set(out["problems"][0])
    assert out["problems"][1]["status"] == "infeasible" and out["problems"][1]["correct"]
    assert out["problems"][2]["cause"] == "wrong_objective"


def test_formulate_config_file_with_flags_on_top_records_request_and_run(
    llm_server: Any, kit: Any, problem_file: Path, tmp_path: Path
) -> None:
    llm_server.script = [{"content": kit.pyomo(bug=" + oops")}, {"content": kit.pyomo()}]
    config = tmp_path / "formulate.toml"
    config.write_text(f'llm_url = "{llm_server.url}"\nllm_model = "from-config"\nrounds = 0\ninsights = false\n')
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    done = run("formulate", str(problem_file), "--config", str(config), "--rounds", "1", "--store", store, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "optimal" and out["rounds"] == 1
    assert {request["model"] for request in llm_server.requests} == {"from-config"}
    from optarium.formulate.pipeline import formulate_store

    handle = formulate_store(store)
    assert [row["id"] for row in handle.list_formulate_runs()] == [out["run_id"]]
    assert handle.count_runs() == 1 and handle.get_run(out["solve_run_id"])["status"] == "optimal"


def test_bad_config_file_is_one_line_exit_2_naming_file_and_key(problem_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "formulate.toml"
    config.write_text("rounds = -2\n")
    done = run("formulate", str(problem_file), "--config", str(config))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"error: {config}: setting `rounds` must be a non-negative integer, got -2"]
    config.write_text("llm_urls = 'x'\n")
    done = run("bench", "nl", str(EXAMPLES / "problems.jsonl"), "--config", str(config), "--no-record")
    assert done.returncode == 2 and "`llm_urls` is not a setting" in done.stderr and str(config) in done.stderr


def test_flags_are_named_in_cli_errors(problem_file: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPTARIUM_LLM")}
    done = subprocess.run([OPTARIUM, "formulate", str(problem_file)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "give `--llm-url` or set OPTARIUM_LLM_URL" in done.stderr
    done = run("formulate", str(problem_file), "--llm-url", "http://127.0.0.1:9/v1", "--llm-model", "m", "-t", "-1")
    assert done.returncode == 2 and "option `--time-limit` must be a positive number of seconds" in done.stderr


def test_insights_add_list_edit_export(tmp_path: Path) -> None:
    store = ["--store", f"sqlite:///{tmp_path / 'lib.db'}"]
    added = run("formulate", "insights", "add", "--taxonomy", "integrality", "--condition", "number of trucks",
                "--explanation", "Trucks come in whole units: use integer variables.", *store)
    assert added.returncode == 0, added.stderr
    edited = run("formulate", "insights", "edit", "1", "--condition", "whole trucks or vans", "--json", *store)
    assert edited.returncode == 0 and json.loads(edited.stdout)["condition"] == "whole trucks or vans"
    listed = json.loads(run("formulate", "insights", "list", "--json", *store).stdout)
    assert [row["taxonomy"] for row in listed] == ["integrality"]
    exported = run("formulate", "insights", "export", *store).stdout.splitlines()
    assert json.loads(exported[0])["explanation"].startswith("Trucks come in whole units")
    missing = run("formulate", "insights", "edit", "99", "--condition", "x", *store)
    assert missing.returncode == 2 and "no insight with id 99" in missing.stderr


def test_learn_with_a_config_file_keeps_the_insight_that_fixes_the_failure(llm_server: Any, kit: Any, tmp_path: Path) -> None:
    lesson = {"taxonomy": "objective", "condition": "profit per regular sandwich and per special sandwich",
              "explanation": "Take each profit coefficient from the text.", "example": ""}

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["messages"][-1]["content"]
        if "reusable lesson" in prompt:
            return {"content": "```json\n" + json.dumps(lesson) + "\n```"}
        return {"content": kit.pyomo(profit_special=4 if "Lesson:" in prompt else 5)}

    llm_server.script = [answer]
    dataset = tmp_path / "set.jsonl"
    dataset.write_text(json.dumps({"id": "breakfast", "question": kit.question, "answer": kit.answer, "status": "optimal"}) + "\n")
    config = tmp_path / "formulate.toml"
    config.write_text(f'llm_url = "{llm_server.url}"\nllm_model = "m"\nrounds = 0\n')
    store = ["--store", f"sqlite:///{tmp_path / 'lib.db'}"]
    done = run("formulate", "learn", str(dataset), "--config", str(config), "--json", *store)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"outcomes": {"breakfast": "kept"}, "kept": [1], "refined": []}
    listed = json.loads(run("formulate", "insights", "list", "--json", *store).stdout)
    assert [row["condition"] for row in listed] == [lesson["condition"]]
