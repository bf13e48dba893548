"""``optarium solve-stream``: solve instances one after another, a bandit choosing each one's configuration."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, STORE_OPTION, console, print_json


def solve_stream(
    sources: list[Path] = typer.Argument(..., help="Folders and MPS/LP files, solved in this order (a folder by name)."),
    policy: str = typer.Option("thompson", "--policy", help="thompson (Thompson sampling on log time, the default), "
                                                            "bandit (Tsallis-INF), contextual (SquareCB) or fixed."),
    time_cap: float = typer.Option(60.0, "--time-cap", help="Seconds per instance; the bandit's loss is time / cap."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bandit's draws."),
    learning_rate: float = typer.Option(8.0, "--learning-rate", help="Tsallis-INF rate (raise it when solves take "
                                                                     "a small share of the cap)."),
    exploration: float = typer.Option(4.0, "--exploration", help="SquareCB exploration (contextual policy)."),
    compare: bool = typer.Option(False, "--compare", help="Also run every configuration on every instance (not "
                                                          "recorded) to report totals in hindsight."),
    threads: int | None = typer.Option(None, "--threads", help="Threads per solve."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Solve SOURCES in order, choosing a configuration per instance; record every run with its plan."""
    from optarium.learn.stream import solve_stream as run_stream

    out = console()
    say = None
    if not as_json:
        def say(row: dict[str, object]) -> None:
            console(stderr=True).print(
                f"{row['step']:4} {row['instance']}: {row['config']} -> {row['status']} in {row['seconds']:.2f} s",
                markup=False)
    result = run_stream([str(source) for source in sources], policy, store=store, time_cap=time_cap, seed=seed,
                        learning_rate=learning_rate, exploration=exploration, compare=compare, threads=threads, progress=say)
    summary = result.to_dict()
    if as_json:
        print_json(summary)
        return 0 if all(row["status"] != "error" for row in result.rows) else 1
    out.print(f"{len(result.rows)} instances, policy {policy}: {result.total:.2f} s in all "
              "(unfinished runs count twice the cap)", markup=False)
    if result.totals is not None:
        for label, total in sorted(result.totals.items(), key=lambda item: item[1]):
            out.print(f"  fixed {label:40} {total:9.2f} s", markup=False)
        out.print(f"vs {summary['default']}: {summary['vs_default']:.3f}; vs best fixed in hindsight "
                  f"({summary['best_fixed']}): {summary['vs_best_fixed']:.3f}", markup=False)
    return 0 if all(row["status"] != "error" for row in result.rows) else 1
