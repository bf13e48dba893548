"""Figures of a multi-objective study: the Pareto front (2-D or 3-D) beside the hypervolume history."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from optarium.blackbox.study import Study


def plot_front(study: Study, output: Path, reference: Sequence[float] | None = None) -> int:
    """Write a PNG of every complete trial with the Pareto front marked (two or three objectives;
    with more, the first three) and the hypervolume after each evaluation; return how many
    trials it shows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    told = [t for t in study.trials if t.state == "complete" and t.values is not None]
    front = study.pareto_front
    history = study.hypervolume_history(reference)
    k = min(len(study.directions), 3)
    figure = plt.figure(figsize=(10, 4.2))
    labels = [f"objective {i + 1} ({d[:3]})" for i, d in enumerate(study.directions)]
    if k == 3:
        axes = figure.add_subplot(1, 2, 1, projection="3d")
        if told:
            values = np.array([t.values for t in told])
            axes.scatter(values[:, 0], values[:, 1], values[:, 2], s=8, alpha=0.3, label="evaluations")
        if front:
            best = np.array([t.values for t in front])
            axes.scatter(best[:, 0], best[:, 1], best[:, 2], s=18, color="C3", label="Pareto front")
        axes.set_zlabel(labels[2])
    else:
        axes = figure.add_subplot(1, 2, 1)
        if told:
            values = np.array([t.values for t in told])
            axes.plot(values[:, 0], values[:, 1], ".", alpha=0.3, label="evaluations")
        if front:
            best = np.array(sorted(t.values for t in front if t.values is not None))
            axes.step(best[:, 0], best[:, 1], "o-", color="C3", where="post" if study.directions[1] == "minimize" else "pre",
                      markersize=4, label="Pareto front")
    axes.set_xlabel(labels[0])
    axes.set_ylabel(labels[1])
    axes.legend(fontsize=8)
    axes.set_title(study.name.replace("$", r"\$"))
    right = figure.add_subplot(1, 2, 2)
    if history:
        right.step([c for c, _ in history], [v for _, v in history], where="post")
    right.set_xlabel("evaluations")
    right.set_ylabel("hypervolume")
    figure.tight_layout()
    try:
        figure.savefig(output, dpi=110)
    finally:
        plt.close(figure)
    return len(told)
