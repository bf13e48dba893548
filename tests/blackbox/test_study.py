"""Study on every store kind: create/load, ask/tell transactions, bad tells, workers, crashes."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from optarium.blackbox.errors import StudyExistsError, StudyNotFoundError, TellError
from optarium.blackbox.optimize import optimize
from optarium.blackbox.space import Space
from optarium.blackbox.study import Study
from optarium.errors import ConflictError, OptionError, StoreError

SPACE = {"x": {"type": "float", "low": -2.0, "high": 2.0}, "c": {"type": "categorical", "choices": ["p", "q"]}}


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store URL of each kind a study runs on in one process: memory, SQLite, PostgreSQL."""
    if request.param == "memory":
        yield f"memory://study-{uuid.uuid4().hex}"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        if not os.environ.get("OPTARIUM_TEST_PG_URL"):
            pytest.skip("OPTARIUM_TEST_PG_URL is not set")
        yield request.getfixturevalue("postgres_url")


def test_create_ask_tell_load_best(any_store: str) -> None:
    store_url = any_store
    study = Study.create("reaction", SPACE, sampler="sobol", direction="maximize", seed=1, store=store_url)
    trials = study.ask(3)
    for trial, value in zip(trials, [1.0, 5.0, 3.0], strict=True):
        study.tell(trial, value)
    again = Study.load("reaction", store=store_url)
    assert again.direction == "maximize" and again.seed == 1
    assert again.best is not None and again.best.number == 2 and again.best.value == 5.0
    assert [t.state for t in again.trials] == ["complete"] * 3
    assert again.best_so_far() == [(1, 1.0), (2, 5.0), (3, 5.0)]


def test_bad_tells_write_nothing(any_store: str) -> None:
    store_url = any_store
    study = Study.create("bad-tells", SPACE, sampler="random", seed=1, store=store_url)
    (trial,) = study.ask()
    for bad in (math.nan, math.inf, -math.inf, "3"):
        with pytest.raises(TellError, match="must be"):
            study.tell(trial, bad)  # type: ignore[arg-type]
    with pytest.raises(TellError, match="no trial 99"):
        study.tell(99, 1.0)
    assert [t.state for t in study.trials] == ["pending"]
    study.tell(trial, 2.0)
    with pytest.raises(TellError, match="already complete"):
        study.tell(trial, 3.0)
    with pytest.raises(TellError, match="already complete"):
        study.tell(trial, failed=True)
    assert study.trials[0].value == 2.0


def test_a_trial_asked_by_another_study_is_refused_and_tells_nothing(any_store: str) -> None:
    first = Study.create("first", SPACE, sampler="random", seed=1, store=any_store)
    second = Study.create("second", SPACE, sampler="random", seed=2, store=any_store)
    (mine,), (theirs,) = first.ask(), second.ask()
    assert mine.number == theirs.number == 1
    with pytest.raises(TellError, match=r"trial 1 was not asked by study 'first': its parameters .* are not those of "
                                        r"its trial 1 .*; tell it to the study that asked it"):
        first.tell(theirs, 1.0)
    assert [t.state for t in first.trials] == [t.state for t in second.trials] == ["pending"]
    first.tell(mine, 1.0)
    second.tell(1, 2.0)  # a number is the study's own trial number
    assert (first.best.value, second.best.value) == (1.0, 2.0)


def test_names_are_unique_and_must_exist(any_store: str) -> None:
    store_url = any_store
    Study.create("unique", SPACE, store=store_url)
    with pytest.raises(StudyExistsError, match="'unique'") as taken:
        Study.create("unique", SPACE, store=store_url)
    assert isinstance(taken.value, ConflictError) and isinstance(taken.value, ValueError)
    assert Study.create("unique", SPACE, store=store_url, load_if_exists=True).name == "unique"
    with pytest.raises(StudyNotFoundError, match="'missing'"):
        Study.load("missing", store=store_url)
    with pytest.raises(OptionError, match="'sideways'"):
        Study.create("dir", SPACE, direction="sideways", store=store_url)
    assert [row["name"] for row in Study.list_all(store_url)] == ["unique"]


def test_wrong_store_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="nosuchdb"):
        Study.load("x", store="nosuchdb://nowhere")


def test_failed_trial_can_be_retold_only_once(any_store: str) -> None:
    store_url = any_store
    study = Study.create("fail", SPACE, sampler="random", seed=2, store=store_url)
    a, b = study.ask(2)
    study.tell(a, failed=True)
    study.tell(b, 1.5)
    assert [t.state for t in study.trials] == ["failed", "complete"]
    assert study.best is not None and study.best.number == b.number


def test_optimize_is_a_loop_over_ask_and_tell(any_store: str) -> None:
    store_url = any_store
    study = optimize(lambda p: (p["x"] - 0.5) ** 2 + (p["c"] == "q"), SPACE, budget=14, sampler="auto", seed=0,
                     n_workers=2, study_name="opt", store=store_url)
    assert len(study.trials) == 14 and all(t.state == "complete" for t in study.trials)
    assert study.best is not None and study.best.value < 0.2
    assert study.sampler_reason.startswith("gp")


def test_a_ranking_with_a_finished_or_unknown_trial_writes_nothing(any_store: str) -> None:
    study = Study.create("panel", SPACE, sampler="random", seed=4, feedback="ranking", store=any_store)
    a, b, c = study.ask(3)
    study.tell(c, 1.0)
    with pytest.raises(TellError, match=f"trial {c.number} of study 'panel' is already complete"):
        study.tell_ranking([a, b, c], [2, 0, 1])
    with pytest.raises(TellError, match="no trial 99"):
        study.tell_ranking([a, 99], [0, 1])
    assert [t.state for t in study.trials] == ["pending", "pending", "complete"]
    told = study.tell_ranking([a, b], [1, 0])
    assert [(t.number, t.value) for t in told] == [(b.number, 0.0), (a.number, 1.0)]


def test_optimize_without_a_store_writes_no_file_and_returns_the_best(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    study = optimize(lambda p: (p["x"] - 0.5) ** 2, SPACE, budget=12, sampler="sobol", seed=1)
    assert study.store.url.startswith("memory://")
    assert list(tmp_path.iterdir()) == []  # not even the default store of $OPTARIUM_STORE
    complete = [t for t in study.trials if t.state == "complete"]
    assert len(complete) == 12
    assert study.best is not None and study.best.value == min(t.value for t in complete if t.value is not None)
    again = optimize(lambda p: (p["x"] - 0.5) ** 2, SPACE, budget=3, sampler="sobol", seed=1, study_name=study.name)
    assert len(again.trials) == 3  # each call without a store starts afresh


def test_a_study_on_a_named_memory_store_is_shared_by_two_threads() -> None:
    url = f"memory://lab-{uuid.uuid4().hex}"
    Study.create("shared", SPACE, sampler="auto", seed=5, store=url)
    barrier = threading.Barrier(2)
    numbers: list[list[int]] = [[], []]

    def worker(index: int) -> None:
        study = Study.load("shared", store=url)
        barrier.wait()
        for _ in range(6):
            (trial,) = study.ask()
            numbers[index].append(trial.number)
            study.tell(trial, (trial.params["x"] - 1.0) ** 2)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    trials = Study.load("shared", store=url).trials
    assert sorted(numbers[0] + numbers[1]) == list(range(1, 13)) and all(numbers)
    assert len({(round(t.params["x"], 12), t.params["c"]) for t in trials}) == 12
    assert all(t.state == "complete" for t in trials)


def test_optimize_marks_caught_crashing_evaluations_failed() -> None:
    def flaky(params: dict) -> float:
        if params["x"] > 1.0:
            raise RuntimeError("instrument offline")
        return params["x"] ** 2

    study = optimize(flaky, Space.from_dict(SPACE), budget=10, sampler="sobol", seed=3, catch=(RuntimeError,))
    states = {t.state for t in study.trials}
    assert states <= {"complete", "failed"} and "complete" in states


WORKER = textwrap.dedent("""
    import sys
    from optarium.blackbox.study import Study
    study = Study.load("shared", store=sys.argv[1])
    for _ in range(int(sys.argv[2])):
        (trial,) = study.ask()
        print(trial.number, flush=True)
        if sys.argv[3] == "tell":
            study.tell(trial, (trial.params["x"] - 1.0) ** 2)
    if sys.argv[3] == "hang":
        import time
        time.sleep(60)
""")


def test_two_workers_on_postgresql_get_distinct_suggestions(postgres_url: str) -> None:
    Study.create("shared", SPACE, sampler="auto", seed=5, store=postgres_url)
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, postgres_url, "7", "tell"], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    numbers = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        numbers += [int(line) for line in out.split()]
    trials = Study.load("shared", store=postgres_url).trials
    assert sorted(numbers) == list(range(1, 15))
    assert len({(round(t.params["x"], 12), t.params["c"]) for t in trials}) == 14
    assert all(t.state == "complete" for t in trials)


def test_several_workers_on_one_sqlite_file_all_succeed_with_distinct_suggestions(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'shared.db'}"
    Study.create("shared", SPACE, sampler="sobol", seed=5, store=store_url)
    count, asks = 6, 12
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, store_url, str(asks), "tell"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    numbers = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        numbers += [int(line) for line in out.split()]
    trials = Study.load("shared", store=store_url).trials
    assert sorted(numbers) == list(range(1, count * asks + 1))
    assert len({(round(t.params["x"], 12), t.params["c"]) for t in trials}) == count * asks
    assert all(t.state == "complete" for t in trials)


def test_killed_worker_leaves_its_trial_pending_to_tell_later(store_url: str) -> None:
    study = Study.create("shared", SPACE, sampler="gp", seed=6, store=store_url)
    for trial in study.ask(4):
        study.tell(trial, trial.params["x"] ** 2)
    worker = subprocess.Popen([sys.executable, "-c", WORKER, store_url, "1", "hang"], stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    orphan = int(worker.stdout.readline())
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    study = Study.load("shared", store=store_url)
    pending = [t for t in study.trials if t.state == "pending"]
    assert [t.number for t in pending] == [orphan]
    (fresh,) = study.ask()
    assert fresh.params != pending[0].params
    study.tell(orphan, 0.25)
    study.tell(fresh, failed=True)
    assert {t.number: t.state for t in study.trials}[orphan] == "complete"


def test_rename_and_delete_a_study_on_every_store(any_store: str) -> None:
    study = Study.create("first", SPACE, sampler="sobol", seed=1, store=any_store)
    Study.create("second", SPACE, sampler="sobol", seed=1, store=any_store)
    study.tell(study.ask()[0], 1.0)
    with pytest.raises(StudyExistsError, match="'second'"):
        study.rename("second")
    study.rename("renamed")
    assert study.name == "renamed" and len(Study.load("renamed", store=any_store).trials) == 1
    with pytest.raises(StudyNotFoundError):
        Study.load("first", store=any_store)
    assert study.delete() == 1
    assert [row["name"] for row in Study.list_all(any_store)] == ["second"]


def test_load_if_exists_returns_the_study_only_for_the_same_space_and_direction(any_store: str) -> None:
    study = Study.create("lab", SPACE, sampler="sobol", seed=1, store=any_store)
    assert study.existed is False
    study.tell(study.ask()[0], 2.0)
    again = Study.create("lab", SPACE, sampler="gp", seed=9, store=any_store, load_if_exists=True)
    assert again.existed and again.sampler_name == "sobol" and len(again.trials) == 1
    with pytest.raises(StudyExistsError, match="different space"):
        Study.create("lab", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, store=any_store, load_if_exists=True)
    with pytest.raises(StudyExistsError, match="direction='minimize'"):
        Study.create("lab", SPACE, direction="maximize", store=any_store, load_if_exists=True)
