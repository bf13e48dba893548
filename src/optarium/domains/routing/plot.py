"""Draw a routing solution: the depot, the clients and each route in its own colour (PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.domains.routing.instance import RoutingInstance


def plot_routes(instance: RoutingInstance, routes: Sequence[Sequence[int]], path: str | Path, title: str | None = None) -> Path:
    """Write a picture of ``routes`` (client node ids) on ``instance`` to ``path`` (.png)."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise OptionError("path", str(path), "a file name ending in .png")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coords = instance.coords
    figure, axes = plt.subplots(figsize=(8, 8))
    colours = plt.get_cmap("tab20")
    for number, route in enumerate(routes):
        nodes = [0, *route, 0]
        axes.plot(coords[nodes, 0], coords[nodes, 1], "-", color=colours(number % 20), linewidth=1.2, alpha=0.9)
    axes.scatter(coords[1:, 0], coords[1:, 1], s=12, c="black", zorder=3, label="clients")
    axes.scatter(coords[:1, 0], coords[:1, 1], s=120, c="red", marker="s", zorder=4, label="depot")
    axes.set_title(title or f"{instance.name}: {len(routes)} routes")
    axes.set_aspect("equal", adjustable="datalim")
    axes.legend(loc="upper right")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path
