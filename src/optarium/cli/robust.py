"""``optarium robust``: solve a two-stage robust problem, verify its worst case exactly, record it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    LiveProgress,
    console,
    print_json,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from optarium.domains.robust.problem import RobustProblem
    from optarium.solution import Solution


# the flag of each setting, for errors in values given on the command line
FLAGS = {"method": "--method", "time_limit": "--time-limit", "seed": "--seed"}


def robust(
    problem_file: Path = typer.Argument(..., metavar="FILE", help="Robust knapsack, capital budgeting, or .robust.json file."),
    method: str | None = typer.Option(None, "--method", "-m", help="exact (default: column-and-constraint generation, or "
                                      "branch-and-price for the robust knapsack; proved bound) or learned (a trained value "
                                      "network after Neur2RO; no bound, its training comes before the time limit)."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds for the method (default 60); verification comes after."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the learned method's sampling and training (default 0)."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (method, time_limit, seed, samples: "
                                       "the learned method's training pairs, default 400); flags override it."),
    format: str | None = typer.Option(None, "--format", help="knapsack, capital_budgeting or json (default: by suffix, then content)."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the run in the store."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve a two-stage robust problem and check the worst case of its first-stage decision exactly.

    Exit 0 for an answer (a verified decision: optimal, feasible or the best at the time limit; or a
    problem proved infeasible or unbounded), 1 when the method failed, its decision failed
    verification or the time limit came before any decision, 2 for bad input, 130 for Ctrl-C.
    """
    from optarium.cli.common import settings_from, status_exit_code
    from optarium.domains.robust.io import FORMATS, read_file
    from optarium.domains.robust.settings import RobustSettings
    from optarium.domains.robust.solve import robust_summary, solve_robust
    from optarium.errors import OptionError

    settings = settings_from(RobustSettings, config, FLAGS, method=method, time_limit=time_limit, seed=seed)
    if format is not None and format not in FORMATS:
        raise OptionError("--format", format, f"one of {', '.join(FORMATS)}")
    started = time.perf_counter()
    problem = read_file(problem_file, format)
    read = time.perf_counter() - started
    # the learned method trains first, outside the time limit: its elapsed time is shown without a budget
    budget = settings.time_limit if settings.method == "exact" else None
    with LiveProgress(enabled=not (as_json or quiet), label="robust", budget=budget) as live:
        solution = solve_robust(problem, settings.method, time_limit=settings.time_limit, seed=settings.seed, samples=settings.samples,
                                progress=_relay(live) if live.enabled else None, store=store, record=not no_record,
                                reader=format or "", timings={"read": read})
    if as_json:
        print_json(robust_summary(problem, solution))
    elif not quiet:
        _show(problem, solution)
    return status_exit_code(solution.status, verified=solution.verified)


def _relay(live: LiveProgress) -> Callable[[float, float | None, float | None], None]:
    """The robust methods' progress (elapsed, incumbent, bound) as the live line's events."""
    from optarium.solvers.base import Progress, relative_gap

    def progress(elapsed: float, incumbent: float | None, bound: float | None) -> None:
        gap = relative_gap(incumbent, bound) if incumbent is not None and bound is not None else None
        live(Progress(elapsed, incumbent, bound, gap))

    return progress


def _show(problem: RobustProblem, solution: Solution[Any]) -> None:
    from rich.markup import escape

    out = console()
    if solution.objective is not None:
        check = "[green]verified[/]" if solution.verified else "[red]NOT verified: " + escape(
            solution.verification.message if solution.verification is not None else "") + "[/]"
        bound = f"  bound {solution.bound:.10g}" if solution.bound is not None else ""
        gap = f"  gap {100 * solution.gap:.4g}%" if solution.gap is not None else ""
        out.print(f"[bold]{solution.status}[/]  worst case {solution.objective:.10g} ({problem.sense}){bound}{gap}  {check}")
        chosen = [name for name, value in zip(problem.first.names, (solution.payload or {}).get("x") or [], strict=False) if value != 0]
        out.print(f"first stage: {len(chosen)} of {problem.first.size} nonzero" + (f" ({', '.join(chosen[:12])}{', ...' if len(chosen) > 12 else ''})" if chosen else ""))
    else:
        out.print(f"[bold red]{solution.status}[/]: no decision")
    steps = (f"branch-and-price, {solution.extra.get('nodes')} nodes" if solution.extra.get("algorithm") == "branch_and_price"
             else f"{solution.extra.get('iterations')} iterations")
    # the learned method's training is planning, outside the time limit: shown, as it is most of the wait
    learned = solution.plan is not None and solution.plan.solver == "neur2ro"
    trained = f"training {solution.timings.get('plan', 0.0):.2f}s + " if learned else ""
    out.print(f"{escape(solution.solver)} ({escape(solution.solver_version)}), {steps}, "
              f"{trained}{solution.seconds:.2f}s + verification {solution.timings.get('verify', 0.0):.2f}s")
    if trained and solution.plan is not None:
        out.print(escape(solution.plan.reason))
    if solution.message:
        out.print(escape(solution.message))
    if solution.run_id is not None:
        out.print(f"run {solution.run_id} recorded")
