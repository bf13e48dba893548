"""``optarium tune``: tune a backend for a family of instances and save the configuration in the store."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, STORE_OPTION, console, print_json


def tune(
    folder: Path = typer.Argument(..., help="Folder of one family's MPS/LP files (manifest.json names the family)."),
    solver: str = typer.Option("highs", "--solver", help="Backend to tune: highs or scip."),
    budget: int = typer.Option(..., "--budget", help="Capped training runs in all, the defaults' included."),
    time_cap: float = typer.Option(10.0, "--time-cap", help="Seconds per run; unsolved runs count twice this."),
    seed: int = typer.Option(0, "--seed", help="Seed of the training/validation split and the study."),
    name: str | None = typer.Option(None, "--name", help="Family name (default: the manifest's, else the folder's)."),
    sampler: str = typer.Option("auto", "--sampler", help="Study sampler (auto, gp, sobol, random, cmaes, ...)."),
    threads: int | None = typer.Option(None, "--threads", help="Solver threads in every run (default: the solver's)."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Race configurations of SOLVER on the instances in FOLDER and save the best as tuned.SOLVER.FAMILY."""
    from optarium.learn.tune import tune as run_tune

    say = None if as_json else (lambda text: console(stderr=True).print(text, markup=False))
    result = run_tune(folder, solver, budget, time_cap=time_cap, seed=seed, name=name, store=store,
                      sampler=sampler, threads=threads, progress=say)
    if as_json:
        print_json(result.to_dict())
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
