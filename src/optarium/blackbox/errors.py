"""Errors of black-box studies; each also subclasses the matching built-in."""

from __future__ import annotations

from optarium.errors import ConflictError, NotFoundError, OptariumError


class SpaceError(OptariumError, ValueError):
    """A search space or a parameter dict is invalid; the message names the bad value."""


class TellError(OptariumError, ValueError):
    """A result cannot be told: unknown or finished trial, NaN or infinite value."""


class StudyExistsError(ConflictError, ValueError):
    """A study with this name already exists in the store (a :class:`ConflictError`, and a ``ValueError`` as before)."""


class StudyNotFoundError(NotFoundError):
    """No study with this name in the store."""


class TableError(OptariumError, ValueError):
    """A table of past experiments cannot serve as data; the message names the file, column and row."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
