"""A recorded request: one request row, its LLM calls and the run of its solved model, in one transaction."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from optarium.formulate import LLMClient, formulate
from optarium.formulate.pipeline import formulate_store
from optarium.store import formulate as tables


def client(server: Any) -> LLMClient:
    return LLMClient(server.url, "scripted-model", api_key="", retries=0)


def counts(store: Any) -> tuple[int, int]:
    return store.count_runs(), len(store.list_formulate_runs(limit=1000))


def test_solved_request_writes_one_request_row_and_one_run_row_linked(llm_server: Any, store_url: str, kit: Any) -> None:
    llm_server.script = [{"content": kit.pyomo()}]
    store = formulate_store(store_url)
    result = formulate(kit.question, client(llm_server), store=store)
    assert counts(store) == (1, 1)
    [request] = store.list_formulate_runs()
    assert request["id"] == result.run_id and request["run_id"] == result.solve_run_id
    assert result.solution is not None and result.solution.run_id == result.solve_run_id
    run = store.get_run(request["run_id"])
    assert run["kind"] == "math_program" and run["status"] == "optimal" and run["verified"]
    assert run["objective"] == pytest.approx(kit.answer) and run["values"] == pytest.approx(result.solution.values)
    assert run["verification"]["reader"] == "highs"
    assert run["extra"]["formulate"] == {"llm": client(llm_server).name, "rounds": 0}
    assert len(store.get_formulate_run(request["id"])["calls"]) == 1


def test_request_without_a_solved_model_writes_no_run(llm_server: Any, store_url: str, kit: Any) -> None:
    llm_server.script = [{"content": "No model today."}]
    store = formulate_store(store_url)
    result = formulate(kit.question, client(llm_server), store=store, rounds=0)
    assert result.status == "error" and result.cause == "extract"
    assert counts(store) == (0, 1)
    assert store.list_formulate_runs()[0]["run_id"] is None and result.solve_run_id is None


def test_failure_in_the_middle_of_the_write_leaves_requests_runs_and_calls_unchanged(
    llm_server: Any, store_url: str, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    llm_server.script = [{"content": kit.pyomo()}]
    store = formulate_store(store_url)
    insight_id = store.add_insight("objective", "profit per regular sandwich and per special sandwich", "Lesson.")
    formulate(kit.question, client(llm_server), store=store)
    before = counts(store), store.get_insight(insight_id)["retrieved"]
    written = tables.insert_calls

    def fails_after_writing(connection: Any, formulate_id: int, calls: list[dict[str, Any]]) -> None:
        written(connection, formulate_id, calls)  # the run, the request and its calls are in the transaction
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(tables, "insert_calls", fails_after_writing)
    with pytest.raises(RuntimeError, match="the disk is full"):
        formulate(kit.question, client(llm_server), store=store)
    monkeypatch.undo()
    assert (counts(store), store.get_insight(insight_id)["retrieved"]) == before == ((1, 1), 1)
    result = formulate(kit.question, client(llm_server), store=store)
    assert counts(store) == (2, 2)
    # PostgreSQL does not give back the ids of a rolled-back insert; the calls are the new request's own
    assert [len(store.get_formulate_run(row["id"])["calls"]) for row in store.list_formulate_runs()] == [1, 1]
    assert result.run_id == store.list_formulate_runs()[0]["id"]


def test_memory_store_keeps_requests_runs_and_insights(llm_server: Any, kit: Any) -> None:
    store = formulate_store(f"memory://formulate-{uuid.uuid4().hex}")
    insight_id = store.add_insight("objective", "profit per regular sandwich and per special sandwich", "Take each profit.")
    llm_server.script = [{"content": kit.pyomo()}]
    result = formulate(kit.question, client(llm_server), store=store)
    assert result.insight_ids == [insight_id] and store.get_insight(insight_id)["retrieved"] == 1
    assert counts(store) == (1, 1)
    stored = store.get_formulate_run(result.run_id or 0)
    assert stored["run_id"] == result.solve_run_id and stored["status"] == "solved"
    assert stored["calls"][0]["response"] == kit.pyomo()
    assert store.get_run(result.solve_run_id or 0)["status"] == "optimal"
    assert "code" not in store.list_formulate_runs()[0]
    store.update_insight(insight_id, active=False)
    assert formulate(kit.question, client(llm_server), store=store, record=False).insight_ids == []
    with pytest.raises(LookupError, match="no insight with id 9"):
        store.update_insight(9, active=True)
