"""Checked, frozen settings: each command's options as a dataclass with a ``from_file``.

A settings class subclasses :class:`Settings`, declares its fields with
Python names and types, and checks ranges in ``__post_init__`` by raising
``OptionError`` with the field's name. ``from_file`` reads a TOML table,
refuses unknown keys and wrong types, and names the file and the key.
"""

from __future__ import annotations

import dataclasses
import math
import os
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from optarium.errors import InputFileError, OptionError, SettingsFileError

if TYPE_CHECKING:
    from optarium.solvers.base import SolveOptions

SettingsT = TypeVar("SettingsT", bound="Settings")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Base of every settings class; adds ``from_file``, ``from_dict``, ``replace`` and ``to_dict``."""

    @classmethod
    def from_dict(cls: type[SettingsT], data: dict[str, Any], *, source: str = "settings",
                  overrides: dict[str, Any] | None = None) -> SettingsT:
        """Build from a mapping; unknown keys and wrong types name ``source`` and the key.

        ``overrides`` (values already in their Python form, e.g. a command's flags) replace the
        mapping's before the settings are built once, so a rule across two settings sees both;
        an error about an overridden setting is an :class:`OptionError` with its name.
        """
        # a field left out of comparison (a progress callback) is no value a file can hold
        fields = {field.name: field for field in dataclasses.fields(cls) if field.init and field.compare}
        hints = typing.get_type_hints(cls)
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise SettingsFileError(source, unknown[0], f"is not a setting; known: {', '.join(sorted(fields))}")
        checked = {key: _coerce(source, key, value, hints[key]) for key, value in data.items()}
        overrides = overrides or {}
        try:
            return cls(**{**checked, **overrides})
        except OptionError as error:
            if error.name in overrides:
                raise
            raise SettingsFileError(source, error.name, f"must be {error.expected}, got {error.value!r}") from None

    @classmethod
    def from_file(cls: type[SettingsT], path: str | os.PathLike[str], *, table: str | None = None,
                  overrides: dict[str, Any] | None = None) -> SettingsT:
        """Read a TOML file (the whole file, or one ``[table]`` of it); ``overrides`` as in :meth:`from_dict`."""
        import tomllib

        location = Path(path)
        try:
            data = tomllib.loads(location.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputFileError(str(location)) from None
        except OSError as error:
            raise InputFileError(str(location), error.strerror or "cannot be read") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise SettingsFileError(str(location), None, f"is not valid TOML: {error}") from None
        if table is not None:
            data = data.get(table, {})
            if not isinstance(data, dict):
                raise SettingsFileError(str(location), table, "must be a table")
        return cls.from_dict(data, source=str(location), overrides=overrides)

    def replace(self: SettingsT, **changes: Any) -> SettingsT:
        """A copy with ``changes`` applied (and checked); ``None`` values are left out."""
        return dataclasses.replace(self, **{key: value for key, value in changes.items() if value is not None})

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self) if field.init}


def _coerce(source: str, key: str, value: Any, hint: Any) -> Any:
    """``value`` if it has the declared type (an int is taken for a float); else a clear error."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else (hint,)
    for option in allowed:
        if option is type(None) and value is None:
            return value
        if option is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is bool and isinstance(value, bool):
            return value
        if option is str and isinstance(value, str):
            return value
        if typing.get_origin(option) is typing.Literal and value in typing.get_args(option):
            return value
        if typing.get_origin(option) in (dict, tuple, list) and isinstance(value, typing.get_origin(option) or ()):
            return value
        if option is Path and isinstance(value, str):
            return Path(value)
    names = " or ".join(_type_name(option) for option in allowed if option is not type(None))
    raise SettingsFileError(source, key, f"must be {names}, got {value!r}")


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) is typing.Literal:
        return " or ".join(repr(choice) for choice in typing.get_args(hint))
    return getattr(hint, "__name__", str(hint))


def positive(name: str, value: float | None, what: str = "a positive number") -> None:
    """Refuse a value that is not a finite positive number (None passes)."""
    if value is not None and (isinstance(value, bool) or not (value > 0 and math.isfinite(value))):
        raise OptionError(name, value, what)


def positive_int(name: str, value: int | None, what: str = "a positive integer") -> None:
    """Refuse a value that is not an integer of at least 1 (None passes)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise OptionError(name, value, what)


def non_negative_int(name: str, value: int | None, upper: int | None = None) -> None:
    """Refuse a value that is not an integer in ``[0, upper)`` (None passes)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (upper is not None and value >= upper):
        raise OptionError(name, value, "a non-negative integer" if upper is None else f"an integer in [0, {upper})")


def _scalar_params(params: dict[str, Any]) -> None:
    for key, value in params.items():
        if not isinstance(value, str | int | float | bool):
            raise OptionError(f"params.{key}", value, "a string, number or boolean")


@dataclasses.dataclass(frozen=True)
class SolveSettings(Settings):
    """The settings of one solve of a math program (``optarium solve``, ``optarium.solve``).

    ``params`` go to the backend unchanged; ``record=False`` keeps the run out of the store;
    ``solver_log=True`` shows the backend's own log on standard error.
    """

    solver: str = "auto"
    time_limit: float | None = None
    rel_gap: float | None = None
    threads: int | None = None
    seed: int | None = None
    cross_check: bool = False
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    record: bool = True
    solver_log: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.solver, str) or not self.solver:
            raise OptionError("solver", self.solver, "the name of a backend or 'auto'")
        _scalar_params(self.params)
        self.options()  # the backend options check their own ranges

    def options(self, progress: Callable[[Any], None] | None = None) -> SolveOptions:
        """The options handed to the backend."""
        from optarium.solvers.base import SolveOptions

        return SolveOptions(self.time_limit, self.rel_gap, self.threads, self.seed, dict(self.params), progress,
                            solver_log=self.solver_log)


@dataclasses.dataclass(frozen=True)
class EquivSettings(Settings):
    """The settings of one equivalence check (``optarium equiv``)."""

    scale_rows: bool = False
    flip_ge: bool = False
    flip_max: bool = False
    time_limit: float = 60.0

    def __post_init__(self) -> None:
        positive("time_limit", self.time_limit, "a positive number of seconds")
