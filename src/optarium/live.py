"""One line of progress redrawn on stderr while library work runs (terminals only; nothing into a pipe or file)."""

from __future__ import annotations

import sys
import time
from abc import ABC, abstractmethod
from typing import Any


class LiveLine(ABC):
    """A context manager that redraws :meth:`text` on stderr, four times a second and on :meth:`refresh`.

    Subclasses give the text; ``self.started`` is when the work began. With ``enabled`` false,
    or when stderr is not a terminal, nothing is drawn and rich is not imported.
    """

    def __init__(self, enabled: bool):
        self.enabled = bool(enabled) and sys.stderr.isatty()
        self.started = time.perf_counter()
        self._live: Any = None

    @abstractmethod
    def text(self) -> str:
        """The line to draw now."""

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def refresh(self) -> None:
        if self._live is not None:
            self._live.refresh()

    def __rich__(self) -> Any:
        from rich.text import Text

        return Text(self.text(), no_wrap=True, overflow="ellipsis")

    def __enter__(self) -> Any:
        if self.enabled:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(self, console=Console(stderr=True, highlight=False), refresh_per_second=4, transient=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
