"""Figures of a study's parameters against its value: importance, slice, contour, parallel coordinates.

Importance is scikit-learn's permutation importance (Breiman, "Random Forests", Machine
Learning 2001) of a random forest fitted to the complete feasible trials, the parameters in
the unit cube of the space: how much the forest's fit worsens (in R^2) when one parameter's
column is shuffled, clipped at zero and normalised to sum to one. Optuna's default is fANOVA
on a random forest; we depart from it in measuring by permutation, on the training trials.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from optarium.blackbox.plots import PlotError, axis_values, format_axis, title

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.blackbox.base import Trial
    from optarium.blackbox.study import Study

MAX_CONTOUR_PARAMS = 4


def observations(study: Study, objective: int | None = None) -> tuple[list[Trial], list[float]]:
    """The complete feasible trials and their value (objective ``objective``, 1-based, with several)."""
    trials, values = [], []
    for trial in study.trials:
        if trial.state != "complete" or not trial.feasible:
            continue
        value = trial.value if objective is None or trial.values is None else trial.values[objective - 1]
        if value is not None:
            trials.append(trial)
            values.append(float(value))
    if not trials:
        raise PlotError(f"study {study.name!r} has no complete feasible trial yet; tell some results, then plot")
    return trials, values


def param_importances(
    study: Study, params: Sequence[str] | None = None, objective: int | None = None, seed: int = 0
) -> dict[str, float]:
    """Each parameter's share of the value's variation (permutation importance of a random
    forest, see the module docstring), largest first; the shares sum to 1 (all 0 when no
    parameter matters)."""
    import numpy as np
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    names = list(params) if params is not None else study.space.names
    trials, values = observations(study, objective)
    if len(trials) < 2 or len(set(values)) < 2:
        raise PlotError(f"study {study.name!r} needs at least two complete trials with different values "
                        f"for parameter importance; it has {len(trials)}")
    columns = [study.space.names.index(name) for name in names]
    X = np.array([study.space.encode(t.params) for t in trials])[:, columns]
    y = np.array(values)
    forest = RandomForestRegressor(n_estimators=64, random_state=seed, n_jobs=1).fit(X, y)
    result = permutation_importance(forest, X, y, n_repeats=10, random_state=seed, n_jobs=1)
    raw = np.clip(result.importances_mean, 0.0, None)
    shares = raw / raw.sum() if raw.sum() > 0 else raw
    return dict(sorted(zip(names, (float(s) for s in shares), strict=True), key=lambda item: -item[1]))


def draw(study: Study, kind: str, names: list[str], objective: int | None) -> tuple[Any, dict[str, Any]]:
    """The figure of ``kind`` (importance, slice, contour or parallel) over the parameters ``names``."""
    if kind == "importance":
        return _importance(study, names, objective)
    trials, values = observations(study, objective)
    label = "value" if objective is None else f"objective {objective} ({study.directions[objective - 1][:3]})"
    shown: dict[str, Any] = {"kind": kind, "trials": len(trials), "params": names}
    if kind == "slice":
        return _slice(study, names, trials, values, label), shown
    if kind == "contour":
        if len(names) < 2:
            raise PlotError(f"a contour plot needs two parameters; study {study.name!r} has only {names[0]!r}: "
                            "plot kind 'slice' instead")
        names = names[:MAX_CONTOUR_PARAMS]
        shown["params"] = names
        return _contour(study, names, trials, values, label), shown
    return _parallel(study, names, trials, values, label), shown


def _importance(study: Study, names: list[str], objective: int | None) -> tuple[Any, dict[str, Any]]:
    import matplotlib.pyplot as plt

    shares = param_importances(study, names, objective)
    drawn, axes = plt.subplots(figsize=(6, 1.2 + 0.4 * len(shares)))
    ordered = list(shares.items())[::-1]  # largest at the top
    axes.barh([name for name, _ in ordered], [share for _, share in ordered], color="tab:blue")
    for position, (_, share) in enumerate(ordered):
        axes.text(share, position, f" {share:.2f}", va="center", fontsize=8)
    axes.set_xlim(0, max(1.0, *(s for s in shares.values())) * 1.1)
    axes.set_xlabel("importance (random-forest permutation importance, share)")
    axes.set_title(title(study, "parameter importance"))
    drawn.tight_layout()
    count = len(observations(study, objective)[0])
    return drawn, {"kind": "importance", "trials": count, "params": names, "importances": shares}


def _slice(study: Study, names: list[str], trials: list[Trial], values: list[float], label: str) -> Any:
    import matplotlib.pyplot as plt

    params = {p.name: p for p in study.space.params}
    columns = min(len(names), 4)
    rows = -(-len(names) // columns)
    drawn, grid = plt.subplots(rows, columns, figsize=(3.2 * columns + 1.0, 3.0 * rows), sharey=True, squeeze=False)
    numbers = [t.number for t in trials]
    scatter: Any = None
    for index, name in enumerate(names):
        axes = grid[index // columns, index % columns]
        scatter = axes.scatter(axis_values(params[name], [t.params[name] for t in trials]), values, c=numbers,
                               cmap="viridis", s=14)
        format_axis(axes, params[name], "x")
        axes.set_xlabel(name)
    for index in range(len(names), rows * columns):
        grid[index // columns, index % columns].set_visible(False)
    for row in range(rows):
        grid[row, 0].set_ylabel(label)
    drawn.suptitle(title(study, "slice"))
    drawn.tight_layout()
    drawn.colorbar(scatter, ax=grid, label="trial")
    return drawn


def _contour(study: Study, names: list[str], trials: list[Trial], values: list[float], label: str) -> Any:
    import matplotlib.pyplot as plt
    import numpy as np

    params = {p.name: p for p in study.space.params}
    pairs = list(itertools.combinations(names, 2))
    columns = min(len(pairs), 3)
    rows = -(-len(pairs) // columns)
    drawn, grid = plt.subplots(rows, columns, figsize=(4.0 * columns + 1.0, 3.6 * rows), squeeze=False)
    low, high = min(values), max(values)
    levels = np.linspace(low, high, 15) if high > low else None
    for index, (first, second) in enumerate(pairs):
        axes = grid[index // columns, index % columns]
        x = np.array(axis_values(params[first], [t.params[first] for t in trials]))
        y = np.array(axis_values(params[second], [t.params[second] for t in trials]))
        if levels is not None:
            _fill(axes, _scaled(params[first], x), _scaled(params[second], y), np.array(values), levels, x, y)
        axes.scatter(x, y, c="black", s=8, zorder=3)
        format_axis(axes, params[first], "x")
        format_axis(axes, params[second], "y")
        axes.set_xlabel(first)
        axes.set_ylabel(second)
    for index in range(len(pairs), rows * columns):
        grid[index // columns, index % columns].set_visible(False)
    drawn.suptitle(title(study, "contour"))
    drawn.tight_layout()
    mappable = plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(low, high))
    drawn.colorbar(mappable, ax=grid, label=label)
    return drawn


def _scaled(param: Any, positions: Any) -> Any:
    """Positions in which the triangulation is drawn: log10 for a log parameter."""
    import numpy as np

    return np.log10(positions) if getattr(param, "log", False) else positions


def _fill(axes: Any, x: Any, y: Any, values: Any, levels: Any, shown_x: Any, shown_y: Any) -> None:
    """Filled contours of the value over the trials' triangulation (on the axes' own scale);
    too few distinct or collinear points leave only the trials' dots."""
    import matplotlib.tri as tri
    import numpy as np

    if len({(a, b) for a, b in zip(x, y, strict=True)}) < 3:
        return
    try:
        mesh = tri.Triangulation(x, y)
    except (ValueError, RuntimeError):
        return
    mesh = tri.Triangulation(shown_x, shown_y, mesh.triangles)  # the same triangles, at the plotted positions
    axes.tricontourf(mesh, np.asarray(values), levels=levels, cmap="viridis")


def _parallel(study: Study, names: list[str], trials: list[Trial], values: list[float], label: str) -> Any:
    import matplotlib.pyplot as plt
    import numpy as np

    params = {p.name: p for p in study.space.params}
    columns: list[tuple[str, Any, Any]] = [(label, np.array(values), None)]
    for name in names:
        columns.append((name, np.array(axis_values(params[name], [t.params[name] for t in trials])), params[name]))
    scaled = []
    for _, column, param in columns:
        positions = np.log10(column) if getattr(param, "log", False) else column
        low, high = positions.min(), positions.max()
        if param is not None and hasattr(param, "choices"):
            low, high = 0.0, float(max(len(param.choices) - 1, 1))
        scaled.append((positions - low) / (high - low) if high > low else np.full(len(positions), 0.5))
    lines = np.array(scaled).T  # (trials, axes)
    drawn, axes = plt.subplots(figsize=(1.6 * len(columns) + 2.0, 4.2))
    colour = plt.cm.viridis(plt.Normalize(min(values), max(values) if max(values) > min(values) else min(values) + 1)(values))
    order = np.argsort(values)[::-1] if study.direction == "minimize" else np.argsort(values)  # best drawn last, on top
    for row in order:
        axes.plot(range(len(columns)), lines[row], color=colour[row], alpha=0.6, linewidth=1)
    for position, (_, column, param) in enumerate(columns):
        axes.axvline(position, color="black", linewidth=0.8)
        if param is not None and hasattr(param, "choices"):
            ends = (str(param.choices[0]), str(param.choices[-1]))
        else:
            ends = (f"{column.min():.4g}", f"{column.max():.4g}")
        axes.text(position, -0.04, ends[0], ha="center", va="top", fontsize=7)
        axes.text(position, 1.04, ends[1], ha="center", va="bottom", fontsize=7)
    axes.set_xticks(range(len(columns)), [name for name, _, _ in columns])
    axes.set_yticks([])
    axes.set_ylim(-0.12, 1.12)
    axes.set_title(title(study, "parallel coordinates"), pad=16)
    drawn.colorbar(plt.cm.ScalarMappable(cmap="viridis", norm=plt.Normalize(min(values), max(values))), ax=axes,
                   label=label)
    return drawn
