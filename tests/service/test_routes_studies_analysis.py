"""The analysis of a multi-objective study over HTTP, on an SQLite file, in memory and on PostgreSQL: the Pareto front and the
inferred reference as ``Study`` gives them, the first objective's history, and with ``hypervolume=true`` the
hypervolume after each complete trial as ``Study.hypervolume_history`` (what ``study plot`` draws) gives it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from optarium.blackbox.study import Study

from .conftest import Server, servers_with_studies

# (minimize, maximize): (2, 3) dominates (3, 2) and (2, 1); the last trial is infeasible and would dominate the rest
TOLD = [([1.0, 1.0], None), ([2.0, 3.0], None), ([3.0, 2.0], -1.0), ([0.5, 0.5], None), ([2.0, 1.0], None),
        ([0.1, 5.0], 1.0)]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    yield from servers_with_studies(tmp_path_factory, "analysis", [("mo", ["minimize", "maximize"], TOLD),
                                                          ("one", ["minimize"], [(3.0, None), (1.0, None), (2.0, None)]),
                                                          ("huge", ["minimize", "minimize"], [([1e308, -1e308], None), ([-1e308, 1e308], None)])])


def _analysis(server: Server, name: str, **query: str) -> dict[str, Any]:
    with server.client() as api:
        answer = api.get(f"/studies/{name}/analysis", params=query)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_front_reference_and_first_objective_history_match_the_study(servers: dict[str, Server]) -> None:
    study = Study.load("mo", servers["sqlite"].store)
    answers = [_analysis(server, "mo") for server in servers.values()]
    assert answers[0] == answers[1] == answers[2]  # an SQLite file, the memory store and PostgreSQL answer alike
    answer = answers[0]
    assert answer["pareto"] == [t.number for t in study.pareto_front] == [1, 2, 4]
    assert answer["reference"] == pytest.approx(study.reference_point())
    assert answer["n_complete"] == 6 and "hypervolume" not in answer  # asked for only by the compare page
    assert [(h["number"], h["value"], h["best"]) for h in answer["history"]] == [
        (1, 1.0, 1.0), (2, 2.0, 1.0), (3, 3.0, 1.0), (4, 0.5, 0.5), (5, 2.0, 0.5), (6, 0.1, 0.5)]
    sampled = {t["number"]: t for t in answer["sample"]}
    assert sorted(sampled) == [1, 2, 3, 4, 5, 6]
    assert sampled[2]["values"] == [2.0, 3.0] and 0.0 <= sampled[2]["params"]["x"] <= 1.0
    assert set(answer["importance"]) == {"x"}


def test_the_hypervolume_history_is_the_studys_by_trial_number(servers: dict[str, Server]) -> None:
    study = Study.load("mo", servers["sqlite"].store)
    answers = [_analysis(server, "mo", hypervolume="true") for server in servers.values()]
    assert answers[0] == answers[1] == answers[2]
    expected = study.hypervolume_history()
    assert [h["number"] for h in answers[0]["hypervolume"]] == [1, 2, 3, 4, 5, 6]
    assert [h["hypervolume"] for h in answers[0]["hypervolume"]] == pytest.approx([v for _, v in expected])
    assert answers[0]["hypervolume"][-1]["hypervolume"] == pytest.approx(study.hypervolume())
    assert study.hypervolume() > 0
    # the infeasible last trial changes nothing; (2, 3) after (1, 1) adds to the volume
    assert answers[0]["hypervolume"][-1]["hypervolume"] == answers[0]["hypervolume"][-2]["hypervolume"]
    assert answers[0]["hypervolume"][1]["hypervolume"] > answers[0]["hypervolume"][0]["hypervolume"]


def test_a_single_objective_analysis_has_no_hypervolume(servers: dict[str, Server]) -> None:
    answer = _analysis(servers["sqlite"], "one", hypervolume="true")
    assert "hypervolume" not in answer and answer["pareto"] == []
    assert [h["best"] for h in answer["history"]] == [3.0, 1.0, 1.0]


def test_a_hypervolume_beyond_the_largest_float_is_null_in_the_history(servers: dict[str, Server]) -> None:
    for server in servers.values():
        answer = _analysis(server, "huge", hypervolume="true")
        assert answer["pareto"] == [1, 2] and None not in answer["reference"]
        assert answer["hypervolume"][-1] == {"number": 2, "hypervolume": None}
