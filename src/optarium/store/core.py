"""The SQL store: one SQLAlchemy database (SQLite file by default, PostgreSQL by URL).

The only module family that imports SQLAlchemy; callers use the protocols of
:mod:`optarium.store.base`.
"""

from __future__ import annotations

import importlib
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from optarium.errors import ConflictError, NotFoundError, StoreBusyError, StoreError
from optarium.store.base import (
    ASK_ATTEMPTS,
    Artifact,
    Run,
    TrialResult,
    check_finish,
    json_safe,
    trial_result,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

ENV_VAR = "OPTARIUM_STORE"
TIMEOUT_ENV_VAR = "OPTARIUM_STORE_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
CREATE_ATTEMPTS = 5
SAVE_ATTEMPTS = 50
READ_ONLY_KEY = "#read-only"
FILE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SCHEMES = ("sqlite", "postgresql", "postgres")
BUSY_HINT = "wait and try again, set OPTARIUM_STORE_TIMEOUT to wait longer, or move many workers to PostgreSQL"


def default_url() -> str:
    """``$OPTARIUM_STORE``, else an SQLite file in the user's data directory."""
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    import platformdirs

    folder = Path(platformdirs.user_data_dir("optarium", appauthor=False))
    return f"sqlite:///{folder / 'optarium.db'}"


def store_timeout() -> float:
    """Seconds a store operation waits for a lock held by other workers (``$OPTARIUM_STORE_TIMEOUT``, default 30)."""
    raw = os.environ.get(TIMEOUT_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise StoreError(f"{TIMEOUT_ENV_VAR} must be a positive number of seconds, got {raw!r}")
    return seconds


def normalise_url(url: str) -> str:
    """A store URL as SQLAlchemy takes it: ``sqlite:///PATH``, ``postgresql://...`` (psycopg 3, the
    driver we ship) or a bare file path ending in ``.db``, ``.sqlite`` or ``.sqlite3``.

    Anything else is a :class:`StoreError` naming the expected forms (a password is never shown),
    so a mistyped URL never becomes a file named after it.
    """
    expected = ("use sqlite:///path/to/store.db, postgresql://user:password@host/database, "
                "or a file path ending in .db, .sqlite or .sqlite3")
    if "://" not in url:
        if url.strip() and url.lower().endswith(FILE_SUFFIXES) and ":" not in url.split("/", 1)[0]:
            return f"sqlite:///{Path(url).expanduser().resolve()}"
        raise StoreError(f"store {redact_text(url)!r} is neither a database URL nor a store file path; {expected}")
    scheme = url.split("://", 1)[0].lower()
    if scheme.split("+", 1)[0] not in SCHEMES:
        raise StoreError(f"store URL {redact_text(url)!r} has an unknown scheme {scheme!r}; {expected}")
    if scheme in ("postgresql", "postgres"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(f"store URL {redact_text(url)!r} is not a valid database URL; {expected}") from None
    if parsed.get_backend_name() == "postgresql" and not parsed.database:
        raise StoreError(f"store URL {_redact(url)!r} names no database; {expected}")
    return url


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite store URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


class SqlStore:
    """A store in one SQL database; every write happens in one short transaction.

    ``read_only`` opens an SQLite file read-only and never creates or upgrades anything: a
    missing file is a :class:`StoreError` ("no store at PATH"). A lock held by other workers
    for longer than ``$OPTARIUM_STORE_TIMEOUT`` seconds is a :class:`StoreBusyError`.
    """

    # one engine per URL and process; read-only engines under the URL plus READ_ONLY_KEY
    _engines: ClassVar[dict[str, Engine]] = {}

    def __init__(self, url: str | None = None, read_only: bool = False):
        self.url = normalise_url(url or default_url())
        self.read_only = read_only
        self.engine = self._engine(self.url, read_only)

    @classmethod
    def _engine(cls, url: str, read_only: bool = False) -> Engine:
        key = url + READ_ONLY_KEY if read_only else url
        if key in cls._engines:
            return cls._engines[key]
        from sqlalchemy import create_engine, event
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError(f"store URL {redact_text(url)!r} is not a database URL; use sqlite:///path.db or postgresql://user@host/db") from None
        timeout = store_timeout()
        backend = parsed.get_backend_name()
        connect_args: dict[str, Any] = {}
        options: dict[str, Any] = {}
        path = sqlite_path(url)
        if backend == "sqlite":
            if path is not None and path.is_dir():
                raise StoreError(f"store {path} is a folder; give the store file inside it, e.g. sqlite:///{path / 'optarium.db'}")
            if path is not None and read_only:
                if not path.is_file():
                    raise StoreError(f"no store at {path}; check the path, or create it with a command that writes")
                options["creator"] = _read_only_sqlite(path, timeout)
            elif path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StoreError(f"cannot create the folder for store {path}: {error.strerror}") from None
            connect_args = {"timeout": timeout}
        elif backend == "postgresql":
            # a row lock waited on longer than the timeout fails (SQLSTATE 55P03) instead of hanging
            options_text = f"-c lock_timeout={int(timeout * 1000)}"
            if read_only:
                options_text += " -c default_transaction_read_only=on"
            connect_args = {"connect_timeout": 10, "options": options_text}
        try:
            engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True, **options)
        except (NoSuchModuleError, ImportError, SQLAlchemyError) as error:
            raise StoreError(f"cannot use store URL {_redact(url)!r}: {_first_line(error)}") from None
        if backend == "sqlite":
            _sqlite_transactions(engine, event, read_only)
        from optarium.store.schema import TABLE_MODULES, metadata

        for module in TABLE_MODULES:
            importlib.import_module(module)
        if read_only:
            _check_readable(engine, url)
            cls._engines[key] = engine
            return engine
        for attempt in range(CREATE_ATTEMPTS):
            try:
                metadata.create_all(engine)
                _add_missing_columns(engine)
                break
            except SQLAlchemyError as error:
                # several workers opening one new store at once: one creates the tables and the
                # others fail on them; after a moment they find the tables there and go on
                if attempt + 1 == CREATE_ATTEMPTS or not _lost_creation_race(error):
                    raise _store_error(error, url, "cannot open store") from None
                time.sleep(0.05 * (attempt + 1))
        cls._engines[key] = engine
        return engine

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Connection]:
        """One transaction: committed on success, rolled back on any error or Ctrl-C.

        On SQLite a write transaction takes the write lock when it begins (``BEGIN IMMEDIATE``),
        waiting up to the store timeout for it, so it never fails half-way on a lock; a read
        (``write=False``) reads one snapshot and never waits for writers.
        """
        from sqlalchemy.exc import SQLAlchemyError

        try:
            with self.engine.connect() as connection:
                if not write:
                    connection.execution_options(optarium_read=True)
                with connection.begin():
                    yield connection
        except SQLAlchemyError as error:
            raise _store_error(error, self.url) from None

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

    def record_run(self, run: Run) -> int:
        """Write one run (and its problem, if new) in one transaction; return the run id."""
        with self.transaction() as connection:
            return self._insert_run(connection, run)

    def _insert_run(self, connection: Connection, run: Run) -> int:
        """Insert one run (and its problem, if new) in the caller's transaction; return the run id."""
        from optarium.store.schema import new_id, runs

        row = {
            "created_at": datetime.now(UTC),
            "fingerprint": run.fingerprint,
            "kind": run.kind,
            "source": run.source,
            "solver": run.solver,
            "solver_version": run.solver_version,
            "params": json_safe(run.params),
            "plan": json_safe(run.plan),
            "plan_reason": run.plan_reason,
            "status": run.status,
            "solver_status": run.solver_status,
            "objective": json_safe(run.objective),
            "bound": json_safe(run.bound),
            "gap": json_safe(run.gap),
            "verified": bool(run.verified),
            "max_violation": json_safe(run.max_violation),
            "verification": json_safe(run.verification),
            "cross_check": json_safe(run.cross_check),
            "seconds": float(run.seconds),
            "timings": json_safe(run.timings),
            "message": run.message,
            "values": None,
            "values_blob": run.values,
            "extra": json_safe(run.extra) if run.extra is not None else None,
        }
        self._ensure_problem(connection, run.fingerprint, run.kind, run.name, run.features)
        # bound parameters, not .values(): the compiled statement is reused from run to run
        return new_id(connection.execute(runs.insert(), row))

    def list_runs(
        self, limit: int = 20, status: str | None = None, fingerprint: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest runs first, without their values or verification."""
        from sqlalchemy import select

        from optarium.store.schema import problems, runs

        columns = [c for c in runs.c if c.name not in ("values", "values_blob", "verification")]
        query = select(*columns, problems.c.name).join(problems).order_by(runs.c.id.desc()).limit(limit)
        if status:
            query = query.where(runs.c.status == status)
        if fingerprint:
            query = query.where(runs.c.fingerprint.startswith(fingerprint))
        if kind:
            query = query.where(runs.c.kind == kind)
        with self.transaction(write=False) as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def get_run(self, run_id: int) -> dict[str, Any]:
        from sqlalchemy import select

        from optarium.store.schema import problems, runs

        query = select(runs, problems.c.name, problems.c.features).join(problems).where(runs.c.id == run_id)
        with self.transaction(write=False) as connection:
            row = connection.execute(query).first()
        if row is None:
            raise NotFoundError(f"no run with id {run_id} in store {_redact(self.url)}")
        return _decoded(dict(row._mapping))

    def count_runs(self) -> int:
        from sqlalchemy import func, select

        from optarium.store.schema import runs

        with self.transaction(write=False) as connection:
            return int(connection.execute(select(func.count()).select_from(runs)).scalar_one())


    def runs_page(
        self, limit: int = 50, offset: int = 0, *, kind: str | None = None, status: str | None = None,
        verified: bool | None = None, solver: str | None = None, since: datetime | None = None,
        until: datetime | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of runs, newest first, without values, verification or extra, and how many match in all."""
        from sqlalchemy import func, select

        from optarium.store.schema import aware, problems, runs

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
        with self.transaction(write=False) as connection:
            rows = [dict(row._mapping) for row in connection.execute(query)]
            total = int(connection.execute(select(func.count()).select_from(runs).where(*conditions)).scalar_one())
        for row in rows:
            row["created_at"] = aware(row["created_at"])
        return rows, total

    def verified_runs(self, kind: str, exclude_fingerprint: str | None = None) -> list[dict[str, Any]]:
        """Verified runs of one kind, oldest first: id, fingerprint, objective, solver, extra."""
        from sqlalchemy import select

        from optarium.store.schema import runs

        query = (select(runs.c.id, runs.c.fingerprint, runs.c.objective, runs.c.solver, runs.c.extra)
                 .where(runs.c.kind == kind, runs.c.verified.is_(True)).order_by(runs.c.id))
        if exclude_fingerprint is not None:
            query = query.where(runs.c.fingerprint != exclude_fingerprint)
        with self.transaction(write=False) as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    # artifacts ----------------------------------------------------------------------------
    def save_artifact(self, name: str, data: bytes, meta: dict[str, Any] | None = None) -> int:
        """Store a new version of ``name``; two workers saving at once get different versions."""
        from sqlalchemy.exc import IntegrityError

        from optarium.store.schema import insert_artifact

        if not name or len(name) > 255:
            raise ValueError(f"`name` must be 1-255 characters, got {name!r}")
        for attempt in range(SAVE_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    return insert_artifact(connection, name, data, json_safe(meta or {}))
            except IntegrityError:
                # another worker took this version between our read and our write: read again
                if attempt + 1 == SAVE_ATTEMPTS:
                    raise StoreError(f"store {_redact(self.url)}: could not save artifact {name!r}") from None
                time.sleep(0.005 * (attempt + 1))
            except Exception as error:
                from sqlalchemy.exc import SQLAlchemyError

                if isinstance(error, SQLAlchemyError):
                    raise _store_error(error, self.url) from None
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def load_artifact(self, name: str, version: int | None = None) -> Artifact | None:
        from sqlalchemy import select

        from optarium.store.schema import artifacts

        query = select(artifacts).where(artifacts.c.name == name)
        query = query.where(artifacts.c.version == version) if version is not None else query.order_by(artifacts.c.version.desc()).limit(1)
        with self.transaction(write=False) as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        found = row._mapping
        return Artifact(found["name"], int(found["version"]), dict(found["meta"]), bytes(found["data"]), found["created_at"])

    def list_artifacts(self, prefix: str = "") -> list[dict[str, Any]]:
        from sqlalchemy import select

        from optarium.store.schema import artifacts

        query = select(artifacts.c.name, artifacts.c.version, artifacts.c.meta, artifacts.c.created_at)
        if prefix:
            query = query.where(artifacts.c.name.startswith(prefix))
        with self.transaction(write=False) as connection:
            return [dict(row._mapping) for row in connection.execute(query.order_by(artifacts.c.name, artifacts.c.version))]

    def delete_artifact(self, name: str) -> int:
        """Remove every version of ``name`` in one transaction; return how many were removed."""
        from optarium.store.schema import artifacts

        with self.transaction() as connection:
            return int(connection.execute(artifacts.delete().where(artifacts.c.name == name)).rowcount)

    # studies ------------------------------------------------------------------------------
    def create_study(self, row: dict[str, Any], load_if_exists: bool = False) -> tuple[dict[str, Any], bool]:
        """Insert a study, or find it when ``load_if_exists``; of several workers creating one name, one wins."""
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        from optarium.store import studies

        existing = self.find_study(row["name"])
        if existing is None:
            try:
                # insert first: the unique name, not an earlier read, decides who creates it
                with self.engine.begin() as connection:
                    studies.insert_study(connection, row)
                    created = studies.find_study(connection, row["name"])
                assert created is not None
                return created, True
            except IntegrityError as error:
                existing = self.find_study(row["name"])
                if existing is None:
                    raise _store_error(error, self.url) from None
            except SQLAlchemyError as error:
                raise _store_error(error, self.url) from None
        if not load_if_exists:
            raise ConflictError(f"a study named {row['name']!r} already exists; load it or pick another name")
        return existing, False

    def find_study(self, name: str) -> dict[str, Any] | None:
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.find_study(connection, name)

    def list_studies(self) -> list[dict[str, Any]]:
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.list_studies(connection)

    def ask(self, study_id: int, propose: Callable[[int, list[dict[str, Any]]], list[dict[str, Any]]],
            reads: str = "all") -> list[dict[str, Any]]:
        """Let ``propose`` see every trial (pending ones too) and store its rows pending.

        ``propose`` runs with no lock held: a short read takes the study's ask counter and
        trials, and a short write stores the rows only if no other ask came in between
        (the counter is unchanged); otherwise it reads again and proposes again, after a
        jittered pause. After ``ASK_ATTEMPTS`` such races it proposes under the study's
        lock, so every ask ends.
        """
        from optarium.store import studies

        for attempt in range(ASK_ATTEMPTS):
            with self.transaction(write=False) as connection:
                seen, trials = self._read_for_ask(connection, study_id, reads)
            rows = propose(seen + 1, trials)
            with self.transaction() as connection:
                if studies.claim_ask(connection, study_id, seen):
                    studies.insert_trials(connection, study_id, rows)
                    return rows
            time.sleep(random.uniform(0.0, 0.02 * 2**attempt))
        with self.transaction() as connection:
            ask_index = studies.lock_study(connection, study_id)
            rows = propose(ask_index, studies.trials_for_ask(connection, study_id, reads))
            studies.insert_trials(connection, study_id, rows)
        return rows

    def _read_for_ask(self, connection: Connection, study_id: int, reads: str = "all") -> tuple[int, list[dict[str, Any]]]:
        """The study's ask counter and every trial, as an ask's proposal sees them (:func:`studies.trials_for_ask`)."""
        from optarium.store import studies

        # the counter before the trials: an ask that lands between the two reads
        # changes the counter, so the ask's write refuses a proposal that missed it
        return studies.ask_count(connection, study_id), studies.trials_for_ask(connection, study_id, reads)

    def finish_trials(self, study_id: int, results: list[TrialResult]) -> list[dict[str, Any]]:
        from optarium.store import studies

        check_finish(results)
        finished = []
        with self.transaction() as connection:
            for number, state, value, feasibility, values in map(trial_result, results):
                row = studies.find_trial(connection, study_id, number)
                check_pending(row, number)
                assert row is not None
                when = studies.finish_trial(connection, row, state, value, feasibility, values)
                row.update(state=state, value=value, feasibility=feasibility, values=values, finished_at=when)
                finished.append(row)
        return finished

    def list_trials(self, study_id: int) -> list[dict[str, Any]]:
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.list_trials(connection, study_id)

    def study_overview(self) -> dict[int, dict[str, Any]]:
        """Per study id: trials by state, lowest and highest feasible value, last activity (one aggregate query)."""
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.study_overview(connection)

    def trials_page(self, study_id: int, **query: Any) -> tuple[list[dict[str, Any]], int]:
        """One page of a study's trials and how many match (:func:`optarium.store.studies.trials_page`)."""
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.trials_page(connection, study_id, **query)

    def complete_trials(self, study_id: int, every: int = 1, with_values: bool = False) -> list[dict[str, Any]]:
        """A study's complete trials by number, every ``every``-th (:func:`optarium.store.studies.complete_trials`)."""
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.complete_trials(connection, study_id, every=every, with_values=with_values)

    def history_points(self, study_id: int, minimize: bool, limit: int) -> tuple[list[dict[str, Any]], int]:
        """The thinned optimization history and the count of complete trials (:func:`optarium.store.studies.history_points`)."""
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            return studies.history_points(connection, study_id, minimize, limit)

    def delete_study(self, study_id: int) -> int:
        """Remove a study and its trials in one transaction; return how many trials went with it."""
        from optarium.store import studies

        with self.transaction() as connection:
            return studies.delete_study(connection, study_id)

    def rename_study(self, study_id: int, new_name: str) -> dict[str, Any]:
        """Rename a study in one transaction; a taken name is a ``ConflictError``."""
        from sqlalchemy.exc import IntegrityError, SQLAlchemyError

        from optarium.store import studies

        try:
            with self.engine.begin() as connection:
                return studies.rename_study(connection, study_id, new_name)
        except IntegrityError:
            # another worker took the name between the check and the update
            raise ConflictError(f"a study named {new_name!r} already exists; pick another name") from None
        except SQLAlchemyError as error:
            raise _store_error(error, self.url) from None

    # formulate (queries in optarium.store.formulate) ---------------------------------------
    def record_formulate(
        self, request: dict[str, Any], calls: list[dict[str, Any]], run: Run | None = None
    ) -> tuple[int, int | None]:
        """Write one formulate request, its LLM calls and its run (if any) in one transaction."""
        from optarium.store import formulate

        with self.transaction() as connection:
            run_id = None if run is None else self._insert_run(connection, run)
            formulate_id = formulate.insert_request(connection, request, run_id)
            formulate.insert_calls(connection, formulate_id, calls)
            formulate.count_insight_use(connection, list(request.get("insight_ids") or []), "retrieved")
        return formulate_id, run_id

    def list_formulate_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        from optarium.store import formulate

        with self.transaction(write=False) as connection:
            return formulate.list_formulate_runs(connection, limit)

    def get_formulate_run(self, formulate_id: int) -> dict[str, Any]:
        from optarium.store import formulate

        with self.transaction(write=False) as connection:
            return formulate.get_formulate_run(connection, formulate_id)

    def add_insight(self, taxonomy: str, condition: str, explanation: str, example: str = "", source: str = "") -> int:
        from optarium.store import formulate

        with self.transaction() as connection:
            return formulate.add_insight(connection, formulate.insight_row(taxonomy, condition, explanation, example, source))

    def list_insights(self, active_only: bool = False) -> list[dict[str, Any]]:
        from optarium.store import formulate

        with self.transaction(write=False) as connection:
            return formulate.list_insights(connection, active_only)

    def get_insight(self, insight_id: int) -> dict[str, Any]:
        from optarium.store import formulate

        with self.transaction(write=False) as connection:
            return formulate.get_insight(connection, insight_id)

    def update_insight(self, insight_id: int, **changes: Any) -> dict[str, Any]:
        from optarium.store import formulate

        with self.transaction() as connection:
            return formulate.update_insight(connection, insight_id, changes)

    def count_insight_use(self, ids: list[int], column: str) -> None:
        from optarium.store import formulate

        with self.transaction() as connection:
            formulate.count_insight_use(connection, ids, column)


def check_pending(row: dict[str, Any] | None, number: int) -> None:
    """Refuse to tell a trial that does not exist or is no longer pending."""
    if row is None:
        raise NotFoundError(f"no trial {number}")
    if row["state"] != "pending":
        raise ConflictError(f"trial {number} is already {row['state']}; a trial is told once")


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A run row with its values as a dict by name, whichever form they were stored in."""
    blob = row.pop("values_blob", None)
    if blob is not None:
        from optarium.store.codec import unpack_values

        row["values"] = unpack_values(bytes(blob))
    return row


def _add_missing_columns(engine: Engine) -> None:
    """Add the columns a newer optarium uses to a store file an older one created."""
    from sqlalchemy import inspect, text

    from optarium.store.schema import ADDED_COLUMNS

    inspector = inspect(engine)
    for table, columns in ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table)}
        for column in columns:
            if column.name not in present:
                kind = column.type.compile(dialect=engine.dialect)
                with engine.begin() as connection:
                    connection.execute(text(f'ALTER TABLE {table} ADD COLUMN "{column.name}" {kind}'))


def _sqlite_transactions(engine: Engine, event: Any, read_only: bool) -> None:
    """Pragmas on each new SQLite connection, and transactions that say what they are.

    The driver's own transaction handling is switched off: a write begins with
    ``BEGIN IMMEDIATE`` (it takes the write lock at once, waiting up to the busy timeout,
    instead of failing on a lock half-way after a read), a read with a plain ``BEGIN``.
    """

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
            # with WAL, NORMAL keeps every committed run across an application crash
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        reading = read_only or connection.get_execution_options().get("optarium_read", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _read_only_sqlite(path: Path, timeout: float) -> Callable[[], Any]:
    """Connections to an SQLite file that can never write it (``mode=ro``).

    Reading a WAL file needs its shared-memory file; in a folder nobody may write where
    none exists, no writer can be at work either, so the file is read as immutable.
    """
    import sqlite3
    from urllib.parse import quote

    shared_memory = path.with_name(path.name + "-shm")
    immutable = not shared_memory.exists() and not os.access(path.parent, os.W_OK)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")

    def connect() -> Any:
        return sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)

    return connect


def _check_readable(engine: Engine, url: str) -> None:
    """A read-only open does not create or upgrade tables: say so if the store is too old to read."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from optarium.store.schema import ADDED_COLUMNS

    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names())
        if "runs" not in tables:
            raise StoreError(f"{_where(url)} holds no optarium store; check the path or URL")
        for table, columns in ADDED_COLUMNS.items():
            present = {column["name"] for column in inspector.get_columns(table)} if table in tables else set()
            missing = [column.name for column in columns if column.name not in present]
            if missing:
                raise StoreError(f"store {_where(url)} was written by an older optarium and must be upgraded before "
                                 "it can be read: run any command that writes to it once, with write access")
    except SQLAlchemyError as error:
        raise _store_error(error, url, "cannot read store") from None


def _where(url: str) -> str:
    path = sqlite_path(url)
    return str(path) if path is not None else _redact(url)


def _store_error(error: BaseException, url: str, doing: str = "store") -> StoreError:
    """The one-line error for a failed database call; a lock held too long is a :class:`StoreBusyError`."""
    line = _first_line(error)
    lowered = line.lower()
    if "database is locked" in lowered or "database table is locked" in lowered or "lock timeout" in lowered:
        return StoreBusyError(f"store {_where(url)} stayed locked by other workers for more than "
                              f"{store_timeout():g} s; {BUSY_HINT}")
    if "readonly database" in lowered or "read-only" in lowered:
        return StoreError(f"store {_where(url)} is read-only: {line}")
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        return StoreError(f"{doing} {_where(url)}: {line} (written by an older optarium? "
                          "run any command that writes to it once to upgrade it)")
    return StoreError(f"{doing} {_redact(url)}: {line}")


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _lost_creation_race(error: BaseException) -> bool:
    """True when creating the schema failed because another process created it at the same moment."""
    text = str(getattr(error, "orig", None) or error).lower()
    return "already exists" in text or "duplicate key" in text


def redact_text(text: str) -> str:
    """Hide anything that looks like a password (``:SECRET@``) in a string that may not parse as a URL."""
    return re.sub(r"(?<=:)[^:/@]+(?=@)", "***", text)


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches a message."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return redact_text(url)


