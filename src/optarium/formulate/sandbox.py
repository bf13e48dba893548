"""Run LLM-written Pyomo code in a separate, limited process and take back its model as LP text.

Each piece of code runs in its own process whose working folder is a private
temporary directory: by default a child forked from a pre-warmed zygote that has
already imported Pyomo (:mod:`optarium.formulate.zygote`, a few milliseconds), else
a fresh ``python -I -B`` process (the cold path, about half a second). Limits: wall-clock time (the process group is killed),
address space and CPU time and file size (``resource.setrlimit``), an
environment with no inherited variables (so no API keys, no ``OPTARIUM_*``),
and a Python audit hook that refuses writes outside the folder, starting
programs and opening network connections. The audit hook stops honest
mistakes and careless code; it is not a boundary against code written to
escape (run optarium in a container for that).

The code must leave a Pyomo ``ConcreteModel`` in a variable named ``model``;
the child (:mod:`optarium.formulate.sandbox_child`) writes it as CPLEX LP with
symbolic labels.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from optarium.formulate import sandbox_child, zygote
from optarium.formulate.errors import SandboxError

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
    sandbox_child.set_limits(limits.seconds, limits.memory_mb, limits.file_mb)


def child_environment(folder: str) -> dict[str, str]:
    """The environment the generated code sees: a few harmless variables and its own folder."""
    env = {key: os.environ[key] for key in _KEEP_ENV if key in os.environ}
    env.update({"HOME": folder, "TMPDIR": folder, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"})
    return env


def run_pyomo(code: str, limits: SandboxLimits | None = None, *, warm: bool | None = None) -> SandboxResult:
    """Run ``code`` in the sandbox; return its model as LP text or raise :class:`SandboxError`.

    ``SandboxError.cause`` is 'timeout', 'memory', 'forbidden', 'no_model' or 'execution'.
    ``warm=False`` (default: unless ``OPTARIUM_SANDBOX=cold`` is set) or a platform without
    ``fork`` takes the cold path: a fresh interpreter per run.
    """
    limits = limits or SandboxLimits()
    if warm is None:
        warm = os.environ.get("OPTARIUM_SANDBOX", "warm").strip().lower() != "cold"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="optarium-sandbox-") as folder:
        root = Path(folder)
        (root / "model.py").write_text(code, encoding="utf-8")
        env = child_environment(folder)
        ran = zygote.run_warm(folder, limits.seconds, limits.memory_mb, limits.file_mb, env) if warm else None
        returncode, timed_out = ran if ran is not None else _run_cold(folder, limits, env)
        if timed_out:
            raise SandboxError(f"generated code ran longer than {limits.seconds:g} s and was stopped", cause="timeout")
        output_file = root / "output.txt"
        printed = output_file.read_bytes()[-4000:].decode("utf-8", errors="replace") if output_file.exists() else ""
        result_file = root / "result.json"
        if not result_file.exists():
            raise SandboxError(_died(returncode, printed, limits), cause=_died_cause(returncode, printed), output=printed)
        result = json.loads(result_file.read_text(encoding="utf-8"))
        if not result.get("ok"):
            raise SandboxError(str(result.get("error")), cause=str(result.get("cause", "execution")), output=printed)
        lp_text = (root / "model.lp").read_text(encoding="utf-8", errors="replace")
    return SandboxResult(lp_text=lp_text, output=printed, seconds=time.perf_counter() - started)


def _run_cold(folder: str, limits: SandboxLimits, env: dict[str, str]) -> tuple[int, bool]:
    """A fresh ``python -I -B`` for this code alone; return (return code, killed at the deadline)."""
    with open(Path(folder) / "output.txt", "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-I", "-B", str(zygote.CHILD), "run"],
            cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=lambda: _limit(limits),
        )
        try:
            return process.wait(timeout=limits.seconds), False
        except subprocess.TimeoutExpired:
            return -signal.SIGKILL, True
        finally:
            _kill(process)


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
