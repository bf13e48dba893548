"""Ctrl-C in the worker processes of a batch (``optarium solve A B --jobs N``): heeded once per file.

A terminal's Ctrl-C reaches every process of the command's group, and the command passes SIGINT on to its
workers (it may have been sent to the command alone), so a worker can hear it twice, and a user may press it
twice. A worker heeds the first SIGINT of a file and no other until that file's row is written: a later one
cannot end the check or the record of the answer the first one kept. POSIX only; elsewhere
:func:`supported` is false and the console's Ctrl-C reaches each worker as it did.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

# pokes the worker's main thread out of a blocking call (a pipe read) so that Python raises the KeyboardInterrupt
# the admitted SIGINT asked for; its handler does nothing
_WAKE = signal.SIGUSR1 if hasattr(signal, "SIGUSR1") else None
_SIGSET_BYTES = 128  # glibc's sigset_t, larger than any other C library's


def supported() -> bool:
    """Whether SIGINT can be held back per thread here (POSIX)."""
    return os.name == "posix" and hasattr(signal, "pthread_sigmask") and _WAKE is not None


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """SIGINT held back in this thread meanwhile (one that comes is delivered after): a worker process started
    meanwhile starts with it held back in every thread it will have, before any of them exists."""
    if not supported():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class OncePerFile:
    """The SIGINT gate of a worker process: one SIGINT let in per file, none between files.

    Every thread of the worker holds SIGINT back (the command starts it so, threads inherit it) except one,
    which waits in ``sigsuspend`` with SIGINT alone open. The handler in place at that moment runs there once:
    Python's (a KeyboardInterrupt in the main thread: no point yet, the file has no row), HiGHS's or SCIP's own
    (the solve stops and keeps its best point). The gate then stays shut until the file's row is written, and
    the SIGINTs held back meanwhile are dropped when the worker ignores SIGINT again.
    Made in the worker's main thread before it starts any thread.
    """

    def __init__(self) -> None:
        assert supported() and _WAKE is not None
        self._files = threading.Condition()
        self._begun = 0
        self._ended = 0
        self._main = threading.get_ident()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        signal.signal(_WAKE, _woken)
        threading.Thread(target=self._admit, name="optarium-sigint-gate", daemon=True).start()

    @contextlib.contextmanager
    def heeded(self) -> Iterator[None]:
        """One file: SIGINT stops it (once) from here until the end of the block; ignored after."""
        with self._files:
            self._begun += 1
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # which also drops those held back since the first
            with self._files:
                self._ended = self._begun
                self._files.notify_all()

    def _admit(self) -> None:
        import ctypes

        assert _WAKE is not None
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())  # the main thread takes every other signal
        libc = ctypes.CDLL(None, use_errno=True)
        sigint_alone = ctypes.create_string_buffer(_SIGSET_BYTES)
        libc.sigfillset(sigint_alone)
        libc.sigdelset(sigint_alone, signal.SIGINT)
        while True:
            # returns once a SIGINT handler has run on this thread, with SIGINT held back again: none slips in after
            libc.sigsuspend(sigint_alone)
            with self._files:
                current = self._begun
                if current == self._ended:  # came as the file ended: the gate opens again for the next
                    continue
                if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                    signal.pthread_kill(self._main, _WAKE)  # a KeyboardInterrupt is due: out of a blocking call
                while self._ended < current:
                    self._files.wait()


def _woken(signum: int, frame: object) -> None:
    """The wake-up signal's handler: its arrival alone (a blocking call interrupted) is what counts."""
