"""A multi-objective study over HTTP: ``directions`` and no single ``direction``, its best as the Pareto
front's size and hypervolume; a single-objective study keeps ``direction`` for the clients that read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from optarium.blackbox.study import Study

from .conftest import Server

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = Server(f"sqlite:///{tmp_path_factory.mktemp('objectives')}/store.db").start()
    yield started
    started.stop()


def _told(api: Any, name: str, values: list[Any]) -> None:
    for trial, value in zip(api.post(f"/studies/{name}/ask", json={"n": len(values)}).json()["trials"], values, strict=True):
        assert api.post(f"/studies/{name}/tell", json={"number": trial["number"], "value": value}).status_code == 200


def test_a_multi_objective_study_gives_its_directions_front_and_hypervolume(server: Server) -> None:
    with server.client() as api:
        created = api.post("/studies", json={"name": "mo", "space": SPACE, "directions": ["minimize", "maximize"],
                                              "sampler": "random", "seed": 1}).json()
        assert "direction" not in created and created["directions"] == ["minimize", "maximize"]
        assert (created["front_size"], created["hypervolume"], created["reference"]) == (0, 0.0, None)
        _told(api, "mo", [[1.0, 1.0], [2.0, 3.0], [3.0, 2.0], [0.5, 0.5], [2.0, 1.0]])
        api.post("/studies", json={"name": "one", "space": SPACE, "direction": "maximize", "sampler": "random"})
        _told(api, "one", [1.0, 4.0, 2.0])
        shown = api.get("/studies/mo").json()
        listed = {study["name"]: study for study in api.get("/studies").json()["studies"]}
    study = Study.load("mo", server.store)
    front = study.pareto_front
    assert [t.number for t in front] == [1, 2, 4]  # (2, 3) beats (3, 2) and (2, 1); (1, 1) and (0.5, 0.5) trade off
    for answer in (shown, listed["mo"]):
        assert "direction" not in answer and answer["directions"] == ["minimize", "maximize"]
        assert answer["front_size"] == 3 and answer["best_value"] is None
        assert answer["hypervolume"] == pytest.approx(study.hypervolume()) and answer["hypervolume"] > 0
        assert answer["reference"] == pytest.approx(study.reference_point())
        assert [t["trial_id"] for t in answer["best"]] == [1, 2, 4]
    one = listed["one"]
    assert one["direction"] == "maximize" and one["directions"] == ["maximize"] and one["best_value"] == 4.0
    assert "front_size" not in one and "hypervolume" not in one


def test_a_hypervolume_beyond_the_largest_float_is_null(server: Server) -> None:
    with server.client() as api:
        api.post("/studies", json={"name": "huge", "space": SPACE, "directions": ["minimize", "minimize"],
                                   "sampler": "random", "seed": 1})
        _told(api, "huge", [[1e308, -1e308], [-1e308, 1e308]])
        shown = api.get("/studies/huge")
    assert shown.status_code == 200
    answer = shown.json()
    assert answer["front_size"] == 2 and answer["hypervolume"] is None and None not in answer["reference"]

