"""A pre-warmed sandbox process that has imported Pyomo and forks one fresh child per piece of code.

Starting ``python -I -B`` and importing Pyomo costs about half a second; forking a
process that already did both costs a few milliseconds. The zygote (the name is
Android's, for the same trick) runs :mod:`optarium.formulate.sandbox_child` with the
same scrubbed environment as a cold sandbox, holds no secrets, and adds no audit
hook itself. Each request gets a new supervisor that puts the code behind the
operating-system boundary (:mod:`optarium.formulate.boundary`) and sends back its
reply (see :mod:`optarium.formulate.sandbox_child`). The zygote starts on first use, is shared by every thread of the process
(``bench nl --workers N``), and is started again when it has died. When it cannot
start (no ``fork``, Pyomo missing), :func:`run_warm` answers ``None`` and the caller
takes the cold path.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from optarium.formulate.errors import SandboxError
from optarium.formulate.redaction import safe_environment

CHILD = Path(__file__).with_name("sandbox_child.py")
_START_SECONDS = 60.0
# How long past its own deadline a request may go unanswered before the zygote counts as wedged.
_GRACE_SECONDS = 15.0


def environment() -> dict[str, str]:
    """The environment of the sandbox's own processes (zygote, cold supervisor): no secrets."""
    return safe_environment({"HOME": "/", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})


class _ZygoteLost(Exception):
    """The zygote died (or stopped answering) while a request was in flight."""


@dataclass
class _Request:
    done: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None
    answer: dict[str, Any] = field(default_factory=dict)
    lost: bool = False


class Zygote:
    """One running zygote process and the thread that reads its answers."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(CHILD), "zygote"], cwd="/", env=environment(), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        self.owner = os.getpid()
        self._lock = threading.RLock()
        self._requests: dict[int, _Request] = {}
        self._next_id = 0
        self._ready = threading.Event()
        self.alive = True
        threading.Thread(target=self._read, name="optarium-zygote-reader", daemon=True).start()
        if not self._ready.wait(_START_SECONDS) or not self.alive:
            self.close()
            raise OSError("the sandbox zygote did not start")
        atexit.register(self.close)

    @property
    def pid(self) -> int:
        return self.process.pid

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Run one sandbox request in a fresh supervisor; return ``{"returncode", "killed", "reply"}``."""
        seconds = float(job["seconds"])
        request = _Request()
        with self._lock:
            if not self.alive:
                raise _ZygoteLost
            self._next_id += 1
            number = self._next_id
            self._requests[number] = request
            line = {**job, "id": number}
            try:
                stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
                stdin.write((json.dumps(line) + "\n").encode())
                stdin.flush()
            except OSError:
                self._requests.pop(number, None)
                self._lost()
                raise _ZygoteLost from None
        if not request.done.wait(seconds + _GRACE_SECONDS + 5):
            # The zygote no longer enforces deadlines: stop it (its children die with it) and the child.
            if request.pid is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(request.pid, signal.SIGKILL)
            self.close(kill=True)
            raise SandboxError(f"generated code ran longer than {seconds:g} s and was stopped", cause="timeout")
        if request.lost:
            raise _ZygoteLost
        return request.answer

    def _read(self) -> None:
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        for raw in stdout:
            try:
                message: dict[str, Any] = json.loads(raw)
            except ValueError:
                continue
            if message.get("ready"):
                self._ready.set()
                continue
            with self._lock:
                request = self._requests.get(message.get("id", -1))
                if request is None:
                    continue
                if "pid" in message:
                    request.pid = int(message["pid"])
                    continue
                del self._requests[message["id"]]
            request.answer = message
            request.done.set()
        self._lost()

    def _lost(self) -> None:
        with self._lock:
            self.alive = False
            requests, self._requests = list(self._requests.values()), {}
        for request in requests:
            request.lost = True
            request.done.set()
        self._ready.set()

    def close(self, kill: bool = False) -> None:
        """End the zygote: closing its input ends it and its children; ``kill`` does not wait."""
        self.alive = False
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin:
                self.process.stdin.close()
        if not kill:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=2)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        with contextlib.suppress(ValueError):
            atexit.unregister(self.close)


_shared: Zygote | None = None
_shared_lock = threading.Lock()
_unavailable = not hasattr(os, "fork") or not sys.platform.startswith(("linux", "darwin"))


def zygote() -> Zygote | None:
    """The process's running zygote, started (again) if needed; ``None`` when none can run here."""
    global _shared, _unavailable
    with _shared_lock:
        if _unavailable:
            return None
        current = _shared
        if current is not None and current.alive and current.owner == os.getpid() and current.process.poll() is None:
            return current
        if current is not None and current.owner == os.getpid():
            current.close(kill=True)
        try:
            _shared = Zygote()
        except OSError:
            _shared = None
            _unavailable = True
        return _shared


def run_warm(job: dict[str, Any]) -> dict[str, Any] | None:
    """Run one sandbox request through the zygote; ``None`` when the cold path must be used.

    A zygote that dies during the run is replaced and the run tried once more.
    """
    for _ in range(2):
        current = zygote()
        if current is None:
            return None
        try:
            return current.run(job)
        except _ZygoteLost:
            continue
    return None
