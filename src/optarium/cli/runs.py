"""``optarium runs``: find earlier runs again."""

from __future__ import annotations

from typing import Any

import typer

from optarium.cli.common import JSON_OPTION, STORE_OPTION, command, console, print_json

app = typer.Typer(help="List and show recorded runs.", no_args_is_help=True)


@app.command("list")
@command
def list_runs(
    limit: int = typer.Option(20, "--limit", "-n", min=1),
    status: str | None = typer.Option(None, "--status"),
    fingerprint: str | None = typer.Option(None, "--fingerprint", help="Prefix of a problem fingerprint."),
    kind: str | None = typer.Option(None, "--kind", help="Problem kind: math_program, routing, job_shop, ..."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """The newest runs first."""
    from optarium.store.base import open_store

    rows = open_store(store, read_only=True).list_runs(limit=limit, status=status, fingerprint=fingerprint, kind=kind)
    if as_json:
        print_json(rows)
        return 0
    from rich.table import Table

    table = Table("id", "when", "kind", "problem", "solver", "status", "objective", "verified", "seconds")
    for row in rows:
        table.add_row(
            str(row["id"]), row["created_at"].strftime("%Y-%m-%d %H:%M:%S"), row["kind"], row["name"], row["solver"],
            row["status"], "-" if row["objective"] is None else f"{row['objective']:.10g}",
            "yes" if row["verified"] else "no", f"{row['seconds']:.3f}",
        )
    console().print(table)
    return 0


@app.command("show")
@command
def show_run(
    run_id: int = typer.Argument(..., help="Run id from `optarium runs list`."),
    values: bool = typer.Option(False, "--values", help="Include variable values."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Everything recorded about one run: the answer, the plan that produced it and its check."""
    from optarium.store.base import open_store

    row = open_store(store, read_only=True).get_run(run_id)
    if not values:
        row.pop("values", None)
    if as_json:
        print_json(row)
        return 0
    _show(row)
    return 0


def _show(row: dict[str, Any]) -> None:
    out = console()
    plan = row.pop("plan", None) or {}
    verification = row.pop("verification", None)
    row.pop("plan_reason", None)
    shown_values = row.pop("values", None)
    for key, value in row.items():
        out.print(f"[bold]{key}[/]: {value}")
    out.print("[bold]plan[/]:")
    out.print(f"  solver: {plan.get('solver', row.get('solver'))}")
    out.print(f"  params: {plan.get('params', {})}")
    out.print(f"  reason: {plan.get('reason', '')}")
    out.print(f"  source: {plan.get('source', '')}")
    out.print("[bold]verification[/]:" + (" none (no answer to check)" if verification is None else ""))
    if verification is not None:
        out.print(f"  verified: {verification.get('verified')}")
        out.print(f"  reader: {verification.get('reader') or '-'}")
        out.print(f"  objective: {verification.get('objective')}")
        out.print(f"  max_violation: {verification.get('max_violation')}")
        for violation in verification.get("violations") or []:
            out.print(f"  violation: {violation}")
    if shown_values is not None:
        out.print(f"[bold]values[/]: {shown_values}")
