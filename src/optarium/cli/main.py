"""Entry point of the ``optarium`` command: exit 0 success, 1 failed solve or run, 2 bad input, 130 Ctrl-C."""

from __future__ import annotations

import os
import sys

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
    add_completion=True,
    pretty_exceptions_enable=False,
    # plain help text: rendering it with rich would double the start-up time
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from optarium import __version__

        typer.echo(f"optarium {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
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
app.command("generate")(command(__import__("optarium.cli.generate", fromlist=["generate"]).generate))
app.command("tune")(command(__import__("optarium.cli.tune", fromlist=["tune"]).tune))
app.add_typer(__import__("optarium.cli.learn", fromlist=["app"]).app, name="learn")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a usage error is one line on stderr and exit code 2.

    ``--debug`` may stand anywhere before a ``--``, after the subcommand too.
    """
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer.main import get_command

    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    if "--debug" in args[:end]:
        os.environ["OPTARIUM_DEBUG"] = "1"
        args = [arg for arg in args[:end] if arg != "--debug"] + args[end:]
    try:
        code = get_command(app).main(args=args, prog_name="optarium", standalone_mode=False)
    except NoArgsIsHelpError as help_page:
        help_page.show()
        sys.exit(help_page.exit_code)
    except ClickException as error:
        # the usage block and "Try --help" would bury the one line that matters
        text = " ".join(error.format_message().split())
        sys.stderr.write(f"error: {text[:1].lower() + text[1:]}\n")
        sys.exit(error.exit_code)
    except typer.Abort:  # end of input where the command reads some
        sys.stderr.write("error: aborted\n")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
