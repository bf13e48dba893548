"""Studies over HTTP against a real server: what the library sees is what HTTP told, and back."""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

from optarium.blackbox.study import Study
from optarium.errors import OptionError
from optarium.service.client import ServiceError, StudyClient

from .conftest import Server

SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "kind": {"type": "categorical", "choices": ["a", "b"]}}


def _objective(params: dict[str, object]) -> float:
    x = float(params["x"])  # type: ignore[arg-type]
    return (x - 1.0) ** 2 + (0.5 if params["kind"] == "b" else 0.0)


def test_ask_and_tell_over_http_are_the_library_study(serve: Callable[..., Server], store_url: str) -> None:
    server = serve(store_url)
    with server.client() as api:
        created = api.post("/studies", json={"name": "lab", "space": SPACE, "seed": 3, "sampler": "random"})
        assert created.status_code == 201, created.text
        first = api.post("/studies/lab/ask", json={"n": 2}).json()["trials"]
        second = api.post("/studies/lab/ask").json()["trials"]
        # the second ask saw the pending trials of the first: new numbers, nothing handed out twice
        assert [t["number"] for t in first + second] == [1, 2, 3]
        told = api.post("/studies/lab/tell", json={"number": 2, "value": _objective(first[1]["params"])})
        assert told.status_code == 200, told.text
        study = Study.load("lab", store=store_url)
        by_number = {t.number: t for t in study.trials}
        assert by_number[2].state == "complete" and by_number[2].value == _objective(first[1]["params"])
        assert by_number[1].state == "pending" and by_number[3].state == "pending"
        # a trial asked by the library is told over HTTP, and the next HTTP ask sees both
        (local,) = study.ask()
        assert api.post("/studies/lab/tell", json={"number": local.number, "value": 7.0}).status_code == 200
        assert api.post("/studies/lab/ask").json()["trials"][0]["number"] == local.number + 1
        shown = api.get("/studies/lab").json()
        assert shown["trials"] == {"pending": 3, "complete": 2, "failed": 0}
        assert shown["best_value"] == min(7.0, _objective(first[1]["params"]))
        listed = api.get("/studies").json()["studies"]
        assert [(s["name"], s["n_trials"], s["best_value"]) for s in listed] == [("lab", 5, shown["best_value"])]
        page = api.get("/studies/lab/trials", params={"state": "pending", "limit": 2, "offset": 1}).json()
        assert page["total"] == 3 and [t["number"] for t in page["trials"]] == [3, 5]
        by_value = api.get("/studies/lab/trials", params={"sort": "value", "state": "complete"}).json()["trials"]
        assert [t["value"] for t in by_value] == sorted(t["value"] for t in by_value)
        csv = api.get("/studies/lab/trials.csv")
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.strip().splitlines()
        assert lines[0].startswith("number,state,value,feasibility,params_x,params_kind") and len(lines) == 6
        assert api.delete("/studies/lab").json() == {"name": "lab", "deleted_trials": 5}
        assert api.get("/studies/lab").status_code == 404
    assert Study.list_all(store_url) == []


def test_workers_over_http_lose_and_duplicate_nothing(shared_server: Server) -> None:
    server = shared_server
    workers, rounds = 4, 12
    failures: list[str] = []
    with StudyClient(server.url) as api:
        api.create_study("soak", SPACE, sampler="random", seed=1)

    def work(one_request: bool) -> None:
        """Ask then tell, or (``one_request``) a tell that asks the next trial in the same request."""
        with StudyClient(server.url) as api:
            waiting: list[dict[str, Any]] = []
            for index in range(rounds):
                try:
                    waiting = waiting or api.ask("soak")
                    trial = waiting.pop()
                    more = 1 if one_request and index < rounds - 1 else 0
                    waiting = api.tell("soak", trial["number"], _objective(trial["params"]), ask=more).get("next", [])
                except ServiceError as error:
                    failures.append(str(error))

    threads = [threading.Thread(target=work, args=(index % 2 == 1,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    trials = Study.load("soak", store=server.store).trials
    assert sorted(t.number for t in trials) == list(range(1, workers * rounds + 1))
    assert all(t.state == "complete" and t.value == _objective(t.params) for t in trials)


def test_the_client_says_what_the_server_refused_and_finds_a_study_made_again(shared_server: Server) -> None:
    with StudyClient(server_url := shared_server.url) as api:
        api.create_study("again", SPACE, sampler="random", seed=1)
        (trial,) = api.ask("again")
        api.tell("again", trial["number"], 1.0)
        with pytest.raises(ServiceError, match="told once") as refused:
            api.tell("again", trial["number"], 2.0)
        assert refused.value.status == 409 and "\n" not in refused.value.message
        # deleted and made again by the library while the server keeps the old study: the server reads it afresh
        Study.load("again", store=shared_server.store).delete()
        Study.create("again", SPACE, sampler="random", seed=2, store=shared_server.store)
        (first,) = api.ask("again")
        assert first["number"] == 1
        assert api.tell("again", first["number"], 3.0, ask=1)["next"][0]["number"] == 2
    with pytest.raises(OptionError, match="url"):
        StudyClient(server_url.replace("http", "ftp"))


def test_bad_study_requests_get_one_line_and_write_nothing(shared_server: Server) -> None:
    server = shared_server
    with server.client() as api:
        api.post("/studies", json={"name": "s", "space": SPACE, "seed": 1}).raise_for_status()
        (trial,) = api.post("/studies/s/ask").json()["trials"]
        api.post("/studies/s/tell", json={"number": trial["number"], "value": 1.5}).raise_for_status()
        (open_trial,) = api.post("/studies/s/ask").json()["trials"]
        before = api.get("/studies/s/trials").json()
        cases = [
            (api.post("/studies", json={"name": "s", "space": SPACE}), 409, "already exists"),
            (api.post("/studies", json={"name": "t", "space": {"x": {"type": "float", "low": 2, "high": 1}}}), 422, "low"),
            (api.get("/studies/nope"), 404, "no study named 'nope'"),
            (api.post("/studies/nope/ask"), 404, "no study"),
            (api.post("/studies/s/tell", json={"number": 99, "value": 1.0}), 404, "no trial 99"),
            (api.post("/studies/s/tell", json={"number": trial["number"], "value": 2.0}), 409, "already complete"),
            (api.post("/studies/s/tell", content=b'{"number": %d, "value": NaN}' % open_trial["number"],
                      headers={"content-type": "application/json"}), 422, "finite"),
            (api.post("/studies/s/tell", json={"number": open_trial["number"], "value": [1.0, 2.0]}), 422, "one value"),
            (api.post("/studies/s/tell", content=b'{"number": 1, "value"', headers={"content-type": "application/json"}),
             400, "malformed JSON"),
            (api.post("/studies/s/tell", json={"number": "one", "value": 1.0}), 422, "number"),
            (api.post("/studies/s/tell", json={"number": open_trial["number"], "values": [1.0]}), 422,
             "unknown field 'values' in a tell (the objectives' values go in `value`, a list for several); "
             "the fields are number, value, feasibility, failed, ask"),
            (api.post("/studies/s/tell", json={"number": open_trial["number"], "value": 1.0, "feasibilty": 1.0}), 422,
             "unknown field 'feasibilty' in a tell; the fields are"),
            (api.post("/studies/s/ask", json={"n": 0}), 422, "`n`"),
            (api.post("/studies", json={"name": "u", "space": SPACE, "direction": "minimize", "directions": ["maximize"]}),
             422, "disagree"),
            (api.post("/studies", json={"name": "u", "space": SPACE, "directions": ["up", "down"]}), 422, "`directions.0`"),
        ]
        for response, status, words in cases:
            body = response.json()
            assert response.status_code == status, (status, response.text)
            assert words in body["error"] and "\n" not in body["error"] and body["status"] == status
        assert api.get("/studies/s/trials").json() == before
        assert api.get("/studies/t").status_code == 404 and api.get("/studies/u").status_code == 404
        one = api.post("/studies", json={"name": "up", "space": SPACE, "directions": ["maximize"]}).json()
        assert one["direction"] == "maximize" and one["directions"] == ["maximize"]


def test_analysis_ranks_the_parameter_that_drives_the_value(shared_server: Server) -> None:
    server = shared_server
    study = Study.create("drive", SPACE, sampler="random", seed=5, store=server.store)
    for trial in study.ask(40):
        study.tell(trial, (float(trial.params["x"]) - 1.0) ** 2 + (0.01 if trial.params["kind"] == "b" else 0.0))
    with server.client() as api:
        found = api.get("/studies/drive/analysis").json()
    assert found["importance"]["x"] > 0.8 > found["importance"]["kind"]
    assert math.isclose(sum(found["importance"].values()), 1.0)
    history = found["history"]
    assert [h["number"] for h in history] == list(range(1, 41))
    assert history[-1]["best"] == study.best.value
    assert all(later["best"] <= earlier["best"] for earlier, later in itertools.pairwise(history))


def test_a_multi_objective_study_is_told_its_values_and_shows_its_front(shared_server: Server) -> None:
    server = shared_server
    space = {"x": {"type": "float", "low": 0.0, "high": 1.0}}
    with server.client() as api:
        created = api.post("/studies", json={"name": "mo", "space": space, "directions": ["minimize", "minimize"],
                                              "sampler": "random", "seed": 2})
        assert created.status_code == 201 and created.json()["directions"] == ["minimize", "minimize"]
        for trial in api.post("/studies/mo/ask", json={"n": 6}).json()["trials"]:
            x = trial["params"]["x"]
            assert api.post("/studies/mo/tell", json={"number": trial["number"], "value": [x, (1 - x) ** 2]}).status_code == 200
        wrong = api.post("/studies/mo/ask").json()["trials"][0]
        refused = api.post("/studies/mo/tell", json={"number": wrong["number"], "value": 1.0})
        assert refused.status_code == 422 and "2 values" in refused.json()["error"]
        found = api.get("/studies/mo/analysis").json()
    front = Study.load("mo", store=server.store).pareto_front
    # x and (1 - x)^2 trade off everywhere on [0, 1]: every told trial is on the front
    assert found["pareto"] == [t.number for t in front] == list(range(1, 7))


def test_a_ranking_over_http_is_told_in_one_transaction(shared_server: Server) -> None:
    space = {"x": {"type": "float", "low": 0.0, "high": 1.0}}
    with shared_server.client() as api:
        api.post("/studies", json={"name": "rank", "space": space, "feedback": "ranking", "seed": 3}).raise_for_status()
        numbers = [t["number"] for t in api.post("/studies/rank/ask", json={"n": 3}).json()["trials"]]
        unknown = api.post("/studies/rank/rank", json={"ranking": [numbers[0], 99]})
        assert unknown.status_code == 404 and "no trial 99" in unknown.json()["error"]
        assert api.post("/studies/rank/rank", json={"ranking": [numbers[0]]}).status_code == 422
        assert api.get("/studies/rank").json()["trials"]["pending"] == 3  # nothing was told
        told = api.post("/studies/rank/rank", json={"ranking": [numbers[2], numbers[0], numbers[1]]})
        assert told.status_code == 200
        again = api.post("/studies/rank/rank", json={"ranking": [numbers[0], numbers[1]]})
        assert again.status_code == 409 and "a trial is told once" in again.json()["error"]
    ranks = {t.number: t.value for t in Study.load("rank", store=shared_server.store).trials}
    assert ranks == {numbers[2]: 0.0, numbers[0]: 1.0, numbers[1]: 2.0}


def test_a_study_event_stream_follows_its_asks_and_tells_until_the_study_goes(shared_server: Server) -> None:
    import json

    import httpx

    events: list[tuple[str, dict[str, Any]]] = []
    with StudyClient(shared_server.url) as api:
        api.create_study("watched", SPACE, sampler="random", seed=1)
        url = f"{shared_server.url}/api/studies/watched/events"
        with httpx.stream("GET", url, params={"timeout": 60}, timeout=60) as stream:
            name = ""
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((name, json.loads(line.removeprefix("data: "))))
                    if len(events) == 1:
                        (trial,) = api.ask("watched")
                    elif len(events) == 2:
                        api.tell("watched", trial["number"], 1.0)
                    elif len(events) == 3:
                        Study.load("watched", store=shared_server.store).delete()
        with pytest.raises(ServiceError, match="no study named 'watched'"):
            api.request("GET", "/studies/watched/events")
    assert [name for name, _ in events] == ["study", "study", "study", "gone"]
    assert [(data["n_trials"], data["trials"]) for _, data in events[:3]] == [
        (0, {"pending": 0, "complete": 0, "failed": 0}), (1, {"pending": 1, "complete": 0, "failed": 0}),
        (1, {"pending": 0, "complete": 1, "failed": 0})]
