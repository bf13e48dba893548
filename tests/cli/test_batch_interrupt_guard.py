"""`optarium solve A B --jobs 2` and Ctrl-C heard twice: a terminal's Ctrl-C reaches each worker, and the command
passes it on; a worker heeds the first SIGINT of a file and no later one until that file's row is written, so no
row is dropped while it is checked or recorded. Ctrl-C again ends the command within a second, rows on their way
kept."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from optarium.store.base import open_store

from ..conftest import alive
from .test_solve_many_signals import Batch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def searching(batch: Batch) -> None:
    """Wait until both solves are in HiGHS's branch and bound (its table header, once per model), where HiGHS has
    found a first point at once, and a little past it."""
    deadline = time.monotonic() + 60
    while sum("Src  Proc. InQueue" in line for line in list(batch.log)) < 2:
        assert batch.process.poll() is None and time.monotonic() < deadline, "".join(batch.log)
        time.sleep(0.02)
    time.sleep(0.1)
    assert batch.process.poll() is None, "the batch finished before it could be interrupted"


def keep_interrupting(pids: list[int], stop: threading.Event) -> None:
    """SIGINT to each of ``pids`` every millisecond until ``stop``, as a command passing Ctrl-C on (or a user
    pressing it again) would, through pidfds so that a pid reused by another process is never hit."""
    handles = {pid: os.pidfd_open(pid) for pid in pids}
    try:
        while handles and not stop.is_set():
            for pid, handle in list(handles.items()):
                try:
                    signal.pidfd_send_signal(handle, signal.SIGINT)
                except ProcessLookupError:
                    os.close(handles.pop(pid))
            time.sleep(0.001)
    finally:
        for handle in handles.values():
            os.close(handle)


def test_sigint_heard_again_while_rows_are_checked_and_recorded_drops_no_row(
    tmp_path: Path, market_split: Callable[..., Path]
) -> None:
    """Ctrl-C to the group, then SIGINT after SIGINT to each worker while it stops, checks and records its file."""
    batch = Batch(tmp_path, market_split, "--json")
    searching(batch)
    stop = threading.Event()
    os.killpg(batch.process.pid, signal.SIGINT)
    again = threading.Thread(target=keep_interrupting, args=(batch.workers, stop), daemon=True)
    again.start()
    try:
        code, out, err = batch.ended()
    finally:
        stop.set()
        again.join(timeout=10)
    assert code == 130, err
    rows = json.loads(out)
    assert [row["file"] for row in rows] == batch.models, err
    assert all(row["status"] == "interrupted" and row["verified"] for row in rows), rows
    store = open_store(batch.store)
    assert store.count_runs() == 2
    assert sorted(store.get_run(row["run_id"])["status"] for row in rows) == ["interrupted", "interrupted"]


def test_ctrl_c_again_ends_a_batch_whose_worker_does_not_stop(tmp_path: Path, market_split: Callable[..., Path]) -> None:
    """One worker frozen (SIGSTOP, as a backend that never checks for Ctrl-C): the first Ctrl-C stops the other
    file, which is recorded; the second ends the command (130) and both workers after a moment for the rows on
    their way, the other file's among them, and nothing of the frozen worker's file is recorded."""
    batch = Batch(tmp_path, market_split, "--json")
    searching(batch)
    frozen, running = batch.workers
    os.kill(frozen, signal.SIGSTOP)
    try:
        os.killpg(batch.process.pid, signal.SIGINT)
        store = open_store(batch.store)
        deadline = time.monotonic() + 30
        while store.count_runs() < 1:  # the running worker's file is recorded: the command now waits on the frozen one
            assert time.monotonic() < deadline, "".join(batch.log)
            time.sleep(0.02)
        time.sleep(0.1)
        assert batch.process.poll() is None, "the command ended with a worker still solving"
        os.killpg(batch.process.pid, signal.SIGINT)
        code, out, err = batch.ended()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(frozen, signal.SIGKILL)
    assert code == 130, err
    rows = json.loads(out)
    assert len(rows) == 1 and rows[0]["status"] == "interrupted" and rows[0]["verified"], rows
    assert store.count_runs() == 1 and store.get_run(rows[0]["run_id"])["status"] == "interrupted"
    deadline = time.monotonic() + 10
    while (alive(frozen) or alive(running)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(frozen) and not alive(running)

