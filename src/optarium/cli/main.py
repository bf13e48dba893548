"""Entry point of the ``optarium`` command: exit 0 success, 1 failed solve or run, 2 bad input, 130 Ctrl-C."""

from __future__ import annotations

import os
import sys
from typing import Any, get_args, get_origin

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
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, show_default=False,
        help="Log more on stderr: -v info, -vv debug (default: warnings)."),
    log_level: str | None = typer.Option(
        None, "--log-level", metavar="LEVEL", help="Log level on stderr: debug, info, warning, error or critical."
    ),
    log_file: str | None = typer.Option(
        None, "--log-file", metavar="PATH", help="Also append the log to PATH (info and above unless a level is given)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    if debug:
        os.environ["OPTARIUM_DEBUG"] = "1"
    if not _OWNS_LOGGING and not (verbose or log_level or log_file):
        return  # called in-process (a test's CliRunner): the host's logging is left as it is
    from optarium.cli.common import setup_logging
    from optarium.errors import OptionError

    try:
        setup_logging(verbose, log_level, log_file)
    except OptionError as error:
        sys.stderr.write(f"error: {error}\n")
        raise typer.Exit(2) from None


# set by main(): the process is the `optarium` command, so its logging is ours to set up
_OWNS_LOGGING = False


# root options a user may also write after the subcommand; those taking a value say so
_ROOT_FLAGS = {"--verbose": False, "--log-level": True, "--log-file": True}


def _root_options_first(args: list[str]) -> list[str]:
    """``args`` with the logging options moved before the subcommand (they are root options).

    Only what stands before a ``--`` is looked at; a value-taking option at the end with no
    value raises a usage error.
    """
    from typer._click.exceptions import UsageError

    end = args.index("--") if "--" in args else len(args)
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < end:
        arg = args[index]
        name = arg.split("=", 1)[0]
        if name in _ROOT_FLAGS or (len(arg) > 1 and arg[0] == "-" and arg[1:] == "v" * (len(arg) - 1)):
            front.append(arg)
            if _ROOT_FLAGS.get(name) and "=" not in arg:
                if index + 1 >= end:
                    raise UsageError(f"option '{name}' requires an argument")
                front.append(args[index + 1])
                index += 1
        else:
            rest.append(arg)
        index += 1
    return front + rest + args[end:]


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
app.command("robust")(command(__import__("optarium.cli.robust", fromlist=["robust"]).robust))
app.command("bilevel")(command(__import__("optarium.cli.bilevel", fromlist=["bilevel"]).bilevel))
app.command("solve-stream")(command(__import__("optarium.cli.stream", fromlist=["solve_stream"]).solve_stream))
app.command("serve")(command(__import__("optarium.cli.serve", fromlist=["serve"]).serve))


# the word shown for an option's value in help, by its Python type (click's words)
_VALUE_WORDS = {"str": "TEXT", "float": "NUMBER", "int": "INTEGER", "Path": "PATH"}


def _plain_help(command: Any) -> Any:
    """``command`` (and its subcommands) with help that reads ``--seed INTEGER`` and ``MODEL...``
    instead of typer's ``--seed <int>``, ``{model}`` and ``<list[Path]>``."""
    from typer.core import TyperArgument, TyperOption

    class PlainArgument(TyperArgument):
        def _usage_display_name(self) -> str:
            name = str(self.metavar) + ("..." if self.nargs != 1 else "")
            return name if self.required else f"[{name}]"

        def _rich_display_name(self) -> str:
            return str(self.metavar) + ("..." if self.nargs != 1 else "")

        def display_type_rich(self, ctx: Any) -> str | None:
            return None

    for param in command.params:
        if isinstance(param, TyperArgument):
            param.metavar = (param.metavar or param.name or "value").upper()
            param.__class__ = PlainArgument
        elif isinstance(param, TyperOption) and param.metavar is None and not (param.is_flag or param.count):
            annotation = param.type_descriptor.annotation
            element = get_args(annotation)[0] if get_origin(annotation) is list else annotation
            param.metavar = _VALUE_WORDS.get(getattr(element, "__name__", ""), "VALUE")
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)
    return command


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a usage error is one line on stderr and exit code 2.

    ``--debug`` may stand anywhere before a ``--``, after the subcommand too.
    """
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer.main import get_command

    global _OWNS_LOGGING
    _OWNS_LOGGING = True
    args = list(sys.argv[1:] if argv is None else argv)
    end = args.index("--") if "--" in args else len(args)
    if "--debug" in args[:end]:
        os.environ["OPTARIUM_DEBUG"] = "1"
        args = [arg for arg in args[:end] if arg != "--debug"] + args[end:]
    try:
        args = _root_options_first(args)
        code = _plain_help(get_command(app)).main(args=args, prog_name="optarium", standalone_mode=False)
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
