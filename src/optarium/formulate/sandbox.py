"""Run LLM-written Pyomo code in a separate, limited process and take back its model as LP text.

The child is a fresh ``python -I -B`` process whose working folder is a private
temporary directory. Limits: wall-clock time (the process group is killed),
address space and CPU time and file size (``resource.setrlimit``), an
environment with no inherited variables (so no API keys, no ``OPTARIUM_*``),
and a Python audit hook that refuses writes outside the folder, starting
programs and opening network connections. The audit hook stops honest
mistakes and careless code; it is not a boundary against code written to
escape (run optarium in a container for that).

The code must leave a Pyomo ``ConcreteModel`` in a variable named ``model``;
the child writes it as CPLEX LP with symbolic labels.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from optarium.formulate.errors import SandboxError

_RUNNER = r'''
import json, os, sys, traceback
ROOT = os.path.realpath(os.getcwd())
RESULT = os.path.join(ROOT, "result.json")

def finish(**result):
    with open(RESULT, "w") as handle:
        json.dump(result, handle)
    sys.exit(0)

try:
    import pyomo.environ as pyo
except Exception as error:
    finish(ok=False, cause="execution", error=f"cannot import pyomo: {error}")

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

def inside(path):
    if isinstance(path, int):
        return True
    try:
        real = os.path.realpath(os.fsdecode(path))
    except Exception:
        return False
    return real == ROOT or real.startswith(ROOT + os.sep) or real == os.devnull

def refuse(what, rule="generated code may only write inside its own folder"):
    raise PermissionError(f"sandbox: {what} is not allowed ({rule})")

PATH_EVENTS = {"os.remove", "os.rmdir", "os.mkdir", "os.truncate", "os.chmod", "os.chown", "os.utime", "shutil.rmtree", "os.symlink", "os.link", "os.rename", "shutil.copyfile", "shutil.copytree", "shutil.move"}
RUN_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "os.startfile")

def hook(event, args):
    if event == "open":
        path, mode, flags = (list(args) + [None, None, 0])[:3]
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & WRITE_FLAGS)
        if writing and not inside(path):
            refuse(f"writing to {path!r}")
    elif event in PATH_EVENTS:
        for value in args:
            if isinstance(value, (str, bytes, os.PathLike)) and not inside(value):
                refuse(f"{event} on {value!r}")
    elif event.startswith(RUN_EVENTS):
        refuse("starting another program", "generated code only builds a model")
    elif event in ("socket.connect", "socket.sendto", "socket.bind"):
        refuse("network access", "generated code only builds a model")

sys.addaudithook(hook)
namespace = {"__name__": "__main__"}
try:
    with open(os.path.join(ROOT, "model.py"), encoding="utf-8") as handle:
        source = handle.read()
    exec(compile(source, "model.py", "exec"), namespace)
except MemoryError:
    finish(ok=False, cause="memory", error="MemoryError: the code tried to use more memory than the sandbox allows")
except SystemExit:
    pass
except BaseException as error:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == "model.py"]
    where = f"model.py line {frames[-1].lineno}: {frames[-1].line}\n" if frames else ""
    cause = "forbidden" if isinstance(error, PermissionError) and "sandbox:" in str(error) else "execution"
    finish(ok=False, cause=cause, error=f"{where}{type(error).__name__}: {error}")

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
    model.write(os.path.join(ROOT, "model.lp"), io_options={"symbolic_solver_labels": True})
except MemoryError:
    finish(ok=False, cause="memory", error="MemoryError while writing the model")
except SystemExit:
    raise
except BaseException as error:
    finish(ok=False, cause="execution", error=f"Pyomo could not write the model: {type(error).__name__}: {error}")
finish(ok=True)
'''

# Only these variables reach the child; everything else (keys, tokens, OPTARIUM_*) stays behind.
_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "TZ")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one run: wall-clock seconds, address space in MiB, largest file in MiB."""

    seconds: float = 30.0
    memory_mb: int = 2048
    file_mb: int = 64

    def __post_init__(self) -> None:
        if not self.seconds > 0:
            raise ValueError(f"`seconds > 0` must hold, got seconds={self.seconds!r}")
        if self.memory_mb < 256:
            raise ValueError(f"`memory_mb >= 256` must hold (Python and Pyomo need it), got memory_mb={self.memory_mb!r}")
        if self.file_mb < 1:
            raise ValueError(f"`file_mb >= 1` must hold, got file_mb={self.file_mb!r}")


@dataclass(frozen=True)
class SandboxResult:
    """What a successful run gave back: the model as LP text and what the code printed."""

    lp_text: str
    output: str
    seconds: float


def _limit(limits: SandboxLimits) -> None:
    megabyte = 1024 * 1024
    cpu = int(limits.seconds) + 2
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * megabyte, limits.memory_mb * megabyte))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * megabyte, limits.file_mb * megabyte))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_environment(folder: str) -> dict[str, str]:
    """The environment the generated code sees: a few harmless variables and its own folder."""
    env = {key: os.environ[key] for key in _KEEP_ENV if key in os.environ}
    env.update({"HOME": folder, "TMPDIR": folder, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"})
    return env


def run_pyomo(code: str, limits: SandboxLimits | None = None) -> SandboxResult:
    """Run ``code`` in the sandbox; return its model as LP text or raise :class:`SandboxError`.

    ``SandboxError.cause`` is 'timeout', 'memory', 'forbidden', 'no_model' or 'execution'.
    """
    limits = limits or SandboxLimits()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="optarium-sandbox-") as folder:
        root = Path(folder)
        (root / "model.py").write_text(code, encoding="utf-8")
        runner = root / "_runner.py"
        runner.write_text(_RUNNER, encoding="utf-8")
        with open(root / "output.txt", "wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-I", "-B", str(runner)],
                cwd=folder, env=child_environment(folder), stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=lambda: _limit(limits),
            )
            try:
                returncode = process.wait(timeout=limits.seconds)
            except subprocess.TimeoutExpired:
                _kill(process)
                raise SandboxError(
                    f"generated code ran longer than {limits.seconds:g} s and was stopped", cause="timeout"
                ) from None
            finally:
                _kill(process)
        printed = (root / "output.txt").read_bytes()[-4000:].decode("utf-8", errors="replace")
        result_file = root / "result.json"
        if not result_file.exists():
            raise SandboxError(_died(returncode, printed, limits), cause=_died_cause(returncode, printed), output=printed)
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if not result.get("ok"):
            raise SandboxError(str(result.get("error")), cause=str(result.get("cause", "execution")), output=printed)
        lp_text = (root / "model.lp").read_text(encoding="utf-8", errors="replace")
    return SandboxResult(lp_text=lp_text, output=printed, seconds=time.perf_counter() - started)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (it may have started helpers before being refused)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
        process.wait()


def _died_cause(returncode: int, printed: str) -> str:
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return "timeout"
    if "MemoryError" in printed or "Cannot allocate memory" in printed:
        return "memory"
    return "execution"


def _died(returncode: int, printed: str, limits: SandboxLimits) -> str:
    cause = _died_cause(returncode, printed)
    if cause == "timeout":
        return f"generated code used more than its CPU time limit ({int(limits.seconds) + 2} s) and was stopped"
    if cause == "memory":
        return f"generated code needed more than {limits.memory_mb} MiB of memory and was stopped"
    tail = printed.strip().splitlines()[-1:] if printed.strip() else []
    return f"generated code exited with code {returncode} before writing its model" + (f": {tail[0]}" if tail else "")
