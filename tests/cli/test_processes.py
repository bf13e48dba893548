"""Worker processes end with the command: `kill -9` and Ctrl-C of CP-SAT work, through the real CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ..conftest import live_processes

OPTARIUM = str(Path(sys.executable).parent / "optarium")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def job_shop(path: Path) -> Path:
    """A 20 x 15 job shop in the standard format: CP-SAT does not prove it optimal in a minute."""
    rng = np.random.default_rng(3)
    jobs, machines = 20, 15
    lines = [f"{jobs} {machines}"]
    for _ in range(jobs):
        order = rng.permutation(machines)
        lines.append(" ".join(f"{m} {d}" for m, d in zip(order, rng.integers(1, 100, machines), strict=True)))
    path.write_text("\n".join(lines) + "\n")
    return path


def workers_of(parent: int) -> list[int]:
    """Live solver workers started by ``parent`` (they name their caller's pid on their command line)."""
    return [pid for pid, argv, _ in live_processes() if b"optarium.isolation" in argv and str(parent).encode() in argv]


def start(args: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "OPTARIUM_STORE": f"sqlite:///{tmp_path / 's.db'}"}
    # its own session, as a command at a terminal; SIGINT delivered even when pytest runs in the background
    process = subprocess.Popen([OPTARIUM, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not workers_of(process.pid):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"no solver worker started: {out} {err}")
        time.sleep(0.1)
    time.sleep(1.5)  # well into the search
    assert process.poll() is None, "the solve finished before it could be stopped"
    return process


def commands(tmp_path: Path, market_split: Callable[..., Path]) -> dict[str, list[str]]:
    return {
        "solve": ["solve", str(market_split(tmp_path / "split.lp", integer_slacks=True)), "--solver", "cpsat", "--time-limit", "120"],
        "schedule": ["schedule", str(job_shop(tmp_path / "shop.txt")), "--time-limit", "120", "--threads", "2"],
    }


@pytest.mark.parametrize("name", ["solve", "schedule"])
def test_kill_9_leaves_no_solver_worker(tmp_path: Path, name: str, market_split: Callable[..., Path]) -> None:
    process = start(commands(tmp_path, market_split)[name], tmp_path)
    assert len(workers_of(process.pid)) == 1
    process.kill()
    process.communicate(timeout=10)
    deadline = time.monotonic() + 5
    while workers_of(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers_of(process.pid) == []


@pytest.mark.parametrize("name", ["solve", "schedule"])
def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path, name: str, market_split: Callable[..., Path]) -> None:
    process = start(commands(tmp_path, market_split)[name], tmp_path)
    os.killpg(process.pid, signal.SIGINT)  # the whole process group, as a terminal sends it
    _, err = process.communicate(timeout=30)
    assert err == "interrupted\n"
    assert process.returncode == 130
    assert workers_of(process.pid) == []
    from optarium.store.base import open_store

    if (tmp_path / "s.db").exists():
        assert open_store(f"sqlite:///{tmp_path / 's.db'}").count_runs() == 0
