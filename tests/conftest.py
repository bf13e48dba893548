"""Shared fixtures: store URLs for every store kind (a real SQLite file, a real PostgreSQL server).

scripts/test.sh runs the suite on two pytest-xdist workers, a whole file at a time (``--dist loadfile``):
every test must be safe beside any test of another file; a module's fixtures (the Ray cluster of
tests/test_ray.py, a loaded model) are built once, on one worker, as in a serial run.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from optarium.store.base import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PG_ENV = "OPTARIUM_TEST_PG_URL"
STORE_KINDS = ["sqlite", "postgresql"]


def run_python_on_a_terminal(script: str) -> tuple[int, str, str]:
    """Run ``python -c SCRIPT`` with stderr on a pseudo-terminal: exit code, stdout, what the terminal showed."""
    import pty
    import select
    import subprocess
    import sys

    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=terminal, env={**os.environ, "TERM": "xterm", "COLUMNS": "120"})
        os.close(terminal)
        drawn = b""
        while select.select([controller], [], [], 60)[0]:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        stdout, _ = process.communicate(timeout=60)
    finally:
        os.close(controller)
    return process.returncode, stdout.decode(), drawn.decode(errors="replace")


@pytest.fixture
def python_on_a_terminal() -> Callable[[str], tuple[int, str, str]]:
    return run_python_on_a_terminal


@pytest.fixture(scope="session", autouse=True)
def _private_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What optarium caches (a local model's tokenizer) goes to one folder of the test session, not the user's."""
    before = os.environ.get("OPTARIUM_CACHE_DIR")
    os.environ["OPTARIUM_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("OPTARIUM_CACHE_DIR", None)
    else:
        os.environ["OPTARIUM_CACHE_DIR"] = before


@pytest.fixture(scope="module", autouse=True)
def _environment_per_file() -> Iterator[None]:
    """Each test file starts from the session's environment, whichever files ran before it on its worker:
    what a library sets in this process (``ray.init`` sets RAY_AUTH_MODE=token) ends with the file."""
    before = dict(os.environ)
    yield
    for name in set(os.environ) - set(before):
        del os.environ[name]
    for name, value in before.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _private_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to the user's real store."""
    monkeypatch.setenv("OPTARIUM_STORE", f"sqlite:///{tmp_path / 'default.db'}")


def _postgres_database() -> Iterator[str]:
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.fail(f"{PG_ENV} is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
    from sqlalchemy import create_engine, text

    name = f"optarium_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        from optarium.store.core import SqlStore, normalise_url

        engine = SqlStore._engines.pop(normalise_url(f"{base}/{name}"), None)
        if engine is not None:
            engine.dispose()
        from sqlalchemy.exc import DBAPIError

        for attempt in range(5):  # an autovacuum worker may hold the database for a moment
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except DBAPIError:
                if attempt == 4:
                    raise
                time.sleep(0.5)
        admin.dispose()


@pytest.fixture(params=STORE_KINDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store of each kind: an SQLite file and a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (for tests of several workers on one server)."""
    yield from _postgres_database()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A fresh, empty store of each kind (the conformance suite's); PostgreSQL is skipped only when no server is
    configured."""
    from optarium.store.base import open_store

    if request.param == "memory":
        return open_store(f"memory://test-{uuid.uuid4().hex}")
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'store.db'}")
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    return open_store(request.getfixturevalue("postgres_url"))


def interrupt_when(argv: list[str], ready: Callable[[list[str]], bool], *, after: float, env: dict[str, str] | None = None,
                   new_session: bool = False, timeout: float = 120) -> tuple[int, str, str]:
    """Run ``argv``, send it SIGINT ``after`` seconds past the moment ``ready`` holds for the lines of its stderr
    so far (however long it took to start); exit code, stdout, stderr. As at a terminal, SIGINT is delivered even
    when the tests run in a background job (which inherits an ignored SIGINT, and Python keeps it ignored);
    ``new_session``: in a session of its own, as a command at a terminal."""
    import signal
    import subprocess
    import threading

    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=new_session,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    stdout, stderr = process.stdout, process.stderr
    assert stdout is not None and stderr is not None
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(iter(stderr.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while not ready(list(log)):
        assert process.poll() is None and time.monotonic() < deadline, "".join(log)
        time.sleep(0.05)
    time.sleep(after)
    assert process.poll() is None, "the command finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out = stdout.read()
    process.wait(timeout=60)
    reader.join(timeout=60)
    return process.returncode, out, "".join(log)


def live_processes() -> Iterator[tuple[int, list[bytes], int]]:
    """(pid, argv, parent pid) of every process that is running and not a zombie, read from /proc (Linux)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            yield int(entry.name), argv, int(fields[1])


def alive(pid: int) -> bool:
    """Whether ``pid`` is running (a zombie waiting to be reaped counts as ended)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
