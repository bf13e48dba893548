"""``optarium equiv``: are two model files the same problem (certified Weisfeiler-Lehman test)?"""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import CONFIG_OPTION, JSON_OPTION, console, print_json, settings_from

# the flag of each setting, for errors in values given on the command line
FLAGS = {"scale_rows": "--scale-rows", "flip_ge": "--flip-ge", "flip_max": "--flip-max", "time_limit": "--time-limit"}


def equiv(
    reference: Path = typer.Argument(..., help="Reference model (MPS or CPLEX LP, plain or .gz)."),
    other: Path = typer.Argument(..., help="Model to compare with the reference."),
    scale_rows: bool | None = typer.Option(None, "--scale-rows/--no-scale-rows", help="Divide each row by its largest |coefficient| first."),
    flip_ge: bool | None = typer.Option(None, "--flip-ge/--no-flip-ge", help="Rewrite >= rows as <= first."),
    flip_max: bool | None = typer.Option(None, "--flip-max/--no-flip-max",
                                         help="Compare a maximisation as the minimisation of its negated objective."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds (default 60); past it the answer is undetermined."),
    config: Path | None = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Say whether two models are equivalent, not equivalent or undetermined, and why (exit 0 for any verdict).

    A --config TOML file holds scale_rows, flip_ge, flip_max and time_limit.
    """
    from optarium.equivalence import check_equivalence
    from optarium.errors import InvalidModelError
    from optarium.problem.io import read_problem
    from optarium.settings import EquivSettings

    settings = settings_from(EquivSettings, config, FLAGS, scale_rows=scale_rows, flip_ge=flip_ge, flip_max=flip_max,
                             time_limit=time_limit)
    a, b = read_problem(reference), read_problem(other)
    for path, program in ((reference, a), (other, b)):
        if program.n_vars == 0:
            # HiGHS reads text with no LP section headers as an empty model
            raise InvalidModelError("no variables found; is this an MPS or CPLEX LP model?", source=str(path))
    result = check_equivalence(
        a, b, scale_rows=settings.scale_rows, flip_ge=settings.flip_ge, flip_max=settings.flip_max,
        time_limit=settings.time_limit,
    )
    if as_json:
        print_json({"a": str(reference), "b": str(other), **result.to_dict()})
        return 0
    colour = {"equivalent": "green", "not_equivalent": "red", "undetermined": "yellow"}[result.verdict]
    out = console()
    from rich.markup import escape

    out.print(f"[bold {colour}]{result.verdict}[/bold {colour}]: {escape(result.reason)}")
    used = ", ".join(result.normalisations) or "none"
    sizes = result.sizes
    out.print(
        f"normalisations: {used}; A {sizes['a']['variables']}x{sizes['a']['constraints']}, "
        f"B {sizes['b']['variables']}x{sizes['b']['constraints']}; {1000 * result.seconds:.1f} ms"
    )
    return 0
