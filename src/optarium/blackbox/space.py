"""Search spaces for black-box studies: float (linear or log), int and categorical parameters.

A :class:`Space` is checked where it is built; a bad definition raises
:class:`~optarium.blackbox.errors.SpaceError` naming the parameter and the bad value.
Samplers work in the unit cube: ``encode`` maps a parameter dict to a point in
``[0, 1]^d`` (one coordinate per parameter; a categorical takes the centre of its bin),
``decode`` maps any point of the cube back to valid parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.blackbox.errors import SpaceError

if TYPE_CHECKING:
    import numpy as np

Value = float | int | str | bool | None


@dataclass(frozen=True)
class FloatParam:
    """A real parameter in ``[low, high]``; ``log=True`` searches ``log(x)`` uniformly (needs ``low > 0``)."""

    name: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        _check_bounds(self.name, self.low, self.high, self.log)

    def to_unit(self, value: Any) -> float:
        number = _number(self.name, value)
        if not self.low <= number <= self.high:
            raise SpaceError(f"parameter `{self.name}` must lie in [{self.low}, {self.high}], got {value!r}")
        if self.high == self.low:
            return 0.5
        if self.log:
            return (math.log(number) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (number - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        return min(max(value, self.low), self.high)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "float", "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class IntParam:
    """An integer parameter in ``[low, high]`` (both included); ``log=True`` needs ``low >= 1``."""

    name: str
    low: int
    high: int
    log: bool = False

    def __post_init__(self) -> None:
        for label, bound in (("low", self.low), ("high", self.high)):
            if isinstance(bound, bool) or not isinstance(bound, int):
                raise SpaceError(f"parameter `{self.name}`: `{label}` of an int must be an integer, got {bound!r}")
        _check_bounds(self.name, self.low, self.high, self.log)

    def to_unit(self, value: Any) -> float:
        number = _number(self.name, value)
        if number != round(number) or not self.low <= number <= self.high:
            raise SpaceError(f"parameter `{self.name}` must be an integer in [{self.low}, {self.high}], got {value!r}")
        # Bins of equal width so that decoding a uniform point gives every integer equal weight.
        if self.log:
            lo, hi = math.log(max(self.low - 0.5, 0.5)), math.log(self.high + 0.5)
            return (math.log(number) - lo) / (hi - lo)
        return (number - self.low + 0.5) / (self.high - self.low + 1)

    def from_unit(self, u: float) -> int:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            lo, hi = math.log(max(self.low - 0.5, 0.5)), math.log(self.high + 0.5)
            value = round(math.exp(lo + u * (hi - lo)))
        else:
            value = self.low + math.floor(u * (self.high - self.low + 1))
        return int(min(max(value, self.low), self.high))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "int", "low": self.low, "high": self.high, "log": self.log}


@dataclass(frozen=True)
class CategoricalParam:
    """One of a list of distinct choices (strings, numbers, booleans)."""

    name: str
    choices: tuple[Value, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.choices, list | tuple) or len(self.choices) == 0:
            raise SpaceError(f"parameter `{self.name}`: `choices` must be a non-empty list, got {self.choices!r}")
        object.__setattr__(self, "choices", tuple(self.choices))
        seen: set[str] = set()
        for choice in self.choices:
            if not isinstance(choice, str | int | float | bool) and choice is not None:
                raise SpaceError(f"parameter `{self.name}`: choices must be strings, numbers or booleans, got {choice!r}")
            key = repr(choice)
            if key in seen:
                raise SpaceError(f"parameter `{self.name}`: choice {choice!r} appears twice")
            seen.add(key)

    def index(self, value: Any) -> int:
        for position, choice in enumerate(self.choices):
            if choice == value and type(choice) is type(value):
                return position
        for position, choice in enumerate(self.choices):
            if choice == value or str(choice) == str(value):
                return position
        raise SpaceError(f"parameter `{self.name}` must be one of {list(self.choices)!r}, got {value!r}")

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def from_unit(self, u: float) -> Value:
        position = min(math.floor(min(max(float(u), 0.0), 1.0) * len(self.choices)), len(self.choices) - 1)
        return self.choices[position]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices)}


Param = FloatParam | IntParam | CategoricalParam
_TYPES = {"float": FloatParam, "int": IntParam, "categorical": CategoricalParam}


class Space:
    """An ordered set of named parameters; immutable after construction."""

    def __init__(self, params: list[Param] | tuple[Param, ...]):
        if len(params) == 0:
            raise SpaceError("a space needs at least one parameter, got none")
        names = [p.name for p in params]
        for name in names:
            if not isinstance(name, str) or not name:
                raise SpaceError(f"parameter names must be non-empty strings, got {name!r}")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise SpaceError(f"parameter names must be unique, got {duplicates[0]!r} twice")
        self.params: tuple[Param, ...] = tuple(params)

    # construction -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, definition: dict[str, Any]) -> Space:
        """``{name: {type: float|int|categorical, low, high, log, choices}}``."""
        if not isinstance(definition, dict) or not definition:
            raise SpaceError(f"a space maps parameter names to definitions, got {definition!r}")
        params: list[Param] = []
        for name, spec in definition.items():
            if not isinstance(spec, dict):
                raise SpaceError(f"parameter `{name}` needs a mapping like {{type: float, low: 0, high: 1}}, got {spec!r}")
            kind = spec.get("type")
            if kind not in _TYPES:
                raise SpaceError(f"parameter `{name}`: `type` must be one of float, int, categorical, got {kind!r}")
            allowed = {"type", "choices"} if kind == "categorical" else {"type", "low", "high", "log"}
            unknown = sorted(set(spec) - allowed)
            if unknown:
                raise SpaceError(f"parameter `{name}`: unknown key {unknown[0]!r} for type {kind}")
            if kind == "categorical":
                params.append(CategoricalParam(str(name), spec.get("choices")))  # type: ignore[arg-type]
                continue
            for key in ("low", "high"):
                if key not in spec:
                    raise SpaceError(f"parameter `{name}` needs `{key}`")
            log = spec.get("log", False)
            if not isinstance(log, bool):
                raise SpaceError(f"parameter `{name}`: `log` must be true or false, got {log!r}")
            if kind == "float":
                params.append(FloatParam(str(name), _number(str(name), spec["low"], "low"), _number(str(name), spec["high"], "high"), log))
            else:
                params.append(IntParam(str(name), spec["low"], spec["high"], log))
        return cls(params)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Space:
        """Read a space file (YAML mapping of parameter name to definition)."""
        import yaml

        from optarium.errors import InputFileError

        file = Path(path)
        if not file.is_file():
            raise InputFileError(str(path))
        try:
            data = yaml.safe_load(file.read_text())
        except yaml.YAMLError as error:
            raise SpaceError(f"{path}: not valid YAML: {str(error).splitlines()[0]}") from None
        try:
            return cls.from_dict(data)
        except SpaceError as error:
            raise SpaceError(f"{path}: {error}") from None

    def to_dict(self) -> dict[str, Any]:
        return {p.name: p.to_dict() for p in self.params}

    # queries ------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def dim(self) -> int:
        return len(self.params)

    @property
    def is_discrete(self) -> bool:
        return all(isinstance(p, IntParam | CategoricalParam) for p in self.params)

    @property
    def has_categorical(self) -> bool:
        return any(isinstance(p, CategoricalParam) for p in self.params)

    def cardinality(self) -> float:
        """Number of distinct points (infinite when a float parameter is present)."""
        total = 1.0
        for p in self.params:
            if isinstance(p, FloatParam):
                return math.inf
            total *= len(p.choices) if isinstance(p, CategoricalParam) else p.high - p.low + 1
        return total

    def check(self, params: dict[str, Any]) -> dict[str, Any]:
        """Validate a parameter dict (all names present, each value allowed); return it canonicalised."""
        missing = [n for n in self.names if n not in params]
        if missing:
            raise SpaceError(f"parameters lack {missing[0]!r}")
        extra = sorted(set(params) - set(self.names))
        if extra:
            raise SpaceError(f"parameter {extra[0]!r} is not in the space")
        return self.decode(self.encode(params))

    # unit cube ------------------------------------------------------------------------------
    def encode(self, params: dict[str, Any]) -> np.ndarray:
        """Parameters -> point of shape (dim,) in the unit cube."""
        import numpy as np

        return np.array([p.to_unit(params[p.name]) for p in self.params], dtype=float)

    def decode(self, point: np.ndarray | list[float]) -> dict[str, Any]:
        """Point of shape (dim,) anywhere in the cube (clipped) -> valid parameters."""
        return {p.name: p.from_unit(float(u)) for p, u in zip(self.params, point, strict=True)}

    def snap(self, point: np.ndarray) -> np.ndarray:
        """Move a point to the encoding of the parameters it decodes to (ints and categories rounded)."""
        return self.encode(self.decode(point))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Space) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    def __repr__(self) -> str:
        return f"Space({self.to_dict()!r})"


def _number(name: str, value: Any, key: str = "value") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpaceError(f"parameter `{name}`: `{key}` must be a number, got {value!r}")
    if not math.isfinite(value):
        raise SpaceError(f"parameter `{name}`: `{key}` must be finite, got {value!r}")
    return float(value)


def _check_bounds(name: str, low: float, high: float, log: bool) -> None:
    for key, bound in (("low", low), ("high", high)):
        _number(name, bound, key)
    if low > high:
        raise SpaceError(f"parameter `{name}`: `low <= high` must hold, got low={low!r}, high={high!r}")
    if log and low <= 0:
        raise SpaceError(f"parameter `{name}`: a log scale needs `low > 0`, got low={low!r}")
