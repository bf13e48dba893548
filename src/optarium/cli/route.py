"""``optarium route``: solve a vehicle routing instance, verify it, draw it, record it."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    EXIT_INTERRUPTED,
    JSON_OPTION,
    PLOT_SUFFIXES,
    QUIET_OPTION,
    STORE_OPTION,
    LiveProgress,
    check_output_file,
    console,
    print_json,
    settings_from,
    status_exit_code,
)

if TYPE_CHECKING:
    from optarium.domains.routing.instance import RoutingInstance
    from optarium.solution import Solution

# the flag of each setting, for errors in values given on the command line
FLAGS = {"time_limit": "--time-limit", "iterations": "--iterations", "seed": "--seed"}


def route(
    instance_file: Path = typer.Argument(..., metavar="FILE", help="VRPLIB instance (.vrp) or CSV (id,x,y,demand[,ready,due,service])."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (time_limit, iterations, seed, warm_start, [warm]); flags override it."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds (default 10 unless --iterations is given)."),
    iterations: int | None = typer.Option(None, "--iterations", help="Stop after this many search iterations."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default 0); the same seed and budget give the same search."),
    warm_start: bool | None = typer.Option(None, "--warm-start/--cold-start", help="Start from the edge policy learned from stored runs.", show_default=False),
    capacity: int | None = typer.Option(None, "--capacity", help="Vehicle capacity (overrides the file's)."),
    best_known: float | None = typer.Option(None, "--best-known", help="Best-known cost for the gap (default: the .sol beside FILE)."),
    plot: Path | None = typer.Option(None, "--plot", help="Draw the routes to this file: .png, .svg or .pdf."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the run in the store."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve a capacitated VRP (with time windows when the file has them) with PyVRP and check it.

    Exit 0 for verified routes, 1 when none were found in the budget or they failed verification,
    2 for bad input, 130 for Ctrl-C.
    """
    from optarium.domains.routing.instance import read_instance
    from optarium.domains.routing.settings import RouteSettings
    from optarium.domains.routing.solve import route_summary, solve_routing
    from optarium.errors import OptionError

    if plot is not None:
        check_output_file(plot, "--plot", PLOT_SUFFIXES)
    if capacity is not None and capacity <= 0:
        raise OptionError("--capacity", capacity, "a positive integer")
    if best_known is not None and not 0 < best_known < math.inf:  # a cost: the gap is taken relative to it
        raise OptionError("--best-known", best_known, "a positive number")
    settings = settings_from(RouteSettings, config, FLAGS, time_limit=time_limit, iterations=iterations, seed=seed,
                             warm_start=warm_start)
    instance = read_instance(instance_file, capacity=capacity, best_known=best_known)
    with LiveProgress(enabled=not (as_json or quiet), label="routing", budget=settings.budget_seconds, objective="cost") as progress:
        solution = solve_routing(instance, settings.replace(progress=progress), store=store, record=not no_record)
    routes = solution.payload or []
    drawn = plot is not None and bool(routes) and _draw(instance, solution, plot)
    if as_json:
        print_json({**route_summary(instance, solution), "plot": str(plot) if drawn else None})
    elif not quiet:
        _show(instance, solution, settings, plot if drawn else None)
    if plot is not None and routes and not drawn:
        sys.stderr.write(f"interrupted: the routes were not drawn to {plot}\n")
        return EXIT_INTERRUPTED
    return status_exit_code(solution.status, verified=solution.verified)


def _draw(instance: RoutingInstance, solution: Solution[Any], plot: Path) -> bool:
    """Draw the routes to ``plot``, all or nothing: False when Ctrl-C stopped it (the routes still count more)."""
    import os

    from optarium.domains.routing.plot import plot_routes
    from optarium.errors import InputFileError

    gap = solution.extra.get("gap_to_best_known")
    gap_text = f", gap {100 * gap:.2f}%" if gap is not None else ""
    routes = solution.payload or []
    # drawn beside it first, then moved over it: an interrupted or failed write leaves no half picture
    partial = plot.with_name(f".{plot.stem}.{os.getpid()}.partial{plot.suffix}")
    try:
        plot_routes(instance, routes, partial, title=f"{instance.name}: cost {solution.objective:g}{gap_text}, {len(routes)} routes")
        os.replace(partial, plot)
    except OSError as error:
        raise InputFileError(str(plot), f"cannot write: {error.strerror or error}") from None
    except KeyboardInterrupt:
        return False
    finally:
        partial.unlink(missing_ok=True)
    return True


def _show(instance: RoutingInstance, solution: Solution[Any], settings: Any, plot: Path | None) -> None:
    from rich.markup import escape

    out = console()
    routes = solution.payload or []
    gap, best = solution.extra.get("gap_to_best_known"), instance.best_known
    if solution.objective is not None:
        check = "[green]verified[/]" if solution.verified else "[red]NOT verified: " + escape(
            solution.verification.message if solution.verification is not None else "") + "[/]"
        gap_text = f"  gap {100 * gap:.3f}% to best-known {best:g}" if gap is not None and best is not None else ""
        stopped = "[yellow]interrupted[/]: best found so far, " if solution.status == "interrupted" else ""
        out.print(f"{stopped}[bold]cost {solution.objective:g}[/]{gap_text}  {len(routes)} routes  {check}")
    else:
        out.print(f"[bold red]{solution.status}[/]: no solution")
    out.print(f"pyvrp {escape(solution.solver_version)}, {'warm' if solution.extra.get('warm_start') else 'cold'} start, "
              f"seed {settings.seed}, {solution.extra.get('iterations')} iterations, {solution.seconds:.2f}s")
    if solution.message:
        out.print(escape(solution.message))
    if solution.run_id is not None:
        out.print(f"run {solution.run_id} recorded")
    if plot is not None:
        out.print(f"routes drawn to {escape(str(plot))}")
