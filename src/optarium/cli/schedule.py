"""``optarium schedule``: solve a job-shop instance, verify the schedule, report the gap to best-known."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import (
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    LiveProgress,
    console,
    print_json,
)


def schedule(
    instance: str = typer.Argument(..., help="Instance file (standard or Taillard format) or a shipped name: ta01-ta80, la01-la40, ft06, ..."),
    time_limit: float = typer.Option(10.0, "--time-limit", "-t", help="Seconds for CP-SAT (methods cp and learned+cp)."),
    method: str = typer.Option("cp", "--method", "-m", help="cp, rule, learned or learned+cp."),
    rule: str = typer.Option("mor", "--rule", help="Dispatching rule for --method rule: spt, mwkr, mor or fifo."),
    threads: int | None = typer.Option(None, "--threads", help="CP-SAT workers (default 8)."),
    seed: int = typer.Option(0, "--seed"),
    model: Path | None = typer.Option(None, "--model", help="Learned-rule model file (default: the user's, else the shipped one)."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a Gantt chart (PNG) of the schedule."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the run in the store."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Schedule a job shop with CP-SAT, a dispatching rule or the learned rule; verify; record."""
    from optarium.domains.scheduling.rules import RULES
    from optarium.domains.scheduling.solve import METHODS, solve_jobshop
    from optarium.errors import OptionError

    if method not in METHODS:
        raise OptionError("--method", method, f"one of {', '.join(METHODS)}")
    if rule.lower() not in RULES:
        raise OptionError("--rule", rule, f"one of {', '.join(RULES)}")
    if plot is not None and not plot.parent.resolve().is_dir():
        raise OptionError("--plot", str(plot), "a file in an existing folder")
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise OptionError("--plot", str(plot), "a file name ending in .png, .svg or .pdf")
    with LiveProgress(enabled=not (as_json or quiet), label="scheduling") as progress:
        result = solve_jobshop(
            instance, method, time_limit=time_limit, rule=rule, threads=threads, seed=seed, model=model,
            store=store, record=not no_record, progress=progress,
        )
    if plot is not None and result.schedule is not None:
        from optarium.domains.scheduling.plot import plot_gantt

        plot_gantt(result.instance, result.schedule, plot, f"{result.instance.name} ({result.solver}): makespan {result.makespan}")
    if as_json:
        print_json(result.summary())
    elif not quiet:
        out = console()
        known = result.instance.best_known
        gap = f"  gap {100 * result.gap:.2f}% to best-known {known}" if result.gap is not None else ""
        out.print(f"[bold]{result.status}[/]  makespan {result.makespan if result.makespan is not None else '-'}{gap}"
                  + (f"  lower bound {result.bound}" if result.bound is not None and result.status != "optimal" else ""))
        if result.check is not None:
            out.print("[green]verified[/] (precedence, no overlap, durations, makespan recomputed)" if result.verified
                      else f"[red]NOT verified[/]: {'; '.join(result.check.violations)}")
        out.print(f"{result.instance.name}: {result.instance.num_jobs} jobs x {result.instance.num_machines} machines, "
                  f"{result.solver} {result.solver_version} {result.seconds:.2f}s")
        if result.message:
            out.print(result.message)
        if result.run_id is not None:
            out.print(f"run {result.run_id} recorded")
        if plot is not None and result.schedule is not None:
            out.print(f"Gantt chart written to {plot}")
    return 0 if result.verified else 1
