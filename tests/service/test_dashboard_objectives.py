"""The dashboard of a multi-objective study in real headless Chromium: its best is the Pareto front's
size and hypervolume, in the studies table and on the study page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from optarium.blackbox.study import Study

from .conftest import Server
from .test_dashboard import _column, _wait, browser  # noqa: F401  (the module's headless Chromium)


def test_a_multi_objective_study_shows_its_front_and_hypervolume(serve: Callable[..., Server], browser: Any,  # noqa: F811
                                                                 tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    store = f"sqlite:///{tmp_path}/store.db"
    two = Study.create("two", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, directions=["minimize", "maximize"],
                       sampler="random", seed=2, store=store)
    for trial, values in zip(two.ask(4), [[1.0, 1.0], [2.0, 3.0], [3.0, 2.0], [0.5, 0.5]], strict=True):
        two.tell(trial, values)
    one = Study.create("one", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, sampler="random", seed=2, store=store)
    (trial,) = one.ask()
    one.tell(trial, 0.25)
    volume = two.hypervolume()
    server = serve(store)
    browser.get(f"{server.url}/#/studies")
    _wait(lambda: _column(browser, "studies-table", 0) == ["two", "one"])
    assert _column(browser, "studies-table", 1) == ["minimize, maximize", "minimize"]
    best = _column(browser, "studies-table", 6)
    assert best[0].startswith("front of 3, hypervolume ") and float(best[0].rsplit(" ", 1)[1]) == pytest.approx(volume, rel=1e-3)
    assert best[1] == "0.25"
    browser.get(f"{server.url}/#/study/two")
    _wait(lambda: browser.find_element(By.ID, "pareto-size").text == "3 trials")
    assert float(browser.find_element(By.ID, "hypervolume").text) == pytest.approx(volume, rel=1e-3)
    assert browser.find_element(By.ID, "direction").text == "minimize, maximize"
    _wait(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#history-chart circle.point")) == 4)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#slice-charts .slice")) == 1
