"""An SQL store for a long-lived process (the service) that keeps each study's trials between asks.

:class:`SqlStore` reads every trial of a study on each ask. This store keeps the rows it
has read and, on each ask, reads again only the trials numbered above the last one it
knows and those it knows as pending (a trial that is complete or failed never changes),
so an ask reads a handful of rows however large the study is. The guarantees are the
store's: the ask still reads the study's ask counter with those rows, proposes with no
lock held and stores its rows only if no other ask, of any process, came in meanwhile;
a tell is one conditional UPDATE in one transaction. Several such processes on one
database stay correct; what one of them keeps is never trusted without that read. The rows
of at most ``MAX_KEPT_STUDIES`` studies are kept, the least recently asked dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optarium.errors import ConflictError, NotFoundError
from optarium.store.base import check_finish, trial_result
from optarium.store.core import SqlStore, check_pending

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from sqlalchemy.engine import Connection

    from optarium.store.base import TrialResult

# past this many trials kept as pending, an ask reads the whole study instead of naming each one
MAX_PENDING_READ = 900
# studies whose rows are kept at once; the one asked least recently is dropped (and read whole when asked again)
MAX_KEPT_STUDIES = 16


@dataclass
class _Kept:
    """What this process knows of one study: its rows by number, which of them were pending, the ask counter."""

    name: str
    created_at: datetime
    trials: dict[int, dict[str, Any]] = field(default_factory=dict)
    pending: set[int] = field(default_factory=set)
    seen: int = 0
    asking: threading.RLock = field(default_factory=threading.RLock)  # one ask of the study at a time here
    changing: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, rows: list[dict[str, Any]]) -> None:
        with self.changing:
            last = next(reversed(self.trials), 0)
            unordered = False
            for row in rows:
                number = int(row["number"])
                unordered = unordered or (number < last and number not in self.trials)
                self.trials[number] = row
                last = max(last, number)
                if row["state"] == "pending":
                    self.pending.add(number)
                else:
                    self.pending.discard(number)
            if unordered:
                self.trials = dict(sorted(self.trials.items()))

    def snapshot(self) -> tuple[int, list[int]]:
        with self.changing:
            return next(reversed(self.trials), 0), sorted(self.pending)

    def rows(self) -> list[dict[str, Any]]:
        with self.changing:
            return list(self.trials.values())


class CachedStudyStore(SqlStore):
    """A :class:`SqlStore` whose asks read only what changed since this process's last ask of the study."""

    def __init__(self, url: str | None = None):
        super().__init__(url)
        self._kept: OrderedDict[int, _Kept] = OrderedDict()  # least recently asked first
        self._ids: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def study_row(self, name: str) -> dict[str, Any] | None:
        """The study row called ``name`` as last read here (read once, then kept: its settings never change).

        A kept row may name a study since renamed or deleted elsewhere; :meth:`forget` it and read again
        when an ask or tell says there is no such study."""
        row = self._ids.get(name)
        if row is None:
            row = self.find_study(name)
            if row is not None:
                self._ids[name] = row
        return row

    def keeps(self, name: str) -> bool:
        """Whether the rows of the study called ``name`` are kept here (its next ask reads only what changed)."""
        row = self._ids.get(name)
        return row is not None and int(row["id"]) in self._kept

    def forget(self, name: str) -> None:
        """Drop what is kept of the study called ``name``."""
        row = self._ids.pop(name, None)
        if row is not None:
            with self._lock:
                self._kept.pop(int(row["id"]), None)

    def ask(self, study_id: int, propose: Callable[[int, list[dict[str, Any]]], list[dict[str, Any]]],
            reads: str = "all") -> list[dict[str, Any]]:
        """Like :meth:`SqlStore.ask` (one ask of a study at a time in this process); the read before
        ``propose`` fetches only new trials and those kept as pending."""
        with self._kept_of(study_id).asking:
            return super().ask(study_id, propose, reads)  # the rows kept hold every column, all that ``reads`` may ask

    def _read_for_ask(self, connection: Connection, study_id: int, reads: str = "all") -> tuple[int, list[dict[str, Any]]]:
        with self._lock:
            kept = self._kept.get(study_id)
        kept = self._refresh(connection, study_id, kept)
        return kept.seen, kept.rows()

    def _kept_of(self, study_id: int) -> _Kept:
        with self._lock:
            kept = self._kept.get(study_id)
            if kept is not None:
                self._kept.move_to_end(study_id)
        if kept is None:
            with self.transaction(write=False) as connection:
                kept = self._refresh(connection, study_id, None)
        return kept

    def _refresh(self, connection: Connection, study_id: int, kept: _Kept | None) -> _Kept:
        """Read the ask counter, then the trials ``kept`` lacks or holds as pending (all of them for a new or
        replaced study); the counter first, so an ask that lands between the reads fails the claim."""
        from optarium.store import studies

        state = studies.study_state(connection, study_id)
        if state is None:
            with self._lock:
                self._kept.pop(study_id, None)
            raise NotFoundError(f"no study with id {study_id}")
        last, pending = (0, []) if kept is None else kept.snapshot()
        if kept is None or kept.created_at != state["created_at"] or kept.name != state["name"] or \
                len(pending) > MAX_PENDING_READ or int(state["ask_count"]) < kept.seen:
            kept = _Kept(state["name"], state["created_at"], asking=kept.asking if kept else threading.RLock())
            kept.keep(studies.list_trials(connection, study_id))
            with self._lock:
                self._kept[study_id] = kept
                self._kept.move_to_end(study_id)
                while len(self._kept) > MAX_KEPT_STUDIES:
                    self._kept.popitem(last=False)
        else:
            kept.keep(studies.trials_after(connection, study_id, last, pending))
        kept.seen = int(state["ask_count"])
        return kept

    def finish_trials(self, study_id: int, results: list[TrialResult]) -> list[dict[str, Any]]:
        """Like :meth:`SqlStore.finish_trials`, one conditional UPDATE per trial in one transaction."""
        from optarium.store import studies

        check_finish(results)
        finished = []
        with self.transaction() as connection:
            for number, state, value, feasibility, values in map(trial_result, results):
                row = studies.finish_pending(connection, study_id, number, state, value, feasibility, values)
                if row is None:
                    check_pending(studies.find_trial(connection, study_id, number), number)
                    raise ConflictError(f"trial {number} changed while it was told; tell it again")
                finished.append(row)
        with self._lock:
            kept = self._kept.get(study_id)
        if kept is not None:
            kept.keep([row for row in finished if int(row["number"]) in kept.trials])
        return finished

    def trial_states(self, study_id: int, after: int = 0, numbers: list[int] | None = None) -> list[tuple[int, str]]:
        """(number, state) of the trials numbered above ``after`` or in ``numbers``, in one read that neither uses
        nor changes what is kept; :class:`NotFoundError` if there is no such study."""
        from optarium.store import studies

        with self.transaction(write=False) as connection:
            if studies.study_state(connection, study_id) is None:
                raise NotFoundError(f"no study with id {study_id}")
            return studies.trial_states(connection, study_id, after, numbers or [])

    def delete_study(self, study_id: int) -> int:
        self._drop(study_id)
        return super().delete_study(study_id)

    def rename_study(self, study_id: int, new_name: str) -> dict[str, Any]:
        self._drop(study_id)
        return super().rename_study(study_id, new_name)

    def _drop(self, study_id: int) -> None:
        with self._lock:
            self._kept.pop(study_id, None)
        for name, row in list(self._ids.items()):
            if int(row["id"]) == study_id:
                self._ids.pop(name, None)

