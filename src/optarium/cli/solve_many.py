"""``optarium solve`` with many model files: each solved, verified and recorded as its own run, ``--jobs N`` at a
time in worker processes (or as Ray tasks), ending with a summary table; Ctrl-C keeps each running file's point.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.cli.common import CountProgress, console, print_json, status_exit_code

if TYPE_CHECKING:
    from optarium.cli.worker_signals import OncePerFile
    from optarium.settings import SolveSettings


def _output_name(model: Path) -> str:
    """The file written for ``model`` in an output folder: its name with ``.sol`` added."""
    return f"{model.name}.sol"


def check_output_folder(output: Path, models: list[Path]) -> None:
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


def solve_many(
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
                    done[index] = _solve_one(name, settings, store, folder, global_optimum, planner)
                    progress.advance()
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
    """End each worker process of this command at once (after Ctrl-C twice: a solve that did not stop is not
    waited for); a run it was recording is in the store whole or not at all (one transaction)."""
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
                # kept before it leaves ``pending``: a Ctrl-C between the two still finds its row below
                done[futures[future]] = future.result()
                pending.discard(future)
                progress.advance()
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
