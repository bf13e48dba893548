"""Ctrl-C during ``optimize``: ``KeyboardInterrupt`` at once, every trial already evaluated told, the running one pending."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

import optarium


def test_ctrl_c_tells_the_evaluated_trials_of_the_batch_and_leaves_the_running_one_pending(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    lock, calls = threading.Lock(), []
    quick_done, release = threading.Event(), threading.Event()

    def experiment(params: dict[str, float]) -> float:
        with lock:
            calls.append(params["x"])
            first = len(calls) == 1
        if first:  # the long experiment: Ctrl-C comes while it runs, after the other one of its batch has finished
            quick_done.wait(5)
            time.sleep(0.2)
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # Ctrl-C at a terminal
            release.wait(5)
        else:
            quick_done.set()
        return (params["x"] - 0.3) ** 2

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as at a terminal
    try:
        with pytest.raises(KeyboardInterrupt):
            optarium.optimize(experiment, {"x": {"type": "float", "low": -2, "high": 2}}, budget=10, sampler="sobol",
                              seed=0, n_workers=2, study_name="lab", store=store)
        left_running = not release.is_set()  # optimize did not wait for the long experiment
    finally:
        release.set()
        signal.signal(signal.SIGINT, previous)
    assert left_running
    trials = {trial.params["x"]: trial for trial in optarium.Study.load("lab", store=store).trials}
    assert len(trials) == 2 and len(calls) == 2
    long, quick = trials[calls[0]], trials[calls[1]]
    assert long.state == "pending"
    assert quick.state == "complete" and quick.value == pytest.approx((calls[1] - 0.3) ** 2)
