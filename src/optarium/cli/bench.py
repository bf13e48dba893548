"""``optarium bench``: benchmark runners (each command appended below by its feature)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from optarium.cli.common import JSON_OPTION, command, console, print_json

app = typer.Typer(help="Run benchmark suites and audits.", no_args_is_help=True)


@app.command("audit")
@command
def audit(
    dataset: Path = typer.Argument(..., help="JSONL benchmark set whose records carry `gold_model` paths."),
    solvers: str = typer.Option("highs,scip", "--solvers", help="Comma-separated backends to solve each gold model with."),
    time_limit: float = typer.Option(60.0, "--time-limit", "-t", help="Seconds per solve."),
    limit: int | None = typer.Option(None, "--limit", help="Audit only the first N records with a gold model."),
    as_json: bool = JSON_OPTION,
) -> int:
    """Solve every gold model with two backends; list records whose label or backends disagree."""
    from optarium.bench.audit import audit_dataset
    from optarium.errors import OptionError

    names = [name.strip() for name in solvers.split(",") if name.strip()]
    if not names:
        raise OptionError("--solvers", solvers, "comma-separated backend names, e.g. highs,scip")
    if limit is not None and limit < 1:
        raise OptionError("--limit", limit, "a positive number of records")
    show = console(stderr=True)
    report = audit_dataset(
        dataset, names, time_limit=time_limit, limit=limit,
        progress=None if as_json or not sys.stderr.isatty() else (
            lambda index, total, name: show.print(f"[{index + 1}/{total}] {name}", end="\r")
        ),
    )
    if as_json:
        print_json(report.to_dict())
        return 0
    out = console()
    out.print(
        f"{report.dataset}: {report.records} records, {len(report.checked)} gold models solved with "
        f"{' and '.join(report.solvers)}, {len(report.flagged)} flagged ({report.seconds:.1f} s)"
    )
    for record in report.flagged:
        for problem in record.problems:
            out.print(f"  {record.id}: {problem}")
    return 0
