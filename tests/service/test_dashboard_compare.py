"""The compare page in real headless Chromium: studies of several objectives with the same directions are drawn by
their hypervolume so far against one reference point (``GET /compare``), which a note names; studies whose
objectives differ get the reason instead of lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from optarium.blackbox.study import Study

from .conftest import Server
from .test_dashboard import _column, _wait, browser  # noqa: F401  (the module's headless Chromium)

SPACE = {"x": {"type": "float", "low": 0.0, "high": 1.0}}


def _y_ticks(page: Any) -> list[float]:
    from selenium.webdriver.common.by import By

    return [float(t.text.replace(",", "")) for t in page.find_elements(By.CSS_SELECTOR, '#compare-chart text.tick[x="4"]')]


def _texts(page: Any, selector: str) -> list[str]:
    from selenium.webdriver.common.by import By

    return [t.text for t in page.find_elements(By.CSS_SELECTOR, selector)]


# the trials of both front studies: worst 0.9 and 95 plus a tenth of the ranges 0.85 and 85, not front_a's own (0.98, 98)
SHARED = [0.985, 103.5]
TOLD = {"front_a": [[0.9, 10.0], [0.5, 50.0], [0.1, 90.0], [0.2, 20.0]], "front_b": [[0.8, 20.0], [0.3, 60.0], [0.05, 95.0]]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over two studies of the same two objectives, one that maximises the second, one single-objective."""
    store = f"sqlite:///{tmp_path_factory.mktemp('compare')}/store.db"
    for name, values in TOLD.items():
        study = Study.create(name, SPACE, directions=["minimize", "minimize"], sampler="random", seed=1, store=store)
        for trial, value in zip(study.ask(len(values)), values, strict=True):
            study.tell(trial, value)
    other = Study.create("front_c", SPACE, directions=["minimize", "maximize"], sampler="random", seed=1, store=store)
    other.tell(other.ask()[0], [0.5, 0.5])
    single = Study.create("single", SPACE, sampler="random", seed=1, store=store)
    for trial, value in zip(single.ask(3), [0.3, 0.2, 0.6], strict=True):
        single.tell(trial, value)
    started = Server(store).start()
    yield started
    started.stop()


def test_studies_of_the_same_objectives_are_drawn_against_one_named_reference(server: Server,
                                                                             browser: Any) -> None:  # noqa: F811
    volumes = [Study.load(name, server.store).hypervolume(SHARED) for name in TOLD]
    browser.get(f"{server.url}/#/compare/front_a/front_b")
    _wait(lambda: _column(browser, "compare-studies", 3) == ["4", "3"])
    _wait(lambda: _texts(browser, "#compare-chart text.chart-title") == [
        "Hypervolume so far by trial (both against one reference point)"])
    assert _texts(browser, "#compare-chart text.tick[style]") == ["■ front_a (hypervolume)", "■ front_b (hypervolume)"]
    assert len(_texts(browser, "#compare-chart path.series")) == 2
    assert min(volumes) > 10 and max(_y_ticks(browser)) > 0.5 * max(volumes)  # not the first objective (below 1)
    assert _texts(browser, "#compare-note")[0].startswith(
        "Both studies are measured against the reference point (0.985, 103.5), inferred from the trials of both")


@pytest.mark.parametrize(("pair", "shown"), [
    ("front_a/front_c", "(front_a: minimize, minimize; front_c: minimize, maximize)"),
    ("front_a/single", "(front_a: minimize, minimize; single: minimize)")])
def test_studies_of_different_objectives_get_the_reason_instead_of_lines(server: Server, browser: Any,  # noqa: F811
                                                                         pair: str, shown: str) -> None:
    browser.get(f"{server.url}/#/compare/{pair}")
    _wait(lambda: shown in _texts(browser, "#compare-refused")[0])
    assert "do not have the same objectives and directions" in _texts(browser, "#compare-refused")[0]
    assert _texts(browser, "#compare-chart path.series") == [] and _texts(browser, "#compare-note") == [""]
    assert len(_column(browser, "compare-studies", 0)) == 2  # the studies' table is still there


def test_the_reference_point_field_is_shown_only_for_studies_of_several_objectives(server: Server,
                                                                                   browser: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{server.url}/#/compare/single/single")
    _wait(lambda: _texts(browser, "#compare-chart text.chart-title") == ["Best value so far by trial"])
    assert not browser.find_element(By.ID, "compare-reference").is_displayed()
    browser.get(f"{server.url}/#/compare/front_a/front_b")
    _wait(lambda: browser.find_element(By.ID, "compare-reference").is_displayed())


def test_a_reference_point_typed_on_the_page_measures_both_studies_against_it(server: Server,
                                                                              browser: Any) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server.url}/#/compare/front_a/front_b")
    _wait(lambda: _column(browser, "compare-studies", 3) == ["4", "3"])
    field = browser.find_element(By.ID, "compare-reference")
    field.send_keys("2,200", Keys.ENTER)
    _wait(lambda: browser.current_url.endswith("#/compare/front_a/front_b/2%2C200"))
    _wait(lambda: _texts(browser, "#compare-note")[0] == "Both studies are measured against the reference point (2, 200), as given.")
    volumes = [Study.load(name, server.store).hypervolume([2.0, 200.0]) for name in TOLD]
    assert max(_y_ticks(browser)) > 0.5 * max(volumes) > 0.5 * 200  # beyond what the inferred point (0.985, 103.5) gives


def test_a_reference_point_the_server_refuses_is_its_one_line_on_the_page(server: Server, browser: Any) -> None:  # noqa: F811
    browser.get(f"{server.url}/#/compare/front_a/front_b/0,0")
    _wait(lambda: "no trial of these studies is better than it in every objective" in _texts(browser, "#compare-refused")[0])
    assert _texts(browser, "#compare-chart path.series") == [] and _texts(browser, "#compare-note") == [""]
    assert browser.find_element("id", "compare-reference").get_attribute("value") == "0,0"
    assert _column(browser, "compare-studies", 3) == ["4", "3"]  # the studies' table is still there
