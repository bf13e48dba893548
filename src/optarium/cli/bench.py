"""``optarium bench``: benchmark runners (each command appended below by its feature)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run benchmark suites and audits.", no_args_is_help=True)
