"""The jobs table: one claim wins, a stale running job is claimed again, its first worker cannot finish it."""

from __future__ import annotations

import threading
import time

from optarium.store import jobs
from optarium.store.core import SqlStore


def test_one_claim_wins_and_a_stale_job_is_claimed_again(store_url: str) -> None:
    store = SqlStore(store_url)
    jobs.ensure_jobs_table(store)
    submitted = jobs.submit_job(store, "model.lp", b"min: x;", {"solver": "highs"})
    claims: list[object] = []

    def claim(worker: str) -> None:
        claims.append(jobs.claim_job(store, worker, stale_after=60))

    threads = [threading.Thread(target=claim, args=(f"w{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [c for c in claims if c is not None]
    assert len(taken) == 1
    job, model = taken[0]  # type: ignore[misc]
    assert job["id"] == submitted["id"] and model == b"min: x;" and job["state"] == "running"
    first = job["worker"]
    jobs.heartbeat(store, job["id"], first, {"elapsed": 1.5, "incumbent": 3.0, "bound": 2.0, "gap": None})
    assert jobs.get_job(store, job["id"])["progress"] == {"elapsed": 1.5, "incumbent": 3.0, "bound": 2.0, "gap": None}
    assert jobs.claim_job(store, "late", stale_after=60) is None  # its heartbeat is fresh
    time.sleep(0.3)
    again = jobs.claim_job(store, "rescuer", stale_after=0.2)  # the first worker went quiet
    assert again is not None and again[0]["worker"] == "rescuer"
    assert jobs.finish_job(store, job["id"], first, "done", {"objective": 1.0}, None) is False
    assert jobs.finish_job(store, job["id"], "rescuer", "done", {"objective": 2.0}, None) is True
    finished = jobs.get_job(store, job["id"])
    assert finished["state"] == "done" and finished["result"] == {"objective": 2.0} and finished["worker"] == "rescuer"


def test_the_history_thinned_in_sql_keeps_every_improvement(store_url: str) -> None:
    import random

    from optarium.blackbox.study import Study
    from optarium.service.analysis import history, thin

    store = SqlStore(store_url)
    rng = random.Random(4)
    for direction in ("minimize", "maximize"):
        study = Study.create(f"h-{direction}", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, sampler="random",
                             seed=1, direction=direction, store=store)
        study_id = int(store.find_study(study.name)["id"])  # type: ignore[index]
        results: list[tuple[int, str, float | None, float | None]] = []
        for trial in study.ask(300):
            if rng.random() < 0.1:
                results.append((trial.number, "failed", None, None))
            else:  # some infeasible, and the first ones all infeasible: no best yet
                results.append((trial.number, "complete", rng.uniform(-10, 10),
                                1.0 if trial.number < 5 or rng.random() < 0.2 else -1.0))
        store.finish_trials(study_id, results)  # told in one transaction: the history is what is checked here
        rows = store.list_trials(study_id)
        full = history(rows, direction)
        for limit in (2000, 25):
            thinned, total = store.history_points(study_id, direction == "minimize", limit)
            assert total == len(full)
            improvements = {h["number"] for h, before in zip(full, [None, *full], strict=False)
                            if h["best"] != (None if before is None else before["best"])}
            kept = {h["number"] for h in thinned}
            assert improvements <= kept and full[-1]["number"] in kept
            assert [dict(h) for h in thinned] == [h for h in full if h["number"] in kept]
        assert len(store.history_points(study_id, direction == "minimize", 25)[0]) < len(full)
        assert thin(full, 2000) == full


def test_a_server_claims_only_the_kinds_of_job_it_runs(store_url: str) -> None:
    from optarium.service.jobs import JOB_KINDS, job_kind

    store = SqlStore(store_url)
    jobs.ensure_jobs_table(store)
    future = jobs.submit_job(store, "plan.json", b"{}", {"kind": "schedule"})  # queued by a newer server
    older = jobs.submit_job(store, "model.lp", b"min: x;", {"solver": "highs"})  # queued before jobs named a kind
    asked = jobs.submit_job(store, "question.txt", b"In words.", {"kind": "formulate"})
    claimed = [jobs.claim_job(store, "w", stale_after=60, kinds=JOB_KINDS) for _ in range(3)]
    assert [(job["id"], job_kind(job)) for job, _ in filter(None, claimed)] == [(older["id"], "solve"),
                                                                                 (asked["id"], "formulate")]
    assert claimed[2] is None and jobs.get_job(store, future["id"])["state"] == "queued"
    taken = jobs.claim_job(store, "newer", stale_after=60, kinds=(*JOB_KINDS, "schedule"))
    assert taken is not None and taken[0]["id"] == future["id"]
