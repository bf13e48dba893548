"""``python -m optarium.service [--host ...]``: the same as ``optarium serve``."""

from __future__ import annotations

import typer

from optarium.cli.common import command
from optarium.cli.serve import serve

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(command(serve))

if __name__ == "__main__":
    app(prog_name="optarium serve")
