"""``solve_stream(..., history=NAME)``: the Thompson policy starts where the last stream of that name stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optarium.errors import OptionError
from optarium.learn.generators import generate
from optarium.learn.stream import Config, solve_stream
from optarium.store.base import open_store

ARMS = [Config("highs defaults", "highs"), Config("highs presolve off", "highs", {"presolve": "off"})]


def knapsack(seed: int):  # type: ignore[no-untyped-def]
    return generate("multiple_knapsack", seed, n_items=6, n_knapsacks=2)


def test_a_second_stream_with_the_same_history_goes_on_from_the_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = solve_stream([knapsack(0)], store=url, configs=ARMS, time_cap=10, history="knapsacks")
    second = solve_stream([knapsack(1)], store=url, configs=ARMS, time_cap=10, history="knapsacks")
    # the warm-up goes round the arms: without the history the second stream would start with the same arm again
    assert first.rows[0]["config"] != second.rows[0]["config"]
    assert "1 earlier run" in second.rows[0]["reason"], second.rows[0]["reason"]
    saved = open_store(url).load_artifact("stream.knapsacks")
    assert saved is not None and saved.version == 2 and saved.meta["runs"] == 2
    runs = json.loads(saved.data)
    assert sorted(runs) == sorted(arm.label for arm in ARMS) and all(len(arm_runs) == 1 for arm_runs in runs.values())
    fresh = solve_stream([knapsack(1)], store=url, configs=ARMS, time_cap=10)
    assert fresh.rows[0]["config"] == first.rows[0]["config"]


def test_history_is_refused_for_a_policy_that_cannot_resume(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="history"):
        solve_stream([knapsack(0)], "bandit", store=f"sqlite:///{tmp_path / 's.db'}", configs=ARMS, history="knapsacks")
    assert not (tmp_path / "s.db").exists()


def test_a_history_learned_on_another_family_is_used_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    solve_stream([knapsack(0)], store=url, configs=ARMS, time_cap=10, history="daily")
    with caplog.at_level("WARNING", logger="optarium.learn.stream"):
        solve_stream([knapsack(1)], store=url, configs=ARMS, time_cap=10, history="daily")
    assert not caplog.records
    cover = generate("set_cover", 0, n_rows=30, n_cols=60)
    with caplog.at_level("WARNING", logger="optarium.learn.stream"):
        solve_stream([cover], store=url, configs=ARMS, time_cap=10, history="daily")
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == [
        "history 'daily' was learned on instances unlike these"]
    saved = open_store(url).load_artifact("stream.daily")
    assert saved is not None and saved.meta["instances"] == 3 and len(saved.meta["centroid"]) > 0


def test_an_artifact_of_that_name_that_is_no_stream_history_is_refused_before_any_solve(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).save_artifact("stream.knapsacks", b"[1, 2]", {"kind": "something else"})
    with pytest.raises(OptionError, match=r"stream\.knapsacks v1 holds no configuration times"):
        solve_stream([knapsack(0)], store=url, configs=ARMS, time_cap=10, history="knapsacks")
    assert open_store(url).list_runs(limit=5) == []


def test_two_streams_of_one_history_at_once_keep_each_others_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    other: list[int] = []

    def meanwhile(row: dict[str, object]) -> None:  # another stream of the same history starts and ends in the middle
        if not other:
            other.append(len(solve_stream([knapsack(5), knapsack(6)], store=url, configs=ARMS, time_cap=10,
                                          history="knapsacks").rows))

    solve_stream([knapsack(0), knapsack(1), knapsack(2)], store=url, configs=ARMS, time_cap=10, history="knapsacks",
                 progress=meanwhile)
    saved = open_store(url).load_artifact("stream.knapsacks")
    assert saved is not None and saved.meta["runs"] == 3 + 2 and saved.meta["instances"] == 5, saved.meta
