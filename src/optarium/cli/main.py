"""Entry point of the ``optarium`` command: exit 0 success, 1 solve failure, 2 bad input."""

from __future__ import annotations

import os

import typer

from optarium.cli import bench, runs
from optarium.cli import formulate as formulate_cli
from optarium.cli import study as study_cli
from optarium.cli.common import command
from optarium.cli.equiv import equiv
from optarium.cli.route import route
from optarium.cli.schedule import schedule
from optarium.cli.solve import solve

app = typer.Typer(
    name="optarium",
    help="Turn optimization problems into verified best decisions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help text: rendering it with rich would double the start-up time
    rich_markup_mode=None,
)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    if debug:
        os.environ["OPTARIUM_DEBUG"] = "1"


app.command("solve")(command(solve))
app.command("route")(command(route))
app.add_typer(runs.app, name="runs")
app.add_typer(study_cli.app, name="study")
app.add_typer(bench.app, name="bench")
app.add_typer(formulate_cli.app, name="formulate")
app.command("schedule")(command(schedule))
app.command("equiv")(command(equiv))


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (typer handles usage errors with exit code 2)."""
    app(args=argv)
