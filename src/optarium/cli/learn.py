"""``optarium learn show|reset|export|import``: see, remove, export or import what was learned (artifacts in the store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from optarium.cli.common import JSON_OPTION, STORE_OPTION, command, console, print_json

app = typer.Typer(help="See, reset, export or import what optarium learned. These commands name artifacts in the "
                       "store and have no settings to keep in a --config file.", no_args_is_help=True)

# the meta keys worth a glance, in order, for the learned artifacts optarium writes
SUMMARY_KEYS = ("family", "solver", "solver_version", "params", "speedup", "instance_count", "kind", "rule",
                "instances", "score", "runs")


def _summary(meta: dict[str, Any]) -> str:
    parts = [f"{key}={json.dumps(meta[key], default=str)}" for key in SUMMARY_KEYS if key in meta]
    if not parts:
        parts = [f"{key}={json.dumps(value, default=str)}" for key, value in list(meta.items())[:4]]
    text = ", ".join(parts)
    return text if len(text) <= 160 else text[:157] + "..."


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "version": int(row["version"]), "created_at": str(row["created_at"]), "meta": row["meta"]}


@app.command("show")
@command
def show(
    prefix: str = typer.Argument("", help="Only artifacts whose name starts with this (e.g. tuned.)."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """List learned artifacts by name and version with a summary of their meta."""
    from optarium.store.base import open_store

    rows = [_row(row) for row in open_store(store, read_only=True).list_artifacts(prefix)]
    if as_json:
        print_json(rows)
        return 0
    if not rows:
        console().print("nothing learned yet" + (f" under {prefix!r}" if prefix else ""), markup=False)
        return 0
    out = console()
    for row in rows:
        out.print(f"{row['name']} v{row['version']}  {row['created_at'][:19]}  {_summary(row['meta'])}", markup=False)
    return 0


@app.command("reset")
@command
def reset(
    name: str = typer.Argument(..., help="Artifact name (every version is removed)."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Remove a learned artifact, every version of it."""
    from optarium.errors import NotFoundError
    from optarium.store.base import open_store

    # a missing store or name is said before anything is opened for writing (nothing is created)
    if open_store(store, read_only=True).load_artifact(name) is None:
        raise NotFoundError(f"no learned artifact named {name!r}")
    removed = open_store(store).delete_artifact(name)
    if removed == 0:
        raise NotFoundError(f"no learned artifact named {name!r}")
    if as_json:
        print_json({"name": name, "removed_versions": removed})
    else:
        console().print(f"removed {name} ({removed} version{'s' if removed != 1 else ''})", markup=False)
    return 0


@app.command("export")
@command
def export(
    name: str = typer.Argument(..., help="Artifact name."),
    version: int | None = typer.Option(None, "--version", help="Version (default: the newest)."),
    output: Path | None = typer.Option(None, "-o", "--output", help="File to write (default: standard output)."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Write an artifact (meta and data) as JSON to a file or standard output."""
    from optarium.errors import NotFoundError
    from optarium.learn.transfer import to_document
    from optarium.store.base import open_store

    artifact = open_store(store, read_only=True).load_artifact(name, version)
    if artifact is None:
        which = f" version {version}" if version is not None else ""
        raise NotFoundError(f"no learned artifact named {name!r}{which}")
    text = json.dumps(to_document(artifact), indent=2, default=str) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return 0
    scratch = output.with_name(f".{output.name}.partial")
    try:
        scratch.write_text(text)
        scratch.replace(output)
    except OSError as error:
        scratch.unlink(missing_ok=True)
        from optarium.errors import InputFileError

        raise InputFileError(str(output), f"cannot write: {error.strerror or error}") from None
    if as_json:
        print_json({"name": artifact.name, "version": artifact.version, "output": str(output)})
    else:
        console().print(f"wrote {artifact.name} v{artifact.version} to {output}", markup=False)
    return 0


@app.command("import")
@command
def import_(
    file: Path = typer.Argument(..., help="A JSON file written by `optarium learn export`."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Add an exported artifact to the store as the next version of its name (the file is checked first)."""
    from optarium.learn.transfer import read_document
    from optarium.store.base import open_store

    document = read_document(file)  # a bad file is said before the store is opened (nothing is created)
    version = open_store(store).save_artifact(document.name, document.data, document.meta)
    if as_json:
        print_json({"name": document.name, "version": version, "file": str(file)})
    else:
        console().print(f"imported {document.name} v{version} from {file}", markup=False)
    return 0
