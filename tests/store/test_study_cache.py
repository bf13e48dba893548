"""CachedStudyStore (the service's store): the studies conformance on an SQLite file, and several
processes that keep studies, beside the library, on one SQLite file and one PostgreSQL database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optarium.errors import ConflictError, NotFoundError
from optarium.store.core import SqlStore
from optarium.store.study_cache import CachedStudyStore

from . import test_conformance as conformance
from .test_conformance import next_trial, study_row

# the studies conformance, run again on the cached store (the `store` fixture below)
test_a_failing_propose_stores_nothing = conformance.test_a_failing_propose_stores_nothing
test_a_multi_objective_study_keeps_its_directions_and_each_trials_values = conformance.test_a_multi_objective_study_keeps_its_directions_and_each_trials_values
test_a_proposal_that_missed_another_ask_is_proposed_again_with_it = conformance.test_a_proposal_that_missed_another_ask_is_proposed_again_with_it
test_a_trial_finishes_complete_or_failed_only = conformance.test_a_trial_finishes_complete_or_failed_only
test_an_ask_that_keeps_losing_races_is_still_stored_in_the_end = conformance.test_an_ask_that_keeps_losing_races_is_still_stored_in_the_end
test_an_unknown_study_is_not_found = conformance.test_an_unknown_study_is_not_found
test_an_unknown_trial_is_not_found_and_changes_nothing = conformance.test_an_unknown_trial_is_not_found_and_changes_nothing
test_ask_stores_the_proposed_rows_pending = conformance.test_ask_stores_the_proposed_rows_pending
test_asks_from_threads_each_store_a_proposal_that_saw_every_earlier_pending_trial = conformance.test_asks_from_threads_each_store_a_proposal_that_saw_every_earlier_pending_trial
test_deleting_a_study_removes_its_trials_and_nothing_else = conformance.test_deleting_a_study_removes_its_trials_and_nothing_else
test_finish_trials_finishes_several_in_one_call = conformance.test_finish_trials_finishes_several_in_one_call
test_finishing_a_finished_trial_is_a_conflict_and_changes_nothing = conformance.test_finishing_a_finished_trial_is_a_conflict_and_changes_nothing
test_renaming_a_study_keeps_its_trials_and_refuses_a_taken_name = conformance.test_renaming_a_study_keeps_its_trials_and_refuses_a_taken_name
test_threads_finishing_one_trial_at_once_leave_one_winner = conformance.test_threads_finishing_one_trial_at_once_leave_one_winner
test_trials_belong_to_their_study = conformance.test_trials_belong_to_their_study


@pytest.fixture
def store(tmp_path: Path) -> CachedStudyStore:
    return CachedStudyStore(f"sqlite:///{tmp_path / 'store.db'}")


def _seen(ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One new trial that records what its proposal saw: each earlier trial's number, state and value."""
    (proposed,) = next_trial(ask_index, rows)
    proposed["info"] = {"seen": [[int(r["number"]), r["state"], r["value"]] for r in rows]}
    return [proposed]


def test_processes_keeping_one_study_see_each_others_asks_and_tells_and_its_replacement(store_url: str) -> None:
    first, second, library = CachedStudyStore(store_url), CachedStudyStore(store_url), SqlStore(store_url)
    study_id = int(library.create_study(study_row())[0]["id"])
    assert [r["number"] for r in first.ask(study_id, _seen)] == [1]
    assert [r["number"] for r in second.ask(study_id, _seen)] == [2]
    library.ask(study_id, _seen)
    first.finish_trials(study_id, [(1, "complete", 0.5, None)])
    library.finish_trials(study_id, [(2, "failed", None, None)])
    (asked,) = second.ask(study_id, _seen)  # told by another process and by the library since its last ask
    assert asked["info"]["seen"] == [[1, "complete", 0.5], [2, "failed", None], [3, "pending", None]]
    (asked,) = first.ask(study_id, _seen)
    assert asked["number"] == 5 and [row[:2] for row in asked["info"]["seen"]][-2:] == [[3, "pending"], [4, "pending"]]
    with pytest.raises(ConflictError, match="told once"):
        second.finish_trials(study_id, [(1, "complete", 9.0, None)])
    with pytest.raises(NotFoundError):
        first.finish_trials(study_id, [(3, "complete", 1.0, None), (99, "complete", 1.0, None)])
    assert [r["state"] for r in library.list_trials(study_id)] == ["complete", "failed", "pending", "pending", "pending"]
    _a_study_deleted_and_made_again_elsewhere_is_read_afresh(first, library)


def _a_study_deleted_and_made_again_elsewhere_is_read_afresh(keeping: CachedStudyStore, other: SqlStore) -> None:
    old_id = int(other.create_study(study_row("lab"))[0]["id"])
    keeping.ask(int(keeping.study_row("lab")["id"]), next_trial)  # type: ignore[index]
    keeping.ask(old_id, next_trial)
    other.delete_study(old_id)
    new_id = int(other.create_study(study_row("lab"))[0]["id"])
    try:  # the kept row may name the old study (gone) or, where the database reuses the id, the new one
        (asked,) = keeping.ask(int(keeping.study_row("lab")["id"]), next_trial)  # type: ignore[index]
    except NotFoundError:
        keeping.forget("lab")
        (asked,) = keeping.ask(int(keeping.study_row("lab")["id"]), next_trial)  # type: ignore[index]
    assert asked["number"] == 1 and [r["number"] for r in other.list_trials(new_id)] == [1]


def test_a_study_dropped_from_what_is_kept_is_read_whole_again(store: CachedStudyStore,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from optarium.store import study_cache

    monkeypatch.setattr(study_cache, "MAX_KEPT_STUDIES", 1)
    ids = [int(store.create_study(study_row(name))[0]["id"]) for name in ("a", "b")]
    for _ in range(3):  # each ask of one study drops the other from what is kept
        for study_id in ids:
            store.ask(study_id, _seen)
    store.finish_trials(ids[0], [(1, "complete", 2.0, None)])
    (asked,) = store.ask(ids[0], _seen)
    assert asked["number"] == 4 and asked["info"]["seen"] == [[1, "complete", 2.0], [2, "pending", None], [3, "pending", None]]
    assert [r["number"] for r in store.list_trials(ids[1])] == [1, 2, 3]
