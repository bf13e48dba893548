"""A bounded pool of workers fed from the jobs table of the store: solve jobs and formulate jobs.

Each worker claims the oldest queued job (one claim wins, whichever server made it),
solves the uploaded model with :func:`optarium.solve` (which checks the answer and
records the run), or for a formulate job turns the question into a solved, verified model
with :func:`optarium.formulate.pipeline.formulate` (the LLM the server's environment names,
generated code in its sandbox), and writes the result in one transaction. A job left running by a
server that stopped is claimed again once its heartbeat is ``stale_after`` seconds old.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from optarium.solvers.base import Progress
    from optarium.store.core import SqlStore

logger = logging.getLogger(__name__)

SUFFIXES = (".mps", ".lp", ".mps.gz", ".lp.gz")
# options a job may carry to optarium.solve
JOB_OPTIONS = ("solver", "time_limit", "rel_gap", "seed", "threads")
# options a formulate job may carry to formulate (the LLM is the server's, never the client's)
FORMULATE_OPTIONS = ("solver", "time_limit", "rounds")
# the kinds of job this server runs (a job's options name its kind); it claims no other
JOB_KINDS = ("solve", "formulate")
# the job's filename, and its options' "kind", for a question in words
FORMULATE_FILENAME = "question.txt"
# how often a running job writes its heartbeat and latest progress to the store
PROGRESS_SECONDS = 1.0


def check_upload(filename: str) -> str:
    """The suffix the model file is read by; a ``ValueError`` naming the accepted ones otherwise."""
    lower = filename.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    raise ValueError(f"`file` must be a model file ending in {', '.join(SUFFIXES)}, got {filename!r}")


class JobPool:
    """``workers`` threads solving queued jobs until :meth:`stop`; 0 workers run nothing."""

    def __init__(self, store: SqlStore, workers: int, stale_after: float = 60.0, poll_seconds: float = 1.0):
        self.store = store
        self.workers = workers
        self.stale_after = stale_after
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.workers):
            thread = threading.Thread(target=self._loop, args=(f"{self.name}:{index}",), name=f"optarium-job-{index}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def notify(self) -> None:
        """A job was submitted: wake an idle worker now rather than at its next poll."""
        with self._wake:
            self._wake.notify()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking jobs; a job being solved finishes (or is claimed again after its heartbeat goes stale)."""
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, worker: str) -> None:
        from optarium.store import jobs

        while not self._stop.is_set():
            try:
                claimed = jobs.claim_job(self.store, worker, self.stale_after, JOB_KINDS)
            except Exception:  # a store hiccup must not end the worker
                logger.exception("claiming a job failed")
                claimed = None
            if claimed is None:
                with self._wake:
                    self._wake.wait(self.poll_seconds)
                continue
            job, model = claimed
            self._run(worker, job, model)

    def _run(self, worker: str, job: dict[str, Any], model: bytes) -> None:
        from optarium.store import jobs

        beating = threading.Event()
        latest: list[Progress] = []

        def beat() -> None:
            while not beating.wait(min(self.stale_after / 4, PROGRESS_SECONDS)):
                event = latest[-1] if latest else None
                progress = None if event is None else {"elapsed": event.elapsed, "incumbent": event.incumbent,
                                                       "bound": event.bound, "gap": event.gap}
                try:
                    jobs.heartbeat(self.store, job["id"], worker, progress)
                except Exception:
                    logger.exception("job %s: heartbeat failed", job["id"])

        pulse = threading.Thread(target=beat, daemon=True)
        pulse.start()
        try:
            if job_kind(job) == "formulate":
                state, result, run_id, error = formulate_job(self.store, job, model)
            else:
                state, result, run_id, error = solve_job(self.store, job, model, progress=latest.append)
        finally:
            beating.set()
            pulse.join()
        if not jobs.finish_job(self.store, job["id"], worker, state, result, run_id, error):
            logger.warning("job %s was taken by another worker before %s finished it", job["id"], worker)


def solve_job(store: SqlStore, job: dict[str, Any], model: bytes,
              progress: Callable[[Progress], None] | None = None) -> tuple[str, dict[str, Any] | None, int | None, str]:
    """Solve one job's model: (state, result, run id, error line); ``progress`` hears the solver's reports."""
    from optarium.api import solve
    from optarium.errors import OptariumError

    options = {key: value for key, value in (job.get("options") or {}).items() if key in JOB_OPTIONS}
    suffix = check_upload(job["filename"])
    with tempfile.TemporaryDirectory(prefix=f"optarium-job-{job['id']}-") as folder:
        stem = Path(job["filename"]).name[: -len(suffix)] or "model"
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(model)
        try:
            solution = solve(path, store=store, progress=progress, **options)
        except OptariumError as error:
            return "failed", None, None, str(error).splitlines()[0] if str(error) else type(error).__name__
        except Exception as error:  # a bug in a backend: the job fails, the worker lives
            logger.exception("job %s failed", job["id"])
            return "failed", None, None, f"{type(error).__name__}: {error}".splitlines()[0]
    result = solution.to_dict(with_values=True)
    return "done", result, solution.run_id, ""


def job_kind(job: dict[str, Any]) -> str:
    """``solve`` (a model file; also a job that names no kind) or ``formulate`` (a question in words), or
    a kind a newer server queued, which this one does not claim."""
    return str((job.get("options") or {}).get("kind") or "solve")


def formulate_job(store: SqlStore, job: dict[str, Any], question: bytes) -> tuple[str, dict[str, Any] | None, int | None, str]:
    """Formulate, solve and verify one question: (state, result, run id of the solved model, error line).

    The result is :meth:`FormulateResult.to_dict`; a question no model could be found for fails,
    its result kept so the attempts show why.
    """
    from optarium.errors import OptariumError
    from optarium.formulate.pipeline import formulate

    options = {key: value for key, value in (job.get("options") or {}).items() if key in FORMULATE_OPTIONS}
    try:
        result = formulate(question.decode("utf-8"), store=store, source="service", **options)
    except OptariumError as error:
        return "failed", None, None, _line(str(error)) or type(error).__name__
    except Exception as error:  # a bug must fail the job, not the worker
        logger.exception("job %s failed", job["id"])
        return "failed", None, None, _line(f"{type(error).__name__}: {error}")
    out = result.to_dict()
    if result.status == "error":
        return "failed", out, result.solve_run_id, _line(f"{result.cause}: {result.error}" if result.cause else result.error)
    return "done", out, result.solve_run_id, ""


def _line(text: str) -> str:
    return " ".join(text.split())[:2000]
