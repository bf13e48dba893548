"""Problem kinds: the protocol every kind implements and the registry the flow reads.

A kind brings a problem type (immutable, with ``kind``, ``fingerprint()`` and
``features()``), readers by file suffix, backends by name, a verifier that
recomputes objective and feasibility from the problem data alone, a default
planner and what a recorded run keeps of its answer. Registering a
:class:`KindSpec` is all it takes to put a new kind on the one flow
(:func:`optarium.flow.solve_problem`); see docs/architecture.md for a whole example.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from optarium.errors import InvalidModelError, SolverUnavailableError

if TYPE_CHECKING:
    from optarium.plan import Plan, Planner
    from optarium.solution import Solution, Verification


@runtime_checkable
class Kind(Protocol):
    """What every problem of every kind offers the flow."""

    @property
    def kind(self) -> str: ...

    def fingerprint(self) -> str: ...

    def features(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RawResult:
    """What a backend reports for any kind, before optarium checks it.

    ``payload`` is the kind's answer (a vector for math programs, routes, start
    times); ``extra`` is what the backend wants kept with the run (traces, counts).
    """

    status: str
    objective: float | None = None
    bound: float | None = None
    payload: Any = None
    solver_status: str = ""
    seconds: float = 0.0
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """A backend of some kind: a name, a version and ``solve``."""

    name: str

    def version(self) -> str: ...

    def solve(self, problem: Any, options: Any, plan: Plan) -> RawResult: ...


@dataclass(frozen=True)
class Reader:
    """Reads files of some suffixes into a problem of its kind; ``name`` is recorded with each check."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Path], Any]


@dataclass(frozen=True)
class KindSpec:
    """Everything the flow needs to know about one kind.

    - ``backend(name)`` returns the named backend or raises ``SolverUnavailableError``;
    - ``check(backend, problem)`` raises when the backend cannot take the problem;
    - ``check_input(problem, options)`` raises on input the solve cannot take (the flow
      calls it first, before it opens the store, so bad input leaves nothing written);
    - ``verify(problem, payload, reported_objective)`` never imports a backend;
    - ``planner()`` is the default planner;
    - ``record(problem, solution)`` is what a run keeps of the answer: a compact
      binary blob (or None) and a JSON-able dict;
    - ``wrap(problem, raw_payload)`` turns what a backend returned into the
      payload users see (default: as it is);
    - ``sense`` is ``"min"`` or ``"max"`` for a problem, for comparing answers;
    - ``alternatives(problem, first)`` names other backends for a cross-check.
    """

    name: str
    type: type
    backend: Callable[[str], Backend]
    verify: Callable[[Any, Any, float | None], Verification]
    planner: Callable[[], Planner]
    readers: tuple[Reader, ...] = ()
    check: Callable[[Backend, Any], None] | None = None
    check_input: Callable[[Any, Any], None] | None = None
    record: Callable[[Any, Solution[Any]], tuple[bytes | None, dict[str, Any]]] | None = None
    wrap: Callable[[Any, Any], Any] = lambda problem, raw: raw
    sense: Callable[[Any], str] = lambda problem: "min"
    alternatives: Callable[[Any, str], list[str]] = lambda problem, first: []


_KINDS: dict[str, KindSpec] = {}
# the modules that register the built-in kinds, by kind name; each is imported on first use,
# so solving a math program never imports the routing or scheduling code
BUILTIN: dict[str, str] = {
    "math_program": "optarium.problem.kind",
    "routing": "optarium.domains.routing.kind",
    "jobshop": "optarium.domains.scheduling.kind",
    "robust": "optarium.domains.robust.kind",
    "bilevel": "optarium.domains.bilevel.kind",
    "nonlinear": "optarium.domains.nonlinear.kind",
    "blackbox": "optarium.blackbox.kind",
}


def register(spec: KindSpec) -> KindSpec:
    """Add a kind; a second kind with the same name or problem type is refused."""
    if spec.name in _KINDS:
        raise ValueError(f"a problem kind named {spec.name!r} is already registered")
    for other in _KINDS.values():
        if other.type is spec.type:
            raise ValueError(f"{spec.type.__name__} is already the problem type of kind {other.name!r}")
    _KINDS[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Remove a kind (for tests and plug-ins that replace one)."""
    _KINDS.pop(name, None)


_LOADING = threading.RLock()


def _load(name: str | None = None) -> None:
    """Import the module of one built-in kind (or of all of them) unless it is registered."""
    import importlib

    for kind, module in BUILTIN.items():
        if (name is None or kind == name) and kind not in _KINDS:
            with _LOADING:  # threads solving at once wait for the one that registers the kind
                if kind not in _KINDS and _installed(module):
                    importlib.import_module(module)


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported (its package may be missing altogether)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def names() -> list[str]:
    """The registered kinds: the built-in ones in their fixed order, then others as registered (the same
    list whichever module a process imported first)."""
    _load()
    return [k for k in BUILTIN if k in _KINDS] + [k for k in _KINDS if k not in BUILTIN]


def get(name: str) -> KindSpec:
    _load(name)
    if name not in _KINDS:
        raise InvalidModelError(f"unknown problem kind {name!r}; known kinds: {', '.join(names())}")
    return _KINDS[name]


def of(problem: Any) -> KindSpec:
    """The registered kind of ``problem`` (by its ``kind`` name)."""
    name = getattr(problem, "kind", None)
    if isinstance(name, str):
        _load(name)
    if not isinstance(name, str) or name not in _KINDS:
        raise InvalidModelError(
            f"a {type(problem).__name__} is not a problem of a registered kind; known kinds: {', '.join(names())}"
        )
    return _KINDS[name]


def readers_for(path: str | os.PathLike[str]) -> list[tuple[KindSpec, Reader]]:
    """Every (kind, reader) that takes this file name, the default reader of each kind first."""
    _load()
    lowered = Path(path).name.lower()
    found = []
    for spec in _KINDS.values():
        for reader in spec.readers:
            if any(lowered.endswith(suffix) for suffix in reader.suffixes):
                found.append((spec, reader))
    return found


def read(path: str | os.PathLike[str], reader: str | None = None) -> tuple[Any, Reader]:
    """Read ``path`` with the first reader that takes its suffix (or the one named ``reader``)."""
    candidates = readers_for(path)
    if reader is not None:
        candidates = [(spec, r) for spec, r in candidates if r.name == reader]
    if not candidates:
        suffixes = sorted({s for spec in _KINDS.values() for r in spec.readers for s in r.suffixes})
        wanted = f"reader {reader!r}" if reader is not None else "any reader"
        raise InvalidModelError(f"no {wanted} takes this file; known suffixes: {', '.join(suffixes)}", source=str(path))
    _, chosen = candidates[0]
    return chosen.read(Path(path)), chosen


def lookup(table: dict[str, Callable[[], Backend]], kind: str) -> Callable[[str], Backend]:
    """A ``KindSpec.backend`` over a table of backend factories by name."""

    def get_backend(name: str) -> Backend:
        if name not in table:
            raise SolverUnavailableError(f"unknown {kind} backend {name!r}; choose one of: auto, {', '.join(table)}")
        return table[name]()

    return get_backend
