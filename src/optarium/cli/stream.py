"""``optarium solve-stream``: solve instances one after another, a bandit choosing each one's configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from optarium.cli.common import (
    EXIT_INTERRUPTED,
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    console,
    print_json,
    status_exit_code,
)

# the flag of each setting, for errors in values given on the command line
FLAGS = {"policy": "--policy", "time_cap": "--time-cap", "seed": "--seed", "learning_rate": "--learning-rate",
         "exploration": "--exploration", "threads": "--threads", "history": "--history"}


def solve_stream(
    sources: list[Path] = typer.Argument(..., help="Folders and MPS/LP files, solved in this order (a folder by name)."),
    policy: str | None = typer.Option(None, "--policy", help="thompson (Thompson sampling on log time, the default), "
                                                             "bandit (Tsallis-INF), contextual (SquareCB) or fixed."),
    time_cap: float | None = typer.Option(None, "--time-cap", help="Seconds per instance (default 60); the bandit's loss "
                                                                   "is time / cap."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the bandit's draws (default 0)."),
    learning_rate: float | None = typer.Option(None, "--learning-rate", help="Tsallis-INF rate (default 8; raise it when "
                                                                             "solves take a small share of the cap)."),
    exploration: float | None = typer.Option(None, "--exploration", help="SquareCB exploration (contextual policy; default 4)."),
    compare: bool | None = typer.Option(None, "--compare/--no-compare", help="Also run every configuration on every instance (not "
                                                                "recorded) to report totals in hindsight.", show_default=False),
    threads: int | None = typer.Option(None, "--threads", help="Threads per solve."),
    history: str | None = typer.Option(None, "--history", help="Go on from the earlier streams of this name and add "
                                       "this one's runs to them (artifact stream.NAME; thompson policy only)."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (policy, time_cap, seed, learning_rate, "
                                       "exploration, compare, threads, history); flags override it."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve SOURCES in order, choosing a configuration per instance; record every run with its plan.

    Exit 0 when every instance ended with an answer (a verified point, a time limit that left one, a proof
    of infeasibility), 1 when any ended without one (an error, a failed check, or the cap before any
    point), 2 for bad input, 130 for Ctrl-C (the stream stops after the instance it cut short).
    """
    from optarium.cli.common import argument_error, settings_from
    from optarium.errors import OptionError
    from optarium.learn.settings import StreamSettings
    from optarium.learn.stream import solve_stream as run_stream

    settings = settings_from(StreamSettings, config, FLAGS, policy=policy, time_cap=time_cap, seed=seed,
                             learning_rate=learning_rate, exploration=exploration, compare=compare, threads=threads,
                             history=history)
    out = console()
    say = None
    if not (as_json or quiet):
        def say(row: dict[str, object]) -> None:
            console(stderr=True).print(
                f"{row['step']:4} {row['instance']}: {row['config']} -> {row['status']} in {row['seconds']:.2f} s",
                markup=False)
    try:
        result = run_stream([str(source) for source in sources], settings.policy, store=store, time_cap=settings.time_cap,
                            seed=settings.seed, learning_rate=settings.learning_rate, exploration=settings.exploration,
                            compare=settings.compare, threads=settings.threads, history=settings.history,
                            progress=say)
    except OptionError as error:
        if error.name == "history":
            raise OptionError("--history", error.value, error.expected) from None
        if error.name != "sources":
            raise
        raise argument_error("SOURCES", error.value, error.expected) from None
    summary = result.to_dict()
    code = EXIT_INTERRUPTED if result.interrupted else stream_exit_code(result.rows)
    if as_json:
        print_json(summary)
        return code
    if quiet:
        return code
    if result.interrupted:
        console(stderr=True).print(f"interrupted: the stream stopped after {len(result.rows)} instance"
                                   f"{'s' if len(result.rows) != 1 else ''}", markup=False)
    out.print(f"{len(result.rows)} instances, policy {settings.policy}: {result.total:.2f} s in all "
              "(unfinished runs count twice the cap)", markup=False)
    if result.totals is not None:
        for label, total in sorted(result.totals.items(), key=lambda item: item[1]):
            out.print(f"  fixed {label:40} {total:9.2f} s", markup=False)
        out.print(f"vs {summary['default']}: {summary['vs_default']:.3f}; vs best fixed in hindsight "
                  f"({summary['best_fixed']}): {summary['vs_best_fixed']:.3f}", markup=False)
    return code


def stream_exit_code(rows: list[dict[str, Any]]) -> int:
    """The exit code of a stream: the worst of its instances' (:func:`status_exit_code` on each row's
    ``status`` and ``verified``), so 1 when any instance ended without a usable answer; 0 for none."""
    return max((status_exit_code(row["status"], verified=bool(row["verified"])) for row in rows), default=0)
