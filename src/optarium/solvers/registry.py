"""Backends by name; a backend's module is imported only when it is used."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING

from optarium.errors import SolverCapabilityError, SolverUnavailableError

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram
    from optarium.solvers.base import Backend


@dataclass(frozen=True)
class Entry:
    name: str
    module: str
    attribute: str
    package: str  # the import that must succeed for the backend to be usable


_REGISTRY: dict[str, Entry] = {}


def register(name: str, module: str, attribute: str, package: str) -> None:
    """Add a backend; a second registration under the same name is refused."""
    if name in _REGISTRY:
        raise ValueError(f"a backend named {name!r} is already registered")
    _REGISTRY[name] = Entry(name, module, attribute, package)


register("highs", "optarium.solvers.highs", "HighsBackend", "highspy")
register("scip", "optarium.solvers.scip", "ScipBackend", "pyscipopt")
register("cpsat", "optarium.solvers.cpsat", "CpSatBackend", "ortools")


def names() -> list[str]:
    return list(_REGISTRY)


def installed() -> list[str]:
    """Registered backends whose package can be imported."""
    return [name for name, entry in _REGISTRY.items() if importlib.util.find_spec(entry.package) is not None]


def get(name: str) -> Backend:
    if name not in _REGISTRY:
        raise SolverUnavailableError(f"unknown solver {name!r}; choose one of: auto, {', '.join(_REGISTRY)}")
    entry = _REGISTRY[name]
    if importlib.util.find_spec(entry.package) is None:
        raise SolverUnavailableError(
            f"solver {name!r} needs the Python package {entry.package!r}; install it with `pip install {entry.package}`"
        )
    module = importlib.import_module(entry.module)
    backend: Backend = getattr(module, entry.attribute)()
    return backend


def check(backend: Backend, problem: MathProgram) -> None:
    """Refuse a problem the backend cannot take, naming one that can."""
    missing = backend.capabilities.missing(problem)
    if missing is None:
        return
    alternatives = [name for name in installed() if name != backend.name and get(name).capabilities.missing(problem) is None]
    raise SolverCapabilityError(backend.name, missing, alternatives)
