"""Runs, solve jobs and formulate jobs over HTTP against a real server and a real store."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx

import optarium

from .conftest import EXAMPLES, LP_ANSWER, QUESTION, ScriptedLLM, Server


def _wait_done(api: httpx.Client, job_id: int, seconds: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = api.get(f"/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_a_submitted_model_and_a_question_in_words_are_solved_checked_and_recorded(
        serve: Callable[..., Server], tmp_path: Path, llm: ScriptedLLM) -> None:
    server = serve(f"sqlite:///{tmp_path}/store.db", env=llm.env)
    expected = optarium.solve(EXAMPLES / "production.mps", record=False)
    llm.answers = [LP_ANSWER]
    with server.client() as api:
        submitted = api.post("/jobs", files={"file": ("production.mps", (EXAMPLES / "production.mps").read_bytes())},
                             data={"solver": "highs", "time_limit": "30"})
        assert submitted.status_code == 202 and submitted.json()["state"] == "queued"
        asked = api.post("/jobs/formulate", json={"text": QUESTION, "solver": "highs", "time_limit": 30})
        assert asked.status_code == 202 and asked.json()["kind"] == "formulate", asked.text
        job = _wait_done(api, submitted.json()["id"])
        assert job["state"] == "done" and job["kind"] == "solve", job
        result = api.get(f"/jobs/{job['id']}/result").json()["result"]
        assert result["verified"] and result["status"] == expected.status
        assert abs(result["objective"] - expected.objective) <= 1e-6 * max(1.0, abs(expected.objective))
        run = api.get(f"/runs/{job['run_id']}").json()
        assert run["objective"] == result["objective"] and run["verified"] and run["verification"]["verified"]
        assert run["solver"] == "highs" and "solve" in run["timings"] and run["plan"]
        # the question went to the server's LLM; its model was solved, verified and recorded as a run
        formulated = _wait_done(api, asked.json()["id"])
        assert formulated["state"] == "done", formulated
        answer = api.get(f"/jobs/{formulated['id']}/result").json()["result"]
        assert answer["status"] == "optimal" and answer["verified"] and answer["objective"] == 60.0
        assert answer["values"] == {"r": 20.0, "s": 0.0} and "profit" in answer["lp"]
        assert any("40 eggs" in question for question in llm.questions)
        assert api.get(f"/runs/{formulated['run_id']}").json()["objective"] == 60.0
        # an LLM that never gives a model: the job fails and says why; the result is refused
        llm.answers = ["I would make about twenty regular sandwiches."]
        failed = _wait_done(api, api.post("/jobs/formulate", json={"text": QUESTION, "rounds": 0}).json()["id"])
        assert failed["state"] == "failed" and "model" in failed["error"], failed
        refused = api.get(f"/jobs/{failed['id']}/result")
        assert refused.status_code == 409 and "failed" in refused.json()["error"]
        blank = api.post("/jobs/formulate", json={"text": "   "})
        assert blank.status_code == 422 and "\n" not in blank.json()["error"], blank.text


def test_a_job_queued_before_a_restart_is_solved_after_it(serve: Callable[..., Server], store_url: str) -> None:
    idle = serve(store_url, "--workers", "0")
    with idle.client() as api:
        job_id = api.post("/jobs", files={"file": ("knapsack.lp", (EXAMPLES / "knapsack.lp").read_bytes())}).json()["id"]
        early = api.get(f"/jobs/{job_id}/result")
        assert early.status_code == 409 and "queued" in early.json()["error"]
    idle.stop()
    restarted = serve(store_url, "--workers", "1")
    with restarted.client() as api:
        # the job's server-sent events follow it from the store until it is done
        events = []
        with api.stream("GET", f"/jobs/{job_id}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[len("data: "):]))
        assert events and len({json.dumps(e, sort_keys=True) for e in events}) == len(events)  # only changes are sent
        assert events[-1]["state"] == "done" and events[-1]["run_id"] is not None
        assert {e["state"] for e in events[:-1]} <= {"queued", "running"}
        job = _wait_done(api, job_id)
        assert job == events[-1] and api.get(f"/jobs/{job_id}/result").json()["result"]["verified"]
        assert api.get("/jobs/999/events").status_code == 404


def test_runs_are_filtered_and_paged(serve: Callable[..., Server], tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/store.db"
    for name in ("production.mps", "knapsack.lp", "infeasible.lp", "portfolio.lp", "knapsack.lp"):
        optarium.solve(EXAMPLES / name, store=store)
    server = serve(store)
    with server.client() as api:
        everything = api.get("/runs").json()
        assert everything["total"] == 5 and [r["id"] for r in everything["runs"]] == [5, 4, 3, 2, 1]
        page = api.get("/runs", params={"limit": 2, "offset": 1}).json()
        assert [r["id"] for r in page["runs"]] == [4, 3] and page["total"] == 5
        infeasible = api.get("/runs", params={"status": "infeasible"}).json()
        assert [r["name"] for r in infeasible["runs"]] == [optarium.load(EXAMPLES / "infeasible.lp")[0].name]
        verified = api.get("/runs", params={"verified": "true"}).json()["runs"]
        assert all(r["verified"] for r in verified) and len(verified) == sum(
            api.get(f"/runs/{i}").json()["verified"] for i in range(1, 6))
        solver = everything["runs"][0]["solver"]
        assert {r["solver"] for r in api.get("/runs", params={"backend": solver}).json()["runs"]} == {solver}
        assert api.get("/runs", params={"since": "2999-01-01"}).json() == {"runs": [], "total": 0, "limit": 50, "offset": 0}
        assert api.get("/runs", params={"until": "2999-01-01T00:00:00", "kind": "math_program"}).json()["total"] == 5
        csv = api.get("/runs.csv", params={"status": "infeasible"}).text.strip().splitlines()
        assert csv[0].startswith("id,created_at") and len(csv) == 2


def test_bad_run_and_job_requests(serve: Callable[..., Server], tmp_path: Path) -> None:
    server = serve(f"sqlite:///{tmp_path}/store.db", "--workers", "1", "--max-upload-mb", "0.001")
    with server.client() as api:
        cases = [
            (api.get("/runs/42"), 404, "no run with id 42"),
            (api.get("/runs", params={"since": "yesterday"}), 422, "`since`"),
            (api.get("/runs", params={"limit": 0}), 422, "`limit`: Input should be greater than or equal to 1"),
            (api.get("/jobs/7"), 404, "no job with id 7"),
            (api.post("/jobs", files={"file": ("model.txt", b"x")}), 422, ".mps"),
            (api.post("/jobs", files={"file": ("big.lp", b"\\" * 2000)}), 413, "larger than"),
            (api.post("/jobs", files={"file": ("empty.lp", b"")}), 400, "empty"),
            (api.post("/jobs", data={"solver": "highs"}), 422, "`file`"),
        ]
        for response, status, words in cases:
            assert response.status_code == status, (status, response.text)
            assert words in response.json()["error"]
        assert api.get("/jobs").json()["jobs"] == []
        # a model the reader refuses: the job fails with the reader's one line
        job_id = api.post("/jobs", files={"file": ("broken.lp", b"Maximize\n obj: 3 x +\nNonsense here\n")}).json()["id"]
        job = _wait_done(api, job_id)
        assert job["state"] == "failed" and job["error"] and "\n" not in str(job["error"])
        answer = api.get(f"/jobs/{job_id}/result")
        assert answer.status_code == 409 and "failed" in answer.json()["error"]


def test_root_path_serves_the_api_behind_a_prefix(serve: Callable[..., Server], tmp_path: Path) -> None:
    server = serve(f"sqlite:///{tmp_path}/store.db", root_path="/optarium")
    # the proxy strips the prefix before it forwards; the API's own links keep it
    assert httpx.get(f"{server.url}/api/health").json()["ok"] is True
    schema = httpx.get(f"{server.url}/api/openapi.json").json()
    assert schema["servers"] == [{"url": "/optarium"}]
    docs = httpx.get(f"{server.url}/api/docs").text
    assert "/optarium/api/openapi.json" in docs
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200 and 'src="/' not in page.text and 'href="/' not in page.text
    missing = httpx.get(f"{server.url}/api/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found", "status": 404}
    log = server.stop()
    assert "no token configured: serving on loopback only" in log and "http://127.0.0.1" in log and "/optarium/" in log
