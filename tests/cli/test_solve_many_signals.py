"""`optarium solve A B --jobs 2`: the worker processes end with the command, however it ends, and Ctrl-C
(at a terminal, to the whole process group, or to the command alone) keeps each running file's point."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from optarium.store.base import open_store

from ..conftest import alive, live_processes

OPTARIUM = str(Path(sys.executable).parent / "optarium")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def workers_of(parent: int) -> list[int]:
    """The live worker processes (multiprocessing's spawned children) of ``parent``."""
    return [pid for pid, argv, ppid in live_processes() if ppid == parent and any(b"spawn_main" in a for a in argv)]


class Batch:
    """Two market-split models solved by HiGHS in two workers, in a session of their own as at a terminal."""

    def __init__(self, tmp_path: Path, market_split: Callable[..., Path], *extra: str) -> None:
        self.store = f"sqlite:///{tmp_path / 's.db'}"
        self.models = [str(market_split(tmp_path / f"split{seed}.lp", seed)) for seed in (7, 8)]
        self.process = subprocess.Popen(
            [OPTARIUM, "solve", *self.models, "--jobs", "2", "--solver", "highs", "--time-limit", "40", "--solver-log", *extra],
            env={**os.environ, "OPTARIUM_STORE": self.store}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert self.process.stderr is not None
        self.log: list[str] = []
        self.reader = threading.Thread(target=lambda: self.log.extend(iter(self.process.stderr.readline, "")), daemon=True)  # type: ignore[union-attr]
        self.reader.start()
        # both solves under way (HiGHS's own log names each model), however long the workers took to start
        deadline = time.monotonic() + 120
        while not all(any(line.startswith(f"MIP split{seed} has") for line in list(self.log)) for seed in (7, 8)):
            assert self.process.poll() is None and time.monotonic() < deadline, "".join(self.log)
            time.sleep(0.05)
        self.workers = workers_of(self.process.pid)
        assert len(self.workers) == 2

    def ended(self) -> tuple[int, str, str]:
        assert self.process.stdout is not None
        out: list[str] = []
        # a worker left running keeps the pipes open: read them aside, and stop waiting once the command ended
        taker = threading.Thread(target=lambda: out.append(self.process.stdout.read()), daemon=True)  # type: ignore[union-attr]
        taker.start()
        self.process.wait(timeout=60)
        taker.join(timeout=5)
        self.reader.join(timeout=5)
        return self.process.returncode, "".join(out), "".join(self.log)


@pytest.mark.parametrize("end", ["SIGTERM to the command", "SIGHUP to the group", "SIGTERM to the group", "kill -9 of the command"])
def test_no_worker_outlives_the_command(tmp_path: Path, market_split: Callable[..., Path], end: str) -> None:
    batch = Batch(tmp_path, market_split, "--no-record")
    pid = batch.process.pid
    if end == "SIGTERM to the command":
        os.kill(pid, signal.SIGTERM)
    elif end == "SIGHUP to the group":
        os.killpg(pid, signal.SIGHUP)
    elif end == "SIGTERM to the group":
        os.killpg(pid, signal.SIGTERM)
    else:
        os.kill(pid, signal.SIGKILL)
    batch.ended()
    deadline = time.monotonic() + 20  # the solves have 40 s to run: a worker still there has not noticed
    while any(alive(worker) for worker in batch.workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [worker for worker in batch.workers if alive(worker)]
    for worker in left:
        os.kill(worker, signal.SIGKILL)
    assert left == []


@pytest.mark.parametrize("to", ["group", "command"])
def test_ctrl_c_stops_the_running_solves_once_and_keeps_their_points(
    tmp_path: Path, market_split: Callable[..., Path], to: str
) -> None:
    """To the group: as a terminal sends Ctrl-C (each worker hears it, and the command's passing it on does not
    count twice); to the command alone: as ``kill -INT PID`` or a supervisor sends it."""
    batch = Batch(tmp_path, market_split, "--json")
    time.sleep(1)  # past presolve: each has a point to keep
    assert batch.process.poll() is None, "the batch finished before it could be interrupted"
    (os.killpg if to == "group" else os.kill)(batch.process.pid, signal.SIGINT)
    code, out, err = batch.ended()
    assert code == 130, err
    rows = json.loads(out)
    assert [row["file"] for row in rows] == batch.models
    assert all(row["status"] == "interrupted" and row["verified"] for row in rows), rows
    assert open_store(batch.store).count_runs() == 2
    assert not any(alive(worker) for worker in batch.workers)
