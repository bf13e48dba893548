"""Runs and jobs over HTTP: runs listed, filtered and paged; one run whole; a model file (a solve job)
or a problem in words (a formulate job) submitted, polled, and its verified result fetched."""

from __future__ import annotations

import time as time_module
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from optarium.service.app import ApiError, stopping, store_of
from optarium.service.tables import csv_response
from optarium.store.base import Store

router = APIRouter()
StoreDep = Annotated[Store, Depends(store_of)]
READ_CHUNK = 1024 * 1024
EVENT_SECONDS = 0.5  # how often an event stream reads its job from the store


def _moment(value: str | None, name: str) -> datetime | None:
    """A date (``2026-12-05``, its midnight in UTC) or an ISO datetime (UTC unless it says otherwise)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text) if "T" in text or " " in text else datetime.combine(
            date.fromisoformat(text), time())
    except ValueError:
        raise ApiError(422, f"`{name}` must be a date like 2026-12-05 or an ISO datetime, got {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not isinstance(value, bytes | bytearray | memoryview)}


def _runs(store: Store, limit: int, offset: int, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    from optarium.store.core import SqlStore

    if isinstance(store, SqlStore):
        return store.runs_page(limit, offset, **filters)
    rows = store.list_runs(limit=10**9, status=filters["status"], kind=filters["kind"])
    keep = [row for row in rows
            if (filters["verified"] is None or bool(row["verified"]) == filters["verified"])
            and (not filters["solver"] or row["solver"] == filters["solver"])
            and (filters["since"] is None or row["created_at"] >= filters["since"])
            and (filters["until"] is None or row["created_at"] < filters["until"])]
    return [_plain(row) for row in keep[offset: offset + limit]], len(keep)


RunFilters = dict[str, Any]


async def run_filters(
    kind: Annotated[str | None, Query(description="math_program, routing, scheduling, ...")] = None,
    status: Annotated[str | None, Query(description="optimal, feasible, infeasible, ...")] = None,
    verified: Annotated[bool | None, Query()] = None,
    backend: Annotated[str | None, Query(description="the solver that ran: highs, scip, ...")] = None,
    since: Annotated[str | None, Query(description="runs created at or after this date or datetime (UTC)")] = None,
    until: Annotated[str | None, Query(description="runs created before this date or datetime (UTC)")] = None,
) -> RunFilters:
    return {"kind": kind, "status": status, "verified": verified, "solver": backend,
            "since": _moment(since, "since"), "until": _moment(until, "until")}


@router.get("/runs", tags=["runs"])
def list_runs(
    store: StoreDep, filters: Annotated[RunFilters, Depends(run_filters)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """One page of runs, newest first, with how many match the filters in all."""
    rows, total = _runs(store, limit, offset, **filters)
    return {"runs": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/runs.csv", tags=["runs"], response_class=Response)
def runs_csv(
    store: StoreDep, filters: Annotated[RunFilters, Depends(run_filters)],
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000, offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The same runs as CSV."""
    rows, _ = _runs(store, limit, offset, **filters)
    return csv_response(rows, "runs.csv")


@router.get("/runs/{run_id}", tags=["runs"])
def show_run(run_id: int, store: StoreDep, values: bool = False) -> dict[str, Any]:
    """One run with its verification, plan, timings and (with ``values=true``) the answer's values."""
    row = _plain(store.get_run(run_id))
    if not values:
        row.pop("values", None)
    return row


# jobs -----------------------------------------------------------------------------------------
def _job_store(request: Request) -> Any:
    from optarium.store.core import SqlStore

    store = request.app.state.store
    if not isinstance(store, SqlStore) or request.app.state.pool is None:
        raise ApiError(409, "solve jobs need an SQL store (an SQLite file or PostgreSQL); this server runs on "
                            f"{store.url.split('://', 1)[0]}://")
    return store


def _job_json(job: dict[str, Any]) -> dict[str, Any]:
    from optarium.service.jobs import job_kind

    return {**{key: value for key, value in job.items() if key not in ("result", "model", "worker")}, "kind": job_kind(job)}


class FormulateBody(BaseModel):
    """A problem in words and how to solve the model made of it; the LLM is the one the server is configured with."""

    text: str = Field(min_length=1, max_length=100_000, description="The problem in plain language.")
    solver: str | None = Field(None, max_length=64)
    time_limit: float | None = Field(None, gt=0, le=3600)
    rounds: int | None = Field(None, ge=0, le=10, description="Self-correction rounds after a failed model.")


@router.post("/jobs/formulate", tags=["jobs"], status_code=202)
def submit_formulate(body: FormulateBody, request: Request) -> dict[str, Any]:
    """Queue a formulate job: the question becomes a model, solved and verified; poll ``/jobs/{id}`` and
    fetch ``/jobs/{id}/result`` (the formulation, the model, the verified answer and every attempt)."""
    from optarium.formulate.pipeline import check_question
    from optarium.service.jobs import FORMULATE_FILENAME
    from optarium.store.jobs import submit_job as submit

    store = _job_store(request)
    question = check_question(body.text)  # empty or blank: a ProblemTextError, answered 422
    options = {"kind": "formulate", **{key: value for key, value in body.model_dump().items()
                                       if key != "text" and value is not None}}
    job = submit(store, FORMULATE_FILENAME, question.encode("utf-8"), options)
    request.app.state.pool.notify()
    return _job_json(job)


@router.post("/jobs", tags=["jobs"], status_code=202)
async def submit_job(
    request: Request,
    file: Annotated[UploadFile, File(description="The model: an MPS or LP file (optionally .gz).")],
    solver: Annotated[str, Form()] = "auto",
    time_limit: Annotated[float | None, Form(gt=0, le=3600)] = None,
) -> dict[str, Any]:
    """Queue a solve of an uploaded model; poll ``/jobs/{id}`` and fetch ``/jobs/{id}/result``."""
    from starlette.concurrency import run_in_threadpool

    from optarium.service.jobs import check_upload
    from optarium.store.jobs import submit_job as submit

    store = _job_store(request)
    limit = request.app.state.settings.max_upload_bytes
    filename = file.filename or ""
    try:
        check_upload(filename)
    except ValueError as error:
        raise ApiError(422, str(error)) from None
    chunks, size = [], 0
    while chunk := await file.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the model file is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    if size == 0:
        raise ApiError(400, f"the model file {filename!r} is empty")
    options: dict[str, Any] = {"kind": "solve", "solver": solver}
    if time_limit is not None:
        options["time_limit"] = time_limit
    job = await run_in_threadpool(submit, store, filename, b"".join(chunks), options)
    request.app.state.pool.notify()
    return _job_json(job)


@router.get("/jobs", tags=["jobs"])
def list_jobs(
    request: Request,
    state: Annotated[Literal["queued", "running", "done", "failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The newest jobs first."""
    from optarium.store import jobs

    rows = jobs.list_jobs(_job_store(request), limit, offset, state)
    return {"jobs": [_job_json(row) for row in rows], "limit": limit, "offset": offset}


@router.get("/jobs/{job_id}", tags=["jobs"])
def show_job(job_id: int, request: Request) -> dict[str, Any]:
    """A job's state (queued, running, done, failed), its run id once done, its error once failed."""
    from optarium.store import jobs

    return _job_json(jobs.get_job(_job_store(request), job_id))


@router.get("/jobs/{job_id}/events", tags=["jobs"], response_class=StreamingResponse)
async def job_events(
    job_id: int, request: Request,
    timeout: Annotated[float, Query(gt=0, le=3600, description="Seconds after which the stream ends; reconnect to go on.")] = 600,
) -> StreamingResponse:
    """Server-sent events of one job: the job (as ``GET /jobs/{id}``) each time its state or progress
    changes, read from the store every half second; the stream ends once the job is done or failed."""
    from starlette.concurrency import run_in_threadpool

    from optarium.store import jobs

    store = _job_store(request)
    first = await run_in_threadpool(jobs.get_job, store, job_id)  # an unknown job is a 404, not an empty stream

    async def stream() -> AsyncIterator[str]:
        import asyncio

        from pydantic_core import to_json

        deadline = time_module.monotonic() + timeout
        job, sent = first, ""
        while True:
            text = to_json(_job_json(job)).decode()  # as the JSON answers encode it
            if text != sent:
                sent = text
                yield f"event: job\ndata: {text}\n\n"
            if job["state"] in ("done", "failed"):
                return
            if time_module.monotonic() > deadline or stopping(request) or await request.is_disconnected():
                yield "event: timeout\ndata: {}\n\n"
                return
            await asyncio.sleep(EVENT_SECONDS)
            job = await run_in_threadpool(jobs.get_job, store, job_id)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.get("/jobs/{job_id}/result", tags=["jobs"])
def job_result(job_id: int, request: Request) -> dict[str, Any]:
    """The checked answer of a finished job (409 while it is queued or running, or if it failed)."""
    from optarium.store import jobs

    job = jobs.get_job(_job_store(request), job_id)
    if job["state"] == "failed":
        raise ApiError(409, f"job {job_id} failed: {job['error']}")
    if job["state"] != "done":
        raise ApiError(409, f"job {job_id} is {job['state']}; poll /jobs/{job_id} until it is done")
    return {"job": _job_json(job), "result": job["result"]}
