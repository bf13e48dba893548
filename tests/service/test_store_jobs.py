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
