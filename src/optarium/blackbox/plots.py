"""Figures of a study, as ``optuna.visualization`` draws them: best so far, parameter importance,
slices, contours of parameter pairs, parallel coordinates, the timeline of trials, and for
several objectives the Pareto front and the hypervolume history.

:func:`figure` returns the matplotlib figure (for a notebook); :func:`plot_study` writes it
to a PNG, SVG or PDF file, or an HTML page holding the SVG, chosen by the file's suffix. A study with nothing to show, or a
kind that does not fit the study (a ranking study has no comparable values), is one
:class:`PlotError` naming what to plot instead; never empty axes. Matplotlib is imported
only when a figure is drawn.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.errors import OptariumError, OptionError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.blackbox.base import Trial
    from optarium.blackbox.study import Study

KINDS = ("history", "importance", "slice", "contour", "parallel", "timeline", "front", "hypervolume")
PARAMETER_KINDS = ("importance", "slice", "contour", "parallel")
PLOT_SUFFIXES = (".png", ".svg", ".pdf", ".html")
# The largest value (in magnitude) a figure shows, 1/256 of the largest float: axis margins
# and the importance forest's sum over its 64 trees stay finite below it.
MAX_DRAWN = 2.0**1016
STATE_COLOURS = {"complete": "tab:blue", "failed": "tab:red", "pending": "tab:gray"}


class PlotError(OptariumError, ValueError):
    """A study has nothing this kind of figure could show; the message says what to plot instead."""


def check_path(path: str | Path) -> Path:
    """``path`` as a Path when its suffix names a format we write; :class:`OptionError` else."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise OptionError("path", str(path), "a file name ending in .png, .svg, .pdf or .html")
    return path


def default_kind(study: Study) -> str:
    """``front`` for a study with several objectives, else ``history``."""
    return "front" if study.multi_objective else "history"


def plot_study(
    study: Study,
    path: str | Path,
    kind: str | None = None,
    *,
    params: Sequence[str] | None = None,
    objective: int | None = None,
    reference: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Write the ``kind`` figure of ``study`` to ``path`` (PNG, SVG, PDF, or an HTML page holding
    the SVG, by its suffix) and return what it shows: ``kind``, ``trials`` (how many), ``params``
    and, for ``importance``, ``importances``. See :func:`figure` for the arguments."""
    path = check_path(path)
    drawn, shown = _draw(study, kind, params, objective, reference)
    import matplotlib.pyplot as plt

    try:
        if path.suffix.lower() == ".html":
            path.write_text(_html_page(drawn, f"{study.name}: {shown['kind']}"), encoding="utf-8")
        else:
            drawn.savefig(path, dpi=120)
    finally:
        plt.close(drawn)
    return {"output": str(path), **shown}


def _html_page(drawn: Any, title: str) -> str:
    """A standalone HTML page (nothing fetched from elsewhere) holding the figure as inline SVG."""
    import html
    import io

    text = io.StringIO()
    drawn.savefig(text, format="svg")
    svg = text.getvalue()
    svg = svg[svg.index("<svg"):]  # the XML declaration and doctype belong to a file, not to a page
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>\n'
            f"<body>\n{svg}\n</body>\n</html>\n")


def figure(
    study: Study,
    kind: str | None = None,
    *,
    params: Sequence[str] | None = None,
    objective: int | None = None,
    reference: Sequence[float] | None = None,
) -> Any:
    """The matplotlib figure of one of :data:`KINDS` (default: ``history``, or ``front`` with
    several objectives). ``params`` picks the parameters of the parameter kinds (default: all;
    ``contour`` the first four); ``objective`` (1, 2, ...) the value they show in a study with
    several objectives; ``reference`` the hypervolume's reference point."""
    drawn, _ = _draw(study, kind, params, objective, reference)
    return drawn


def _draw(
    study: Study, kind: str | None, params: Sequence[str] | None, objective: int | None,
    reference: Sequence[float] | None,
) -> tuple[Any, dict[str, Any]]:
    kind = default_kind(study) if kind is None else kind
    if kind not in KINDS:
        raise OptionError("kind", kind, "one of " + ", ".join(KINDS))
    names = _parameter_names(study, params)
    if objective is not None and not (isinstance(objective, int) and 1 <= objective <= len(study.directions)):
        raise OptionError("objective", objective, f"an objective number from 1 to {len(study.directions)}")
    finished = [t for t in study.trials if t.state != "pending"]
    if not any(t.state == "complete" for t in finished) and not (kind == "timeline" and finished):
        raise PlotError(f"study {study.name!r} has no finished trials yet; tell some results, then plot")
    if study.feedback == "ranking" and kind not in ("history", "timeline"):
        raise PlotError(
            f"study {study.name!r} is told rankings, not values, so there are no values for a {kind} plot; "
            "plot kind 'history' (the current candidate's parameters after each ranking) or 'timeline'"
        )
    if kind in ("front", "hypervolume") and not study.multi_objective:
        raise PlotError(f"a {kind} plot needs a study with several objectives; study {study.name!r} has one")
    if reference is not None and not (study.multi_objective and kind in ("front", "hypervolume", "history")):
        raise OptionError("reference", list(reference), "left out: only the front, hypervolume and history plots of a study "
                          "with several objectives measure from a reference point")
    if kind not in ("timeline", "hypervolume") and not (kind == "history" and study.multi_objective):
        _check_magnitude(study, kind, objective)
    import matplotlib

    matplotlib.use("Agg")
    if kind == "timeline":
        return _timeline(study)
    if kind == "history" and study.feedback == "ranking":
        return _ranking_history(study, names)
    if kind == "front":
        drawn, count = _front(study, reference, with_history=True)
        return drawn, {"kind": kind, "trials": count}
    if kind == "hypervolume" or (kind == "history" and study.multi_objective):
        drawn, count = _front(study, reference, with_history=False)
        return drawn, {"kind": "hypervolume", "trials": count}
    if kind == "history":
        return _history(study)
    from optarium.blackbox import plot_params

    if study.multi_objective and objective is None:
        raise OptionError("objective", None, f"an objective number from 1 to {len(study.directions)}: "
                          f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} plot shows one value and study {study.name!r} has "
                          f"{len(study.directions)}")
    return plot_params.draw(study, kind, names, objective)


def _check_magnitude(study: Study, kind: str, objective: int | None) -> None:
    """:class:`PlotError` naming the first trial whose value ``kind`` would show lies beyond
    :data:`MAX_DRAWN`: past it, axis margins, ticks and the importance forest's sums overflow."""
    if kind == "front":
        shown = list(range(min(len(study.directions), 3)))
    elif study.multi_objective:
        shown = [(objective or 1) - 1]
    else:
        shown = [0]
    for trial in study.trials:
        if trial.state != "complete" or (kind in PARAMETER_KINDS and not trial.feasible):
            continue
        for index in shown:
            value = trial.values[index] if trial.values is not None else trial.value
            if value is not None and not abs(value) <= MAX_DRAWN:
                which = f"objective {index + 1}" if study.multi_objective else "value"
                raise PlotError(
                    f"the {kind} plot of study {study.name!r} cannot be drawn: trial {trial.number}'s {which} "
                    f"{value:.6g} is beyond +-{MAX_DRAWN:.3g}, the largest a figure can place on an axis; "
                    "plot kind 'timeline', or read the values with 'optarium study show'"
                )


def _parameter_names(study: Study, params: Sequence[str] | None) -> list[str]:
    """The parameters asked for, in the order given; every one must be a parameter of the study."""
    known = study.space.names
    if params is None:
        return list(known)
    chosen = [name.strip() for name in params if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen or len(set(chosen)) != len(chosen):
        raise OptionError("params", ",".join(params), "distinct parameter names of the study: " + ", ".join(known))
    return chosen


def title(study: Study, text: str = "") -> str:
    """A figure title naming the study; ``$`` stays literal (matplotlib reads it as math)."""
    return (study.name + (f": {text}" if text else "")).replace("$", r"\$")


def _history(study: Study) -> tuple[Any, dict[str, Any]]:
    import matplotlib.pyplot as plt

    curve = study.best_so_far()
    values = [t.value for t in study.trials if t.state == "complete" and t.value is not None]
    drawn, axes = plt.subplots(figsize=(6, 4))
    axes.plot(range(1, len(values) + 1), values, ".", alpha=0.4, label="evaluations")
    if curve:
        axes.step([c for c, _ in curve], [v for _, v in curve], where="post", label="best so far")
    axes.set_xlabel("evaluations")
    axes.set_ylabel("value")
    axes.set_title(title(study, study.direction))
    axes.legend()
    drawn.tight_layout()
    return drawn, {"kind": "history", "trials": len(values)}


def _ranking_history(study: Study, names: list[str]) -> tuple[Any, dict[str, Any]]:
    """A ranking study's candidate (the centre each group of ZO-RankSGD was asked around),
    one panel per parameter, against the number of rankings told."""
    import matplotlib.pyplot as plt

    groups: dict[int, list[Trial]] = {}
    for trial in study.trials:
        if "group" in trial.info and "centre" in trial.info:
            groups.setdefault(int(trial.info["group"]), []).append(trial)
    ranked = sorted(g for g, members in groups.items() if all(t.state == "complete" for t in members))
    if not ranked:
        raise PlotError(f"study {study.name!r} has no fully ranked group yet; tell a ranking, then plot")
    centres = [study.space.decode(groups[g][0].info["centre"]) for g in ranked]
    best = study.best
    if best is not None:
        centres.append(best.params)  # the winner of the last ranking: the current best candidate
    params = {p.name: p for p in study.space.params}
    drawn, grid = plt.subplots(len(names), 1, figsize=(6, 1.2 + 1.6 * len(names)), sharex=True, squeeze=False)
    rounds = list(range(len(centres)))
    for axes, name in zip(grid[:, 0], names, strict=True):
        heights = axis_values(params[name], [c[name] for c in centres])
        axes.plot(rounds[: len(ranked)], heights[: len(ranked)], "o-", markersize=3, label="candidate asked around")
        if best is not None:
            axes.plot(rounds[-1], heights[-1], "*", color="C3", markersize=10, label="best of the last ranking")
        format_axis(axes, params[name], "y")
        axes.set_ylabel(name)
    grid[0, 0].legend(fontsize=8)
    grid[0, 0].set_title(title(study, "candidate after each ranking"))
    grid[-1, 0].set_xlabel("rankings told")
    drawn.tight_layout()
    return drawn, {"kind": "history", "trials": sum(len(groups[g]) for g in ranked), "params": names}


def _front(study: Study, reference: Sequence[float] | None, with_history: bool) -> tuple[Any, int]:
    """Every complete trial with the Pareto front marked (2-D or 3-D; with more objectives
    the first three) beside the hypervolume history; or only the history."""
    import numpy as np

    told = [t for t in study.trials if t.state == "complete" and t.values is not None]
    # a hypervolume past the largest float (values near +-1e308) is inf: no height to draw it at
    with np.errstate(over="ignore"):
        volumes = study.hypervolume_history(reference)
    history = [(count, volume) for count, volume in volumes if math.isfinite(volume)]
    if not history and not with_history:
        raise PlotError(f"study {study.name!r} has no finite hypervolume to draw: its values are so large that "
                        "the volume overflows a float; give a reference point nearer the values, or plot kind 'timeline'")
    import matplotlib.pyplot as plt

    if not with_history:
        drawn, right = plt.subplots(figsize=(6, 4))
        right.set_title(title(study, "hypervolume"))
    else:
        front = study.pareto_front
        k = min(len(study.directions), 3)
        drawn = plt.figure(figsize=(10, 4.2))
        labels = [f"objective {i + 1} ({d[:3]})" for i, d in enumerate(study.directions)]
        if k == 3:
            axes = drawn.add_subplot(1, 2, 1, projection="3d")
            values = np.array([t.values for t in told])
            axes.scatter(values[:, 0], values[:, 1], values[:, 2], s=8, alpha=0.3, label="evaluations")
            if front:
                best = np.array([t.values for t in front])
                axes.scatter(best[:, 0], best[:, 1], best[:, 2], s=18, color="C3", label="Pareto front")
            axes.set_zlabel(labels[2])
        else:
            axes = drawn.add_subplot(1, 2, 1)
            values = np.array([t.values for t in told])
            axes.plot(values[:, 0], values[:, 1], ".", alpha=0.3, label="evaluations")
            if front:
                best = np.array(sorted(t.values for t in front if t.values is not None))
                axes.step(best[:, 0], best[:, 1], "o-", color="C3", markersize=4, label="Pareto front",
                          where="post" if study.directions[1] == "minimize" else "pre")
        axes.set_xlabel(labels[0])
        axes.set_ylabel(labels[1])
        axes.legend(fontsize=8)
        axes.set_title(title(study))
        right = drawn.add_subplot(1, 2, 2)
    if history:
        right.step([c for c, _ in history], [v for _, v in history], where="post")
    right.set_xlabel("evaluations")
    right.set_ylabel("hypervolume")
    drawn.tight_layout()
    return drawn, len(told)


def plot_front(study: Study, output: Path, reference: Sequence[float] | None = None) -> int:
    """Write the Pareto front beside the hypervolume history to ``output``; return how many trials it shows."""
    return int(plot_study(study, output, "front", reference=reference)["trials"])


def _timeline(study: Study) -> tuple[Any, dict[str, Any]]:
    """One bar per trial from its ask to its tell, coloured by state; open trials reach the
    study's last activity."""
    import matplotlib.dates as dates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = study.trial_rows()
    times = [when for row in rows for when in (row["created_at"], row["finished_at"]) if when is not None]
    last = max(times)
    drawn, axes = plt.subplots(figsize=(8, max(3.0, min(12.0, 1.5 + 0.12 * len(rows)))))
    for row in rows:
        start = dates.date2num(row["created_at"])
        end = dates.date2num(row["finished_at"] or last)
        colour = STATE_COLOURS[row["state"]]
        axes.barh(row["number"], end - start, left=start, height=0.8, color=colour)
        axes.plot([start], [row["number"]], "|", color=colour, markersize=6)  # visible even when ask and tell are ms apart
    axes.xaxis_date()
    axes.margins(x=0.03)
    axes.xaxis.set_major_formatter(dates.DateFormatter("%H:%M:%S"))
    drawn.autofmt_xdate()
    axes.set_xlabel("time (UTC) from ask to tell")
    axes.set_ylabel("trial")
    axes.invert_yaxis()
    present = sorted({row["state"] for row in rows}, key=list(STATE_COLOURS).index)
    axes.legend(handles=[Patch(color=STATE_COLOURS[s], label=s) for s in present], fontsize=8, loc="upper right")
    axes.set_title(title(study, "timeline"))
    drawn.tight_layout()
    counts = {state: sum(row["state"] == state for row in rows) for state in STATE_COLOURS}
    return drawn, {"kind": "timeline", "trials": len(rows), **counts}


def axis_values(param: Any, values: Sequence[Any]) -> list[float]:
    """A parameter's values as positions on an axis: categories by index, numbers as they are."""
    from optarium.blackbox.space import CategoricalParam

    if isinstance(param, CategoricalParam):
        return [float(param.index(v)) for v in values]
    return [float(v) for v in values]


def format_axis(axes: Any, param: Any, which: str) -> None:
    """Log scale for a log parameter, the choices as tick labels for a categorical one."""
    from optarium.blackbox.space import CategoricalParam

    if isinstance(param, CategoricalParam):
        ticks = list(range(len(param.choices)))
        labels = [str(c) for c in param.choices]
        if which == "x":
            axes.set_xticks(ticks, labels)
        else:
            axes.set_yticks(ticks, labels)
    elif getattr(param, "log", False):
        (axes.set_xscale if which == "x" else axes.set_yscale)("log")
