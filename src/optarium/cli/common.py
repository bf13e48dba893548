"""What every command shares: output, errors, progress, and the one rule for exit codes.

Exit codes, the same for every command:

- 0: an answer: optimal, locally optimal or feasible (verified); a problem proved infeasible or
  unbounded; a time limit that left a verified solution.
- 1: the run failed: the method reported an error, its answer failed verification, or a time limit
  came before any solution at all (there is nothing to use; a time limit is not a proof).
- 2: bad input or usage (one line on stderr, nothing half-written).
- 3: the store stayed locked by other workers (try again).
- 130: interrupted (Ctrl-C), whether or not a point found before it is shown.

:func:`status_exit_code` applies the first two to a solve's status; :func:`exit_code` maps errors.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from optarium.errors import OptariumError
    from optarium.settings import Settings
    from optarium.solvers.base import Progress

SettingsT = TypeVar("SettingsT", bound="Settings")

STORE_OPTION = typer.Option(None, "--store", help="Store URL (sqlite:///file.db, postgresql://...); default $OPTARIUM_STORE or the user data dir.")
JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")
QUIET_OPTION = typer.Option(False, "--quiet", "-q", help="Print nothing but errors.")


CONFIG_OPTION = typer.Option(None, "--config", help="TOML settings file; flags given here override it.")
# the kinds of file a plot is written as
PLOT_SUFFIXES = (".png", ".svg", ".pdf")

# the exit codes of the module docstring
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130


def status_exit_code(status: str, *, verified: bool) -> int:
    """The exit code of a command that reports one solution of ``status``; ``verified``: its point
    passed the kind's check (``Solution.verified``).

    1 for ``error`` (the method failed, or its answer failed verification) and for ``time_limit``
    without a verified point (the limit came before any solution), 130 for ``interrupted``, else 0.
    """
    if status == "interrupted":
        return EXIT_INTERRUPTED
    if status == "error" or (status == "time_limit" and not verified):
        return EXIT_FAILED
    return 0


def check_positive(flag: str, value: int | None) -> None:
    """Refuse a count given as ``flag`` below one (None: not given), in the words of every other option."""
    from optarium.errors import OptionError

    if value is not None and value < 1:
        raise OptionError(flag, value, "a positive integer")


def settings_from(settings_class: type[SettingsT], config: Path | None, flags: dict[str, str], **given: Any) -> SettingsT:
    """``settings_class`` read from the TOML file ``config`` (defaults without one), with the values
    given on the command line over it (``None``: not given).

    ``flags`` maps a setting to its flag: a value given on the command line that is out of range
    names the flag; one from the file names the file and the key (``Settings.from_file``).
    """
    from optarium.errors import OptionError

    given = {key: value for key, value in given.items() if value is not None}
    try:  # built once from the file and the flags together: a rule across two settings sees both
        return settings_class(**given) if config is None else settings_class.from_file(config, overrides=given)
    except OptionError as error:
        raise OptionError(flags.get(error.name, error.name), error.value, error.expected) from None


def argument_error(name: str, value: object, expected: str) -> OptariumError:
    """An error about the command's argument ``name`` (its metavar: FAMILY, FOLDER), said as such, not as an option."""
    from optarium.errors import OptionError

    error = OptionError(name, value, expected)
    error.args = (f"argument {name} must be {expected}, got {value!r}",)
    return error


def missing(name: str, expected: str) -> OptariumError:
    """An error for an option or argument that must be given and was not: ``name`` is ``option `--out```
    or ``argument FAMILY``, ``expected`` what it takes."""
    from optarium.errors import OptionError

    error = OptionError(name, None, expected)
    error.args = (f"missing {name}: {expected}",)
    return error


def blame(error: OptariumError, flags: dict[str, str], given: dict[str, Any], config: Path | None) -> OptariumError:
    """A library's error about a setting, said where the user gave the value: the flag when it was
    given on the command line, the file and the key when it came from ``config``."""
    from optarium.errors import OptionError, SettingsFileError

    if not isinstance(error, OptionError) or error.name not in flags:
        return error
    if given.get(error.name) is not None or config is None:
        return OptionError(flags[error.name], error.value, error.expected)
    return SettingsFileError(str(config), error.name, f"must be {error.expected}, got {error.value!r}")


def exit_code(error: BaseException) -> int:
    """The exit code for an error that ends a command."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    from optarium.errors import SolveFailedError, StoreBusyError

    if isinstance(error, StoreBusyError):
        return EXIT_BUSY
    return EXIT_FAILED if isinstance(error, SolveFailedError) else EXIT_BAD_INPUT


def message(error: BaseException) -> str:
    """The one line shown for an error; library wording, with flags where the library names a parameter."""
    from optarium.errors import SolverCapabilityError

    if isinstance(error, SolverCapabilityError) and getattr(error, "missing", None):
        alternatives = getattr(error, "alternatives", [])
        hint = f"; try --solver {alternatives[0]}" if alternatives else ""
        return f"solver `{error.solver}` cannot take {error.missing}{hint}"
    return str(error)


def command(function: Callable[..., int | None]) -> Callable[..., None]:
    """Wrap a command: its return value is the exit code; an optarium error is one line on
    stderr and the exit code :func:`exit_code` gives it; ``--debug`` shows the traceback too."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> None:
        from optarium.errors import OptariumError

        try:
            code = function(*args, **kwargs)
        except OptariumError as error:
            if os.environ.get("OPTARIUM_DEBUG") == "1":
                import traceback

                traceback.print_exc()
            sys.stderr.write(f"error: {message(error)}\n")
            raise typer.Exit(exit_code(error)) from None
        except KeyboardInterrupt as interrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(exit_code(interrupt)) from None
        if code:
            raise typer.Exit(code)

    return run


LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def setup_logging(verbose: int = 0, level: str | None = None, file: str | None = None) -> None:
    """Send the ``optarium`` loggers to stderr (warnings; ``verbose`` 1: info, 2: debug; or ``level``)
    and, with ``file``, to that file too (info unless a level was asked for).

    A bad level or a file that cannot be written raises :class:`~optarium.errors.OptionError` naming the flag.
    """
    import logging

    from optarium.errors import OptionError

    class StderrHandler(logging.StreamHandler):
        """Writes to whatever ``sys.stderr`` is at the time, so a live progress display can take it over."""

        @property
        def stream(self) -> Any:
            return sys.stderr

        @stream.setter
        def stream(self, value: Any) -> None:
            pass

    if level is not None and level.strip().lower() not in LOG_LEVELS:
        raise OptionError("--log-level", level, "one of " + ", ".join(LOG_LEVELS))
    asked: int | None = None
    if level is not None:
        asked = logging.getLevelName(level.strip().upper())
    elif verbose:
        asked = logging.DEBUG if verbose > 1 else logging.INFO
    terminal: logging.Handler = StderrHandler()
    terminal.setLevel(asked if asked is not None else logging.WARNING)
    terminal.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers = [terminal]
    if file is not None:
        try:
            written: logging.Handler = logging.FileHandler(file, encoding="utf-8")
        except OSError as error:
            raise OptionError("--log-file", file, f"a file that can be written ({error.strerror or error})") from None
        written.setLevel(asked if asked is not None else logging.INFO)
        written.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(written)
    logger = logging.getLogger("optarium")
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    for handler in handlers:
        logger.addHandler(handler)
    logger.setLevel(min(handler.level for handler in handlers))
    logger.propagate = False


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def check_output_file(path: Path, flag: str, suffixes: tuple[str, ...]) -> None:
    """Refuse a file to be written (``flag``'s value) whose suffix is not one of ``suffixes`` or that cannot be
    written, before anything is solved or recorded."""
    from optarium.errors import OptionError

    if path.suffix.lower() not in suffixes:
        names = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        raise OptionError(flag, str(path), f"a file name ending in {names}")
    if path.is_dir():
        raise OptionError(flag, str(path), "a file name, not a folder")
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise OptionError(flag, str(path), "a file in an existing folder")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OptionError(flag, str(path), "a file that can be written")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, allow_nan=False) + "\n")


class LiveProgress:
    """Shows incumbent, bound, gap and elapsed time on a terminal once a solve passes one second.

    ``budget`` (seconds) is shown beside the elapsed time; ``objective`` and ``bound`` name the
    incumbent and the bound (``makespan``, ``lower bound``); ``gap=False`` leaves the gap out. Called with a :class:`~optarium.solvers.base.Progress`, it shows
    the latest one.
    """

    def __init__(self, enabled: bool, label: str = "solving", budget: float | None = None, objective: str = "incumbent",
                 bound: str = "bound", gap: bool = True):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.budget = budget
        self.objective = objective
        self.bound = bound
        self.gap = gap
        self.started = time.perf_counter()
        self.latest: Progress | None = None
        self._live: Any = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> LiveProgress:
        if self.enabled:
            # imported here, not in the timer's thread: a native solver that holds the GIL between short
            # releases (SCIP) would stall that thread's import until the solve is over, line unseen
            import rich.live  # noqa: F401

            self._timer = threading.Timer(1.0, self._start)
            self._timer.daemon = True
            self._timer.start()
        return self

    def _start(self) -> None:
        from rich.live import Live

        with self._lock:
            if self._live is None and self.enabled:
                self._live = Live(self, console=console(stderr=True), refresh_per_second=4, transient=True)
                self._live.start()

    def __call__(self, event: Progress) -> None:
        self.latest = event

    def __rich__(self) -> str:
        elapsed = time.perf_counter() - self.started
        budget = ""
        if self.budget:
            budget = f" of {self.budget:g}s" if elapsed <= self.budget else f" ({self.budget:g}s budget spent, finishing)"
        parts = [f"[bold]{self.label}[/bold] {elapsed:7.1f}s{budget}"]
        event = self.latest
        if event is not None:
            if event.incumbent is not None:
                parts.append(f"{self.objective} {event.incumbent:.10g}")
            if event.bound is not None:
                parts.append(f"{self.bound} {event.bound:.10g}")
            if event.gap is not None and self.gap:
                parts.append(f"gap {100 * event.gap:.3g}%")
        return "  ".join(parts)

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.enabled = False
            if self._timer is not None:
                self._timer.cancel()
            if self._live is not None:
                self._live.stop()


class CountProgress:
    """On a terminal, a bar on stderr counting the items done (``label``, done/total, elapsed); nothing elsewhere."""

    def __init__(self, total: int | None, enabled: bool, label: str = "solving"):
        self.total = total
        self.label = label
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> CountProgress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def note(self, text: str) -> None:
        """Show ``text`` (the item being worked on, printed literally) beside the label."""
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.label} {text}")

    def at(self, done: int, total: int, text: str = "") -> None:
        """Say that ``done`` of ``total`` items are done and ``text`` is being worked on."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total, description=f"{self.label} {text}".rstrip())

    def advance(self, row: Any = None) -> Any:
        """Count one item done; returns ``row`` so a result can pass through."""
        if self._bar is not None:
            self._bar.advance(self._task)
        return row

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
