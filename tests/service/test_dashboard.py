"""The dashboard in real headless Chromium: it shows what the store holds and follows a study live."""

from __future__ import annotations

import itertools
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import optarium
from optarium.blackbox.study import Study

from .conftest import EXAMPLES, LP_ANSWER, QUESTION, ScriptedLLM, Server

SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}, "y": {"type": "int", "low": 0, "high": 9},
         "c": {"type": "categorical", "choices": ["a", "b"]}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.fail("the dashboard tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1600"):
        options.add_argument(argument)
    options.binary_location = binary
    chrome = webdriver.Chrome(options=options, service=Service(driver))
    yield chrome
    chrome.quit()


def _wait(condition: Callable[[], Any], seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
            if last:
                return last
        except Exception as error:  # the page is still drawing
            last = error
        time.sleep(0.1)
    raise AssertionError(f"the page did not get there within {seconds} s: {last!r}")


def _column(browser: Any, table: str, index: int) -> list[str]:
    from selenium.webdriver.common.by import By

    return [row.find_elements(By.TAG_NAME, "td")[index].text
            for row in browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")]


def _click(browser: Any, by: str, value: str) -> None:
    """Click an element; the page redraws its tables while it polls, so a stale element is looked up again."""

    def click() -> bool:
        browser.find_element(by, value).click()
        return True

    _wait(click)


def _screenshot(browser: Any, path: Path) -> tuple[int, int]:
    browser.save_screenshot(str(path))
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_study_page_shows_the_trials_and_follows_a_tell(serve: Callable[..., Server], browser: Any,
                                                            tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    store = f"sqlite:///{tmp_path}/store.db"
    study = Study.create("bench", SPACE, sampler="random", seed=4, store=store)
    for trial in study.ask(12):
        study.tell(trial, (float(trial.params["x"]) - 1.0) ** 2)
    (open_trial,) = study.ask()
    server = serve(store)
    browser.get(f"{server.url}/#/studies")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#studies table"))
    # every request the page makes from here on is noted, to see how it follows the study
    browser.execute_script("window.fetched = []; const fetchFirst = window.fetch; "
                           "window.fetch = (url, options) => { window.fetched.push(String(url)); return fetchFirst(url, options); };")
    browser.execute_script("location.hash = '#/study/bench';")
    _wait(lambda: len(_column(browser, "trials-table", 0)) == 13)
    assert _column(browser, "trials-table", 0) == [str(n) for n in range(1, 14)]
    assert browser.find_element(By.ID, "n-complete").text == "12"
    assert float(browser.find_element(By.ID, "best-value").text) == pytest.approx(study.best.value, rel=1e-3)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history-chart circle.point")) == 12
    assert len(browser.find_elements(By.CSS_SELECTOR, "#slice-charts .slice")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#parallel-chart polyline.line")) == 12
    assert len(browser.find_elements(By.CSS_SELECTOR, "#importance-chart rect.bar")) == 3
    # the contour of x and y: every complete trial falls in one cell, each cell says how many
    cells = browser.find_elements(By.CSS_SELECTOR, "#contour-chart rect.cell")
    assert cells and sum(int(c.find_element(By.TAG_NAME, "title").get_attribute("textContent").split()[0])
                         for c in cells) == 12
    width, height = _screenshot(browser, tmp_path / "study.png")
    assert width >= 1000 and height >= 800
    # sorting by value puts the best trial first
    _click(browser, By.XPATH, "//table[@id='trials-table']//th[text()='value']")

    def values() -> list[float]:
        return [float(v) for v in _column(browser, "trials-table", 2) if v]

    _wait(lambda: values() == sorted(values()) and len(values()) == 12)
    assert values()[0] == pytest.approx(study.best.value, rel=1e-3)
    _click(browser, By.XPATH, "//table[@id='trials-table']//th[text()='value']")
    _wait(lambda: values() == sorted(values(), reverse=True) and len(values()) == 12)
    # a tell over HTTP shows up without reloading the page, through the study's event stream
    with server.client() as api:
        api.post("/studies/bench/tell", json={"number": open_trial.number, "value": -1.0}).raise_for_status()
    _wait(lambda: browser.find_element(By.ID, "n-complete").text == "13")
    _wait(lambda: browser.find_element(By.ID, "best-value").text == "-1")
    assert "api/studies/bench/events" in browser.execute_script("return window.fetched;")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history-chart circle.point")) == 13


def test_the_studies_runs_and_jobs_pages_show_the_store(serve: Callable[..., Server], browser: Any,
                                                        tmp_path: Path, llm: ScriptedLLM) -> None:
    from selenium.webdriver.common.by import By

    store = f"sqlite:///{tmp_path}/store.db"
    for name in ("alpha", "beta"):
        study = Study.create(name, SPACE, sampler="random", seed=1, store=store)
        for trial in study.ask(3 if name == "alpha" else 5):
            study.tell(trial, float(trial.params["x"]))
    solved = optarium.solve(EXAMPLES / "knapsack.lp", store=store)
    server = serve(store, "--workers", "1", env=llm.env)
    llm.answers = [LP_ANSWER]
    browser.get(f"{server.url}/#/studies")
    _wait(lambda: _column(browser, "studies-table", 0) == ["alpha", "beta"])
    assert _column(browser, "studies-table", 3) == ["3", "5"]
    _click(browser, By.LINK_TEXT, "beta")
    _wait(lambda: len(_column(browser, "trials-table", 0)) == 5)

    browser.get(f"{server.url}/#/compare/alpha/beta")
    _wait(lambda: _column(browser, "compare-studies", 3) == ["3", "5"])
    assert len(browser.find_elements(By.CSS_SELECTOR, "#compare-chart path.series")) == 2

    # a study of two objectives draws every complete trial in the plane of its objectives, its front in red
    two = Study.create("gamma", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, directions=["minimize", "minimize"],
                       sampler="random", seed=2, store=store)
    for trial in two.ask(6):
        two.tell(trial, [float(trial.params["x"]), (1.0 - float(trial.params["x"])) ** 2])
    browser.get(f"{server.url}/#/study/gamma")
    _wait(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#history-chart circle.point")) == 6)
    front = [c for c in browser.find_elements(By.CSS_SELECTOR, "#history-chart circle.point")
             if c.get_attribute("fill") == "#b53a2f"]
    assert len(front) == len(two.best) == 6  # x against (1 - x)^2 on [0, 1]: no point dominates another

    browser.get(f"{server.url}/#/runs")
    _wait(lambda: _column(browser, "runs-table", 0) == [str(solved.run_id)])
    assert _column(browser, "runs-table", 6) == ["yes" if solved.verified else "no"]
    _click(browser, By.LINK_TEXT, str(solved.run_id))
    _wait(lambda: browser.find_element(By.ID, "run-id").text == str(solved.run_id))
    assert "Every check passed" in browser.find_element(By.ID, "verification").text
    _screenshot(browser, tmp_path / "run.png")

    browser.get(f"{server.url}/#/jobs")
    _wait(lambda: browser.find_element(By.ID, "job-file"))
    browser.find_element(By.ID, "job-file").send_keys(str(EXAMPLES / "production.mps"))
    browser.find_element(By.ID, "job-submit").click()
    _wait(lambda: _column(browser, "jobs-table", 3) == ["done"], seconds=30)
    assert _column(browser, "jobs-table", 2) == ["production.mps"]
    # a question in words: the table follows the job to done (polled, no reload) and links its run
    browser.find_element(By.ID, "formulate-text").send_keys(QUESTION)
    browser.find_element(By.ID, "formulate-submit").click()
    _wait(lambda: _column(browser, "jobs-table", 3) == ["done", "done"], seconds=30)
    assert _column(browser, "jobs-table", 1) == ["formulate", "solve"]
    _click(browser, By.LINK_TEXT, f"run {solved.run_id + 2}")
    _wait(lambda: browser.find_element(By.ID, "run-id").text == str(solved.run_id + 2))
    assert browser.find_element(By.ID, "verification").text.startswith("Every check passed")


def test_the_dashboard_asks_for_a_token_and_then_reads(serve: Callable[..., Server], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    token = "dashboard-reader-0123456789"
    store = f"sqlite:///{tmp_path}/store.db"
    Study.create("secret", SPACE, store=store)
    server = serve(store, env={"OPTARIUM_TOKENS": f"{token}:read"})
    browser.get(f"{server.url}/#/studies")
    browser.execute_script("localStorage.clear()")
    browser.refresh()
    _wait(lambda: browser.find_element(By.ID, "token-box").is_displayed())
    browser.find_element(By.ID, "token-input").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "#token-form button").click()
    _wait(lambda: _column(browser, "studies-table", 0) == ["secret"])
    browser.execute_script("localStorage.clear()")


def test_dragging_a_ranking_tells_it(serve: Callable[..., Server], browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    store = f"sqlite:///{tmp_path}/store.db"
    study = Study.create("taste", {"sweet": {"type": "float", "low": 0.0, "high": 1.0},
                                   "sour": {"type": "float", "low": 0.0, "high": 1.0}}, feedback="ranking", seed=3,
                         store=store)
    asked = [t.number for t in study.ask(4)]
    server = serve(store)
    browser.get(f"{server.url}/#/study/taste")

    def order() -> list[int]:
        return [int(li.get_attribute("data-number")) for li in browser.find_elements(By.CSS_SELECTOR, "#candidates li")]

    _wait(lambda: order() == asked and browser.find_elements(By.CSS_SELECTOR, "#parallel-chart svg"))
    items = browser.find_elements(By.CSS_SELECTOR, "#candidates li")
    # the last candidate dragged to the top
    ActionChains(browser).click_and_hold(items[3]).move_to_element(items[1]).move_to_element(items[0]) \
        .move_by_offset(0, -3).release().perform()
    _wait(lambda: order() == [asked[3], *asked[:3]])
    _click(browser, By.ID, "rank-submit")
    _wait(lambda: "told" in browser.find_element(By.ID, "rank-message").text)
    ranks = {t.number: t.value for t in Study.load("taste", store=store).trials}
    assert ranks == {asked[3]: 0.0, asked[0]: 1.0, asked[1]: 2.0, asked[2]: 3.0}
    # the next candidates come from the page too, and the sampler moved on from the ranking
    _click(browser, By.ID, "rank-ask")
    _wait(lambda: len(order()) == 4 and set(order()).isdisjoint(asked))


def test_a_routing_run_draws_its_routes_and_a_scheduling_run_its_gantt_chart(serve: Callable[..., Server], browser: Any,
                                                                            tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    from optarium.domains.routing import read_instance, solve_routing
    from optarium.domains.scheduling.instance import read_instance_file
    from optarium.domains.scheduling.solve import solve_jobshop

    store = f"sqlite:///{tmp_path}/store.db"
    instance = read_instance(EXAMPLES / "routing" / "deliveries.csv")
    solved = solve_routing(instance, iterations=200, seed=1, store=store)
    shop = read_instance_file(EXAMPLES / "ft06.jss")
    scheduled = solve_jobshop(shop, "rule", store=store)
    server = serve(store)
    browser.get(f"{server.url}/#/run/{solved.run_id}")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#route-map polyline.route"))
    routes = browser.find_elements(By.CSS_SELECTOR, "#route-map polyline.route")
    assert len(routes) == len(solved.payload)
    # each line runs depot, the route's clients, depot
    assert [len(r.get_attribute("points").split()) for r in routes] == [len(route) + 2 for route in solved.payload]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#route-map circle.client")) == sum(map(len, solved.payload))
    # a job shop: one bar per operation, on its machine, from its start for its duration, none overlapping
    browser.get(f"{server.url}/#/run/{scheduled.run_id}")
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#gantt rect.operation"))
    bars = [{key: int(bar.get_attribute(f"data-{key}")) for key in ("job", "machine", "start", "duration")}
            for bar in browser.find_elements(By.CSS_SELECTOR, "#gantt rect.operation")]
    starts = scheduled.payload.tolist()
    assert sorted((b["job"], b["machine"], b["start"], b["duration"]) for b in bars) == sorted(
        (j, int(shop.machines[j][k]), starts[j][k], int(shop.durations[j][k]))
        for j in range(len(starts)) for k in range(len(starts[j])))
    for machine in {b["machine"] for b in bars}:
        spans = sorted((b["start"], b["start"] + b["duration"]) for b in bars if b["machine"] == machine)
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))
    assert max(b["start"] + b["duration"] for b in bars) == scheduled.objective
    assert f"makespan {scheduled.objective:g}" in browser.find_element(By.CSS_SELECTOR, "#gantt svg").get_attribute("aria-label")
