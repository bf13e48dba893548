"""``optarium solve``: solve model files and show the checked answers.

One file keeps the one-solution output; many files (``--jobs N`` at a time, each
in a worker process with its own store handle) end with a summary table.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    CountProgress,
    LiveProgress,
    console,
    print_json,
    status_exit_code,
)

if TYPE_CHECKING:
    from optarium.cli.worker_signals import OncePerFile
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
        _check_output_folder(output, models)
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
        return _solve_many(models, settings, store, jobs, output, as_json=as_json, quiet=quiet, global_optimum=global_optimum,
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


def _output_name(model: Path) -> str:
    """The file written for ``model`` in an output folder: its name with ``.sol`` added."""
    return f"{model.name}.sol"


def _check_output_folder(output: Path, models: list[Path]) -> None:
    """Many models write one ``.sol`` file each into an existing folder; refuse anything else first."""
    import os

    from optarium.errors import OptionError

    if not output.is_dir():
        raise OptionError("--output", str(output), "an existing folder when several models are given")
    if not os.access(output, os.W_OK | os.X_OK):
        raise OptionError("--output", str(output), "a folder that can be written")
    names = [_output_name(model) for model in models]
    clash = next((name for name in names if names.count(name) > 1), None)
    if clash is not None:
        raise OptionError("--output", str(output), f"a folder for models with different file names ({clash} twice)")


def _solve_one(
    model: str, settings: SolveSettings, store: str | None, output: str | None, global_optimum: bool = False,
    planner: str | None = None,
) -> dict[str, Any]:
    """Solve one file of many (in a worker process): its summary with ``file``, or its error."""
    from optarium.api import solve as run_solve
    from optarium.cli.common import exit_code, message
    from optarium.errors import OptariumError

    try:
        solution = run_solve(
            model, solver=settings.solver, time_limit=settings.time_limit, store=store, rel_gap=settings.rel_gap,
            threads=settings.threads, seed=settings.seed, cross_check=settings.cross_check, record=settings.record,
            solver_log=settings.solver_log, global_optimum=global_optimum, planner=planner, **settings.params,
        )
    except OptariumError as error:
        from optarium.solution import Solution

        code = exit_code(error)
        blank = dict.fromkeys(Solution(status="error").summary())  # the same fields as a solved file's row
        return {"file": model, **blank, "status": "bad_input" if code == 2 else "error", "verified": False,
                "message": message(error), "output": None, "exit_code": code}
    written = None
    if output is not None:
        import contextlib
        import os

        target = Path(output) / _output_name(Path(model))
        # written beside it and moved over it: a worker ended mid-write (Ctrl-C twice) leaves no half answer
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(solution.to_sol())
            os.replace(temporary, target)
            written = str(target)
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink()
            solution.message = (solution.message + "; " if solution.message else "") + f"cannot write {target}: {error}"
    return {"file": model, **solution.summary(), "output": written, "exit_code": status_exit_code(solution.status, verified=solution.verified)}


def _solve_many(
    models: list[Path], settings: SolveSettings, store: str | None, jobs: int, output: Path | None, *, as_json: bool, quiet: bool,
    global_optimum: bool = False, ray: bool = False, ray_address: str | None = None, planner: str | None = None,
) -> int:
    """Solve each file as its own run, ``jobs`` at a time; print a table (or a JSON list); the worst exit code."""
    folder = None if output is None else str(output)
    if ray_address is not None:  # a cluster nobody answers on is refused before the store is made
        from optarium.distributed import check_address

        check_address(ray_address)
    if settings.record or store is not None:
        from optarium.store.base import open_store

        open_store(store)  # created once here, not by several workers at the same moment
    names = [str(model) for model in models]
    done: dict[int, dict[str, Any]] = {}
    interrupted = False
    with CountProgress(len(models), enabled=not (as_json or quiet)) as progress:
        try:
            if ray:
                _solve_on_ray(names, settings, store, folder, jobs, done, progress, global_optimum, ray_address, planner)
            elif jobs == 1:
                for index, name in enumerate(names):
                    done[index] = progress.advance(_solve_one(name, settings, store, folder, global_optimum, planner))
                    if done[index]["status"] == "interrupted":
                        break
            else:
                _solve_in_workers(names, settings, store, folder, jobs, done, progress, global_optimum, planner)
        except KeyboardInterrupt:
            import signal

            interrupted = True
            # the command is ending: a further Ctrl-C cuts neither the rows shown nor the exit code
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    rows = [done[index] for index in sorted(done)]
    if as_json:
        print_json([{key: value for key, value in row.items() if key != "exit_code"} for row in rows])
    elif not quiet and rows:
        _show_table(rows)
    if interrupted:
        from optarium.cli.common import EXIT_INTERRUPTED

        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    return max(row["exit_code"] for row in rows)


# after Ctrl-C twice, how long a batch still waits for the rows of the files stopped by the first
# (checked and recorded in well under a second) before it ends their workers
LAST_ROWS_SECONDS = 1.0

# the SIGINT gate of this worker process (a batch's worker only): see optarium.cli.worker_signals
_gate: OncePerFile | None = None


def _start_worker(parent: int) -> None:
    """Start a worker process of a batch: in the command's process group, so what a terminal or a supervisor sends
    the group (Ctrl-C, Ctrl-Z, SIGTERM, SIGHUP) reaches it too; ended by the kernel when the command dies (Linux);
    ignoring SIGINT while it waits for a file, and heeding one SIGINT per file while it solves one."""
    import os
    import signal

    from optarium.cli import worker_signals

    global _gate
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import contextlib
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the command died before the signal was set
            os._exit(1)
    if worker_signals.supported():
        _gate = worker_signals.OncePerFile()


def _solve_one_in_worker(
    model: str, settings: SolveSettings, store: str | None, output: str | None, global_optimum: bool = False,
    planner: str | None = None,
) -> dict[str, Any]:
    """:func:`_solve_one` in a worker process: the first SIGINT while it runs stops this solve (the terminal's
    Ctrl-C or the command's, whichever comes first); no later one can drop the row of the point it kept, nor a
    late one (after the row) the next file."""
    import signal

    if _gate is not None:
        with _gate.heeded():
            return _solve_one(model, settings, store, output, global_optimum, planner)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # without the gate (not POSIX): as SIGINT comes
    try:
        finished = _solve_one(model, settings, store, output, global_optimum, planner)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    return finished


def _stop_workers() -> None:
    """Pass SIGINT on to each worker process of this command: sent to the command alone it reached none of them
    (after a terminal's Ctrl-C, which did, each worker lets in only the first of the two)."""
    import multiprocessing
    import os
    import signal

    if os.name != "posix":  # the console's Ctrl-C reached the workers themselves
        return
    for worker in multiprocessing.active_children():
        if worker.pid is not None:
            try:
                os.kill(worker.pid, signal.SIGINT)
            except ProcessLookupError:  # it ended in the meantime
                continue


def _end_workers() -> None:
    """End each worker process of this command at once (Ctrl-C again: a solve that does not stop is not waited
    for); a run it was recording is in the store whole or not at all (one transaction)."""
    import multiprocessing

    for worker in multiprocessing.active_children():
        worker.kill()


def _solve_in_workers(
    names: list[str], settings: SolveSettings, store: str | None, folder: str | None, jobs: int,
    done: dict[int, dict[str, Any]], progress: CountProgress, global_optimum: bool = False, planner: str | None = None,
) -> None:
    """Solve ``names`` in ``jobs`` worker processes, filling ``done`` by position as each finishes.

    On Ctrl-C (at a terminal, or SIGINT sent to this process alone) the files not started are dropped and
    the running ones, stopped by the SIGINT passed on to their workers, are waited for; their rows are kept.
    Ctrl-C again while they are waited for gives them :data:`LAST_ROWS_SECONDS` more, then ends the workers
    (a third Ctrl-C: at once); the rows not in by then are left out.
    """
    import contextlib
    import multiprocessing
    import os
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from optarium.cli.worker_signals import sigint_held

    # spawn, not fork: a worker starts without the parent's threads and open handles
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(names)), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(),))
    futures: dict[Any, int] = {}
    pending: set[Any] = set()
    queue = iter(enumerate(names))

    def start_next() -> None:
        # one file per free worker: a file handed over early would start after a Ctrl-C
        for index, name in queue:
            with sigint_held():  # a worker started here holds SIGINT back in all its threads (its gate lets one in)
                future = pool.submit(_solve_one_in_worker, name, settings, store, folder, global_optimum, planner)
                futures[future] = index
                pending.add(future)
            return

    try:
        for _ in range(min(jobs, len(names))):
            start_next()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                pending.discard(future)
                done[futures[future]] = progress.advance(future.result())
                start_next()
    except KeyboardInterrupt:
        for future in pending:
            future.cancel()
        _stop_workers()
        try:
            wait(pending)
        except KeyboardInterrupt:  # Ctrl-C again: a moment for the rows on their way, then the workers are ended
            with contextlib.suppress(KeyboardInterrupt):
                wait(pending, timeout=LAST_ROWS_SECONDS)
            _end_workers()
        for future in pending:  # cancelled, or stopped before it had a point, or ended: no row
            if future.done() and not future.cancelled() and future.exception() is None:
                done[futures[future]] = future.result()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _solve_on_ray(
    names: list[str], settings: SolveSettings, store: str | None, folder: str | None, jobs: int,
    done: dict[int, dict[str, Any]], progress: CountProgress, global_optimum: bool, address: str | None,
    planner: str | None = None,
) -> None:
    """Solve ``names`` as Ray tasks, ``jobs`` at a time, each recording its run in the shared store itself."""
    from optarium.distributed import ray_map, shared_store_url

    url = shared_store_url(store) if settings.record or store is not None else None
    where = None if folder is None else str(Path(folder).resolve())
    # a worker's folder is not ours: it gets absolute paths, the rows keep the names given
    calls = [(str(Path(name).resolve()), settings, url, where, global_optimum, planner) for name in names]
    for index, row in ray_map(_solve_one, calls, jobs=jobs, address=address, store_url=url, log_to_driver=False):
        done[index] = progress.advance({**row, "file": names[index]})


def _show_table(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False)
    for column, justify in (("file", "left"), ("status", "left"), ("objective", "right"), ("verified", "left"),
                            ("seconds", "right"), ("run id", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        objective = "-" if row["objective"] is None or row["status"] in ("infeasible", "unbounded") else f"{row['objective']:.10g}"
        table.add_row(
            Text(row["file"]), Text(row["status"]), objective, "yes" if row["verified"] else "no",
            "-" if row["seconds"] is None else f"{row['seconds']:.3f}", "-" if row["run_id"] is None else str(row["run_id"]),
        )
    out = console()
    if not out.is_terminal:  # a pipe or a file gets whole lines, never names cut at 80 columns
        out.width = 1000
    out.print(table)
    for row in rows:
        if row["message"]:
            said = row["message"] if row["file"] in row["message"] else f"{row['file']}: {row['message']}"
            out.print(Text(said))


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
        out.print(escape(f"cross-check {cc.get('solver')}: {cc.get('status')} {cc.get('objective')} ")
                  + ("[green]agrees[/]" if cc.get("agree") else "[red]disagrees[/]" if cc.get("agree") is False else ""))
    if solution.message:
        out.print(f"[yellow]{escape(solution.message)}[/]")
    if solution.run_id is not None:
        out.print(f"run {solution.run_id} recorded")
    if output is not None:
        out.print(f"solution written to {escape(str(output))}")
