"""A study's trial counts, best trial and objective values, read lean on any store.

On an SQL store each answer reads only what it needs (an aggregate, one ``ORDER BY ... LIMIT 1``, the
objective values of the complete trials without their parameters or info), so a study of 10,000
trials answers without building every trial; on any other store the same answers come from its trials.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from optarium.store.base import Store
    from optarium.store.core import SqlStore

STATES = ("pending", "complete", "failed")


def _sql(store: Store) -> SqlStore | None:
    """``store`` if it is an SQL store (whose module is then loaded already; a memory store never loads it)."""
    core = sys.modules.get("optarium.store.core")
    return store if core is not None and isinstance(store, core.SqlStore) else None


def trial_counts(store: Store, study_id: int) -> tuple[dict[str, int], datetime | None]:
    """The study's trials by state and when a trial was last asked or told (None before the first ask);
    ``NotFoundError`` if there is no such study."""
    sql = _sql(store)
    if sql is not None:
        from optarium.store import studies

        with sql.transaction(write=False) as connection:
            return studies.trial_counts(connection, study_id)
    rows = store.list_trials(study_id)
    times = [when for row in rows for when in (row["created_at"], row["finished_at"]) if when is not None]
    return {state: sum(row["state"] == state for row in rows) for state in STATES}, max(times, default=None)


def best_trial(store: Store, study_id: int, minimize: bool) -> dict[str, Any] | None:
    """The complete, feasible trial (feasibility unknown or at most 0) with the lowest (``minimize``) or highest
    value, the lowest number among equals, as ``list_trials`` gives it; None if there is none."""
    sql = _sql(store)
    if sql is not None:
        from optarium.store import studies

        with sql.transaction(write=False) as connection:
            return studies.best_trial(connection, study_id, minimize)
    sign = 1.0 if minimize else -1.0
    told = [row for row in store.list_trials(study_id) if row["state"] == "complete" and row["value"] is not None
            and (row["feasibility"] is None or row["feasibility"] <= 0)]
    return min(told, key=lambda row: (sign * row["value"], row["number"]), default=None)


def told_trials(store: Store, study_id: int) -> list[dict[str, Any]]:
    """The study's complete trials by number with ``number``, ``value``, ``feasibility`` and ``values`` only."""
    sql = _sql(store)
    if sql is not None:
        from optarium.store import studies

        with sql.transaction(write=False) as connection:
            return studies.told_trials(connection, study_id)
    return [{key: row[key] for key in ("number", "value", "feasibility", "values")}
            for row in store.list_trials(study_id) if row["state"] == "complete"]


def trials_numbered(store: Store, study_id: int, numbers: list[int]) -> list[dict[str, Any]]:
    """The study's trials numbered in ``numbers``, by number, as ``list_trials`` gives them."""
    if not numbers:
        return []
    sql = _sql(store)
    if sql is not None:
        from optarium.store import studies

        with sql.transaction(write=False) as connection:
            return studies.trials_numbered(connection, study_id, numbers)
    wanted = set(numbers)
    return [row for row in store.list_trials(study_id) if row["number"] in wanted]
