"""The sandbox's child side: run one piece of generated Pyomo code, or serve as a pre-warmed zygote.

This file runs outside optarium, under ``python -I -B`` with only the standard
library and Pyomo, so it imports nothing from optarium.

* ``python -I -B sandbox_child.py run`` (the cold path): the working folder holds
  ``model.py``; run it and leave ``result.json`` (and ``model.lp``) there.
* ``python -I -B sandbox_child.py zygote``: import Pyomo once, then read one JSON
  request per line on stdin (``id``, ``folder``, ``seconds``, ``memory_mb``,
  ``file_mb``, ``env``) and fork a fresh child for each. The child starts its own
  session, dies with the zygote (``PR_SET_PDEATHSIG``), sets the resource limits,
  moves into its folder, replaces its environment and runs like the cold path.
  The zygote kills a child's process group at its wall-clock deadline and answers
  ``{"id", "pid"}`` at the fork and ``{"id", "returncode", "timed_out"}`` at the end.
  End of stdin kills every child and ends the zygote. The zygote adds no audit
  hook itself (hooks cannot be removed); each child adds its own after the fork.
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


def set_limits(seconds: float, memory_mb: int, file_mb: int) -> None:
    """Address space, CPU seconds (wall limit + 2), largest file, no core files."""
    import resource

    megabyte = 1024 * 1024
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * megabyte, memory_mb * megabyte))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb * megabyte, file_mb * megabyte))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _child(request: dict[str, Any], zygote: int, closing: list[int]) -> None:
    """In the forked child: detach, limit, confine, scrub, run, and never return to the zygote loop."""
    import signal
    import tempfile

    code = 0
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in closing:
            os.close(fd)
        os.setsid()
        _die_with_parent()
        if os.getppid() != zygote:
            os._exit(1)
        folder = request["folder"]
        output = os.open(os.path.join(folder, "output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(devnull)
        os.close(output)
        set_limits(float(request["seconds"]), int(request["memory_mb"]), int(request["file_mb"]))
        os.chdir(folder)
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = folder
        run_model(folder)
    except BaseException:
        code = 70
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def serve() -> None:
    """The zygote loop: fork a child per request, reap it, kill it at its deadline."""
    import select
    import signal
    import time

    import pyomo.environ  # noqa: F401  (the whole point: children start with Pyomo loaded)

    if sys.platform.startswith("linux"):
        import ctypes  # noqa: F401  (loaded once here, used by every child)
    import gc

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    running: dict[int, tuple[Any, float]] = {}  # pid -> (request id, deadline)
    timed_out: set[int] = set()
    pending = b""
    me = os.getpid()

    def say(message: dict[str, Any]) -> None:
        os.write(1, (json.dumps(message) + "\n").encode())

    say({"ready": True, "pid": me})
    gc.freeze()
    open_input = True
    while open_input or running:
        now = time.monotonic()
        wait = min((deadline for _, deadline in running.values()), default=now + 60) - now
        readable, _, _ = select.select([0, wake_read] if open_input else [wake_read], [], [], max(wait, 0))
        if wake_read in readable:
            os.read(wake_read, 4096)
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
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(request, me, [wake_read, wake_write])
                running[pid] = (request["id"], time.monotonic() + float(request["seconds"]))
                say({"id": request["id"], "pid": pid})
        now = time.monotonic()
        for pid, (_, deadline) in running.items():
            if deadline <= now and pid not in timed_out:
                timed_out.add(pid)
                _kill_group(pid)
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            request_id, _ = running.pop(pid, (None, 0.0))
            _kill_group(pid, reaped=True)  # helpers the child may have left in its group
            say({"id": request_id, "returncode": os.waitstatus_to_exitcode(status), "timed_out": pid in timed_out})
            timed_out.discard(pid)


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
        run_model(os.getcwd())
