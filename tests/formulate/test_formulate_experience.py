"""The insight library: learned only when it fixes a failure, retrieved for similar problems, editable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optarium.formulate import LLMClient, formulate
from optarium.formulate.experience import learn, retrieve
from optarium.formulate.pipeline import formulate_store

INSIGHT = {
    "taxonomy": "objective", "condition": "profit per regular sandwich and per special sandwich",
    "explanation": "Take each profit coefficient from the text for its own product.",
    "example": "profit = 3 * regular + 4 * special",
}


def responder(kit: Any, fixes: bool) -> Any:
    """Wrong model unless the prompt carries a lesson (and ``fixes``); insight requests get INSIGHT."""

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["messages"][-1]["content"]
        if "reusable lesson" in prompt:
            return {"content": "```json\n" + json.dumps(INSIGHT) + "\n```"}
        right = fixes and "Lesson:" in prompt
        return {"content": kit.pyomo(profit_special=4 if right else 5)}

    return answer


def records(kit: Any) -> list[dict[str, Any]]:
    return [{"id": "breakfast", "question": kit.question, "answer": kit.answer, "status": "optimal"}]


def test_insight_that_fixes_the_failure_is_kept_and_then_retrieved(llm_server: Any, kit: Any, tmp_path: Path) -> None:
    store = formulate_store(f"sqlite:///{tmp_path / 'lib.db'}")
    llm_server.script = [responder(kit, fixes=True)]
    llm = LLMClient(llm_server.url, "m", api_key="", retries=0)
    report = learn(records(kit), llm, store, rounds=0)
    assert report.outcomes == {"breakfast": "kept"} and len(report.kept) == 1
    [stored] = store.list_insights()
    assert {key: stored[key] for key in INSIGHT} == INSIGHT
    assert [i["id"] for i in retrieve(store, kit.question)] == report.kept
    assert retrieve(store, "Schedule nurses over a week to cover shifts.") == []
    result = formulate(kit.question, llm, store=store, rounds=0)
    assert result.objective == kit.answer and result.insight_ids == report.kept
    assert "Lesson: Take each profit coefficient" in llm_server.user_prompts()[-1]
    assert store.list_insights()[0]["retrieved"] == 1


def test_insight_that_does_not_fix_the_failure_is_discarded(llm_server: Any, kit: Any, tmp_path: Path) -> None:
    store = formulate_store(f"sqlite:///{tmp_path / 'lib.db'}")
    llm_server.script = [responder(kit, fixes=False)]
    report = learn(records(kit), LLMClient(llm_server.url, "m", api_key="", retries=0), store, rounds=0)
    assert report.outcomes == {"breakfast": "discarded"} and store.list_insights() == []


def test_insights_can_be_edited_and_deactivated(store_url: str, kit: Any) -> None:
    store = formulate_store(store_url)
    insight_id = store.add_insight(**INSIGHT)
    store.update_insight(insight_id, condition="sandwich profit per product")
    assert retrieve(store, kit.question)[0]["condition"] == "sandwich profit per product"
    store.update_insight(insight_id, active=False)
    assert retrieve(store, kit.question) == []


def test_insight_that_misleads_gets_a_narrower_condition(llm_server: Any, kit: Any, tmp_path: Path) -> None:
    store = formulate_store(f"sqlite:///{tmp_path / 'lib.db'}")
    insight_id = store.add_insight(**INSIGHT)

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        prompt = body["messages"][-1]["content"]
        if "Rewrite the condition" in prompt:
            return {"content": '```json\n{"condition": "profit per omelette and per pancake"}\n```'}
        return {"content": kit.pyomo(profit_special=5 if "Lesson:" in prompt else 4)}

    llm_server.script = [answer]
    report = learn(records(kit), LLMClient(llm_server.url, "m", api_key="", retries=0), store, rounds=0)
    assert report.outcomes == {"breakfast": "refined"} and report.refined == [insight_id]
    [stored] = store.list_insights()
    assert stored["condition"] == "profit per omelette and per pancake" and stored["misled"] == 1
    assert retrieve(store, kit.question) == []


@pytest.fixture(params=["memory", "sql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An in-memory store of its own, or an SQLite file."""
    return f"memory://library-{tmp_path.name}" if request.param == "memory" else f"sqlite:///{tmp_path / 'lib.db'}"


def test_each_change_to_the_library_is_a_version_and_a_request_names_the_one_it_used(
    any_store: str, llm_server: Any, kit: Any
) -> None:
    from optarium.store.formulate import INSIGHTS_ARTIFACT

    store = formulate_store(any_store)
    insight_id = store.add_insight(**INSIGHT)
    store.update_insight(insight_id, condition="sandwich profit per product")
    store.count_insight_use([insight_id], "helped")  # usage counts are not the library's content
    versions = store.list_artifacts(INSIGHTS_ARTIFACT)
    assert [(v["version"], v["meta"]["change"]) for v in versions] == [
        (1, f"added insight {insight_id}"), (2, f"changed condition of insight {insight_id}")]
    [saved] = json.loads(store.load_artifact(INSIGHTS_ARTIFACT, 2).data)
    assert saved["condition"] == "sandwich profit per product" and "helped" not in saved

    llm_server.script = [responder(kit, fixes=True)]
    result = formulate(kit.question, LLMClient(llm_server.url, "m", api_key="", retries=0), store=store, rounds=0)
    assert result.insight_ids == [insight_id] and result.insights_version == 2
    assert store.get_formulate_run(result.run_id)["insights_version"] == 2
