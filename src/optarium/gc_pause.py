"""A pause of Python's cyclic garbage collector while a large batch of acyclic objects is built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; it resumes after if it was on.

    Building many small containers (every trial of a long study, each with its dicts and
    lists) sets off collections that walk every live object, and these can cost more than
    the building itself. Reference counting frees objects as usual inside the block. The
    switch is the process's: another thread's pause that ends first turns collection back on.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()
