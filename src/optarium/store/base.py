"""The store interface: what callers may ask of a store, whatever keeps it.

Three small protocols, one frozen record type, and :func:`open_store`. Two
implementations: :class:`~optarium.store.core.SqlStore` (an SQLite file or a
PostgreSQL server) and :class:`~optarium.store.memory.MemoryStore` (this
process only, ``memory://`` URLs). Every write is one transaction: a store is
exactly as it was or fully updated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Run:
    """The frozen record of one solve of any kind, as the store keeps it.

    ``values`` is the answer in a compact binary form (see
    :mod:`optarium.store.codec`), ``extra`` what the kind keeps beside it as JSON.
    """

    kind: str
    fingerprint: str
    name: str
    features: dict[str, Any]
    source: str
    solver: str
    solver_version: str
    plan: dict[str, Any]
    params: dict[str, Any]
    status: str
    solver_status: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    verified: bool = False
    max_violation: float | None = None
    verification: dict[str, Any] | None = None
    cross_check: dict[str, Any] | None = None
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""
    values: bytes | None = None
    extra: dict[str, Any] | None = None

    @property
    def plan_reason(self) -> str:
        return str(self.plan.get("reason", ""))


@dataclass(frozen=True)
class Artifact:
    """A learned thing (a policy, a rule, a configuration), versioned by name."""

    name: str
    version: int
    meta: dict[str, Any]
    data: bytes
    created_at: datetime


@runtime_checkable
class RunStore(Protocol):
    """Record runs and find them again."""

    url: str

    def record_run(self, run: Run) -> int:
        """Write one run (and its problem, if new) in one transaction; return its id."""
        ...

    def list_runs(
        self, limit: int = 20, status: str | None = None, fingerprint: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """The newest runs first, without their values or verification."""
        ...

    def get_run(self, run_id: int) -> dict[str, Any]:
        """One run with everything recorded (values decoded to a dict); ``NotFoundError`` if none."""
        ...

    def count_runs(self) -> int: ...

    def verified_runs(self, kind: str, exclude_fingerprint: str | None = None) -> list[dict[str, Any]]:
        """Verified runs of one kind, oldest first: id, fingerprint, objective, solver, extra (for learners)."""
        ...


@runtime_checkable
class ArtifactStore(Protocol):
    """Save and load learned artifacts, each save a new version."""

    def save_artifact(self, name: str, data: bytes, meta: dict[str, Any] | None = None) -> int:
        """Store a new version of ``name``; return its version number (1, 2, ...)."""
        ...

    def load_artifact(self, name: str, version: int | None = None) -> Artifact | None:
        """The given version of ``name`` (default: the newest), or None."""
        ...

    def list_artifacts(self, prefix: str = "") -> list[dict[str, Any]]:
        """Name, version, meta and creation time of every stored version, by name then version."""
        ...

    def delete_artifact(self, name: str) -> int:
        """Remove every version of ``name`` in one transaction; return how many were removed (0 if none)."""
        ...


@runtime_checkable
class StudyStore(Protocol):
    """Black-box studies: create, find, ask under a lock, finish trials, list them."""

    def create_study(self, row: dict[str, Any], load_if_exists: bool = False) -> tuple[dict[str, Any], bool]:
        """Insert a study (or find it when ``load_if_exists``); return its row and whether it is new.

        A taken name is a ``ConflictError``; of several workers creating one name at once exactly one creates it.
        """
        ...

    def find_study(self, name: str) -> dict[str, Any] | None: ...

    def list_studies(self) -> list[dict[str, Any]]: ...

    def ask(self, study_id: int, propose: Callable[[int, list[dict[str, Any]]], list[dict[str, Any]]],
            reads: str = "all") -> list[dict[str, Any]]:
        """``propose(ask_index, trials)`` returns new trial rows, stored pending.

        ``trials`` holds every trial so far, pending ones too; ``ask_index`` counts asks from 1.
        The rows are stored only if no other ask was stored since ``trials`` was read, so each
        stored proposal saw every earlier one; a store may call ``propose`` again (with fresh
        trials) until that holds, so it must have no effect beyond its return value. If
        ``propose`` raises, nothing is stored. ``NotFoundError`` if there is no such study.
        With ``reads="points"`` the proposal uses only each trial's ``number``, ``state`` and ``point``,
        and a store may read no more of each trial than those.
        """
        ...

    def finish_trials(self, study_id: int, results: list[TrialResult]) -> list[dict[str, Any]]:
        """Finish pending trials ``(number, state, value, feasibility[, values])`` in one transaction; return their rows.

        ``values`` (a list of floats, or None) are a multi-objective trial's objective values.
        ``state`` is ``complete`` or ``failed``. An unknown trial is a ``NotFoundError``, one already
        finished a ``ConflictError``; either way nothing changes.
        """
        ...

    def list_trials(self, study_id: int) -> list[dict[str, Any]]: ...

    def delete_study(self, study_id: int) -> int:
        """Remove a study and its trials in one transaction; return how many trials went with it.

        ``NotFoundError`` if there is no such study.
        """
        ...

    def rename_study(self, study_id: int, new_name: str) -> dict[str, Any]:
        """Give a study a new name in one transaction; return its row.

        ``NotFoundError`` if there is no such study, ``ConflictError`` if another study has ``new_name``.
        """
        ...


TRIAL_END_STATES = ("complete", "failed")
# (number, state, value, feasibility) or, with a multi-objective trial's values, (..., values)
TrialResult = tuple[int, str, float | None, float | None] | tuple[int, str, float | None, float | None, list[float] | None]


def trial_result(result: TrialResult) -> tuple[int, str, float | None, float | None, list[float] | None]:
    """A result with its ``values`` (None when it was given without)."""
    if len(result) == 5:
        return result
    number, state, value, feasibility = result[:4]
    return number, state, value, feasibility, None


# optimistic asks that lost a race before a store proposes under the study's lock instead
ASK_ATTEMPTS = 6


def check_finish(results: list[TrialResult]) -> None:
    """What every store checks before finishing trials: known end states, each trial once."""
    for number, state, *_ in results:
        if state not in TRIAL_END_STATES:
            raise ValueError(f"`state` must be 'complete' or 'failed', got {state!r} for trial {number}")
    numbers = [number for number, *_ in results]
    if len(set(numbers)) != len(numbers):
        from optarium.errors import ConflictError

        raise ConflictError(f"a trial appears twice in one call: {numbers!r}")


@runtime_checkable
class Store(RunStore, ArtifactStore, StudyStore, Protocol):
    """A whole store: runs, artifacts and studies."""


def json_safe(value: Any) -> Any:
    """JSON columns cannot hold NaN or infinity; store them as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def open_store(store: Store | str | None = None, read_only: bool = False) -> Store:
    """The store at ``store``: a store object as it is, ``memory://NAME`` in this process,
    any other URL or path through SQL, None for ``$OPTARIUM_STORE`` or the default SQLite file.

    With ``read_only`` nothing is created or upgraded and an SQLite file is opened read-only:
    a missing store is a :class:`~optarium.errors.StoreError` ("no store at PATH"). A string
    that is neither ``sqlite:///...``, ``postgresql://...``, ``memory://...`` nor a file path
    ending in ``.db``, ``.sqlite`` or ``.sqlite3`` is a ``StoreError`` too.
    """
    if store is not None and not isinstance(store, str):
        return store
    from optarium.store.core import default_url

    url = store or default_url()
    if url.startswith("memory://"):
        from optarium.store.memory import MemoryStore

        return MemoryStore.named(url)
    from optarium.store.core import SqlStore

    return SqlStore(url, read_only=read_only)


@runtime_checkable
class FormulateStore(Protocol):
    """Formulate requests (with their LLM calls and solved run) and the insight library."""

    def record_formulate(
        self, request: dict[str, Any], calls: list[dict[str, Any]], run: Run | None = None
    ) -> tuple[int, int | None]:
        """Write one request, its LLM calls and its run (if any) in one transaction; return both ids.

        The insights the request names (``request["insight_ids"]``) count one more retrieval.
        """
        ...

    def list_formulate_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest requests first, without question, formulation, code and LP text."""
        ...

    def get_formulate_run(self, formulate_id: int) -> dict[str, Any]:
        """One request with its LLM calls (``calls``, in order); ``NotFoundError`` if none."""
        ...

    def add_insight(self, taxonomy: str, condition: str, explanation: str, example: str = "", source: str = "") -> int:
        """Add one active insight to the library; return its id."""
        ...

    def list_insights(self, active_only: bool = False) -> list[dict[str, Any]]: ...

    def get_insight(self, insight_id: int) -> dict[str, Any]:
        """One insight; ``NotFoundError`` if none."""
        ...

    def update_insight(self, insight_id: int, **changes: Any) -> dict[str, Any]:
        """Change taxonomy, condition, explanation, example or active of one insight; return it."""
        ...

    def count_insight_use(self, ids: list[int], column: str) -> None:
        """Add one to ``retrieved``, ``helped`` or ``misled`` of each insight in ``ids``."""
        ...
