"""Store tables and queries of the formulate pipeline: its runs, every LLM call, the insight library."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from optarium.errors import NotFoundError
from optarium.store.core import json_safe
from optarium.store.schema import metadata

if TYPE_CHECKING:
    from optarium.store.core import Store

formulate_runs = Table(
    "formulate_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("question_hash", String(64), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("llm", String(255), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("cause", String(32), nullable=False),
    Column("error", Text, nullable=False),
    Column("rounds", Integer, nullable=False),
    Column("solution_status", String(16)),
    Column("objective", Float),
    Column("verified", Boolean, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("formulation", Text),
    Column("code_kind", String(8)),
    Column("code", Text),
    Column("lp_text", Text),
    Column("answer", Text),
    Column("tokens", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("llm_seconds", Float, nullable=False),
    Column("attempts", JSON, nullable=False),
    Column("insight_ids", JSON, nullable=False),
)

llm_calls = Table(
    "llm_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("formulate_run_id", Integer, ForeignKey("formulate_runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("round", Integer, nullable=False),
    Column("model", String(255), nullable=False),
    Column("messages", JSON, nullable=False),
    Column("response", Text, nullable=False),
    Column("prompt_tokens", Integer, nullable=False),
    Column("completion_tokens", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("error", Text, nullable=False),
)

insights = Table(
    "formulate_insights",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("taxonomy", String(64), nullable=False, index=True),
    Column("condition", Text, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("example", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("retrieved", Integer, nullable=False),
    Column("helped", Integer, nullable=False),
    Column("misled", Integer, nullable=False),
)

INSIGHT_FIELDS = ("taxonomy", "condition", "explanation", "example")


def _new_id(inserted: Any) -> int:
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def record_formulate_run(store: Store, run: dict[str, Any], calls: list[dict[str, Any]]) -> int:
    """Write one pipeline run and its LLM calls in one transaction; return its id."""
    row = {key: json_safe(value) for key, value in run.items() if key in formulate_runs.c}
    row["created_at"] = datetime.now(UTC)
    with store.transaction() as connection:
        run_id = _new_id(connection.execute(formulate_runs.insert().values(**row)))
        for seq, call in enumerate(calls):
            connection.execute(llm_calls.insert().values(
                formulate_run_id=run_id, seq=seq, stage=call.get("stage", ""), round=int(call.get("round", 0)),
                model=str(call.get("model", ""))[:255], messages=json_safe(call.get("messages", [])),
                response=call.get("response", ""), prompt_tokens=int(call.get("prompt_tokens", 0)),
                completion_tokens=int(call.get("completion_tokens", 0)), seconds=float(call.get("seconds", 0.0)),
                error=call.get("error", ""),
            ))
    return run_id


def list_formulate_runs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The newest pipeline runs first, without code and LP text."""
    from sqlalchemy import select

    skip = {"code", "lp_text", "formulation", "question"}
    query = select(*[c for c in formulate_runs.c if c.name not in skip]).order_by(formulate_runs.c.id.desc()).limit(limit)
    with store.transaction() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def get_formulate_run(store: Store, run_id: int) -> dict[str, Any]:
    """One pipeline run with its LLM calls (``calls``, in order)."""
    from sqlalchemy import select

    with store.transaction() as connection:
        row = connection.execute(select(formulate_runs).where(formulate_runs.c.id == run_id)).first()
        if row is None:
            raise NotFoundError(f"no formulate run with id {run_id}")
        calls = connection.execute(
            select(llm_calls).where(llm_calls.c.formulate_run_id == run_id).order_by(llm_calls.c.seq)
        ).all()
    found = dict(row._mapping)
    found["calls"] = [dict(call._mapping) for call in calls]
    return found


def add_insight(store: Store, taxonomy: str, condition: str, explanation: str, example: str = "", source: str = "") -> int:
    """Add one insight to the library; return its id."""
    with store.transaction() as connection:
        inserted = connection.execute(insights.insert().values(
            created_at=datetime.now(UTC), taxonomy=taxonomy[:64], condition=condition, explanation=explanation,
            example=example, source=source, active=True, retrieved=0, helped=0, misled=0,
        ))
        return _new_id(inserted)


def list_insights(store: Store, active_only: bool = False) -> list[dict[str, Any]]:
    from sqlalchemy import select

    query = select(insights).order_by(insights.c.id)
    if active_only:
        query = query.where(insights.c.active.is_(True))
    with store.transaction() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def get_insight(store: Store, insight_id: int) -> dict[str, Any]:
    from sqlalchemy import select

    with store.transaction() as connection:
        row = connection.execute(select(insights).where(insights.c.id == insight_id)).first()
    if row is None:
        raise NotFoundError(f"no insight with id {insight_id}")
    return dict(row._mapping)


def update_insight(store: Store, insight_id: int, **changes: Any) -> dict[str, Any]:
    """Change fields of one insight (taxonomy, condition, explanation, example, active)."""
    allowed = {*INSIGHT_FIELDS, "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"insight fields are {sorted(allowed)}, got {sorted(unknown)}")
    get_insight(store, insight_id)
    if changes:
        with store.transaction() as connection:
            connection.execute(insights.update().where(insights.c.id == insight_id).values(**changes))
    return get_insight(store, insight_id)


def count_insight_use(store: Store, ids: list[int], column: str) -> None:
    """Add one to ``retrieved``, ``helped`` or ``misled`` of each insight in ``ids``."""
    if not ids or column not in ("retrieved", "helped", "misled"):
        return
    target = insights.c[column]
    with store.transaction() as connection:
        connection.execute(insights.update().where(insights.c.id.in_(ids)).values({column: target + 1}))
