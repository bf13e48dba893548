"""Jobs of the service (solve and formulate), kept in the store so a job outlives the server that took it.

A job is ``queued`` when submitted, ``running`` once a worker claims it (one claim wins:
the update checks the state it read), then ``done`` or ``failed``. A running job whose
worker stopped renewing its heartbeat is queued again by the next worker that looks.
Every function takes an :class:`~optarium.store.core.SqlStore` and opens its own short
transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    update,
)

from optarium.errors import NotFoundError
from optarium.store.base import json_safe
from optarium.store.schema import aware, metadata, new_id

if TYPE_CHECKING:
    from collections.abc import Collection

    from optarium.store.core import SqlStore

JOB_STATES = ("queued", "running", "done", "failed")

jobs = Table(
    "service_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("model", LargeBinary, nullable=False),
    Column("options", JSON, nullable=False),
    Column("worker", String(255), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("run_id", Integer),
    Column("result", JSON),
    Column("error", Text, nullable=False),
    Column("progress", JSON),  # the latest progress of a running solve: elapsed, incumbent, bound, gap
)

# columns a job listing shows (the model bytes stay in the store)
_LISTED = [c for c in jobs.c if c.name != "model"]


def _job(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    for key in ("created_at", "started_at", "heartbeat_at", "finished_at"):
        out[key] = aware(out.get(key))
    return out


def ensure_jobs_table(store: SqlStore) -> None:
    """Create the jobs table in a store opened before this module was imported (nothing if it is there)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        jobs.create(store.engine, checkfirst=True)
    except SQLAlchemyError:
        if not store.read_only:  # two servers creating it at once: the other one made it
            with store.transaction(write=False) as connection:
                connection.execute(select(func.count()).select_from(jobs))


def submit_job(store: SqlStore, filename: str, model: bytes, options: dict[str, Any]) -> dict[str, Any]:
    """Queue one solve of ``model`` (the bytes of an MPS or LP file); return the job without its model."""
    row = {"created_at": datetime.now(UTC), "state": "queued", "filename": filename[:255], "model": bytes(model),
           "options": json_safe(options), "worker": "", "error": ""}
    with store.transaction() as connection:
        job_id = new_id(connection.execute(jobs.insert(), row))
        found = connection.execute(select(*_LISTED).where(jobs.c.id == job_id)).first()
    return _job(found)


def get_job(store: SqlStore, job_id: int) -> dict[str, Any]:
    """One job without its model; ``NotFoundError`` if none."""
    with store.transaction(write=False) as connection:
        found = connection.execute(select(*_LISTED).where(jobs.c.id == job_id)).first()
    if found is None:
        raise NotFoundError(f"no job with id {job_id}")
    return _job(found)


def list_jobs(store: SqlStore, limit: int = 50, offset: int = 0, state: str | None = None) -> list[dict[str, Any]]:
    """The newest jobs first, without their models."""
    query = select(*_LISTED).order_by(jobs.c.id.desc()).limit(limit).offset(offset)
    if state:
        query = query.where(jobs.c.state == state)
    with store.transaction(write=False) as connection:
        return [_job(row) for row in connection.execute(query)]


def claim_job(store: SqlStore, worker: str, stale_after: float,
              kinds: Collection[str] | None = None) -> tuple[dict[str, Any], bytes] | None:
    """Take the oldest queued job (or a running one whose heartbeat is older than ``stale_after``
    seconds) for ``worker``; return it with its model, or None when there is none.

    With ``kinds`` only a job whose options' ``kind`` is one of them (no kind: ``solve``) is taken,
    so a server never claims a kind of job it cannot run. Of several workers claiming one job, exactly one gets it.
    """
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=stale_after)
    claimable = or_(jobs.c.state == "queued", and_(jobs.c.state == "running", jobs.c.heartbeat_at < stale))
    if kinds is not None:
        kind = jobs.c.options["kind"].as_string()
        known = kind.in_(list(kinds))
        claimable = and_(claimable, or_(known, kind.is_(None)) if "solve" in kinds else known)
    for _ in range(5):
        with store.transaction(write=False) as connection:
            found = connection.execute(
                select(jobs.c.id, jobs.c.state, jobs.c.heartbeat_at).where(claimable).order_by(jobs.c.id).limit(1)
            ).first()
        if found is None:
            return None
        same = jobs.c.state == found.state
        if found.heartbeat_at is not None:
            same = and_(same, jobs.c.heartbeat_at == found.heartbeat_at)
        with store.transaction() as connection:
            taken = connection.execute(
                update(jobs).where(jobs.c.id == found.id, same)
                .values(state="running", worker=worker[:255], started_at=now, heartbeat_at=now)
            ).rowcount
            if taken == 1:
                row = connection.execute(select(jobs).where(jobs.c.id == found.id)).first()
                assert row is not None
                job = _job(row)
                return {k: v for k, v in job.items() if k != "model"}, bytes(job["model"])
    return None


def heartbeat(store: SqlStore, job_id: int, worker: str, progress: dict[str, Any] | None = None) -> None:
    """Say that ``worker`` is still running the job, and how far the solve got (if known)."""
    values: dict[str, Any] = {"heartbeat_at": datetime.now(UTC)}
    if progress is not None:
        values["progress"] = json_safe(progress)
    with store.transaction() as connection:
        connection.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.worker == worker[:255], jobs.c.state == "running")
                           .values(**values))


def finish_job(store: SqlStore, job_id: int, worker: str, state: str, result: dict[str, Any] | None,
               run_id: int | None, error: str = "") -> bool:
    """Record the end of a job ``worker`` holds, in one transaction; False if another worker took it since."""
    if state not in ("done", "failed"):
        raise ValueError(f"`state` must be 'done' or 'failed', got {state!r}")
    with store.transaction() as connection:
        return connection.execute(
            update(jobs).where(jobs.c.id == job_id, jobs.c.worker == worker[:255], jobs.c.state == "running")
            .values(state=state, result=json_safe(result), run_id=run_id, error=error, finished_at=datetime.now(UTC))
        ).rowcount == 1
