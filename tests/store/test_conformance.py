"""The store protocols as a user relies on them, on every store: memory, a SQLite file, PostgreSQL."""

from __future__ import annotations

import math
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from optarium.errors import ConflictError, NotFoundError
from optarium.store.base import ArtifactStore, Run, RunStore, Store, StudyStore, open_store
from optarium.store.codec import pack_values

THREADS = 4


def run(fingerprint: str = "a" * 64, *, kind: str = "math_program", status: str = "optimal", verified: bool = True,
        objective: float | None = 1.0, values: bytes | None = None, name: str = "p", solver: str = "highs",
        extra: dict[str, Any] | None = None) -> Run:
    return Run(
        kind=kind, fingerprint=fingerprint, name=name, features={"n_vars": 3, "density": 0.5}, source="test",
        solver=solver, solver_version="1.0", plan={"solver": solver, "reason": "rules"}, params={"time_limit": 10.0},
        status=status, solver_status="Optimal", objective=objective, bound=objective, gap=0.0, verified=verified,
        max_violation=0.0, verification={"verified": verified, "violations": []}, seconds=0.25,
        timings={"read": 0.1, "solve": 0.15}, message="", values=values, extra=extra,
    )


def study_row(name: str = "study") -> dict[str, Any]:
    return {
        "name": name, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}}, "sampler": "sobol",
        "sampler_reason": "sobol chosen by the user", "direction": "minimize", "feedback": "value", "seed": 7,
        "budget": 20,
    }


def next_trial(_ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    number = max((int(row["number"]) for row in rows), default=0) + 1
    return [{"number": number, "params": {"x": number / 100}, "point": [number / 100], "sampler": "sobol", "info": {"n": number}}]


def at_once(work: Any, count: int = THREADS) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; exceptions are returned, not raised."""
    barrier = threading.Barrier(count)

    def go(index: int) -> Any:
        barrier.wait()
        try:
            return work(index)
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(go, range(count)))


# the store itself ------------------------------------------------------------------------------
def test_every_store_implements_every_protocol(store: Store) -> None:
    assert isinstance(store, RunStore) and isinstance(store, ArtifactStore) and isinstance(store, StudyStore)
    assert isinstance(store, Store) and isinstance(store.url, str)


def test_a_named_memory_store_is_shared_and_a_bare_one_is_fresh() -> None:
    name = f"memory://shared-{uuid.uuid4().hex}"
    assert open_store(name) is open_store(name)
    assert open_store("memory://") is not open_store("memory://")
    open_store(name).record_run(run())
    assert open_store(name).count_runs() == 1 and open_store("memory://").count_runs() == 0


# runs ------------------------------------------------------------------------------------------
def test_a_recorded_run_is_found_again_with_everything(store: Store) -> None:
    blob = pack_values(["x", "y"], np.array([1.5, -2.0]))
    run_id = store.record_run(run(values=blob, name="knapsack", extra={"routes": [[0, 1, 0]]}))
    found = store.get_run(run_id)
    assert found["id"] == run_id and found["name"] == "knapsack" and found["kind"] == "math_program"
    assert found["status"] == "optimal" and found["verified"] is True and found["objective"] == 1.0
    assert found["features"] == {"n_vars": 3, "density": 0.5}
    assert found["plan"] == {"solver": "highs", "reason": "rules"} and found["plan_reason"] == "rules"
    assert found["params"] == {"time_limit": 10.0} and found["timings"] == {"read": 0.1, "solve": 0.15}
    assert found["verification"] == {"verified": True, "violations": []}
    assert found["extra"] == {"routes": [[0, 1, 0]]}
    assert found["values"] == {"x": 1.5, "y": -2.0}


def test_values_round_trip_with_no_values_and_unicode_names(store: Store) -> None:
    names = ["température", "x[1,2]", "名前", "a b"]
    unicode_id = store.record_run(run(values=pack_values(names, np.array([0.0, -1e300, 3.25, 1e-300]))))
    empty_id = store.record_run(run(values=pack_values([], np.array([]))))
    none_id = store.record_run(run(values=None))
    assert store.get_run(unicode_id)["values"] == dict(zip(names, [0.0, -1e300, 3.25, 1e-300], strict=True))
    assert store.get_run(empty_id)["values"] == {}
    assert store.get_run(none_id)["values"] is None


def test_infinite_and_nan_numbers_are_stored_as_null(store: Store) -> None:
    run_id = store.record_run(run(objective=math.inf, status="unbounded", extra={"gap": math.nan}))
    found = store.get_run(run_id)
    assert found["objective"] is None and found["bound"] is None and found["extra"] == {"gap": None}


def test_list_runs_is_newest_first_and_filters_by_status_fingerprint_prefix_and_kind(store: Store) -> None:
    first = store.record_run(run("ab" + "0" * 62))
    second = store.record_run(run("ab" + "1" * 62, status="infeasible", objective=None, verified=False))
    third = store.record_run(run("cd" + "0" * 62, kind="routing", name="route"))
    fourth = store.record_run(run("ab" + "0" * 62, kind="routing"))
    assert [row["id"] for row in store.list_runs()] == [fourth, third, second, first]
    assert [row["id"] for row in store.list_runs(limit=2)] == [fourth, third]
    assert [row["id"] for row in store.list_runs(status="infeasible")] == [second]
    assert [row["id"] for row in store.list_runs(fingerprint="ab")] == [fourth, second, first]
    assert [row["id"] for row in store.list_runs(fingerprint="ab" + "0" * 62)] == [fourth, first]
    assert [row["id"] for row in store.list_runs(kind="routing")] == [fourth, third]
    assert [row["id"] for row in store.list_runs(kind="routing", fingerprint="ab")] == [fourth]
    assert store.list_runs(kind="scheduling") == []
    row = store.list_runs(kind="routing")[1]
    assert row["name"] == "route" and row["fingerprint"] == "cd" + "0" * 62
    assert not {"values", "values_blob", "verification"} & set(row)


def test_count_runs_counts_every_run(store: Store) -> None:
    assert store.count_runs() == 0
    for index in range(3):
        store.record_run(run(f"{index:064d}"))
    assert store.count_runs() == 3


def test_verified_runs_are_of_the_kind_only_verified_oldest_first_and_exclude_a_fingerprint(store: Store) -> None:
    kept = store.record_run(run("1" * 64, kind="routing", objective=10.0, solver="pyvrp", extra={"policy": 1}))
    store.record_run(run("2" * 64, kind="routing", verified=False))
    store.record_run(run("3" * 64, kind="math_program"))
    excluded = store.record_run(run("4" * 64, kind="routing", objective=12.0))
    later = store.record_run(run("1" * 64, kind="routing", objective=9.0, extra=None))
    rows = store.verified_runs("routing")
    assert [row["id"] for row in rows] == [kept, excluded, later]
    assert rows[0] == {"id": kept, "fingerprint": "1" * 64, "objective": 10.0, "solver": "pyvrp", "extra": {"policy": 1}}
    assert [row["id"] for row in store.verified_runs("routing", exclude_fingerprint="4" * 64)] == [kept, later]
    assert store.verified_runs("scheduling") == []


def test_an_unknown_run_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no run with id 42"):
        store.get_run(42)


def test_runs_recorded_from_threads_at_once_all_arrive(store: Store) -> None:
    ids = at_once(lambda index: store.record_run(run("f" * 64, objective=float(index))))
    assert all(isinstance(run_id, int) for run_id in ids), ids
    assert len(set(ids)) == THREADS and store.count_runs() == THREADS


# artifacts -------------------------------------------------------------------------------------
def test_artifact_versions_count_up_and_load_newest_or_given(store: Store) -> None:
    assert [store.save_artifact("routing/policy", bytes([n, 0, 255]), {"n": n}) for n in (1, 2, 3)] == [1, 2, 3]
    newest = store.load_artifact("routing/policy")
    assert newest is not None and (newest.name, newest.version, newest.data, newest.meta) == ("routing/policy", 3, b"\x03\x00\xff", {"n": 3})
    second = store.load_artifact("routing/policy", version=2)
    assert second is not None and (second.version, second.data, second.meta) == (2, b"\x02\x00\xff", {"n": 2})
    assert store.save_artifact("other", b"") == 1
    empty = store.load_artifact("other")
    assert empty is not None and (empty.data, empty.meta) == (b"", {})


def test_a_missing_artifact_or_version_is_none(store: Store) -> None:
    assert store.load_artifact("nothing") is None
    store.save_artifact("something", b"x")
    assert store.load_artifact("something", version=2) is None
    assert store.load_artifact("something", version=0) is None


def test_list_artifacts_by_prefix_sorted_by_name_then_version(store: Store) -> None:
    for name in ("scheduling/rule", "routing/policy", "routing/policy", "routing/edges"):
        store.save_artifact(name, b"data", {"for": name})
    listed = store.list_artifacts("routing/")
    assert [(row["name"], row["version"]) for row in listed] == [("routing/edges", 1), ("routing/policy", 1), ("routing/policy", 2)]
    assert listed[0]["meta"] == {"for": "routing/edges"} and listed[0]["created_at"] is not None
    assert len(store.list_artifacts()) == 4 and store.list_artifacts("learn/") == []


def test_an_artifact_name_must_be_given(store: Store) -> None:
    with pytest.raises(ValueError, match="`name`"):
        store.save_artifact("", b"x")


def test_threads_saving_one_artifact_at_once_get_distinct_versions(store: Store) -> None:
    versions = at_once(lambda index: [store.save_artifact("shared", str(index).encode()) for _ in range(3)])
    assert all(isinstance(found, list) for found in versions), versions
    assert sorted(v for found in versions for v in found) == list(range(1, 3 * THREADS + 1))
    newest = store.load_artifact("shared")
    assert newest is not None and newest.version == 3 * THREADS


# studies ---------------------------------------------------------------------------------------
def test_a_study_is_created_found_and_listed(store: Store) -> None:
    row, created = store.create_study(study_row("first"))
    assert created and row["name"] == "first" and row["ask_count"] == 0 and row["budget"] == 20
    assert row["space"] == {"x": {"type": "float", "low": 0.0, "high": 1.0}} and row["seed"] == 7
    second, _ = store.create_study(study_row("second"))
    assert second["id"] != row["id"]
    found = store.find_study("first")
    assert found is not None and found["id"] == row["id"] and found["sampler_reason"] == "sobol chosen by the user"
    assert store.find_study("missing") is None
    assert [study["name"] for study in store.list_studies()] == ["first", "second"]


def test_a_taken_study_name_is_a_conflict_unless_loading(store: Store) -> None:
    row, _ = store.create_study(study_row())
    with pytest.raises(ConflictError, match="'study' already exists"):
        store.create_study(study_row())
    loaded, created = store.create_study({**study_row(), "seed": 99}, load_if_exists=True)
    assert not created and loaded["id"] == row["id"] and loaded["seed"] == 7
    assert len(store.list_studies()) == 1


def test_threads_creating_one_study_at_once_make_exactly_one(store: Store) -> None:
    loaded = at_once(lambda _: store.create_study(study_row("race"), load_if_exists=True))
    assert all(isinstance(found, tuple) for found in loaded), loaded
    assert sorted(created for _, created in loaded) == [False] * (THREADS - 1) + [True]
    assert len({row["id"] for row, _ in loaded}) == 1
    taken = at_once(lambda _: store.create_study(study_row("race-strict")))
    assert sum(isinstance(found, tuple) for found in taken) == 1
    assert sum(isinstance(found, ConflictError) for found in taken) == THREADS - 1, taken
    assert len(store.list_studies()) == 2


def test_ask_stores_the_proposed_rows_pending(store: Store) -> None:
    row, _ = store.create_study(study_row())
    asked = store.ask(row["id"], next_trial)
    assert asked == next_trial(1, [])
    (trial,) = store.list_trials(row["id"])
    assert (trial["number"], trial["state"], trial["value"], trial["feasibility"]) == (1, "pending", None, None)
    assert (trial["params"], trial["point"], trial["sampler"], trial["info"]) == ({"x": 0.01}, [0.01], "sobol", {"n": 1})


def test_asks_from_threads_each_store_a_proposal_that_saw_every_earlier_pending_trial(store: Store) -> None:
    row, _ = store.create_study(study_row())

    def propose(ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        time.sleep(0.01)  # widen the window another ask would need to slip in
        (proposed,) = next_trial(ask_index, rows)
        proposed["info"] = {"ask_index": ask_index, "seen": [int(r["number"]) for r in rows],
                            "states": sorted({r["state"] for r in rows})}
        return [proposed]

    asked = at_once(lambda _: [store.ask(row["id"], propose)[0]["number"] for _ in range(3)])
    assert all(isinstance(numbers, list) for numbers in asked), asked
    assert sorted(n for numbers in asked for n in numbers) == list(range(1, 3 * THREADS + 1))
    trials = store.list_trials(row["id"])
    assert [t["number"] for t in trials] == list(range(1, 3 * THREADS + 1))
    for trial in trials:  # the stored proposal of ask k saw trials 1..k-1, all still pending
        assert trial["info"]["ask_index"] == trial["number"]
        assert trial["info"]["seen"] == list(range(1, trial["number"]))
        assert set(trial["info"]["states"]) <= {"pending"}


def test_a_proposal_that_missed_another_ask_is_proposed_again_with_it(store: Store) -> None:
    row, _ = store.create_study(study_row())
    calls: list[int] = []

    def propose(ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls.append(len(rows))
        if len(calls) == 1:
            store.ask(row["id"], next_trial)  # another worker's ask lands while this one proposes
        return next_trial(ask_index, rows)

    (stored,) = store.ask(row["id"], propose)
    assert calls == [0, 1] and stored["number"] == 2
    assert [t["number"] for t in store.list_trials(row["id"])] == [1, 2]
    assert store.find_study("study")["ask_count"] == 2  # type: ignore[index]


def test_a_proposal_sees_each_trial_as_the_store_lists_it(store: Store) -> None:
    row, _ = store.create_study(study_row())
    odd = {"choice": 'a "quoted", [bracketed] ünïcode \\ value', "nested": {"list": [1, 2.5, None], "empty": {}}}

    def unusual(ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        (proposed,) = next_trial(ask_index, rows)
        return [{**proposed, "params": {**proposed["params"], "label": odd["choice"]}, "info": odd}]

    for propose in (next_trial, unusual, next_trial, next_trial):
        store.ask(row["id"], propose)
    store.finish_trials(row["id"], [(1, "complete", 0.25, -1.0), (2, "failed", None, None), (3, "complete", 1.5, None, [1.5, -2.0])])
    seen: list[list[dict[str, Any]]] = []
    store.ask(row["id"], lambda index, rows: seen.append(rows) or next_trial(index, rows))
    listed = store.list_trials(row["id"])[:4]
    keys = ("number", "state", "value", "feasibility", "sampler", "params", "point", "info", "values")
    assert [{key: trial.get(key) for key in keys} for trial in seen[0]] == [{key: trial.get(key) for key in keys} for trial in listed]
    assert [trial["state"] for trial in seen[0]] == ["complete", "failed", "complete", "pending"]
    assert seen[0][1]["info"] == odd and seen[0][1]["params"]["label"] == odd["choice"] and seen[0][2]["values"] == [1.5, -2.0]


def test_a_failing_propose_stores_nothing(store: Store) -> None:
    row, _ = store.create_study(study_row())
    store.ask(row["id"], next_trial)

    def broken(_ask_index: int, _rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise RuntimeError("sampler broke")

    with pytest.raises(RuntimeError, match="sampler broke"):
        store.ask(row["id"], broken)
    indices: list[int] = []
    store.ask(row["id"], lambda index, rows: indices.append(index) or next_trial(index, rows))
    assert indices == [2]
    assert [t["number"] for t in store.list_trials(row["id"])] == [1, 2]


def test_finish_trials_finishes_several_in_one_call(store: Store) -> None:
    row, _ = store.create_study(study_row())
    for _ in range(3):
        store.ask(row["id"], next_trial)
    finished = store.finish_trials(row["id"], [(1, "complete", 2.5, -1.0), (3, "failed", None, None)])
    assert [(t["number"], t["state"], t["value"], t["feasibility"]) for t in finished] == [(1, "complete", 2.5, -1.0), (3, "failed", None, None)]
    assert all(t["finished_at"] is not None for t in finished)
    trials = store.list_trials(row["id"])
    assert [(t["state"], t["value"]) for t in trials] == [("complete", 2.5), ("pending", None), ("failed", None)]
    assert trials[0]["finished_at"] is not None and trials[1]["finished_at"] is None


def test_finishing_a_finished_trial_is_a_conflict_and_changes_nothing(store: Store) -> None:
    row, _ = store.create_study(study_row())
    for _ in range(3):
        store.ask(row["id"], next_trial)
    store.finish_trials(row["id"], [(2, "complete", 1.0, None)])
    before = store.list_trials(row["id"])
    with pytest.raises(ConflictError, match="trial 2"):
        store.finish_trials(row["id"], [(3, "complete", 5.0, None), (2, "complete", 9.0, None)])
    with pytest.raises(ConflictError):
        store.finish_trials(row["id"], [(1, "complete", 5.0, None), (1, "failed", None, None)])
    assert store.list_trials(row["id"]) == before


def test_an_unknown_trial_is_not_found_and_changes_nothing(store: Store) -> None:
    row, _ = store.create_study(study_row())
    store.ask(row["id"], next_trial)
    with pytest.raises(NotFoundError, match="no trial 99"):
        store.finish_trials(row["id"], [(1, "complete", 1.0, None), (99, "complete", 2.0, None)])
    assert [t["state"] for t in store.list_trials(row["id"])] == ["pending"]


def test_threads_finishing_one_trial_at_once_leave_one_winner(store: Store) -> None:
    row, _ = store.create_study(study_row())
    store.ask(row["id"], next_trial)
    outcomes = at_once(lambda index: store.finish_trials(row["id"], [(1, "complete", float(index), None)]))
    winners = [found for found in outcomes if isinstance(found, list)]
    assert len(winners) == 1 and sum(isinstance(found, ConflictError) for found in outcomes) == THREADS - 1, outcomes
    (trial,) = store.list_trials(row["id"])
    assert trial["state"] == "complete" and trial["value"] == winners[0][0]["value"]


def test_trials_belong_to_their_study(store: Store) -> None:
    first, _ = store.create_study(study_row("first"))
    second, _ = store.create_study(study_row("second"))
    store.ask(first["id"], next_trial)
    store.ask(second["id"], next_trial)
    store.finish_trials(second["id"], [(1, "complete", 4.0, None)])
    assert [t["state"] for t in store.list_trials(first["id"])] == ["pending"]
    assert [t["state"] for t in store.list_trials(second["id"])] == ["complete"]


def test_an_unknown_study_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.ask(9999, next_trial)
    with pytest.raises(NotFoundError):
        store.list_trials(9999)
    with pytest.raises(NotFoundError):
        store.finish_trials(9999, [(1, "complete", 1.0, None)])


def test_a_trial_finishes_complete_or_failed_only(store: Store) -> None:
    row, _ = store.create_study(study_row())
    store.ask(row["id"], next_trial)
    with pytest.raises(ValueError, match="`state`"):
        store.finish_trials(row["id"], [(1, "pending", None, None)])
    assert [t["state"] for t in store.list_trials(row["id"])] == ["pending"]


def test_an_ask_that_keeps_losing_races_is_still_stored_in_the_end(store: Store) -> None:
    from optarium.store.base import ASK_ATTEMPTS

    row, _ = store.create_study(study_row())
    calls: list[int] = []

    def propose(ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        calls.append(len(rows))
        if len(calls) <= ASK_ATTEMPTS:
            store.ask(row["id"], next_trial)
        return next_trial(ask_index, rows)

    (stored,) = store.ask(row["id"], propose)
    assert calls == list(range(ASK_ATTEMPTS + 1))
    assert stored["number"] == ASK_ATTEMPTS + 1
    assert [t["number"] for t in store.list_trials(row["id"])] == list(range(1, ASK_ATTEMPTS + 2))


def test_deleting_an_artifact_removes_every_version_and_nothing_else(store: Store) -> None:
    for n in (1, 2):
        store.save_artifact("tuned.highs.knapsack", bytes([n]), {"n": n})
    store.save_artifact("tuned.highs.knapsack_two", b"keep")
    assert store.delete_artifact("tuned.highs.knapsack") == 2
    assert store.load_artifact("tuned.highs.knapsack") is None
    assert [row["name"] for row in store.list_artifacts("tuned.")] == ["tuned.highs.knapsack_two"]
    assert store.delete_artifact("tuned.highs.knapsack") == 0
    assert store.save_artifact("tuned.highs.knapsack", b"again") == 1


def test_deleting_a_study_removes_its_trials_and_nothing_else(store: Store) -> None:
    gone, _ = store.create_study(study_row("gone"))
    kept, _ = store.create_study(study_row("kept"))
    for study in (gone, kept):
        store.ask(study["id"], next_trial)
        store.ask(study["id"], next_trial)
    store.finish_trials(gone["id"], [(1, "complete", 0.5, None)])
    assert store.delete_study(gone["id"]) == 2
    assert store.find_study("gone") is None
    assert [row["name"] for row in store.list_studies()] == ["kept"]
    assert len(store.list_trials(kept["id"])) == 2
    with pytest.raises(NotFoundError):
        store.list_trials(gone["id"])
    with pytest.raises(NotFoundError):
        store.delete_study(gone["id"])
    again, created = store.create_study(study_row("gone"))
    assert created and store.list_trials(again["id"]) == []


def test_renaming_a_study_keeps_its_trials_and_refuses_a_taken_name(store: Store) -> None:
    old, _ = store.create_study(study_row("old"))
    store.create_study(study_row("taken"))
    store.ask(old["id"], next_trial)
    renamed = store.rename_study(old["id"], "new")
    assert renamed["name"] == "new" and renamed["id"] == old["id"]
    assert store.find_study("old") is None
    found = store.find_study("new")
    assert found is not None and len(store.list_trials(found["id"])) == 1
    with pytest.raises(ConflictError):
        store.rename_study(old["id"], "taken")
    assert {row["name"] for row in store.list_studies()} == {"new", "taken"}
    with pytest.raises(NotFoundError):
        store.rename_study(9999, "other")


def test_a_multi_objective_study_keeps_its_directions_and_each_trials_values(store: Store) -> None:
    row, _ = store.create_study({**study_row("two"), "directions": ["minimize", "maximize"]})
    for _ in range(2):
        store.ask(row["id"], next_trial)
    store.finish_trials(row["id"], [(1, "complete", None, None, [0.5, -2.25]), (2, "failed", None, None, None)])
    found = store.find_study("two")
    assert found is not None and found["directions"] == ["minimize", "maximize"]
    trials = store.list_trials(row["id"])
    assert [(t["state"], t["values"]) for t in trials] == [("complete", [0.5, -2.25]), ("failed", None)]
    single, _ = store.create_study(study_row("one"))
    assert single.get("directions") is None
