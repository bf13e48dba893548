"""``optarium route``: solve a vehicle routing instance, verify it, draw it, record it."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, QUIET_OPTION, STORE_OPTION, console, print_json


def route(
    instance_file: Path = typer.Argument(..., metavar="FILE", help="VRPLIB instance (.vrp) or CSV (id,x,y,demand[,ready,due,service])."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds (default 10 unless --iterations is given)."),
    iterations: int | None = typer.Option(None, "--iterations", help="Stop after this many search iterations."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed and budget give the same search."),
    warm_start: bool = typer.Option(False, "--warm-start", help="Start from the edge policy learned from stored runs."),
    capacity: int | None = typer.Option(None, "--capacity", help="Vehicle capacity (overrides the file's)."),
    best_known: float | None = typer.Option(None, "--best-known", help="Best-known cost for the gap (default: the .sol beside FILE)."),
    plot: Path | None = typer.Option(None, "--plot", help="Draw the routes to this .png file."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the run in the store."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve a capacitated VRP (with time windows when the file has them) with PyVRP and check it."""
    from optarium.domains.routing.instance import read_instance
    from optarium.domains.routing.solve import solve_routing
    from optarium.errors import OptionError

    if plot is not None and plot.suffix.lower() != ".png":
        raise OptionError("--plot", str(plot), "a file name ending in .png")
    if time_limit is not None and not time_limit > 0:
        raise OptionError("--time-limit", time_limit, "a positive number of seconds")
    if capacity is not None and capacity <= 0:
        raise OptionError("--capacity", capacity, "a positive integer")
    instance = read_instance(instance_file, capacity=capacity, best_known=best_known)
    result = solve_routing(instance, time_limit=time_limit, iterations=iterations, seed=seed,
                           warm_start=warm_start, store=store, record=not no_record)
    if plot is not None:
        from optarium.domains.routing.plot import plot_routes

        gap = f", gap {100 * result.gap:.2f}%" if result.gap is not None else ""
        plot_routes(instance, result.routes, plot, title=f"{instance.name}: cost {result.cost:g}{gap}, {len(result.routes)} routes")
    if as_json:
        print_json(result.summary())
    elif not quiet:
        out = console()
        check = "[green]verified[/]" if result.verified else "[red]NOT verified: " + "; ".join(result.check.problems) + "[/]"
        gap = f"  gap {100 * result.gap:.3f}% to best-known {result.best_known:g}" if result.gap is not None and result.best_known is not None else ""
        out.print(f"[bold]cost {result.cost:g}[/]{gap}  {len(result.routes)} routes  {check}")
        out.print(f"pyvrp {result.solver_version}, {'warm' if warm_start else 'cold'} start, seed {seed}, "
                  f"{result.iterations} iterations, {result.seconds:.2f}s")
        if result.message:
            out.print(result.message)
        if result.run_id is not None:
            out.print(f"run {result.run_id} recorded")
        if plot is not None:
            out.print(f"routes drawn to {plot}")
    return 0 if result.verified else 1
