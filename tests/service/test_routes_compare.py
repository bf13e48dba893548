"""``GET /compare`` over HTTP, on an SQLite file, in memory and on PostgreSQL: the hypervolume histories of
studies with the same directions against one reference inferred from the trials of all of them, and a clear
refusal to put studies with different objectives on one scale."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from optarium.blackbox.study import Study

from .conftest import Server, servers_with_studies

MIN_MAX = ["minimize", "maximize"]
# study a: (2, 3) dominates (3, 2); study b reaches further in both objectives (its last trial is infeasible)
TOLD_A = [([1.0, 1.0], None), ([2.0, 3.0], None), ([3.0, 2.0], -1.0), ([0.5, 0.5], None)]
TOLD_B = [([4.0, 6.0], None), ([0.2, 0.1], None), ([5.0, 9.0], 1.0)]
# the feasible trials of both: the first objective's worst 4 plus a tenth of its range 3.8, the second's worst 0.1
# (maximised) less a tenth of its range 5.9
SHARED = [4.38, -0.49]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    yield from servers_with_studies(tmp_path_factory, "compare", [("a", MIN_MAX, TOLD_A), ("b", MIN_MAX, TOLD_B),
                                                          ("c", ["minimize", "minimize"], [([1.0, 2.0], None), ([2.0, 1.0], None)]),
                                                          ("one", ["minimize"], [(3.0, None), (1.0, None)]), ("empty", MIN_MAX, [])])


def _compare(server: Server, *names: str, status: int = 200) -> dict[str, Any]:
    with server.client() as api:
        answer = api.get("/compare", params=[("study", name) for name in names])
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def test_studies_with_the_same_directions_are_measured_against_one_reference(servers: dict[str, Server]) -> None:
    answers = [_compare(server, "a", "b") for server in servers.values()]
    assert answers[0] == answers[1] == answers[2]  # an SQLite file, the memory store and PostgreSQL answer alike
    answer = answers[0]
    assert answer["comparable"] is True and answer["reason"] is None
    assert answer["studies"] == [{"name": "a", "directions": MIN_MAX}, {"name": "b", "directions": MIN_MAX}]
    assert answer["reference"] == pytest.approx(SHARED, rel=1e-12)
    a, b = answer["hypervolume"]
    assert [h["number"] for h in a] == [1, 2, 3, 4] and [h["number"] for h in b] == [1, 2, 3]
    # by hand: a's front (0.5, 0.5), (1, 1), (2, 3); b's (0.2, 0.1), (4, 6); the infeasible (5, 9) adds nothing
    assert a[-1]["hypervolume"] == pytest.approx(3.88 * 0.99 + 3.38 * 0.5 + 2.38 * 2.0, rel=1e-12)
    assert b[-1]["hypervolume"] == pytest.approx(4.18 * 0.59 + 0.38 * 5.9, rel=1e-12) == b[-2]["hypervolume"]
    for name, steps in (("a", a), ("b", b)):
        expected = Study.load(name, servers["sqlite"].store).hypervolume_history(answer["reference"])
        assert [h["hypervolume"] for h in steps] == [volume for _, volume in expected]
    # against its own inferred reference, a's line would end elsewhere: the two lines were not comparable
    with servers["sqlite"].client() as api:
        own = api.get("/studies/a/analysis", params={"hypervolume": "true"}).json()
    assert own["reference"] != answer["reference"] and own["hypervolume"][-1]["hypervolume"] != a[-1]["hypervolume"]


def test_a_study_compared_with_itself_keeps_its_own_reference_and_history(servers: dict[str, Server]) -> None:
    with servers["memory"].client() as api:
        own = api.get("/studies/a/analysis", params={"hypervolume": "true"}).json()
    answer = _compare(servers["memory"], "a", "a")
    assert answer["reference"] == own["reference"]
    assert answer["hypervolume"] == [own["hypervolume"], own["hypervolume"]]


def test_a_study_without_trials_is_an_empty_line_and_takes_no_part_in_the_reference(servers: dict[str, Server]) -> None:
    answer = _compare(servers["postgresql"], "b", "empty")
    assert answer["comparable"] is True and answer["hypervolume"][1] == []
    assert answer["reference"] == pytest.approx(Study.load("b", servers["sqlite"].store).reference_point())
    alone = _compare(servers["postgresql"], "empty", "empty")
    assert (alone["reference"], alone["hypervolume"]) == (None, [[], []])


def test_studies_with_different_objectives_are_refused_with_the_reason(servers: dict[str, Server]) -> None:
    for server in servers.values():
        answer = _compare(server, "a", "c")
        assert (answer["comparable"], answer["reference"], answer["hypervolume"]) == (False, None, None)
        assert "(a: minimize, maximize; c: minimize, minimize)" in answer["reason"]
    mixed = _compare(servers["sqlite"], "a", "one")
    assert mixed["comparable"] is False and "one: minimize)" in mixed["reason"]
    single = _compare(servers["sqlite"], "one", "one")
    assert single["comparable"] is False and "one objective each" in single["reason"]


def test_an_unknown_study_or_a_single_name_is_refused(servers: dict[str, Server]) -> None:
    answer = _compare(servers["sqlite"], "a", "nowhere", status=404)
    assert "nowhere" in str(answer)
    _compare(servers["sqlite"], "a", status=422)


def test_a_given_reference_point_measures_every_study_against_it(servers: dict[str, Server]) -> None:
    with servers["sqlite"].client() as api:
        answer = api.get("/compare", params=[("study", "a"), ("study", "b"), ("reference", "5,-1")]).json()
    assert answer["reference"] == [5.0, -1.0]
    a, b = answer["hypervolume"]
    # by hand, as losses against (5, 1): a's front (0.5, -0.5), (1, -1), (2, -3): 0.5 * 1.5 + 1 * 2 + 3 * 4
    assert a[-1]["hypervolume"] == pytest.approx(14.75, rel=1e-12)
    for name, steps in (("a", a), ("b", b)):
        expected = Study.load(name, servers["sqlite"].store).hypervolume_history([5.0, -1.0])
        assert [h["hypervolume"] for h in steps] == [volume for _, volume in expected]


@pytest.mark.parametrize(("given", "says"), [
    ("5", "2 finite numbers, comma-separated, one per objective (minimize, maximize), got '5'"),
    ("5,-1,0", "got '5,-1,0'"),
    ("5,abc", "got '5,abc'"),
    ("5,nan", "got '5,nan'"),
    ("inf,0", "got 'inf,0'"),
    ("", "got ''"),
    ("-10,100", "no trial of these studies is better than it in every objective"),
])
def test_a_wrong_reference_point_is_one_clear_422(servers: dict[str, Server], given: str, says: str) -> None:
    with servers["memory"].client() as api:
        answer = api.get("/compare", params=[("study", "a"), ("study", "b"), ("reference", given)])
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"].startswith("`reference` must be ") and says in answer.json()["error"]


def test_a_reference_point_that_is_not_numbers_is_refused_for_incomparable_studies_too(servers: dict[str, Server]) -> None:
    with servers["memory"].client() as api:
        assert api.get("/compare", params=[("study", "a"), ("study", "c"), ("reference", "x")]).status_code == 422
        answer = api.get("/compare", params=[("study", "a"), ("study", "c"), ("reference", "1,2")]).json()
    assert (answer["comparable"], answer["reference"]) == (False, None)


def test_a_reference_point_given_twice_is_refused_not_half_read(servers: dict[str, Server]) -> None:
    with servers["memory"].client() as api:
        answer = api.get("/compare", params=[("study", "a"), ("study", "b"), ("reference", "5,-1"), ("reference", "6,-2")])
    assert answer.status_code == 422
    assert answer.json()["error"] == "`reference` must be given once (one point, comma-separated), got '5,-1' and '6,-2'"
