"""The sandbox's child side: run one piece of generated Pyomo code, or serve as a pre-warmed zygote.

This file runs outside optarium, under ``python -I -B`` with only the standard
library and Pyomo, so it imports nothing from optarium.

* ``python -I -B sandbox_child.py run`` (the cold path): read one JSON request
  (``code``, ``seconds``, ``memory_mb``, ``file_mb``, ``env``, ``confine``) on stdin,
  supervise its run (:func:`optarium.formulate.boundary.supervise`) and write the
  JSON reply on stdout.
* ``python -I -B sandbox_child.py zygote``: import Pyomo once, then read one JSON
  request per line on stdin (the same fields and an ``id``) and fork a supervisor
  for each, which dies with the zygote (``PR_SET_PDEATHSIG``) and writes its reply
  on a pipe. The zygote answers ``{"id", "pid"}`` at the fork and ``{"id",
  "returncode", "killed", "reply"}`` at the end; a supervisor still running 5 s past
  its run's deadline is killed. End of stdin kills every supervisor and ends the
  zygote. Inside the jail, :func:`run_model` adds an audit hook (the zygote adds
  none: hooks cannot be removed), which turns honest mistakes into clear messages;
  the boundary itself is the operating system's.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_EVENTS = {
    "os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime",
    "shutil.rmtree", "os.symlink", "os.link", "os.rename", "shutil.copyfile", "shutil.copytree",
    "shutil.move",
}
_RUN_EVENTS = (
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
    "os.forkpty", "pty.spawn", "os.startfile",
)


class _Finished(Exception):
    """Raised by ``finish`` so that generated code's own ``except SystemExit`` cannot swallow it."""


def run_model(root: str) -> None:
    """Run ``root/model.py`` under the audit hook; write ``root/result.json`` (and ``model.lp``)."""
    root = os.path.realpath(root)

    def finish(**result: Any) -> NoReturn:
        with open(os.path.join(root, "result.json"), "w") as handle:
            json.dump(result, handle)
        raise _Finished

    with contextlib.suppress(_Finished):
        _run_model(root, finish)


def _run_model(root: str, finish: Callable[..., NoReturn]) -> None:
    try:
        import pyomo.environ as pyo
    except Exception as error:
        finish(ok=False, cause="execution", error=f"cannot import pyomo: {error}")

    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return True
        try:
            real = os.path.realpath(os.fsdecode(path))
        except Exception:
            return False
        return real == root or real.startswith(root + os.sep) or real == os.devnull

    def refuse(what: str, rule: str = "generated code may only write inside its own folder") -> None:
        raise PermissionError(f"sandbox: {what} is not allowed ({rule})")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, mode, flags = ([*list(args), None, None, 0])[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
            if writing and not inside(path):
                refuse(f"writing to {path!r}")
        elif event in _PATH_EVENTS:
            for value in args:
                if isinstance(value, str | bytes | os.PathLike) and not inside(value):
                    refuse(f"{event} on {value!r}")
        elif event.startswith(_RUN_EVENTS):
            refuse("starting another program", "generated code only builds a model")
        elif event in ("os.kill", "os.killpg") and args and args[0] not in (0, os.getpid()):
            refuse("signalling another process", "generated code only builds a model")
        elif event in ("socket.connect", "socket.sendto", "socket.bind"):
            refuse("network access", "generated code only builds a model")

    sys.addaudithook(hook)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        with open(os.path.join(root, "model.py"), encoding="utf-8") as handle:
            source = handle.read()
        exec(compile(source, "model.py", "exec"), namespace)
    except MemoryError:
        finish(ok=False, cause="memory", error="MemoryError: the code tried to use more memory than the sandbox allows")
    except SystemExit:
        pass
    except BaseException as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "model.py"]
        where = f"model.py line {frames[-1].lineno}: {frames[-1].line}\n" if frames else ""
        forbidden = isinstance(error, PermissionError) and "sandbox:" in str(error)
        finish(ok=False, cause="forbidden" if forbidden else "execution", error=f"{where}{type(error).__name__}: {error}")

    model = namespace.get("model")
    if not isinstance(model, pyo.Block):
        models = [v for v in namespace.values() if isinstance(v, pyo.ConcreteModel)]
        model = models[0] if len(models) == 1 else None
    if model is None:
        finish(ok=False, cause="no_model", error="the code built no Pyomo ConcreteModel named `model`")
    try:
        active = list(model.component_data_objects(pyo.Objective, active=True))
        if len(active) != 1:
            finish(ok=False, cause="no_model", error=f"the model must have exactly one active objective, it has {len(active)}")
        model.write(os.path.join(root, "model.lp"), io_options={"symbolic_solver_labels": True})
    except _Finished:
        raise
    except MemoryError:
        finish(ok=False, cause="memory", error="MemoryError while writing the model")
    except BaseException as error:
        finish(ok=False, cause="execution", error=f"Pyomo could not write the model: {type(error).__name__}: {error}")
    finish(ok=True)


def _boundary() -> Any:
    """:mod:`optarium.formulate.boundary`, loaded from beside this file (``-I`` keeps it off ``sys.path``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("optarium_sandbox_boundary", os.path.join(os.path.dirname(os.path.abspath(__file__)), "boundary.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_once() -> None:
    """The cold path: one JSON request on stdin, its supervised run, one JSON reply on stdout."""
    request = json.loads(sys.stdin.buffer.read())
    boundary = _boundary()
    boundary._libc().prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: end with the caller
    if os.getppid() != request.get("caller", os.getppid()):
        sys.exit(1)
    reply = boundary.supervise(request, run_model)
    sys.stdout.write(json.dumps(reply))
    sys.stdout.flush()


def _supervisor(request: dict[str, Any], boundary: Any, reply: int, zygote: int, closing: list[int]) -> NoReturn:
    """In a child of the zygote: supervise one run and write its reply to ``reply``; never returns."""
    import signal

    code = 0
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in closing:
            os.close(fd)
        os.setsid()
        boundary._libc().prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: end with the zygote
        if os.getppid() != zygote:
            os._exit(1)
        data = json.dumps(boundary.supervise(request, run_model)).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(reply, view):]
    except BaseException:
        code = 70
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        os._exit(code)


def serve() -> None:
    """The zygote loop: fork a supervisor per request, relay its reply, kill it past its deadline."""
    import gc
    import select
    import signal
    import time

    import pyomo.environ  # noqa: F401  (the whole point: children start with Pyomo loaded)

    boundary = _boundary()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    running: dict[int, _Supervised] = {}
    pending = b""
    me = os.getpid()

    def say(message: dict[str, Any]) -> None:
        data = memoryview((json.dumps(message) + "\n").encode())
        while data:
            data = data[os.write(1, data):]

    say({"ready": True, "pid": me})
    gc.freeze()
    open_input = True
    while open_input or running:
        now = time.monotonic()
        wait = min((s.deadline for s in running.values() if not s.killed), default=now + 60) - now
        pipes = [s.pipe for s in running.values() if s.pipe is not None]
        readable, _, _ = select.select(([0] if open_input else []) + [wake_read, *pipes], [], [], max(wait, 0))
        if wake_read in readable:
            os.read(wake_read, 4096)
        for supervised in running.values():
            if supervised.pipe is not None and supervised.pipe in readable:
                chunk = os.read(supervised.pipe, 1 << 20)
                if chunk:
                    supervised.reply += chunk
                else:
                    os.close(supervised.pipe)
                    supervised.pipe = None
        if 0 in readable:
            chunk = os.read(0, 65536)
            if not chunk:
                open_input = False
                for pid in running:
                    _kill_group(pid)
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                reply_read, reply_write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(reply_read)
                    _supervisor(request, boundary, reply_write, me, [wake_read, wake_write])
                os.close(reply_write)
                running[pid] = _Supervised(request["id"], time.monotonic() + float(request["seconds"]) + _GRACE, reply_read)
                say({"id": request["id"], "pid": pid})
        now = time.monotonic()
        for pid, supervised in running.items():
            if supervised.deadline <= now and not supervised.killed:
                supervised.killed = True
                _kill_group(pid)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in running:
                running[pid].status = status
                _kill_group(pid, reaped=True)
        for pid in [pid for pid, s in running.items() if s.status is not None and s.pipe is None]:
            supervised = running.pop(pid)
            try:
                reply = json.loads(supervised.reply) if supervised.reply else None
            except ValueError:
                reply = None
            say({"id": supervised.id, "returncode": os.waitstatus_to_exitcode(supervised.status or 0),
                 "killed": supervised.killed, "reply": reply})


# Seconds a supervisor may take past its run's own deadline (it kills the run itself) before it is killed.
_GRACE = 5.0


class _Supervised:
    """A supervisor the zygote forked: its request id, deadline, reply pipe and exit status."""

    def __init__(self, request_id: Any, deadline: float, pipe: int):
        self.id, self.deadline = request_id, deadline
        self.pipe: int | None = pipe
        self.reply = b""
        self.status: int | None = None
        self.killed = False


def _kill_group(pid: int, reaped: bool = False) -> None:
    """Kill the child's process group; the child itself too if it has not reached ``setsid`` yet.

    A reaped child's pid may already belong to someone else, so only its group is signalled.
    """
    import signal

    for kill in (os.killpg,) if reaped else (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


if __name__ == "__main__":
    if sys.argv[1:] == ["zygote"]:
        serve()
    else:
        run_once()
