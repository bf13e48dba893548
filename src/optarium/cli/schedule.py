"""``optarium schedule``: solve a job-shop instance, verify the schedule, report the gap to best-known."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from optarium.cli.common import (
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

# the flag of each settings field, for errors about flags
FLAGS = {"method": "--method", "time_limit": "--time-limit", "rule": "--rule", "threads": "--threads", "seed": "--seed", "model": "--model"}


def schedule(
    instance: str = typer.Argument(..., help="Instance file (standard or Taillard format) or a shipped name: ta01-ta80, la01-la40, ft06, ..."),
    config: Path | None = typer.Option(None, "--config", help="TOML file of settings (method, time_limit, rule, threads, seed, model); flags override it."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds for CP-SAT (methods cp and learned+cp; default 10)."),
    method: str | None = typer.Option(None, "--method", "-m", help="auto (default: cp), cp, rule, learned or learned+cp."),
    rule: str | None = typer.Option(None, "--rule", help="Dispatching rule for --method rule: spt, mwkr, mor (default) or fifo."),
    threads: int | None = typer.Option(None, "--threads", help="CP-SAT workers (default: the machine's cores, at most 8)."),
    seed: int | None = typer.Option(None, "--seed", help="CP-SAT's random seed (default 0)."),
    model: Path | None = typer.Option(None, "--model", help="Learned-rule model file (default: the store's newest, else the shipped one)."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a Gantt chart of the schedule: .png, .svg or .pdf."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the run in the store."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Schedule a job shop with CP-SAT, a dispatching rule or the learned rule; verify; record.

    Exit 0 for a verified schedule, 1 when none was found in the time limit or it failed its check,
    2 for bad input, 130 for Ctrl-C.
    """
    from optarium.domains.scheduling.instance import load_instance
    from optarium.domains.scheduling.settings import ScheduleSettings
    from optarium.domains.scheduling.solve import makespan, solve_jobshop, summary
    from optarium.domains.scheduling.verify import Schedule
    from optarium.errors import InputFileError, OptionError

    settings = settings_from(ScheduleSettings, config, FLAGS, method=method, time_limit=time_limit, rule=rule,
                             threads=threads, seed=seed, model=None if model is None else str(model))
    # a flag the method never reads would be dropped without a word: the user meant another method
    if rule is not None and settings.method != "rule":
        runs = {"learned": "the learned rule", "learned+cp": "the learned rule and CP-SAT"}.get(settings.method, "CP-SAT")
        raise OptionError("--rule", rule, f"given with --method rule (method {settings.method} runs {runs}, no dispatching rule)")
    if model is not None and settings.method not in ("learned", "learned+cp"):
        raise OptionError("--model", str(model), f"given with --method learned or learned+cp (the method here is {settings.method})")
    if plot is not None:
        check_output_file(plot, "--plot", PLOT_SUFFIXES)
    started = time.perf_counter()
    problem = load_instance(instance)
    read = {"read": time.perf_counter() - started}
    # one gap on the screen, the one to the best-known makespan; the bound is shown as a number
    with LiveProgress(enabled=not (as_json or quiet), label="scheduling", objective="makespan", bound="lower bound",
                      gap=False) as progress:
        result = solve_jobshop(problem, settings=settings, store=store, record=not no_record, progress=progress,
                               source_name=instance, timings=read)
    done = makespan(result)
    if plot is not None and result.payload is not None:
        from optarium.domains.scheduling.plot import plot_gantt

        try:
            plot_gantt(problem, Schedule.from_starts(problem, result.payload), plot, f"{problem.name} ({result.solver}): makespan {done}")
        except OSError as error:
            raise InputFileError(str(plot), f"cannot write: {error.strerror or error}") from None
    if as_json:
        print_json({**summary(problem, result), "plot": str(plot) if plot is not None and result.payload is not None else None})
    elif not quiet:
        from rich.markup import escape

        out = console()
        info = summary(problem, result)
        gap = info["gap_to_best_known"]
        side = "above" if gap is not None and gap >= 0 else "below"
        known = f"  {100 * abs(gap):.2f}% {side} the best-known {problem.best_known}" if gap is not None else ""
        out.print(f"[bold]{result.status}[/]  makespan {done if done is not None else '-'}{known}"
                  + (f"  lower bound {result.bound:g}" if result.bound is not None and result.status != "optimal" else ""))
        if result.verification is not None:
            out.print("[green]verified[/] (precedence, no overlap, durations, makespan recomputed)" if result.verified
                      else f"[red]NOT verified[/]: {escape(result.verification.message)}")
        out.print(f"{escape(problem.name)}: {problem.num_jobs} jobs x {problem.num_machines} machines, "
                  f"{escape(result.solver)} {escape(result.solver_version)} {result.seconds:.2f}s")
        if result.message:
            out.print(escape(result.message))
        if result.run_id is not None:
            out.print(f"run {result.run_id} recorded")
        if plot is not None and result.payload is not None:
            out.print(f"Gantt chart written to {escape(str(plot))}")
    return status_exit_code(result.status, verified=result.verified)
