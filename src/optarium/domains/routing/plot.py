"""Draw a routing solution: the depot, the clients and each route in a colour of its own (PNG, SVG or PDF)."""

from __future__ import annotations

import colorsys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.domains.routing.instance import RoutingInstance

# the picture's format follows the file name
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
GOLDEN = 0.618033988749895


def route_colours(count: int) -> list[tuple[float, float, float]]:
    """``count`` different RGB colours, neighbours far apart: tab20's up to 20, else hues a golden angle apart."""
    if count <= 20:
        import matplotlib

        table = matplotlib.colormaps["tab20"]
        # dark shades first, then the light ones: routes drawn one after another differ the most
        order = [*range(0, 20, 2), *range(1, 20, 2)]
        return [tuple(table(order[number])[:3]) for number in range(count)]
    shades = ((0.85, 0.80), (0.55, 0.95), (0.95, 0.55))  # (saturation, value): three rings of hues
    colours = []
    for number in range(count):
        hue = (number * GOLDEN) % 1.0
        saturation, value = shades[(number // 7) % 3]
        colours.append(colorsys.hsv_to_rgb(hue, saturation, value))
    return colours


def check_plot_path(path: str | Path, parameter: str = "path") -> Path:
    """``path`` as a Path when its suffix names a format we write; :class:`OptionError` naming ``parameter`` else."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise OptionError(parameter, str(path), "a file name ending in .png, .svg or .pdf")
    return path


def draw_routes(instance: RoutingInstance, routes: Sequence[Sequence[int]], title: str | None = None) -> Any:
    """The matplotlib figure of ``routes`` (client node ids) on ``instance``; the legend sits below the map."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coords = instance.coords
    figure, axes = plt.subplots(figsize=(8, 8.6))
    for colour, route in zip(route_colours(len(routes)), routes, strict=True):
        nodes = [0, *route, 0]
        axes.plot(coords[nodes, 0], coords[nodes, 1], "-", color=colour, linewidth=1.2, alpha=0.9)
    axes.scatter(coords[1:, 0], coords[1:, 1], s=12, c="black", zorder=3, label="clients")
    axes.scatter(coords[:1, 0], coords[:1, 1], s=120, c="red", marker="s", zorder=4, label="depot")
    axes.plot([], [], "-", color="grey", label=f"{len(routes)} routes, one colour each")
    axes.set_title(title or f"{instance.name}: {len(routes)} routes")
    axes.set_aspect("equal", adjustable="datalim")
    # below the axes, outside them: a legend inside would hide routes
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=3, frameon=False)
    return figure


def plot_routes(instance: RoutingInstance, routes: Sequence[Sequence[int]], path: str | Path, title: str | None = None) -> Path:
    """Write a picture of ``routes`` (client node ids) on ``instance`` to ``path``: PNG, SVG or PDF by its suffix."""
    path = check_plot_path(path)
    import matplotlib.pyplot as plt

    figure = draw_routes(instance, routes, title)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=110, bbox_inches="tight")
    finally:
        plt.close(figure)
    return path
