"""Run LLM-written Pyomo code behind an operating-system boundary and take back its model as LP text.

Each piece of code runs in a jail built by :mod:`optarium.formulate.boundary`: new
mount, PID, network, IPC and UTS namespaces, a private root holding only the Python
installation and site-packages (read-only) and an empty tmpfs work folder, a
per-run unprivileged uid with no capabilities and ``no_new_privs``, resource limits
(address space, CPU time, file size, processes, open files), a seccomp filter where
libseccomp is installed, and a wall-clock deadline after which the jail's whole PID
namespace is killed. Its environment holds only :data:`~optarium.formulate.redaction.SAFE_ENV`.
A supervisor forked from a pre-warmed zygote that has already imported Pyomo
(:mod:`optarium.formulate.zygote`, a few milliseconds) builds the jail, else a
fresh ``python -I -B`` does (the cold path, about half a second). Inside, a Python
audit hook turns honest mistakes (writing elsewhere, starting programs) into clear
messages. Where the machine refuses the boundary, :class:`SandboxUnavailableError`
says how to enable it; ``unsafe=True`` runs the code without it instead.

The code must leave a Pyomo ``ConcreteModel`` in a variable named ``model``;
the jail (:mod:`optarium.formulate.sandbox_child`) writes it as CPLEX LP with
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
from typing import Any

from optarium.errors import OptariumError
from optarium.formulate import boundary, zygote
from optarium.formulate.errors import SandboxError
from optarium.formulate.redaction import safe_environment


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


class SandboxUnavailableError(OptariumError, RuntimeError):
    """The machine offers no operating-system boundary, so generated code is not run."""


_CAUSES = frozenset({"timeout", "memory", "forbidden", "no_model", "execution"})
_cleaned: set[str] = set()


def child_environment() -> dict[str, str]:
    """The environment the generated code sees: a few harmless variables, none of the caller's secrets."""
    return safe_environment({"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})


def run_pyomo(
    code: str, limits: SandboxLimits | None = None, *, warm: bool | None = None, unsafe: bool = False,
) -> SandboxResult:
    """Run ``code`` behind the operating-system boundary; return its model as LP text or raise :class:`SandboxError`.

    ``SandboxError.cause`` is 'timeout', 'memory', 'forbidden', 'no_model' or 'execution'.
    Raises :class:`SandboxUnavailableError` where the machine offers no boundary, unless
    ``unsafe`` allows running the code with only resource limits, the seccomp filter and
    an audit hook (it can then read the user's files and reach the network).
    ``warm=False`` (default: unless ``OPTARIUM_SANDBOX=cold`` is set) or a platform without
    ``fork`` takes the cold path: a fresh interpreter per run.
    """
    limits = limits or SandboxLimits()
    if warm is None:
        warm = os.environ.get("OPTARIUM_SANDBOX", "warm").strip().lower() != "cold"
    _clean_once()
    started = time.perf_counter()
    job = {"code": code, "seconds": limits.seconds, "memory_mb": limits.memory_mb, "file_mb": limits.file_mb,
           "env": child_environment(), "confine": True}
    answer = _execute(job, warm)
    reply = answer.get("reply")
    if isinstance(reply, dict) and reply.get("unavailable"):
        if not unsafe:
            raise SandboxUnavailableError(
                f"generated code is only run behind an operating-system sandbox, and this machine refused one "
                f"({reply['unavailable']}): {boundary.HOW_TO_ENABLE}; or set `unsafe_sandbox=True` to run it "
                "with only resource limits and a Python audit hook"
            )
        answer = _execute({**job, "confine": False, "temporary": tempfile.gettempdir()}, warm)
        reply = answer.get("reply")
    if not isinstance(reply, dict) or "returncode" not in reply:
        raise SandboxError(
            f"the sandbox supervisor ended without an answer (exit code {answer.get('returncode')})", cause="execution",
        )
    printed = str(reply.get("output") or "")
    if reply.get("timed_out") or answer.get("killed"):
        raise SandboxError(f"generated code ran longer than {limits.seconds:g} s and was stopped", cause="timeout", output=printed)
    returncode = int(reply["returncode"])
    result = reply.get("result")
    if not isinstance(result, dict):
        raise SandboxError(_died(returncode, printed, limits), cause=_died_cause(returncode, printed), output=printed)
    if not result.get("ok"):
        cause = str(result.get("cause", "execution"))
        raise SandboxError(str(result.get("error")), cause=cause if cause in _CAUSES else "execution", output=printed)
    lp_text = reply.get("lp")
    if not isinstance(lp_text, str):
        raise SandboxError("generated code wrote no model", cause="no_model", output=printed)
    return SandboxResult(lp_text=lp_text, output=printed, seconds=time.perf_counter() - started)


def _execute(job: dict[str, Any], warm: bool) -> dict[str, Any]:
    """One request through the zygote, or a fresh interpreter when ``warm`` is off or no zygote runs."""
    answer = zygote.run_warm(job) if warm else None
    return answer if answer is not None else _run_cold(job)


def _run_cold(job: dict[str, Any]) -> dict[str, Any]:
    """A fresh ``python -I -B`` supervises this code alone; return ``{"returncode", "killed", "reply"}``."""
    process = subprocess.Popen(
        [sys.executable, "-I", "-B", str(zygote.CHILD), "run"], cwd="/", env=zygote.environment(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        out, _ = process.communicate(json.dumps({**job, "caller": os.getpid()}).encode(), timeout=float(job["seconds"]) + 30)
        killed = False
    except subprocess.TimeoutExpired:
        _kill(process)
        out, killed = b"", True
    finally:
        _kill(process)
    try:
        reply = json.loads(out) if out else None
    except ValueError:
        reply = None
    return {"returncode": process.returncode, "killed": killed, "reply": reply}


def _clean_once() -> None:
    """Remove work folders that ended processes left in the temporary directory (once per folder and process)."""
    folder = tempfile.gettempdir()
    if folder not in _cleaned:
        _cleaned.add(folder)
        boundary.clean_stale_folders(folder)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the supervisor's whole process group (its jail dies with it)."""
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
