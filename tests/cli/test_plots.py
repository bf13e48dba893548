"""Plots by file suffix (PNG, SVG, PDF) for route and schedule, a clear refusal of other suffixes,
and route pictures whose colours never repeat and whose legend hides no route."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

OPTARIUM = str(Path(sys.executable).parent / "optarium")
ROUTING = Path(__file__).resolve().parents[1] / "domains" / "routing" / "data" / "X-n101-k25.vrp"
MAGIC = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}


def optarium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OPTARIUM, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_route_and_schedule_write_the_format_their_suffix_names(tmp_path: Path, suffix: str) -> None:
    routes = tmp_path / f"routes{suffix.upper() if suffix == '.pdf' else suffix}"
    done = optarium("route", str(ROUTING), "--iterations", "50", "--no-record", "--plot", str(routes))
    assert done.returncode == 0, done.stderr
    assert routes.read_bytes()[:5].startswith(MAGIC[suffix]) and f"routes drawn to {routes}" in done.stdout
    gantt = tmp_path / f"gantt{suffix}"
    done = optarium("schedule", "ft06", "--method", "rule", "--no-record", "--plot", str(gantt))
    assert done.returncode == 0, done.stderr
    assert gantt.read_bytes()[:5].startswith(MAGIC[suffix])


@pytest.mark.parametrize("command", [["route", str(ROUTING)], ["schedule", "ft06"]])
def test_an_unknown_plot_suffix_is_one_line_and_exit_2_before_any_work(tmp_path: Path, command: list[str]) -> None:
    done = optarium(*command, "--no-record", "--plot", str(tmp_path / "out.jpg"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: option `--plot` must be a file name ending in .png, .svg or .pdf, got '{tmp_path / 'out.jpg'}'\n"


def test_the_library_names_its_parameter_for_an_unknown_suffix(tmp_path: Path) -> None:
    from optarium.domains.routing.instance import read_instance
    from optarium.domains.routing.plot import plot_routes
    from optarium.errors import OptionError

    with pytest.raises(OptionError, match=re.escape("option `path` must be a file name ending in .png, .svg or .pdf")):
        plot_routes(read_instance(ROUTING), [[1]], tmp_path / "x.gif")


@pytest.mark.parametrize("count", [5, 20, 26, 60, 150])
def test_every_route_gets_a_colour_of_its_own(count: int) -> None:
    from optarium.domains.routing.plot import route_colours

    colours = route_colours(count)
    assert len(colours) == count and len({tuple(round(c, 3) for c in colour) for colour in colours}) == count


def test_the_legend_sits_outside_the_map() -> None:
    import matplotlib.pyplot as plt

    from optarium.domains.routing.instance import read_instance
    from optarium.domains.routing.plot import draw_routes

    instance = read_instance(ROUTING)
    routes = [list(range(start, min(start + 4, 101))) for start in range(1, 101, 4)]
    figure = draw_routes(instance, routes)
    try:
        renderer = figure.canvas.get_renderer()
        axes = figure.axes[0]
        legend = axes.get_legend()
        assert legend is not None and "25 routes, one colour each" in [text.get_text() for text in legend.get_texts()]
        assert not legend.get_window_extent(renderer).overlaps(axes.get_window_extent(renderer))
        drawn = [line.get_color() for line in axes.get_lines() if len(line.get_xdata()) > 0]
        assert len(drawn) == 25 and len({tuple(colour) for colour in drawn}) == 25
    finally:
        plt.close(figure)


def _finished_study(store: str, name: str, feedback: str = "value") -> None:
    from optarium.blackbox.study import Study

    space = {"x": {"type": "float", "low": -2.0, "high": 2.0}, "y": {"type": "float", "low": -2.0, "high": 2.0}}
    study = Study.create(name, space, sampler="random" if feedback == "value" else "auto", feedback=feedback, seed=3,
                         store=store)
    for _ in range(3):
        group = study.ask(4)
        if feedback == "ranking":
            study.tell_ranking(group, [0, 1, 2, 3])
        for trial in group if feedback == "value" else []:
            study.tell(trial, trial.params["x"] ** 2)


@pytest.mark.parametrize(("kind", "output"), [("contour", "pairs.svg"), ("timeline", "times.PDF")])
def test_study_plot_writes_each_kind_in_the_format_its_suffix_names(tmp_path: Path, kind: str, output: str) -> None:
    store = f"sqlite:///{tmp_path / 'lab.db'}"
    _finished_study(store, "lab")
    done = optarium("study", "plot", "lab", "--kind", kind, "--params", "y,x", "-o", str(tmp_path / output),
                    "--store", store)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {tmp_path / output} ({kind}, 12 trials)\n"
    assert (tmp_path / output).read_bytes()[:5].startswith(MAGIC[Path(output).suffix.lower()])


def test_study_plot_refuses_what_it_cannot_draw_with_one_line_and_exit_2(tmp_path: Path) -> None:
    from optarium.blackbox.study import Study

    store = f"sqlite:///{tmp_path / 'lab.db'}"
    Study.create("empty", {"x": {"type": "float", "low": 0.0, "high": 1.0}}, store=store).ask()
    _finished_study(store, "ranked", feedback="ranking")
    before = [Study.load(name, store).trial_rows() for name in ("empty", "ranked")]
    cases = [
        (["empty"], "error: study 'empty' has no finished trials yet; tell some results, then plot"),
        (["ranked", "--kind", "slice"], "error: study 'ranked' is told rankings, not values, so there are no values "
         "for a slice plot; plot kind 'history' (the current candidate's parameters after each ranking) or 'timeline'"),
        (["ranked", "-o", str(tmp_path / "plot.jpg")],
         f"error: option `--output` must be a file name ending in .png, .svg, .pdf or .html, got '{tmp_path / 'plot.jpg'}'"),
    ]
    for args, line in cases:
        done = optarium("study", "plot", *args, "--store", store)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", line + "\n")
    assert [Study.load(name, store).trial_rows() for name in ("empty", "ranked")] == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("lab.db")] == []
