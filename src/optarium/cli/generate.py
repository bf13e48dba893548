"""``optarium generate``: write seeded instances of a family as MPS files with a manifest."""

from __future__ import annotations

from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, console, print_json


def generate(
    family: str | None = typer.Argument(None, help="Family name (see --list)."),
    n: int = typer.Option(10, "--n", help="Number of instances."),
    seed: int = typer.Option(0, "--seed", help="Base seed; each file's own seed goes in the manifest."),
    difficulty: str = typer.Option("easy", "--difficulty", help="easy, medium or hard."),
    out: Path | None = typer.Option(None, "--out", help="Folder for the MPS files and manifest.json."),
    list_families: bool = typer.Option(False, "--list", help="Name the families and their sizes."),
    as_json: bool = JSON_OPTION,
) -> int:
    """Write N instances of FAMILY into --out (MPS files and manifest.json), or --list the families."""
    from optarium.errors import OptionError
    from optarium.learn import generators

    if list_families:
        families = generators.listing()
        if as_json:
            print_json(families)
            return 0
        for item in families:
            sizes = "; ".join(f"{level} {_sizes(values)}" for level, values in item["sizes"].items())
            typer.echo(f"{item['family']}: {item['description']} ({sizes})")
        return 0
    if family is None:
        raise OptionError("family", None, f"one of {', '.join(sorted(generators.FAMILIES))} (or use --list)")
    if out is None:
        raise OptionError("out", None, "a folder to write into")
    manifest = generators.write_instances(family, out, n=n, seed=seed, difficulty=difficulty)
    if as_json:
        print_json({"out": str(out), **manifest})
        return 0
    console().print(f"wrote {n} {family} ({difficulty}) instances to {out} with {generators.MANIFEST}", markup=False)
    return 0


def _sizes(values: dict[str, object]) -> str:
    return ", ".join(f"{key}={value}" for key, value in values.items())
