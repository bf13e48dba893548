"""A store that lives in this process only: runs, artifacts and studies, behind one lock.

``memory://NAME`` names one store per process (``optimize()`` without a
database uses a fresh anonymous one). Every write takes the lock and changes
nothing unless it completes, like a transaction of the SQL store.
"""

from __future__ import annotations

import copy
import itertools
import random
import threading
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from optarium.errors import ConflictError, NotFoundError
from optarium.store.base import (
    ASK_ATTEMPTS,
    Artifact,
    Run,
    TrialResult,
    check_finish,
    json_safe,
    trial_result,
)

if TYPE_CHECKING:
    from collections.abc import Callable


class MemoryStore:
    """Runs, artifacts and studies in dictionaries; safe to share between threads."""

    _named: ClassVar[dict[str, MemoryStore]] = {}
    _anonymous = itertools.count(1)
    _named_lock = threading.Lock()

    def __init__(self, url: str | None = None):
        self.url = url or f"memory://anonymous-{next(self._anonymous)}"
        self._lock = threading.RLock()
        self._problems: dict[str, dict[str, Any]] = {}
        self._runs: list[dict[str, Any]] = []
        self._artifacts: dict[str, list[Artifact]] = {}
        self._studies: list[dict[str, Any]] = []
        self._trials: dict[int, list[dict[str, Any]]] = {}

    @classmethod
    def named(cls, url: str) -> MemoryStore:
        """The one store of this process called ``url`` (``memory://NAME``); ``memory://`` is always new."""
        if url.rstrip("/") == "memory:":
            return cls()
        with cls._named_lock:
            if url not in cls._named:
                cls._named[url] = cls(url)
            return cls._named[url]

    # runs ---------------------------------------------------------------------------------
    def record_run(self, run: Run) -> int:
        now = datetime.now(UTC)
        row = {
            "created_at": now, "fingerprint": run.fingerprint, "kind": run.kind, "source": run.source,
            "solver": run.solver, "solver_version": run.solver_version, "params": json_safe(run.params),
            "plan": json_safe(run.plan), "plan_reason": run.plan_reason, "status": run.status,
            "solver_status": run.solver_status, "objective": json_safe(run.objective), "bound": json_safe(run.bound),
            "gap": json_safe(run.gap), "verified": bool(run.verified), "max_violation": json_safe(run.max_violation),
            "verification": json_safe(run.verification), "cross_check": json_safe(run.cross_check),
            "seconds": float(run.seconds), "timings": json_safe(run.timings), "message": run.message,
            "values_blob": run.values, "extra": json_safe(run.extra) if run.extra is not None else None,
        }
        with self._lock:
            self._problems.setdefault(run.fingerprint, {
                "kind": run.kind, "name": run.name[:255], "features": json_safe(run.features), "first_seen": now,
            })
            row["id"] = len(self._runs) + 1
            self._runs.append(row)
            return int(row["id"])

    def _with_problem(self, row: dict[str, Any], features: bool = False) -> dict[str, Any]:
        problem = self._problems[row["fingerprint"]]
        out = copy.deepcopy(row)
        out["name"] = problem["name"]
        if features:
            out["features"] = copy.deepcopy(problem["features"])
        return out

    def list_runs(
        self, limit: int = 20, status: str | None = None, fingerprint: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        with self._lock:
            rows = [
                row for row in reversed(self._runs)
                if (status is None or row["status"] == status)
                and (not fingerprint or row["fingerprint"].startswith(fingerprint))
                and (kind is None or row["kind"] == kind)
            ][:limit]
            out = [self._with_problem(row) for row in rows]
        for row in out:
            row.pop("values_blob", None)
            row.pop("verification", None)
        return out

    def get_run(self, run_id: int) -> dict[str, Any]:
        with self._lock:
            if not 1 <= run_id <= len(self._runs):
                raise NotFoundError(f"no run with id {run_id} in store {self.url}")
            row = self._with_problem(self._runs[run_id - 1], features=True)
        blob = row.pop("values_blob", None)
        if blob is not None:
            from optarium.store.codec import unpack_values

            row["values"] = unpack_values(blob)
        else:
            row["values"] = None
        return row

    def count_runs(self) -> int:
        with self._lock:
            return len(self._runs)

    def verified_runs(self, kind: str, exclude_fingerprint: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {key: copy.deepcopy(row[key]) for key in ("id", "fingerprint", "objective", "solver", "extra")}
                for row in self._runs
                if row["kind"] == kind and row["verified"] and row["fingerprint"] != exclude_fingerprint
            ]

    # artifacts ----------------------------------------------------------------------------
    def save_artifact(self, name: str, data: bytes, meta: dict[str, Any] | None = None) -> int:
        if not name or len(name) > 255:
            raise ValueError(f"`name` must be 1-255 characters, got {name!r}")
        with self._lock:
            versions = self._artifacts.setdefault(name, [])
            version = len(versions) + 1
            versions.append(Artifact(name, version, json_safe(copy.deepcopy(meta or {})), bytes(data), datetime.now(UTC)))
            return version

    def load_artifact(self, name: str, version: int | None = None) -> Artifact | None:
        with self._lock:
            versions = self._artifacts.get(name, [])
            if version is None:
                return versions[-1] if versions else None
            return versions[version - 1] if 1 <= version <= len(versions) else None

    def list_artifacts(self, prefix: str = "") -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"name": a.name, "version": a.version, "meta": copy.deepcopy(a.meta), "created_at": a.created_at}
                for name in sorted(self._artifacts) if name.startswith(prefix)
                for a in self._artifacts[name]
            ]

    def delete_artifact(self, name: str) -> int:
        with self._lock:
            return len(self._artifacts.pop(name, []))

    # studies ------------------------------------------------------------------------------
    def create_study(self, row: dict[str, Any], load_if_exists: bool = False) -> tuple[dict[str, Any], bool]:
        with self._lock:
            existing = self.find_study(row["name"])
            if existing is not None:
                if not load_if_exists:
                    raise ConflictError(f"a study named {row['name']!r} already exists; load it or pick another name")
                return existing, False
            created = {**copy.deepcopy(row), "id": len(self._studies) + 1, "created_at": datetime.now(UTC), "ask_count": 0}
            self._studies.append(created)
            self._trials[created["id"]] = []
            return copy.deepcopy(created), True

    def find_study(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            found = [study for study in self._studies if study["name"] == name]
            return copy.deepcopy(found[0]) if found else None

    def list_studies(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._studies)

    def _study(self, study_id: int) -> dict[str, Any]:
        for study in self._studies:
            if study["id"] == study_id:
                return study
        raise NotFoundError(f"no study with id {study_id} in store {self.url}")

    def ask(self, study_id: int, propose: Callable[[int, list[dict[str, Any]]], list[dict[str, Any]]],
            reads: str = "all") -> list[dict[str, Any]]:
        """Like the SQL store: ``propose`` runs without the lock, its rows are kept only if no
        other ask came in meanwhile (else it proposes again); after ``ASK_ATTEMPTS`` races, under the lock."""
        for attempt in range(ASK_ATTEMPTS + 1):
            locked = attempt == ASK_ATTEMPTS
            if locked:
                self._lock.acquire()
            try:
                with self._lock:
                    seen = self._study(study_id)["ask_count"]
                    trials = copy.deepcopy(self._trials[study_id])
                rows = propose(seen + 1, trials)
                with self._lock:
                    study = self._study(study_id)
                    if study["ask_count"] == seen:
                        self._store_trials(study, rows)
                        return rows
            finally:
                if locked:
                    self._lock.release()
            time.sleep(random.uniform(0.0, 0.002 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _store_trials(self, study: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        now = datetime.now(UTC)
        study_id = study["id"]
        stored = [
            {"value": None, "feasibility": None, "values": None, "finished_at": None, **copy.deepcopy(row),
             "id": study_id * 1_000_000 + row["number"], "study_id": study_id, "state": "pending", "created_at": now}
            for row in rows
        ]
        study["ask_count"] += 1
        self._trials[study_id].extend(stored)

    def finish_trials(self, study_id: int, results: list[TrialResult]) -> list[dict[str, Any]]:
        with self._lock:
            self._study(study_id)
            check_finish(results)
            by_number = {trial["number"]: trial for trial in self._trials[study_id]}
            for number, *_ in results:
                row = by_number.get(number)
                if row is None:
                    raise NotFoundError(f"no trial {number}")
                if row["state"] != "pending":
                    raise ConflictError(f"trial {number} is already {row['state']}; a trial is told once")
            now = datetime.now(UTC)
            for number, state, value, feasibility, values in map(trial_result, results):
                by_number[number].update(state=state, value=value, feasibility=feasibility, values=copy.deepcopy(values),
                                         finished_at=now)
            return [copy.deepcopy(by_number[number]) for number, *_ in results]

    def list_trials(self, study_id: int) -> list[dict[str, Any]]:
        with self._lock:
            self._study(study_id)
            return sorted(copy.deepcopy(self._trials[study_id]), key=lambda trial: trial["number"])

    def delete_study(self, study_id: int) -> int:
        with self._lock:
            study = self._study(study_id)
            self._studies.remove(study)
            return len(self._trials.pop(study_id, []))

    def rename_study(self, study_id: int, new_name: str) -> dict[str, Any]:
        with self._lock:
            study = self._study(study_id)
            if any(other["name"] == new_name and other["id"] != study_id for other in self._studies):
                raise ConflictError(f"a study named {new_name!r} already exists; pick another name")
            study["name"] = new_name
            return copy.deepcopy(study)

    # formulate (in optarium.store.formulate_memory) ---------------------------------------
    def record_formulate(
        self, request: dict[str, Any], calls: list[dict[str, Any]], run: Run | None = None
    ) -> tuple[int, int | None]:
        from optarium.store import formulate_memory

        return formulate_memory.record_formulate(self, self._lock, request, calls, run)

    def list_formulate_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        from optarium.store import formulate_memory

        return formulate_memory.list_formulate_runs(self, self._lock, limit)

    def get_formulate_run(self, formulate_id: int) -> dict[str, Any]:
        from optarium.store import formulate_memory

        return formulate_memory.get_formulate_run(self, self._lock, formulate_id)

    def add_insight(self, taxonomy: str, condition: str, explanation: str, example: str = "", source: str = "") -> int:
        from optarium.store import formulate_memory
        from optarium.store.formulate import insight_row

        return formulate_memory.add_insight(self, self._lock, insight_row(taxonomy, condition, explanation, example, source))

    def list_insights(self, active_only: bool = False) -> list[dict[str, Any]]:
        from optarium.store import formulate_memory

        return formulate_memory.list_insights(self, self._lock, active_only)

    def get_insight(self, insight_id: int) -> dict[str, Any]:
        from optarium.store import formulate_memory

        return formulate_memory.get_insight(self, self._lock, insight_id)

    def update_insight(self, insight_id: int, **changes: Any) -> dict[str, Any]:
        from optarium.store import formulate_memory

        return formulate_memory.update_insight(self, self._lock, insight_id, changes)

    def count_insight_use(self, ids: list[int], column: str) -> None:
        from optarium.store import formulate_memory

        formulate_memory.count_insight_use(self, self._lock, ids, column)
