"""The compare page in real headless Chromium: a study of several objectives is drawn by its hypervolume so far
(from the analysis with ``hypervolume=true``), a single-objective study by its best value so far."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def test_the_compare_page_draws_a_multi_objective_study_by_its_hypervolume(serve: Callable[..., Server],
                                                                           browser: Any,  # noqa: F811
                                                                           tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/store.db"
    volumes = []
    for name in ("front_a", "front_b"):
        study = Study.create(name, SPACE, directions=["minimize", "minimize"], sampler="random", seed=1, store=store)
        # the first objective stays below 1; the hypervolume, with the second up to 90, is far above it
        for trial, values in zip(study.ask(4), [[0.9, 10.0], [0.5, 50.0], [0.1, 90.0], [0.2, 20.0]], strict=True):
            study.tell(trial, values)
        volumes.append(study.hypervolume())
    single = Study.create("single", SPACE, sampler="random", seed=1, store=store)
    for trial, value in zip(single.ask(3), [0.3, 0.2, 0.6], strict=True):
        single.tell(trial, value)
    server = serve(store)

    browser.get(f"{server.url}/#/compare/front_a/front_b")
    _wait(lambda: _column(browser, "compare-studies", 3) == ["4", "4"])
    _wait(lambda: _texts(browser, "#compare-chart text.chart-title") == [
        "Hypervolume so far by trial (each study against its own inferred reference point)"])
    assert _texts(browser, "#compare-chart text.tick[style]") == ["■ front_a (hypervolume)", "■ front_b (hypervolume)"]
    assert len(_texts(browser, "#compare-chart path.series")) == 2
    assert min(volumes) > 10 and max(_y_ticks(browser)) > 0.5 * max(volumes)  # not the first objective (below 1)

    browser.get(f"{server.url}/#/compare/front_a/single")
    _wait(lambda: _texts(browser, "#compare-chart text.chart-title") == [
        "Best value so far (one objective) and hypervolume so far (several objectives) by trial"])
    assert _texts(browser, "#compare-chart text.tick[style]") == ["■ front_a (hypervolume)", "■ single"]
