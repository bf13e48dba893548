"""Tables of the run store. Other features add their tables to the same ``metadata``
in their own module under ``optarium.store`` and list it in ``TABLE_MODULES``."""

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
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, CursorResult

metadata = MetaData()

# Modules that define tables on ``metadata``; the store imports them before creating tables.
TABLE_MODULES: list[str] = [
    "optarium.store.schema",
    "optarium.store.formulate",
    "optarium.store.studies",
    "optarium.store.jobs",
]

problems = Table(
    "problems",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("name", String(255), nullable=False),
    Column("features", JSON, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("fingerprint", String(64), ForeignKey("problems.fingerprint"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("solver", String(64), nullable=False),
    Column("solver_version", String(64), nullable=False),
    Column("params", JSON, nullable=False),
    Column("plan_reason", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("solver_status", String(64), nullable=False),
    Column("objective", Float),
    Column("bound", Float),
    Column("gap", Float),
    Column("verified", Boolean, nullable=False),
    Column("max_violation", Float),
    Column("verification", JSON),
    Column("cross_check", JSON),
    Column("seconds", Float, nullable=False),
    Column("timings", JSON, nullable=False),
    Column("message", Text, nullable=False),
    Column("values", JSON),  # runs recorded before values_blob: a JSON object by name
    Column("extra", JSON),
    Column("plan", JSON),
    Column("values_blob", LargeBinary),
)

# columns added after the first release: the store adds them to an older file on open
ADDED_COLUMNS: dict[str, list[Column]] = {
    "runs": [Column("plan", JSON), Column("values_blob", LargeBinary)],
    "formulate_runs": [Column("insights_version", Integer)],
    "studies": [Column("directions", JSON)],
    "study_trials": [Column("values", JSON)],
}

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", "version", name="uq_artifact_version"),
)


def insert_artifact(connection: Connection, name: str, data: bytes, meta: dict[str, Any]) -> int:
    """Add the next version of artifact ``name`` inside the caller's transaction; return it.

    On PostgreSQL, writers of one name wait for each other; on SQLite the write lock does
    that. A version taken in between raises ``IntegrityError`` (the caller may try again).
    """
    from sqlalchemy import func, select, text

    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})
    latest = connection.execute(select(func.max(artifacts.c.version)).where(artifacts.c.name == name)).scalar()
    version = int(latest or 0) + 1
    connection.execute(artifacts.insert(), {
        "name": name, "version": version, "meta": meta, "data": bytes(data), "created_at": datetime.now(UTC),
    })
    return version


def new_id(inserted: CursorResult[Any]) -> int:
    """The primary key of the one row an insert added."""
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def aware(value: datetime | None) -> datetime | None:
    """A datetime read back in UTC: SQLite hands back naive ones, written in UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
