"""Solve jobs of the service, kept in the store so a job outlives the server that took it,
and the paged, filtered runs query the service lists runs with.

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
    case,
    func,
    or_,
    select,
    update,
)

from optarium.errors import NotFoundError
from optarium.store.base import json_safe
from optarium.store.schema import metadata

if TYPE_CHECKING:
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


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _dicts(result: Any) -> list[dict[str, Any]]:
    """The rows of a result as dicts (cheaper than ``row._mapping`` per row on large reads)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _job(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    for key in ("created_at", "started_at", "heartbeat_at", "finished_at"):
        out[key] = _aware(out.get(key))
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
        key = connection.execute(jobs.insert(), row).inserted_primary_key
        assert key is not None
        found = connection.execute(select(*_LISTED).where(jobs.c.id == int(key[0]))).first()
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


def claim_job(store: SqlStore, worker: str, stale_after: float) -> tuple[dict[str, Any], bytes] | None:
    """Take the oldest queued job (or a running one whose heartbeat is older than ``stale_after``
    seconds) for ``worker``; return it with its model, or None when there is none.

    Of several workers claiming one job, exactly one gets it.
    """
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=stale_after)
    claimable = or_(jobs.c.state == "queued", and_(jobs.c.state == "running", jobs.c.heartbeat_at < stale))
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


def runs_page(
    store: SqlStore,
    limit: int = 50,
    offset: int = 0,
    *,
    kind: str | None = None,
    status: str | None = None,
    verified: bool | None = None,
    solver: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of runs, newest first, without values or verification, and how many match in all."""
    from optarium.store.schema import problems, runs

    conditions = []
    if kind:
        conditions.append(runs.c.kind == kind)
    if status:
        conditions.append(runs.c.status == status)
    if verified is not None:
        conditions.append(runs.c.verified.is_(verified))
    if solver:
        conditions.append(runs.c.solver == solver)
    if since is not None:
        conditions.append(runs.c.created_at >= since)
    if until is not None:
        conditions.append(runs.c.created_at < until)
    columns = [c for c in runs.c if c.name not in ("values", "values_blob", "verification", "extra")]
    query = (select(*columns, problems.c.name).join(problems).where(*conditions)
             .order_by(runs.c.id.desc()).limit(limit).offset(offset))
    count = select(func.count()).select_from(runs).where(*conditions)
    with store.transaction(write=False) as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
        total = int(connection.execute(count).scalar_one())
    for row in rows:
        row["created_at"] = _aware(row["created_at"])
    return rows, total


# studies, as the service lists them: aggregates and pages in SQL, so a study of 100,000 trials
# answers without reading every trial
TRIAL_COLUMNS = ("number", "state", "params", "value", "values", "feasibility", "sampler", "created_at", "finished_at")


def study_overview(store: SqlStore) -> dict[int, dict[str, Any]]:
    """Per study id: trials by state, the lowest and highest feasible complete value, the last activity."""
    from optarium.store.studies import study_trials as trials

    feasible = and_(trials.c.state == "complete", trials.c.value.is_not(None),
                    or_(trials.c.feasibility.is_(None), trials.c.feasibility <= 0))
    query = select(
        trials.c.study_id,
        *[func.sum(case((trials.c.state == state, 1), else_=0)).label(state) for state in ("pending", "complete", "failed")],
        func.min(case((feasible, trials.c.value))).label("lowest"),
        func.max(case((feasible, trials.c.value))).label("highest"),
        func.max(trials.c.created_at).label("last_asked"), func.max(trials.c.finished_at).label("last_told"),
    ).group_by(trials.c.study_id)
    with store.transaction(write=False) as connection:
        rows = [dict(row._mapping) for row in connection.execute(query)]
    out = {}
    for row in rows:
        times = [t for t in (_aware(row["last_asked"]), _aware(row["last_told"])) if t is not None]
        out[int(row["study_id"])] = {
            "trials": {state: int(row[state] or 0) for state in ("pending", "complete", "failed")},
            "lowest": row["lowest"], "highest": row["highest"], "last_activity": max(times) if times else None,
        }
    return out


def trials_page(store: SqlStore, study_id: int, *, state: str | None = None, sort: str = "number", descending: bool = False,
                limit: int = 100, offset: int = 0, feasible: bool = False) -> tuple[list[dict[str, Any]], int]:
    """One page of a study's trials sorted by ``number`` or ``value`` (trials without a value last), and how many match;
    ``feasible`` keeps only trials whose feasibility is unknown or at most 0."""
    from optarium.store.studies import study_trials as trials

    conditions = [trials.c.study_id == study_id]
    if state:
        conditions.append(trials.c.state == state)
    if feasible:
        conditions.append(or_(trials.c.feasibility.is_(None), trials.c.feasibility <= 0))
    order = []
    if sort == "value":
        order = [trials.c.value.is_(None), trials.c.value.desc() if descending else trials.c.value]
    order.append(trials.c.number.desc() if descending else trials.c.number)
    query = (select(*[trials.c[name] for name in TRIAL_COLUMNS]).where(*conditions).order_by(*order)
             .limit(limit).offset(offset))
    with store.transaction(write=False) as connection:
        rows = _dicts(connection.execute(query))
        total = int(connection.execute(select(func.count()).select_from(trials).where(*conditions)).scalar_one())
    for row in rows:
        row["created_at"], row["finished_at"] = _aware(row["created_at"]), _aware(row["finished_at"])
    return rows, total


def complete_trials(store: SqlStore, study_id: int, *, every: int = 1, with_values: bool = False) -> list[dict[str, Any]]:
    """The complete trials of a study by number (with ``every`` > 1 only those whose number it divides):
    number, state, params, value and feasibility, and a multi-objective trial's ``values`` if asked."""
    from optarium.store.studies import study_trials as trials

    names = ["number", "state", "params", "value", "feasibility"] + (["values"] if with_values else [])
    conditions = [trials.c.study_id == study_id, trials.c.state == "complete"]
    if every > 1:
        conditions.append(trials.c.number % every == 0)
    query = select(*[trials.c[name] for name in names]).where(*conditions).order_by(trials.c.number)
    with store.transaction(write=False) as connection:
        return _dicts(connection.execute(query))


def history_points(store: SqlStore, study_id: int, minimize: bool, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The optimization history, thinned in SQL: each kept complete trial's number, value and the best
    feasible value so far (None before the first feasible one), by number, and how many complete trials there are.

    Kept: about ``limit`` evenly spaced trials, every trial that improved the best, and the last one.
    """
    from optarium.store.studies import study_trials as trials

    told = and_(trials.c.study_id == study_id, trials.c.state == "complete", trials.c.value.is_not(None))
    feasible_value = case((or_(trials.c.feasibility.is_(None), trials.c.feasibility <= 0), trials.c.value))
    running = (func.min if minimize else func.max)(feasible_value).over(order_by=trials.c.number, rows=(None, 0))
    ordered = select(trials.c.number, trials.c.value, running.label("best"),
                     func.row_number().over(order_by=trials.c.number).label("position")).where(told).subquery()
    paired = select(ordered, func.lag(ordered.c.best).over(order_by=ordered.c.number).label("previous")).subquery()
    with store.transaction(write=False) as connection:
        total = int(connection.execute(select(func.count()).select_from(trials).where(told)).scalar_one())
        step = max(1, total // max(limit, 1))
        query = (select(paired.c.number, paired.c.value, paired.c.best)
                 .where(or_(paired.c.position % step == 0, paired.c.best.is_distinct_from(paired.c.previous),
                            paired.c.position == total))
                 .order_by(paired.c.number))
        return _dicts(connection.execute(query)), total
