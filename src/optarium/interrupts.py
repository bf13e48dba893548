"""Ctrl-C noted instead of raised, where a ``KeyboardInterrupt`` at any line would lose what was found.

A search reads :attr:`CtrlC.pressed` where it can stop with its best answer (the routing backend, in
PyVRP's stopping criterion); the flow finishes checking a found answer before the Ctrl-C ends the run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class CtrlC:
    """The SIGINT handler of :func:`noting_ctrl_c`: ``pressed`` once Ctrl-C came; with ``again_raises`` a
    second Ctrl-C raises ``KeyboardInterrupt`` at once (for a user who will not wait); ``on_press`` is called
    at each Ctrl-C noted (a solver's own stop). ``heard``: whether it is the SIGINT handler (else nothing is noted)."""

    def __init__(self, again_raises: bool = False, on_press: Callable[[], object] | None = None) -> None:
        self.pressed = False
        self.heard = False
        self.again_raises = again_raises
        self.on_press = on_press

    def __call__(self, signum: int, frame: Any) -> None:
        if self.pressed and self.again_raises:
            raise KeyboardInterrupt
        self.pressed = True
        if self.on_press is not None:
            self.on_press()


@contextlib.contextmanager
def noting_ctrl_c(*, again_raises: bool = False, on_press: Callable[[], object] | None = None) -> Iterator[CtrlC]:
    """Ctrl-C is noted on the :class:`CtrlC` given, not raised, while this runs.

    Only on the main thread under Python's own SIGINT handler: elsewhere (a worker thread, a
    caller's handler, an outer ``noting_ctrl_c``) nothing changes, ``heard`` and ``pressed`` stay False.
    """
    ctrl_c = CtrlC(again_raises, on_press)
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield ctrl_c
        return
    signal.signal(signal.SIGINT, ctrl_c)
    ctrl_c.heard = True
    try:
        yield ctrl_c
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
