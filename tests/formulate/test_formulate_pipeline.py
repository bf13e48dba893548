"""The pipeline against a real HTTP server that speaks the OpenAI chat-completions protocol."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from optarium.formulate import LLMClient, formulate
from optarium.formulate.errors import LLMConfigError, ProblemTextError
from optarium.formulate.pipeline import formulate_store


def client(server: Any, **kwargs: object) -> LLMClient:
    return LLMClient(server.url, "scripted-model", api_key="", retries=0, **kwargs)  # type: ignore[arg-type]


def test_correct_code_gives_verified_optimum_and_records_every_call(llm_server: Any, store_url: str, kit: Any) -> None:
    llm_server.script = [{"content": kit.pyomo()}]
    result = formulate(kit.question, client(llm_server), store=store_url)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(kit.answer)
    assert result.solution is not None and result.solution.verified
    assert result.rounds == 0 and result.cause == "" and result.error == ""
    assert "Variables: r, s" in result.formulation and result.code_kind == "pyomo"
    assert "bacon" in result.lp_text and "optimal" in result.answer.lower()
    assert result.tokens == 150
    prompt = llm_server.requests[0]["messages"][-1]["content"]
    assert kit.question in prompt and "Sets" in prompt and "Constraints" in prompt
    assert llm_server.requests[0]["model"] == "scripted-model"
    stored = formulate_store(store_url).get_formulate_run(result.run_id or 0)
    assert stored["status"] == "solved" and stored["objective"] == pytest.approx(60.0)
    assert stored["run_id"] == result.solve_run_id and stored["run_id"] is not None
    [call] = stored["calls"]
    assert call["response"] == kit.pyomo() and call["prompt_tokens"] == 100 and call["completion_tokens"] == 50
    assert call["messages"][-1]["content"] == prompt and call["seconds"] > 0
    assert formulate_store(store_url).get_run(stored["run_id"])["source"] == "formulate:python"


def test_bug_is_fixed_in_a_correction_round_that_sees_the_error_and_code(llm_server: Any, kit: Any) -> None:
    buggy = kit.pyomo(bug=" + undefined_name")
    llm_server.script = [{"content": buggy}, {"content": kit.pyomo()}]
    result = formulate(kit.question, client(llm_server), record=False, insights=False)
    assert result.status == "optimal" and result.objective == pytest.approx(kit.answer)
    assert result.rounds == 1
    assert [a.cause for a in result.attempts] == ["execution", ""]
    feedback = llm_server.user_prompts()[1]
    assert "NameError" in feedback and "undefined_name" in feedback and "model.profit" in feedback
    assert [call.stage for call in result.calls] == ["formulate", "correct"]


def test_code_that_never_works_stops_after_the_rounds_and_says_why(llm_server: Any, tmp_path: Path, kit: Any) -> None:
    llm_server.script = [{"content": "```python\nimport pyomo.environ as pyo\nraise ValueError('no data')\n```"}]
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    result = formulate(kit.question, client(llm_server), rounds=2, store=store)
    assert result.status == "error" and result.cause == "execution"
    assert "ValueError: no data" in result.error
    assert result.rounds == 2 and len(llm_server.requests) == 3
    [stored] = formulate_store(store).list_formulate_runs()
    assert stored["status"] == "failed" and stored["cause"] == "execution" and "no data" in stored["error"]
    assert len(formulate_store(store).get_formulate_run(stored["id"])["calls"]) == 3


def test_an_answer_without_a_model_is_sent_back(llm_server: Any, kit: Any) -> None:
    llm_server.script = [{"content": "I think you should make 20 regular sandwiches."}, {"content": kit.pyomo()}]
    result = formulate(kit.question, client(llm_server), record=False, insights=False)
    assert result.status == "optimal" and result.attempts[0].cause == "extract"
    assert "no model" in llm_server.user_prompts()[1]


def test_infeasible_model_repeated_by_the_llm_is_accepted_as_the_answer(llm_server: Any, kit: Any) -> None:
    llm_server.script = [{"content": kit.infeasible_lp}]
    result = formulate("Pick x at least 5 and at most 3 to maximize x.", client(llm_server), record=False, insights=False)
    assert result.status == "infeasible" and result.rounds == 1 and result.cause == ""
    assert "infeasible" in llm_server.user_prompts()[1]
    assert "infeasible" in result.answer


def test_slow_endpoint_times_out_with_a_clear_cause(llm_server: Any, kit: Any) -> None:
    llm_server.script = [{"delay": 1.5, "content": kit.pyomo()}]
    result = formulate(kit.question, client(llm_server, timeout=0.3), record=False, insights=False)
    assert result.status == "error" and result.cause == "llm_timeout"
    assert "did not answer within 0.3 s" in result.error
    assert result.calls[0].error == result.error


def test_http_500_is_reported_with_its_status_and_body(llm_server: Any, tmp_path: Path, kit: Any) -> None:
    llm_server.script = [{"status": 500, "body": "model crashed"}]
    store = f"sqlite:///{tmp_path / 'runs.db'}"
    result = formulate(kit.question, client(llm_server), store=store)
    assert result.cause == "llm_response" and "HTTP 500" in result.error and "model crashed" in result.error
    assert formulate_store(store).list_formulate_runs()[0]["cause"] == "llm_response"


def test_malformed_json_is_reported(llm_server: Any, kit: Any) -> None:
    llm_server.script = [{"raw": '{"choices": [ this is not json'}]
    result = formulate(kit.question, client(llm_server), record=False, insights=False)
    assert result.cause == "llm_response" and "malformed JSON" in result.error


def test_json_without_a_message_is_reported(llm_server: Any, kit: Any) -> None:
    llm_server.script = [{"raw": '{"choices": []}'}]
    result = formulate(kit.question, client(llm_server), record=False, insights=False)
    assert result.cause == "llm_response" and "choices[0].message.content" in result.error


def test_endpoint_that_is_down_is_reported(kit: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    llm = LLMClient(f"http://127.0.0.1:{port}/v1", "m", api_key="", retries=0)
    result = formulate(kit.question, llm, record=False, insights=False)
    assert result.cause == "llm_unavailable" and f"127.0.0.1:{port}" in result.error


def test_missing_key_is_named_when_the_endpoint_refuses(llm_server: Any, monkeypatch: pytest.MonkeyPatch, kit: Any) -> None:
    llm_server.require_key = "sk-secret"
    llm_server.script = [{"content": kit.pyomo()}]
    monkeypatch.delenv("OPTARIUM_LLM_API_KEY", raising=False)
    result = formulate(kit.question, LLMClient(llm_server.url, "m", retries=0), record=False, insights=False)
    assert "HTTP 401" in result.error and "OPTARIUM_LLM_API_KEY" in result.error
    monkeypatch.setenv("OPTARIUM_LLM_API_KEY", "sk-secret")
    result = formulate(kit.question, LLMClient(llm_server.url, "m", retries=0), record=False, insights=False)
    assert result.status == "optimal"
    assert llm_server.headers[-1]["Authorization"] == "Bearer sk-secret"


def test_configuration_comes_from_the_environment_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPTARIUM_LLM_URL", "OPTARIUM_LLM_MODEL", "OPTARIUM_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LLMConfigError, match="OPTARIUM_LLM_URL"):
        LLMClient()
    with pytest.raises(LLMConfigError, match="OPTARIUM_LLM_MODEL"):
        LLMClient("http://localhost:11434/v1")
    with pytest.raises(LLMConfigError, match="needs an API key"):
        LLMClient("https://api.openai.com/v1", "gpt-4o")
    with pytest.raises(LLMConfigError, match="ftp://x"):
        LLMClient("ftp://x", "m")
    monkeypatch.setenv("OPTARIUM_LLM_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("OPTARIUM_LLM_MODEL", "qwen2.5")
    assert LLMClient().url == "http://localhost:11434/v1/chat/completions"


@pytest.mark.parametrize("text", ["", "   \n", b"\x00\x01binary", 42])
def test_empty_or_non_text_problem_is_refused_before_any_call(text: object, llm_server: Any) -> None:
    with pytest.raises(ProblemTextError):
        formulate(text, client(llm_server), record=False)
    assert llm_server.requests == []
