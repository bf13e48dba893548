"""Run a function in a fresh worker process.

OR-Tools bundles its own HiGHS under the same library name as highspy, and the
dynamic loader lets only one of them live in a process. optarium therefore never
imports OR-Tools (CP-SAT) in the calling process: CP-SAT work runs in a worker
started with ``python -m optarium.isolation`` (not ``multiprocessing``, which
would re-run the user's script), which also keeps a crashing solver away from
the caller. Messages come back as pickles over a private pipe.

The worker ends with its caller: on Linux the kernel kills it when the caller
dies (``PR_SET_PDEATHSIG``), and everywhere a thread in the worker exits as soon
as the pipe's reading end closes or the caller's pid goes away. Ctrl-C is the
caller's to handle: the worker ignores SIGINT and the caller stops it.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from optarium.errors import OptariumError, SolveFailedError

_HEADER = struct.Struct("!Q")
_ORPHANED = 3  # the worker's exit code when its caller went away
_PR_SET_PDEATHSIG = 1


def _send(fd: int, message: tuple[str, Any]) -> None:
    data = pickle.dumps(message)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        try:
            written = os.write(fd, view)
        except OSError:
            os._exit(_ORPHANED)  # the caller is gone or stopped listening: nobody to tell
        view = view[written:]


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _rebuild(module: str, name: str, message: str, attributes: dict[str, Any] | None = None) -> OptariumError:
    """The worker's error as the same class, with the attributes that say what to fix."""
    cls = getattr(importlib.import_module(module), name, SolveFailedError)
    error: OptariumError = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(attributes or {})
    return error


def call_isolated(target: str, *args: Any, progress: Callable[[Any], None] | None = None, **kwargs: Any) -> Any:
    """Call ``module:function`` with ``args`` in a worker process and return its result.

    ``progress``, if given, is passed to the function as a keyword argument in
    the worker; each call there reaches ``progress`` here. An optarium error in
    the worker is raised here as the same class; a crash raises
    :class:`SolveFailedError`. Ctrl-C here stops the worker.
    """
    read_end, write_end = os.pipe()
    worker = subprocess.Popen(
        [sys.executable, "-m", "optarium.isolation", str(write_end), str(os.getpid())],
        stdin=subprocess.PIPE,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    answered = False
    try:
        assert worker.stdin is not None
        worker.stdin.write(pickle.dumps((target, args, kwargs, progress is not None)))
        worker.stdin.close()
        while True:
            header = _read_exact(read_end, _HEADER.size)
            if header is None:
                code = worker.wait()
                raise SolveFailedError(f"the solver worker for {target} stopped without an answer (exit code {code})")
            payload = _read_exact(read_end, _HEADER.unpack(header)[0])
            if payload is None:
                raise SolveFailedError(f"the solver worker for {target} stopped mid-answer")
            kind, value = pickle.loads(payload)
            if kind == "progress":
                if progress is not None:
                    progress(value)
            elif kind == "result":
                answered = True
                return value
            elif kind == "optarium_error":
                answered = True
                raise _rebuild(*value)
            else:
                answered = True
                raise SolveFailedError(f"the solver worker for {target} failed: {value}")
    finally:
        os.close(read_end)
        _stop(worker, wait=2.0 if answered else 0.0)


def _stop(worker: subprocess.Popen[bytes], wait: float) -> None:
    """Let a worker that has answered exit by itself for ``wait`` seconds; kill it otherwise."""
    if wait and worker.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=wait)
    if worker.poll() is None:
        worker.kill()
        worker.wait()


def _end_with_parent(fd: int, parent: int) -> None:
    """Die with the caller: the kernel's parent-death signal on Linux, and a watching thread."""
    if sys.platform.startswith("linux"):
        # the signal follows the thread that started the worker; call_isolated keeps it waiting
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the caller died before the signal was set
        os._exit(_ORPHANED)

    def watch() -> None:
        poller = select.poll()
        poller.register(fd, select.POLLERR | select.POLLHUP)  # on a write end: the reader closed
        while not poller.poll(500) and os.getppid() == parent:
            pass
        os._exit(_ORPHANED)

    threading.Thread(target=watch, name="optarium-parent-watch", daemon=True).start()


def _main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fd, parent = int(sys.argv[1]), int(sys.argv[2])
    _end_with_parent(fd, parent)
    try:
        target, args, kwargs, wants_progress = pickle.loads(sys.stdin.buffer.read())
    except Exception:  # the caller died while sending the request
        os._exit(_ORPHANED)
    module_name, function_name = target.split(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        if wants_progress:
            kwargs = {**kwargs, "progress": lambda event: _send(fd, ("progress", event))}
        _send(fd, ("result", function(*args, **kwargs)))
    except OptariumError as error:
        attributes = {key: value for key, value in vars(error).items() if _picklable(value)}
        _send(fd, ("optarium_error", (type(error).__module__, type(error).__name__, str(error), attributes)))
    except BaseException as error:
        _send(fd, ("error", f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=5)}"))


def _picklable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


if __name__ == "__main__":
    _main()
