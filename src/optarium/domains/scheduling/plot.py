"""Gantt chart of a job-shop schedule (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from optarium.domains.scheduling.instance import JobShopInstance
    from optarium.domains.scheduling.verify import Schedule


def plot_gantt(instance: JobShopInstance, schedule: Schedule, path: str | Path, title: str | None = None) -> Path:
    """Draw one row per machine, one colour per job; write it to ``path``: PNG, SVG or PDF by its suffix."""
    from optarium.errors import OptionError

    if Path(path).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise OptionError("path", str(path), "a file name ending in .png, .svg or .pdf")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    table = schedule.table
    colours = plt.get_cmap("tab20" if instance.num_jobs <= 20 else "turbo")
    height = max(2.5, 0.3 * instance.num_machines + 1.2)
    figure, axes = plt.subplots(figsize=(12, height))
    for job, _position, machine, start, end in table:
        colour = colours(job % 20) if instance.num_jobs <= 20 else colours(job / max(instance.num_jobs - 1, 1))
        axes.barh(machine, end - start, left=start, height=0.8, color=colour, edgecolor="black", linewidth=0.3)
        if instance.num_jobs <= 20 and end - start >= 0.02 * schedule.makespan:
            axes.text((start + end) / 2, machine, str(job), ha="center", va="center", fontsize=7)
    axes.axvline(schedule.makespan, color="red", linewidth=1)
    axes.set_yticks(range(instance.num_machines))
    axes.set_yticklabels([f"M{m}" for m in range(instance.num_machines)], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("time")
    axes.set_title(title or f"{instance.name}: makespan {schedule.makespan}")
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=110)
    finally:
        plt.close(figure)
    return path
