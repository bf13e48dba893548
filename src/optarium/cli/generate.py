"""``optarium generate``: write seeded instances of a family as MPS files with a manifest."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, console, print_json

# the flag of each setting, for errors in values given on the command line
FLAGS = {"n": "--n", "seed": "--seed", "difficulty": "--difficulty", "out": "--out"}


def generate(
    family: str | None = typer.Argument(None, help="Family name (see --list)."),
    n: int | None = typer.Option(None, "--n", help="Number of instances (default 10)."),
    seed: int | None = typer.Option(None, "--seed", help="Base seed (default 0); each file's own seed goes in the manifest."),
    difficulty: str | None = typer.Option(None, "--difficulty", help="easy (default), medium or hard."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the MPS files and manifest.json."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (n, seed, difficulty); flags override it."),
    list_families: bool = typer.Option(False, "--list", help="Name the families and their sizes (reads no --config)."),
    as_json: bool = JSON_OPTION,
) -> int:
    """Write N instances of FAMILY into --out (MPS files and manifest.json), or --list the families."""
    from optarium.cli.common import argument_error, missing, settings_from
    from optarium.errors import OptionError
    from optarium.learn import generators
    from optarium.learn.settings import GenerateSettings

    if list_families:  # only names the families: no settings, so a bad --config does not stand in the way
        families = generators.listing()
        if as_json:
            print_json(families)
            return 0
        for item in families:
            sizes = "; ".join(f"{level} {_sizes(values)}" for level, values in item["sizes"].items())
            typer.echo(f"{item['family']}: {item['description']} ({sizes})")
        return 0
    settings = settings_from(GenerateSettings, config, FLAGS, n=n, seed=seed, difficulty=difficulty)
    choices = f"one of {', '.join(sorted(generators.FAMILIES))} (see --list)"
    if family is None:
        raise missing("argument FAMILY", choices)
    if family not in generators.FAMILIES:
        raise argument_error("FAMILY", family, choices)
    if out is None:
        raise missing("option `--out`", "a folder to write the instances into")
    try:
        manifest = generators.write_instances(family, out, n=settings.n, seed=settings.seed, difficulty=settings.difficulty)
    except OptionError as error:
        raise OptionError(FLAGS.get(error.name, error.name), error.value, error.expected) from None
    except OSError as error:  # a file where a folder should be, no permission, a full disk
        raise OptionError("--out", str(out), f"a folder that can be made and written ({error.strerror or error})") from None
    if as_json:
        print_json({"out": str(out), **manifest})
        return 0
    console().print(f"wrote {settings.n} {family} ({settings.difficulty}) instances to {out} with {generators.MANIFEST}", markup=False)
    return 0


def _sizes(values: dict[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())
