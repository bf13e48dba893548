"""The errors optarium raises.

Every error derives from :class:`OptariumError`; each specific error also
subclasses the matching built-in so callers can catch either, and carries the
data a user needs to fix the input. Messages name Python parameters
(``time_limit``), never command-line flags; exit codes live in ``optarium.cli``.
"""

from __future__ import annotations

import os
from pathlib import Path


class OptariumError(Exception):
    """Base class of every error optarium raises on purpose."""


class InvalidModelError(OptariumError, ValueError):
    """A model (file or object) cannot be turned into a canonical problem."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        where = ""
        if source is not None:
            where = f"{source}:{line}: " if line is not None else f"{source}: "
        super().__init__(f"{where}{message}")
        self.source = source
        self.line = line


class InputFileError(OptariumError, FileNotFoundError):
    """A file the user named does not exist or cannot be read."""

    def __init__(self, path: str, reason: str = "no such file"):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def read_user_text(path: str | os.PathLike[str], what: str) -> tuple[Path, str]:
    """The UTF-8 text of a file the user named, and its path; :class:`InputFileError` naming it when it is a
    directory ("is a directory, not ``what``"), missing, or cannot be read or decoded."""
    file = Path(path)
    if file.is_dir():
        raise InputFileError(str(file), f"is a directory, not {what}")
    try:
        return file, file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(str(file)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(str(file), f"cannot read: {getattr(error, 'strerror', None) or error}") from None


class OptionError(OptariumError, ValueError):
    """An option is out of range or does not make sense with the others."""

    def __init__(self, name: str, value: object, expected: str):
        super().__init__(f"option `{name}` must be {expected}, got {value!r}")
        self.name = name
        self.value = value
        self.expected = expected


class SettingsFileError(OptariumError, ValueError):
    """A settings file (or mapping) has an unknown key, a wrong type or a value out of range."""

    def __init__(self, source: str, key: str | None, problem: str):
        super().__init__(f"{source}: setting `{key}` {problem}" if key is not None else f"{source} {problem}")
        self.source = source
        self.key = key
        self.problem = problem


class SolverUnavailableError(OptariumError, ImportError):
    """A backend is unknown or its package is not installed."""


class SolverCapabilityError(OptariumError, ValueError):
    """A backend cannot take this kind of problem."""

    def __init__(self, solver: str, missing: str, alternatives: list[str]):
        hint = f"; try solver={alternatives[0]!r}" if alternatives else ""
        super().__init__(f"solver `{solver}` cannot take {missing}{hint}")
        self.solver = solver
        self.missing = missing
        self.alternatives = alternatives


class StoreError(OptariumError, RuntimeError):
    """The run store cannot be opened, read or written."""


class StoreBusyError(StoreError):
    """The store stayed locked by other workers for longer than the configured wait."""


class NotFoundError(OptariumError, LookupError):
    """A run, study, trial or other named record does not exist."""


class ConflictError(OptariumError, RuntimeError):
    """Another worker changed the record first: a name already taken, a trial already finished."""


class SolveFailedError(OptariumError, RuntimeError):
    """The solve or run itself failed (not an infeasible or unbounded answer)."""
