"""Samplers that read only where each trial is (random, sobol): an ask of them reads number, state and
point, and proposes what it proposes when it reads every trial, on every store."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from optarium.blackbox.samplers import register, sampler_reads
from optarium.blackbox.study import Study
from optarium.store.base import Store

# 12 points: the samplers skip the points already tried or pending
SMALL = {"n": {"type": "int", "low": 0, "high": 3}, "c": {"type": "categorical", "choices": ["a", "b", "c"]}}


def test_random_and_sobol_read_points_and_the_others_everything() -> None:
    assert sampler_reads("random") == sampler_reads("sobol") == "points"
    assert {sampler_reads(name) for name in ("auto", "gp", "cmaes", "ehvi", "nsga2")} == {"all"}
    with pytest.raises(ValueError, match="`reads` must be 'all' or 'points', got 'values'"):
        register("lean-sampler", "optarium.blackbox.sobol:RandomSampler", reads="values")


def test_a_points_ask_sees_every_trials_number_state_and_point(store: Store) -> None:
    study = Study.create("seen", SMALL, sampler="random", seed=1, store=store)
    first, second, third = study.ask(3)
    study.tell(first, 1.0)
    study.tell(second, failed=True)
    seen: list[list[dict[str, Any]]] = []

    def propose(_ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen.append(rows)
        return []

    store.ask(study._id, propose, "points")
    assert [(row["number"], row["state"], list(row["point"])) for row in seen[-1]] == [
        (t.number, state, list(t.point)) for t, state in ((first, "complete"), (second, "failed"), (third, "pending"))]


@pytest.mark.parametrize("sampler", ["random", "sobol"])
def test_a_small_discrete_space_is_covered_without_a_repeat_and_as_in_memory(store: Store, sampler: str) -> None:
    def asked(where: Store | str) -> list[tuple[Any, ...]]:
        study = Study.create(f"cover-{sampler}", SMALL, sampler=sampler, seed=7, store=where)
        points = []
        for round_number in range(6):
            batch = study.ask(2)
            points += [tuple(t.params.values()) for t in batch]
            if round_number % 2 == 0:
                study.tell(batch[0], float(round_number))  # the rest stay pending: they count as tried too
        return points

    points = asked(store)
    assert len(set(points)) == 12
    assert points == asked(f"memory://cover-{uuid.uuid4().hex}")
