"""``optarium tune``: tune a backend for a family of instances and save the configuration in the store."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, QUIET_OPTION, STORE_OPTION, console, print_json

# the flag of each setting, for errors in values given on the command line
FLAGS = {"solver": "--solver", "budget": "--budget", "time_cap": "--time-cap", "seed": "--seed", "sampler": "--sampler",
         "threads": "--threads"}


def tune(
    folder: Path = typer.Argument(..., help="Folder of one family's MPS/LP files (manifest.json names the family)."),
    solver: str | None = typer.Option(None, "--solver", "-s", help="Backend to tune: highs (default) or scip."),
    budget: int | None = typer.Option(None, "--budget", help="Capped training runs in all, the defaults' included (required, "
                                      "here or in --config)."),
    time_cap: float | None = typer.Option(None, "--time-cap", help="Seconds per run (default 10); unsolved runs count twice this."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the training/validation split and the study (default 0)."),
    name: str | None = typer.Option(None, "--name", help="Family name (default: the manifest's, else the folder's)."),
    sampler: str | None = typer.Option(None, "--sampler", help="Study sampler (auto, the default, gp, sobol, random, cmaes, ...)."),
    threads: int | None = typer.Option(None, "--threads", help="Solver threads in every run (default: the solver's)."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (solver, budget, time_cap, seed, sampler, "
                                       "threads); flags override it."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Race configurations of SOLVER on the instances in FOLDER and save the best as tuned.SOLVER.FAMILY."""
    from optarium.cli.common import argument_error, blame, settings_from
    from optarium.errors import OptionError
    from optarium.learn.settings import TuneSettings
    from optarium.learn.tune import tune as run_tune

    given = {"solver": solver, "budget": budget, "time_cap": time_cap, "seed": seed, "sampler": sampler, "threads": threads}
    settings = settings_from(TuneSettings, config, FLAGS, **given)
    if settings.budget is None:
        raise OptionError("--budget", None, "a positive number of capped training runs (or `budget` in the --config file)")
    say = None if as_json or quiet else (lambda text: console(stderr=True).print(text, markup=False))
    try:
        result = run_tune(folder, settings.solver, settings.budget, time_cap=settings.time_cap, seed=settings.seed,
                          name=name, store=store, sampler=settings.sampler, threads=settings.threads, progress=say)
    except OptionError as error:
        if error.name == "folder":
            raise argument_error("FOLDER", error.value, error.expected) from None
        raise blame(error, FLAGS, given, config) from None
    if as_json:
        print_json(result.to_dict())
        return 0
    if quiet:
        return 0
    out = console()
    out.print(f"saved {result.name} v{result.version} ({result.solver} {result.solver_version})", markup=False)
    out.print(f"training ({len(result.training)}): {', '.join(result.training)}", markup=False)
    out.print(f"validation ({len(result.validation)}): {', '.join(result.validation)}", markup=False)
    out.print(f"configurations: {result.configurations} ({result.stopped_early} stopped early, {result.capped} of "
              f"them capped; {result.rejected} rejected), {result.runs} runs", markup=False)
    out.print(f"params: {result.params or 'the defaults'}", markup=False)
    for label in ("training", "validation"):
        costs = result.training_cost if label == "training" else result.validation_cost
        out.print(f"{label:10} shifted geometric mean: default {costs['default']:.3f} s, tuned {costs['tuned']:.3f} s "
                  f"({costs['default'] / costs['tuned']:.2f}x)", markup=False)
    if result.kept_default:
        out.print(f"kept the defaults: {result.kept_default}", markup=False)
    return 0

