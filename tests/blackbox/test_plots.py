"""The study plots of the Python API: what each kind draws, importance that finds the parameter
that matters, and one clear refusal where a kind has nothing to show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from optarium.blackbox.plots import PlotError, figure, plot_study
from optarium.blackbox.study import Study
from optarium.errors import OptionError

SPACE = {
    "x": {"type": "float", "low": -2.0, "high": 2.0},
    "rate": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
    "kind": {"type": "categorical", "choices": ["a", "b", "c"]},
}


def _study(name: str, trials: int = 24, failed: int = 0) -> Study:
    """A random-sampler study whose value depends on ``x`` alone."""
    study = Study.create(name, SPACE, sampler="random", seed=5, store=f"memory://{name}")
    for number in range(trials):
        (trial,) = study.ask()
        if number < failed:
            study.tell(trial, failed=True)
        else:
            study.tell(trial, (trial.params["x"] - 0.5) ** 2)
    return study


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


def test_importance_gives_the_parameter_that_matters_nearly_all_the_share() -> None:
    from optarium.blackbox.plot_params import param_importances

    shares = param_importances(_study("importance", trials=40))
    assert next(iter(shares)) == "x" and shares["x"] > 0.8
    assert sum(shares.values()) == pytest.approx(1.0)


def test_slice_contour_and_parallel_show_every_complete_trial() -> None:
    study = _study("kinds", trials=14, failed=2)
    sliced = figure(study, "slice")
    panels = [axes for axes in sliced.axes if axes.get_visible() and axes.get_xlabel()]
    assert [axes.get_xlabel() for axes in panels] == ["x", "rate", "kind"]
    assert all(len(axes.collections[0].get_offsets()) == 12 for axes in panels)
    assert panels[1].get_xscale() == "log"
    assert [t.get_text() for t in panels[2].get_xticklabels()] == ["a", "b", "c"]
    contour = figure(study, "contour", params=["x", "rate"])
    assert [(axes.get_xlabel(), axes.get_ylabel()) for axes in contour.axes if axes.get_xlabel()] == [("x", "rate")]
    parallel = figure(study, "parallel", params=["kind", "x"])
    axes = parallel.axes[0]
    assert len(axes.get_lines()) == 12 + 3  # one line per trial, one vertical axis per column
    assert [t.get_text() for t in axes.get_xticklabels()] == ["value", "kind", "x"]


def test_timeline_draws_a_bar_per_trial_coloured_by_state(tmp_path: Path) -> None:
    study = _study("timeline", trials=5, failed=1)
    study.ask()
    shown = plot_study(study, tmp_path / "timeline.svg", "timeline")
    assert shown["trials"] == 6 and (shown["complete"], shown["failed"], shown["pending"]) == (4, 1, 1)
    assert (tmp_path / "timeline.svg").read_bytes().startswith(b"<?xml")
    bars = figure(study, "timeline").axes[0].patches
    colours = [matplotlib.colors.to_hex(bar.get_facecolor()) for bar in bars]
    assert colours.count(matplotlib.colors.to_hex("tab:red")) == 1 and len(bars) == 6


def test_ranking_study_plots_its_candidate_and_refuses_values() -> None:
    study = Study.create("ranked", {"x": {"type": "float", "low": -2.0, "high": 2.0}}, feedback="ranking", seed=2,
                         store="memory://ranked")
    for _ in range(5):
        group = study.ask(4)
        study.tell_ranking(group, sorted(range(4), key=lambda k: abs(group[k].params["x"] - 1.0)))
    axes = figure(study).axes[0]
    star = next(line for line in axes.get_lines() if line.get_marker() == "*")
    assert star.get_ydata()[0] == pytest.approx(study.best.params["x"])
    assert len(axes.get_lines()[0].get_xdata()) == 5  # the candidate each of the five rankings was asked around
    with pytest.raises(PlotError, match=re.escape("study 'ranked' is told rankings, not values")):
        figure(study, "slice")


def test_nothing_to_show_is_one_clear_error(tmp_path: Path) -> None:
    empty = Study.create("empty", SPACE, sampler="random", store="memory://empty")
    empty.ask()
    with pytest.raises(PlotError, match="study 'empty' has no finished trials yet"):
        plot_study(empty, tmp_path / "empty.png")
    assert not (tmp_path / "empty.png").exists()
    study = _study("refusals", trials=3)
    with pytest.raises(OptionError, match=re.escape("option `path` must be a file name ending in .png, .svg, .pdf or .html")):
        plot_study(study, tmp_path / "x.jpg")
    with pytest.raises(OptionError, match="option `params` must be distinct parameter names of the study: x, rate, kind"):
        figure(study, "slice", params=["y"])
    with pytest.raises(PlotError, match="a front plot needs a study with several objectives"):
        figure(study, "front")


def test_several_objectives_need_an_objective_for_parameter_plots() -> None:
    study = Study.create("two", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, directions=["minimize", "maximize"],
                         sampler="random", seed=1, store="memory://two")
    for _ in range(6):
        (trial,) = study.ask()
        study.tell(trial, [trial.params["x"], trial.params["x"] ** 2])
    with pytest.raises(OptionError, match="option `objective` must be an objective number from 1 to 2"):
        figure(study, "slice")
    sliced = figure(study, "slice", objective=2)
    heights = sorted(sliced.axes[0].collections[0].get_offsets()[:, 1])
    assert heights == pytest.approx(sorted(t.values[1] for t in study.trials))
    assert [axes.get_ylabel() for axes in figure(study, "hypervolume").axes] == ["hypervolume"]


def _huge_study(name: str, told: list[Any], directions: list[str] | None = None) -> Study:
    """A study told the values ``told`` in order (one per trial; a tuple with several objectives)."""
    extra: dict[str, Any] = {} if directions is None else {"directions": directions}
    study = Study.create(name, SPACE, sampler="random", seed=2, store=f"memory://{name}", **extra)
    for value in told:
        (trial,) = study.ask()
        study.tell(trial, value)
    return study


@pytest.mark.parametrize("kind", ["history", "importance", "slice", "contour", "parallel"])
def test_values_near_the_largest_float_are_refused_naming_the_trial(kind: str, tmp_path: Path) -> None:
    study = _huge_study(f"huge-{kind}", [1.0, 1e308, -1e308, 2.0])
    with pytest.raises(PlotError, match=r"trial 2's value 1e\+308 is beyond .*'timeline'"):
        plot_study(study, tmp_path / "huge.png", kind)
    assert not (tmp_path / "huge.png").exists()
    assert plot_study(study, tmp_path / "timeline.png", "timeline")["trials"] == 4


def test_front_and_hypervolume_refuse_values_whose_volume_overflows(tmp_path: Path) -> None:
    study = _huge_study("huge-front", [(1e308, -1e308), (-1e308, 1e308)], ["maximize", "minimize"])
    with pytest.raises(PlotError, match=r"trial 1's objective 1 1e\+308 is beyond"):
        plot_study(study, tmp_path / "front.png", "front")
    with pytest.raises(PlotError, match="no finite hypervolume to draw"):
        plot_study(study, tmp_path / "hv.png", "hypervolume")
    assert not list(tmp_path.iterdir())


def test_large_but_drawable_values_still_plot(tmp_path: Path) -> None:
    study = _huge_study("large", [1e300, -1e300, 0.0, 5.0])
    for kind in ("history", "slice", "parallel"):
        assert plot_study(study, tmp_path / f"{kind}.png", kind)["trials"] == 4


@pytest.mark.parametrize(("kind", "directions"), [("history", None), ("slice", ["minimize", "maximize"]),
                                                  ("timeline", ["minimize", "maximize"])])
def test_a_reference_point_for_a_plot_that_measures_no_hypervolume_is_refused(tmp_path: Path, kind: str,
                                                                              directions: list[str] | None) -> None:
    study = Study.create(f"ref-{kind}", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, directions=directions,
                         sampler="random", seed=1, store=f"memory://ref-{kind}")
    for trial in study.ask(3):
        study.tell(trial, [trial.params["x"], 1 - trial.params["x"]] if directions else trial.params["x"])
    with pytest.raises(OptionError, match=r"option `reference` must be left out: only the front, hypervolume and history plots "
                                          r"of a study with several objectives measure from a reference point"):
        plot_study(study, tmp_path / "p.png", kind, objective=1 if directions else None, reference=[2.0, 2.0])
    assert not (tmp_path / "p.png").exists()


def test_an_html_output_is_one_standalone_page_holding_the_figure_as_svg(tmp_path: Path) -> None:
    study = _study("html-page", trials=6)
    shown = plot_study(study, tmp_path / "best.html", "history")
    page = (tmp_path / "best.html").read_text()
    assert shown["output"] == str(tmp_path / "best.html") and shown["kind"] == "history"
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">") and page.rstrip().endswith("</html>")
    assert "<title>html-page: history</title>" in page and page.count("<svg") == 1 and "<?xml" not in page
    assert not any(fetch in page for fetch in ("<script", "<link", 'src="', "@import"))  # nothing fetched from elsewhere
    with pytest.raises(OptionError, match=r"a file name ending in \.png, \.svg, \.pdf or \.html"):
        plot_study(study, tmp_path / "best.jpg", "history")
