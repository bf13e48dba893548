"""The store: one SQLAlchemy database (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

import importlib
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from optarium.errors import NotFoundError, StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

ENV_VAR = "OPTARIUM_STORE"
CREATE_ATTEMPTS = 5


def default_url() -> str:
    """``$OPTARIUM_STORE``, else an SQLite file in the user's data directory."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    import platformdirs

    folder = Path(platformdirs.user_data_dir("optarium", appauthor=False))
    return f"sqlite:///{folder / 'optarium.db'}"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` (psycopg 3 is the driver we ship) and bare file paths."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def json_safe(value: Any) -> Any:
    """JSON columns cannot hold NaN or infinity; store them as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class Store:
    """A handle on the run store; every write happens in one transaction."""

    _engines: ClassVar[dict[str, Engine]] = {}

    def __init__(self, url: str | None = None):
        self.url = normalise_url(url or default_url())
        self.engine = self._engine(self.url)

    @classmethod
    def _engine(cls, url: str) -> Engine:
        if url in cls._engines:
            return cls._engines[url]
        from sqlalchemy import create_engine, event
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(f"store URL {url!r} is not a database URL; use sqlite:///path.db or postgresql://user@host/db") from None
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                try:
                    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreError(f"cannot create the folder for store {url}: {error.strerror}") from None
            connect_args = {"timeout": 30}
        elif parsed.get_backend_name() == "postgresql":
            connect_args = {"connect_timeout": 10}
        try:
            engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError, SQLAlchemyError) as error:
            raise StoreError(f"cannot use store URL {url!r}: {error}") from None
        if parsed.get_backend_name() == "sqlite":

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                # with WAL, NORMAL keeps every committed run across an application crash
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()

        from optarium.store.schema import TABLE_MODULES, metadata

        for module in TABLE_MODULES:
            importlib.import_module(module)
        for attempt in range(CREATE_ATTEMPTS):
            try:
                metadata.create_all(engine)
                break
            except SQLAlchemyError as error:
                # several workers opening one new store at once: one creates the tables and the
                # others fail on them; after a moment they find the tables there and go on
                if attempt + 1 == CREATE_ATTEMPTS or not _lost_creation_race(error):
                    raise StoreError(f"cannot open store {_redact(url)}: {_first_line(error)}") from None
                time.sleep(0.05 * (attempt + 1))
        cls._engines[url] = engine
        return engine

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on any error or Ctrl-C."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StoreError(f"store {_redact(self.url)}: {_first_line(error)}") from None

    def _ensure_problem(self, connection: Connection, fingerprint: str, kind: str, name: str, features: dict[str, Any]) -> None:
        """Insert the problem unless it is known; safe when two workers record it at once."""
        from optarium.store.schema import problems

        values = {
            "fingerprint": fingerprint, "kind": kind, "name": name[:255],
            "features": json_safe(features), "first_seen": datetime.now(UTC),
        }
        dialect = connection.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            connection.execute(
                postgresql.insert(problems).on_conflict_do_nothing(index_elements=["fingerprint"]), values
            )
            return
        if dialect == "sqlite":
            from sqlalchemy.dialects import sqlite

            connection.execute(
                sqlite.insert(problems).on_conflict_do_nothing(index_elements=["fingerprint"]), values
            )
            return
        from sqlalchemy import select

        found = connection.execute(select(problems.c.fingerprint).where(problems.c.fingerprint == fingerprint)).first()
        if found is None:
            connection.execute(problems.insert(), values)

    def record_run(
        self,
        *,
        fingerprint: str,
        kind: str,
        name: str,
        features: dict[str, Any],
        source: str,
        solver: str,
        solver_version: str,
        params: dict[str, Any],
        plan_reason: str,
        result: dict[str, Any],
        values: dict[str, float] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> int:
        """Write one run (and its problem, if new) in one transaction; return the run id.

        ``result`` holds the columns of a solution: status, solver_status,
        objective, bound, gap, verified, max_violation, verification,
        cross_check, seconds, timings, message.
        """
        from optarium.store.schema import runs

        row = {
            "created_at": datetime.now(UTC),
            "fingerprint": fingerprint,
            "kind": kind,
            "source": source,
            "solver": solver,
            "solver_version": solver_version,
            "params": json_safe(params),
            "plan_reason": plan_reason,
            "status": result["status"],
            "solver_status": result.get("solver_status", ""),
            "objective": json_safe(result.get("objective")),
            "bound": json_safe(result.get("bound")),
            "gap": json_safe(result.get("gap")),
            "verified": bool(result.get("verified", False)),
            "max_violation": json_safe(result.get("max_violation")),
            "verification": json_safe(result.get("verification")),
            "cross_check": json_safe(result.get("cross_check")),
            "seconds": float(result.get("seconds", 0.0)),
            "timings": json_safe(result.get("timings", {})),
            "message": result.get("message", ""),
            "values": json_safe(values) if values is not None else None,
            "extra": json_safe(extra) if extra is not None else None,
        }
        with self.transaction() as connection:
            self._ensure_problem(connection, fingerprint, kind, name, features)
            # bound parameters, not .values(): the compiled statement is reused from run to run
            inserted = connection.execute(runs.insert(), row)
            key = inserted.inserted_primary_key
            assert key is not None
            return int(key[0])

    def list_runs(self, limit: int = 20, status: str | None = None, fingerprint: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first, without their variable values."""
        from sqlalchemy import select

        from optarium.store.schema import problems, runs

        columns = [c for c in runs.c if c.name not in ("values", "verification")]
        query = select(*columns, problems.c.name).join(problems).order_by(runs.c.id.desc()).limit(limit)
        if status:
            query = query.where(runs.c.status == status)
        if fingerprint:
            query = query.where(runs.c.fingerprint.startswith(fingerprint))
        with self.transaction() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def get_run(self, run_id: int) -> dict[str, Any]:
        from sqlalchemy import select

        from optarium.store.schema import problems, runs

        query = select(runs, problems.c.name, problems.c.features).join(problems).where(runs.c.id == run_id)
        with self.transaction() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFoundError(f"no run with id {run_id} in store {_redact(self.url)}")
        return dict(row._mapping)

    def count_runs(self) -> int:
        from sqlalchemy import func, select

        from optarium.store.schema import runs

        with self.transaction() as connection:
            return int(connection.execute(select(func.count()).select_from(runs)).scalar_one())


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _lost_creation_race(error: BaseException) -> bool:
    """True when creating the schema failed because another process created it at the same moment."""
    text = str(getattr(error, "orig", None) or error).lower()
    return "already exists" in text or "duplicate key" in text


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches a message."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def open_store(url: str | None = None) -> Store:
    """The store at ``url`` (or ``$OPTARIUM_STORE``, or the default SQLite file)."""
    return Store(url)
