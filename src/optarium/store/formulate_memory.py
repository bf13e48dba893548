"""The formulate tables of a :class:`~optarium.store.memory.MemoryStore`: requests, LLM calls, insights.

Rows have the shape of the SQL tables in :mod:`optarium.store.formulate`. A
request and its run are written under the store's lock after every row is
built, so nothing is half-written.
"""

from __future__ import annotations

import copy
import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optarium.errors import NotFoundError

if TYPE_CHECKING:
    from optarium.store.base import Run
    from optarium.store.memory import MemoryStore


@dataclass
class _Tables:
    requests: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    insights: list[dict[str, Any]] = field(default_factory=list)


_TABLES: weakref.WeakKeyDictionary[MemoryStore, _Tables] = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def _tables(store: MemoryStore) -> _Tables:
    with _TABLES_LOCK:
        return _TABLES.setdefault(store, _Tables())


def record_formulate(
    store: MemoryStore, lock: threading.RLock, request: dict[str, Any], calls: list[dict[str, Any]], run: Run | None
) -> tuple[int, int | None]:
    from optarium.store.formulate import call_rows, request_row

    row, rows = request_row(request, None), call_rows(calls)
    tables = _tables(store)
    with lock:
        run_id = None if run is None else store.record_run(run)
        row.update(id=len(tables.requests) + 1, run_id=run_id)
        first = len(tables.calls) + 1
        tables.calls.extend({**call, "id": first + n, "formulate_run_id": row["id"]} for n, call in enumerate(rows))
        tables.requests.append(row)
        retrieved = set(row.get("insight_ids") or [])
        for insight in tables.insights:
            if insight["id"] in retrieved:
                insight["retrieved"] += 1
        return int(row["id"]), run_id


def list_formulate_runs(store: MemoryStore, lock: threading.RLock, limit: int) -> list[dict[str, Any]]:
    from optarium.store.formulate import LIST_SKIPS

    with lock:
        newest = list(reversed(_tables(store).requests))[:limit]
        return [{key: copy.deepcopy(value) for key, value in row.items() if key not in LIST_SKIPS} for row in newest]


def get_formulate_run(store: MemoryStore, lock: threading.RLock, formulate_id: int) -> dict[str, Any]:
    tables = _tables(store)
    with lock:
        if not 1 <= formulate_id <= len(tables.requests):
            raise NotFoundError(f"no formulate run with id {formulate_id}")
        found = copy.deepcopy(tables.requests[formulate_id - 1])
        found["calls"] = [copy.deepcopy(call) for call in tables.calls if call["formulate_run_id"] == formulate_id]
    return found


def add_insight(store: MemoryStore, lock: threading.RLock, row: dict[str, Any]) -> int:
    tables = _tables(store)
    with lock:
        tables.insights.append({**row, "id": len(tables.insights) + 1})
        _save_library(store, f"added insight {len(tables.insights)}")
        return len(tables.insights)


def list_insights(store: MemoryStore, lock: threading.RLock, active_only: bool) -> list[dict[str, Any]]:
    with lock:
        return [copy.deepcopy(row) for row in _tables(store).insights if row["active"] or not active_only]


def get_insight(store: MemoryStore, lock: threading.RLock, insight_id: int) -> dict[str, Any]:
    with lock:
        return copy.deepcopy(_insight(store, insight_id))


def update_insight(store: MemoryStore, lock: threading.RLock, insight_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    from optarium.store.formulate import check_changes

    check_changes(changes)
    with lock:
        row = _insight(store, insight_id)
        row.update(changes)
        if changes:
            _save_library(store, f"changed {', '.join(sorted(changes))} of insight {insight_id}")
        return copy.deepcopy(row)


def _save_library(store: MemoryStore, change: str) -> None:
    from optarium.store.formulate import INSIGHTS_ARTIFACT, library_snapshot

    data, meta = library_snapshot(_tables(store).insights, change)
    store.save_artifact(INSIGHTS_ARTIFACT, data, meta)


def count_insight_use(store: MemoryStore, lock: threading.RLock, ids: list[int], column: str) -> None:
    from optarium.store.formulate import check_column

    check_column(column)
    with lock:
        for row in _tables(store).insights:
            if row["id"] in ids:
                row[column] += 1


def _insight(store: MemoryStore, insight_id: int) -> dict[str, Any]:
    insights = _tables(store).insights
    if not 1 <= insight_id <= len(insights):
        raise NotFoundError(f"no insight with id {insight_id}")
    return insights[insight_id - 1]
