"""optarium.cli.worker_signals: a batch worker's SIGINT gate, in a process of its own (the gate is made in a main
thread before any other thread starts, as a worker's is)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# a worker's two files, each waiting in a blocking pipe read (as a worker waits on its CP-SAT process)
WORKER = textwrap.dedent("""
    import os, signal, sys
    from optarium.cli.worker_signals import OncePerFile

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # as the command starts its workers
    gate = OncePerFile()
    never_written, _ = os.pipe()
    for name in ("first", "second"):
        with gate.heeded():
            try:
                print(name, "file", flush=True)
                os.read(never_written, 1)
            except KeyboardInterrupt:
                print("stopped", flush=True)
                sys.stdin.readline()  # the row is written meanwhile
        print("row written", flush=True)
        sys.stdin.readline()  # between files
""")


def sigint_pending(pid: int) -> bool:
    """Whether a SIGINT sent to ``pid`` is held back (pending), not delivered."""
    status = (Path("/proc") / str(pid) / "status").read_text()
    pending = next(line.split()[1] for line in status.splitlines() if line.startswith("ShdPnd:"))
    return bool(int(pending, 16) & (1 << (signal.SIGINT - 1)))


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_one_sigint_per_file_wakes_a_blocking_read_and_later_ones_wait_until_the_row_is_written() -> None:
    worker = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert worker.stdin is not None and worker.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in worker.stdout], daemon=True).start()  # type: ignore[union-attr]

    def said() -> str:
        try:
            return lines.get(timeout=20)
        except queue.Empty:
            return "nothing"

    def send(line: str = "") -> None:
        assert worker.stdin is not None
        worker.stdin.write(line + "\n")
        worker.stdin.flush()

    try:
        assert said() == "first file"
        os.kill(worker.pid, signal.SIGINT)
        assert said() == "stopped"  # the first SIGINT of the file, out of its blocking read
        os.kill(worker.pid, signal.SIGINT)
        until(lambda: sigint_pending(worker.pid), "a second SIGINT while the row is written was not held back")
        send()
        assert said() == "row written"
        until(lambda: not sigint_pending(worker.pid), "the SIGINT held back was not dropped after the row")
        os.kill(worker.pid, signal.SIGINT)  # between files: ignored
        until(lambda: not sigint_pending(worker.pid), "a SIGINT between files stayed pending")
        send()
        assert said() == "second file"
        os.kill(worker.pid, signal.SIGINT)
        assert said() == "stopped"  # the next file heeds its first SIGINT again
        send()
        assert said() == "row written"
        send()
        assert worker.wait(timeout=20) == 0, worker.stderr.read() if worker.stderr else ""
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
