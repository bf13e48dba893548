"""Tables and queries of the formulate pipeline: its requests, every LLM call, the insight library.

Each function takes an open connection; :class:`~optarium.store.core.SqlStore`
opens the transaction (see :class:`~optarium.store.base.FormulateStore`).
"""

from __future__ import annotations

import json
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
from optarium.store.base import json_safe
from optarium.store.schema import metadata, new_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

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
    Column("insights_version", Integer),  # the library version retrieved from (see INSIGHTS_ARTIFACT)
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
# every change to the library's content saves it whole as the next version of this artifact,
# in the same transaction, so a formulate request can name the library it used
INSIGHTS_ARTIFACT = "formulate.insights"
COUNTERS = ("retrieved", "helped", "misled")
# left out of request lists: the long texts
LIST_SKIPS = frozenset({"code", "lp_text", "formulation", "question"})


def request_row(request: dict[str, Any], run_id: int | None) -> dict[str, Any]:
    """The ``formulate_runs`` row of ``request`` (unknown keys dropped), linked to ``run_id``."""
    row = {key: json_safe(value) for key, value in request.items() if key in formulate_runs.c and key != "id"}
    row["created_at"] = datetime.now(UTC)
    row["run_id"] = run_id
    return row


def call_rows(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``llm_calls`` rows of ``calls`` in order, not yet linked to their request."""
    return [{
        "seq": seq, "stage": call.get("stage", ""), "round": int(call.get("round", 0)),
        "model": str(call.get("model", ""))[:255], "messages": json_safe(call.get("messages", [])),
        "response": call.get("response", ""), "prompt_tokens": int(call.get("prompt_tokens", 0)),
        "completion_tokens": int(call.get("completion_tokens", 0)), "seconds": float(call.get("seconds", 0.0)),
        "error": call.get("error", ""),
    } for seq, call in enumerate(calls)]


def insert_request(connection: Connection, request: dict[str, Any], run_id: int | None) -> int:
    """Insert one request row; return its id."""
    return new_id(connection.execute(formulate_runs.insert().values(**request_row(request, run_id))))


def insert_calls(connection: Connection, formulate_id: int, calls: list[dict[str, Any]]) -> None:
    """Insert the LLM calls of one request, in order."""
    rows = [{**row, "formulate_run_id": formulate_id} for row in call_rows(calls)]
    if rows:
        connection.execute(llm_calls.insert(), rows)


def list_formulate_runs(connection: Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The newest requests first, without code and LP text."""
    from sqlalchemy import select

    query = select(*[c for c in formulate_runs.c if c.name not in LIST_SKIPS]).order_by(formulate_runs.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def get_formulate_run(connection: Connection, formulate_id: int) -> dict[str, Any]:
    """One request with its LLM calls (``calls``, in order)."""
    from sqlalchemy import select

    row = connection.execute(select(formulate_runs).where(formulate_runs.c.id == formulate_id)).first()
    if row is None:
        raise NotFoundError(f"no formulate run with id {formulate_id}")
    calls = connection.execute(
        select(llm_calls).where(llm_calls.c.formulate_run_id == formulate_id).order_by(llm_calls.c.seq)
    ).all()
    found = dict(row._mapping)
    found["calls"] = [dict(call._mapping) for call in calls]
    return found


def insight_row(taxonomy: str, condition: str, explanation: str, example: str = "", source: str = "") -> dict[str, Any]:
    """A new, active insight with zero counters."""
    return {
        "created_at": datetime.now(UTC), "taxonomy": taxonomy[:64], "condition": condition,
        "explanation": explanation, "example": example, "source": source, "active": True,
        "retrieved": 0, "helped": 0, "misled": 0,
    }


def add_insight(connection: Connection, row: dict[str, Any]) -> int:
    """Insert one insight row (see :func:`insight_row`) and save the library's next version; return its id."""
    insight_id = new_id(connection.execute(insights.insert().values(**row)))
    _save_library(connection, f"added insight {insight_id}")
    return insight_id


def library_snapshot(rows: list[dict[str, Any]], change: str) -> tuple[bytes, dict[str, Any]]:
    """The library's content (no usage counters) as artifact data, and its meta."""
    content = [{key: row[key] for key in ("id", *INSIGHT_FIELDS, "source", "active")} for row in rows]
    meta = {"change": change, "insights": len(content), "active": sum(bool(row["active"]) for row in content)}
    return json.dumps(content, sort_keys=True).encode(), meta


def _save_library(connection: Connection, change: str) -> None:
    from optarium.store.schema import insert_artifact

    data, meta = library_snapshot(list_insights(connection), change)
    insert_artifact(connection, INSIGHTS_ARTIFACT, data, meta)


def list_insights(connection: Connection, active_only: bool = False) -> list[dict[str, Any]]:
    from sqlalchemy import select

    query = select(insights).order_by(insights.c.id)
    if active_only:
        query = query.where(insights.c.active.is_(True))
    return [dict(row._mapping) for row in connection.execute(query)]


def get_insight(connection: Connection, insight_id: int) -> dict[str, Any]:
    from sqlalchemy import select

    row = connection.execute(select(insights).where(insights.c.id == insight_id)).first()
    if row is None:
        raise NotFoundError(f"no insight with id {insight_id}")
    return dict(row._mapping)


def check_changes(changes: dict[str, Any]) -> None:
    """Refuse fields an insight edit may not change."""
    unknown = set(changes) - {*INSIGHT_FIELDS, "active"}
    if unknown:
        raise ValueError(f"insight fields are {sorted({*INSIGHT_FIELDS, 'active'})}, got {sorted(unknown)}")


def update_insight(connection: Connection, insight_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change fields of one insight (taxonomy, condition, explanation, example, active); return it."""
    check_changes(changes)
    get_insight(connection, insight_id)
    if changes:
        connection.execute(insights.update().where(insights.c.id == insight_id).values(**changes))
        _save_library(connection, f"changed {', '.join(sorted(changes))} of insight {insight_id}")
    return get_insight(connection, insight_id)


def count_insight_use(connection: Connection, ids: list[int], column: str) -> None:
    """Add one to ``retrieved``, ``helped`` or ``misled`` of each insight in ``ids``."""
    check_column(column)
    if ids:
        target = insights.c[column]
        connection.execute(insights.update().where(insights.c.id.in_(ids)).values({column: target + 1}))


def check_column(column: str) -> None:
    if column not in COUNTERS:
        raise ValueError(f"`column` must be one of {COUNTERS}, got {column!r}")
