"""optarium.interrupts: Ctrl-C noted, not raised, on the main thread only; a solver's stop called at each press."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from optarium.interrupts import noting_ctrl_c


@pytest.fixture
def at_a_terminal() -> Iterator[None]:
    """Python's own SIGINT handler, as at a terminal (a background job's test run inherits an ignored SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_a_ctrl_c_is_noted_and_calls_the_stop_at_each_press(at_a_terminal: None) -> None:
    stops: list[int] = []
    with noting_ctrl_c(on_press=lambda: stops.append(1)) as ctrl_c:
        assert ctrl_c.heard and not ctrl_c.pressed
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
    assert ctrl_c.pressed and stops == [1, 1]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_off_the_main_thread_nothing_is_heard(at_a_terminal: None) -> None:
    seen: list[tuple[bool, bool]] = []

    def worker() -> None:
        with noting_ctrl_c(on_press=lambda: None) as ctrl_c:
            seen.append((ctrl_c.heard, ctrl_c.pressed))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [(False, False)]


def test_an_inner_noting_under_an_outer_one_hears_nothing(at_a_terminal: None) -> None:
    with noting_ctrl_c() as outer, noting_ctrl_c() as inner:
        signal.raise_signal(signal.SIGINT)
    assert outer.pressed and not inner.heard and not inner.pressed
