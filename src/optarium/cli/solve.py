"""``optarium solve``: solve model files and show the checked answers.

One file keeps the one-solution output; many files (``--jobs N`` at a time, each
in a worker process with its own store handle) end with a summary table
(:mod:`optarium.cli.solve_many`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    LiveProgress,
    console,
    print_json,
    status_exit_code,
)

if TYPE_CHECKING:
    from optarium.errors import OptionError, SettingsFileError
    from optarium.settings import SolveSettings


# each argument of optarium.solve() and the flag that sets it ("" where none does)
SOLVE_FLAGS = {
    "source": "the MODEL argument", "solver": "--solver", "time_limit": "--time-limit", "store": "--store",
    "rel_gap": "--gap", "threads": "--threads", "seed": "--seed", "cross_check": "--cross-check",
    "record": "--record/--no-record", "progress": "", "planner": "--planner", "solver_log": "--solver-log",
    "global_optimum": "--global", "start": "--start",
}


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    from optarium.errors import OptionError

    params: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise OptionError("--param", pair, "KEY=VALUE")
        key, raw = pair.split("=", 1)
        value: object = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        params[key.strip()] = value
    return params


# not common.settings_from: --param pairs are merged into the file's [params] table, each side checked on its own
def settings_with_params(
    config: Path | None, *, solver: str | None, time_limit: float | None, gap: float | None, threads: int | None,
    seed: int | None, params: list[str], cross_check: bool | None, record: bool | None, solver_log: bool | None = None,
) -> SolveSettings:
    """The settings file (if any) with the flags given on the command line over it, the ``--param``
    pairs added to the file's ``[params]``."""
    from optarium.api import check_params
    from optarium.errors import OptionError, SettingsFileError
    from optarium.settings import SolveSettings

    base = SolveSettings() if config is None else SolveSettings.from_file(config)
    try:
        check_params(base.params)
    except OptionError as error:
        raise SettingsFileError(str(config), f"params.{error.name}", f"is a setting of its own; set `{error.name}` at the top level") from None
    given = _parse_params(params)
    for name in given:
        if name in SOLVE_FLAGS:
            use = f"use {SOLVE_FLAGS[name]}" if SOLVE_FLAGS[name] else "not available from the command line"
            raise OptionError("--param", f"{name}={given[name]}", f"a backend parameter, and `{name}` is not one ({use})")
    merged = {**base.params, **given} if params else None
    try:
        return base.replace(solver=solver, time_limit=time_limit, rel_gap=gap, threads=threads, seed=seed,
                            params=merged, cross_check=cross_check, record=record, solver_log=solver_log)
    except OptionError as error:  # the file was checked when read: the bad value came from a flag
        flag = SOLVE_FLAGS.get(error.name) or ("--param" if error.name.startswith("params.") else error.name)
        raise OptionError(flag, error.value, error.expected) from None


def solve(
    model: list[Path] = typer.Argument(..., help="MPS or CPLEX LP files, plain or .gz, .bz2, .xz; AMPL .nl or OSiL (nonlinear)."),
    solver: str | None = typer.Option(None, "--solver", "-s", help="auto (default), highs, scip or cpsat."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds."),
    gap: float | None = typer.Option(None, "--gap", help="Relative MIP gap at which to stop, in [0, 1)."),
    threads: int | None = typer.Option(None, "--threads"),
    seed: int | None = typer.Option(None, "--seed"),
    param: list[str] = typer.Option([], "--param", "-p", help="Backend parameter KEY=VALUE, passed through (repeatable)."),
    cross_check: bool | None = typer.Option(None, "--cross-check/--no-cross-check", help="Solve again with a second backend and compare."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the solution: .json or .sol; with many models, an existing folder."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="With many models: how many to solve at a time, each in a worker process."),
    ray: bool | None = typer.Option(None, "--ray/--no-ray", help="With many models: solve them as Ray tasks ($RAY_ADDRESS, else "
                                    "a local cluster); --no-ray solves them here even with --ray-address.", show_default=False),
    ray_address: str | None = typer.Option(None, "--ray-address", help="With many models: join the Ray cluster at HOST:PORT (or auto); "
                                           "implies --ray unless --no-ray is given."),
    record: bool | None = typer.Option(None, "--record/--no-record", help="Record the run in the store (default: yes)."),
    solver_log: bool | None = typer.Option(None, "--solver-log/--no-solver-log", help="Show the backend's own log on stderr."),
    global_optimum: bool = typer.Option(False, "--global", help="Nonlinear models: ask for a proven global optimum (SCIP)."),
    start: Path | None = typer.Option(None, "--start", help="A .sol file (`name value` lines, some or all variables): a hint for HiGHS or SCIP, never trusted."),
    planner: str | None = typer.Option(None, "--planner", help="With --solver auto: rules, tuned (default) or learned (the per-instance selector)."),
    config: Path | None = CONFIG_OPTION,
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve LP/MILP/QP models, verify each answer independently, record each run.

    Many models end with a summary table (--json: a list of the summaries);
    the exit code is 2 if any file was bad input, else 1 if any solve failed; 130 after Ctrl-C, which stops
    the running files, each keeping its best point (Ctrl-C again: within a second, without the rows still to come).
    A --config TOML file holds the same settings by their Python names (solver,
    time_limit, rel_gap, threads, seed, cross_check, record, solver_log and a [params] table).
    """
    from optarium.api import solve as run_solve
    from optarium.errors import InputFileError, OptionError

    models = model
    if jobs < 1:
        raise OptionError("--jobs", jobs, "a positive integer")
    if len(models) > 1 and output is not None:
        from optarium.cli.solve_many import check_output_folder

        check_output_folder(output, models)
    elif output is not None:
        _check_output(output)
    settings = settings_with_params(config, solver=solver, time_limit=time_limit, gap=gap, threads=threads, seed=seed,
                                    params=param, cross_check=cross_check, record=record, solver_log=solver_log)
    if planner is not None:
        from optarium.api import PLANNERS

        if planner not in PLANNERS:
            raise OptionError("--planner", planner, "one of " + ", ".join(PLANNERS))
    hint = None
    if start is not None:
        from optarium.problem.io import read_start

        if len(models) > 1:
            raise OptionError("--start", str(start), "given with one model only (a start names one model's variables)")
        hint = read_start(start)
    if len(models) > 1:
        on_ray = ray if ray is not None else ray_address is not None
        from optarium.cli.solve_many import solve_many

        return solve_many(models, settings, store, jobs, output, as_json=as_json, quiet=quiet, global_optimum=global_optimum,
                          ray=on_ray, ray_address=ray_address if on_ray else None, planner=planner)
    single = models[0]
    try:
        with LiveProgress(enabled=not (as_json or quiet or settings.solver_log)) as progress:
            solution = run_solve(
                single, solver=settings.solver, time_limit=settings.time_limit, store=store, rel_gap=settings.rel_gap,
                threads=settings.threads, seed=settings.seed, cross_check=settings.cross_check, record=settings.record,
                progress=progress, solver_log=settings.solver_log, global_optimum=global_optimum, planner=planner,
                start=hint, **settings.params,
            )
    except OptionError as error:
        if error.name == "start":
            raise OptionError(f"--start {start}", error.value, error.expected) from None
        raise _blame_param(error, param, config, settings.params) from None
    if output is not None:
        text = solution.to_json() if output.suffix.lower() == ".json" else solution.to_sol()
        try:
            output.write_text(text)
        except OSError as error:
            raise InputFileError(str(output), f"cannot write: {error.strerror or error}") from None
    if as_json:  # "output": the file written, as in the rows of many models
        print_json({**solution.summary(), "output": None if output is None else str(output)})
    elif not quiet:
        _show(solution, output)
    return status_exit_code(solution.status, verified=solution.verified)


def _blame_param(
    error: OptionError, pairs: list[str], config: Path | None, params: dict[str, Any]
) -> OptionError | SettingsFileError:
    """A backend's refusal of one of its parameters (named ``highs:KEY``), said where the user gave it: the
    ``--param`` pair, or the settings file's ``[params]`` key (``params``: the parameters the settings hold).
    A parameter the user never gave (the plan's: a tuned configuration's, a planner's) keeps the backend's words."""
    from optarium.errors import OptionError, SettingsFileError

    key = error.name.partition(":")[2]
    if not key:
        return error
    given = _parse_params(pairs)
    if key in given:
        return OptionError("--param", f"{key}={given[key]}", error.expected)
    if key in params and config is not None:
        return SettingsFileError(str(config), f"params.{key}", f"must be {error.expected}, got {error.value!r}")
    return error


def _check_output(output: Path) -> None:
    """Refuse an output file that cannot be written, before anything is solved or recorded."""
    from optarium.cli.common import check_output_file

    check_output_file(output, "--output", (".json", ".sol"))


def _recomputed(reported: float | None, recomputed: float | None) -> str:
    """The recomputed objective beside the solver's: ``agrees`` when equal to 10 digits, else how far apart."""
    if recomputed is None or reported is None:
        return f"recomputed objective {recomputed if recomputed is not None else '-'}"
    if f"{reported:.10g}" == f"{recomputed:.10g}":
        return f"recomputed objective {recomputed:.10g}, the same"
    apart = abs(reported - recomputed) / max(1.0, abs(reported), abs(recomputed))
    return f"recomputed objective {recomputed:.10g}, {apart:.1e} from the solver's"


def _show(solution: object, output: Path | None) -> None:
    from rich.markup import escape

    from optarium.solution import Solution

    assert isinstance(solution, Solution)
    out = console()
    colour = {"optimal": "green", "feasible": "yellow", "time_limit": "yellow", "interrupted": "yellow", "error": "red"}.get(solution.status, "cyan")
    # an infeasible or unbounded answer has no objective worth showing, nor a point to verify
    answer = solution.status not in ("infeasible", "unbounded")
    # ten digits, as the recomputed objective below: more would show solver noise as a difference
    objective = f"{solution.objective:.10g}" if solution.objective is not None else "-"
    out.print(f"[bold {colour}]{solution.status}[/]" + (f"  objective {objective}" if answer else "")
              + (f"  bound {solution.bound:.10g}" if answer and solution.bound is not None and solution.status != "optimal" else "")
              + (f"  gap {100 * solution.gap:.4g}%" if answer and solution.gap else ""))
    if solution.status == "time_limit" and solution.payload is None:
        out.print("[yellow]no solution before the time limit[/]")
    if answer and solution.verification is not None:
        check = "[green]verified[/]" if solution.verified else "[red]NOT verified[/]"
        out.print(f"{check}  max violation {solution.verification.max_violation:.2e}  "
                  f"({_recomputed(solution.objective, solution.verification.objective)})")
    out.print(f"solver {escape(solution.solver)} {escape(solution.solver_version)} ({escape(solution.plan_reason)})  "
              f"{solution.seconds:.3f}s solve, {solution.timings.get('total', 0):.3f}s total")
    if solution.cross_check:
        cc = solution.cross_check
        if cc.get("solver") is None:  # no second backend: the note says why
            out.print(escape(f"cross-check: {cc.get('note', 'not run')}"))
        else:
            out.print(escape(f"cross-check {cc.get('solver')}: {cc.get('status')} {cc.get('objective')} ")
                      + ("[green]agrees[/]" if cc.get("agree") else "[red]disagrees[/]" if cc.get("agree") is False else ""))
    if solution.message:
        out.print(f"[yellow]{escape(solution.message)}[/]")
    if solution.run_id is not None:
        out.print(f"run {solution.run_id} recorded")
    if output is not None:
        out.print(f"solution written to {escape(str(output))}")
