"""``optarium runs``: find earlier runs again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from optarium.cli.common import (
    JSON_OPTION,
    STORE_OPTION,
    check_positive,
    command,
    console,
    print_json,
)

app = typer.Typer(help="List, show and export recorded runs. These commands only read the store: what they take "
                       "selects runs (flags), and there are no settings to keep in a --config file.", no_args_is_help=True)

FORMATS = ("csv", "json", "parquet")


@app.command("list")
@command
def list_runs(
    limit: int = typer.Option(20, "--limit", "-n", help="At most this many runs, newest first."),
    status: str | None = typer.Option(None, "--status", help="Only runs with this status: optimal, feasible, time_limit, error, ..."),
    fingerprint: str | None = typer.Option(None, "--fingerprint", help="Prefix of a problem fingerprint."),
    kind: str | None = typer.Option(None, "--kind", help="Problem kind: math_program, routing, jobshop, ..."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """The newest runs first."""
    from optarium.store.base import open_store

    check_positive("--limit", limit)
    check_status(status)
    rows = open_store(store, read_only=True).list_runs(limit=limit, status=status, fingerprint=fingerprint, kind=kind)
    check_kind(kind, rows)
    if as_json:
        print_json(rows)
        return 0
    if not rows:  # as learn show and study best say it: a table of headers alone reads as a fault
        filtered = status is not None or fingerprint is not None or kind is not None
        console().print("no run matches" if filtered else "no runs recorded yet", markup=False)
        return 0
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", justify="right")
    table.add_column("when", no_wrap=True, min_width=19)
    for header in ("kind", "problem", "solver", "status"):
        table.add_column(header, overflow="fold")
    table.add_column("objective", no_wrap=True, justify="right")
    table.add_column("verified")
    table.add_column("seconds", no_wrap=True, justify="right")
    for row in rows:
        table.add_row(
            str(row["id"]), row["created_at"].strftime("%Y-%m-%d %H:%M:%S"), escape(row["kind"]), escape(row["name"]),
            escape(row["solver"]), escape(row["status"]), "-" if row["objective"] is None else f"{row['objective']:.10g}",
            "yes" if row["verified"] else "no", f"{row['seconds']:.3f}",
        )
    print_table(table)
    return 0


def check_status(status: str | None) -> None:
    """Refuse a ``--status`` no run can have (a typo would list nothing and say nothing)."""
    from optarium.errors import OptionError
    from optarium.solution import STATUSES

    if status is not None and status not in STATUSES:
        raise OptionError("--status", status, "one of " + ", ".join(STATUSES))


def check_kind(kind: str | None, found: list[dict[str, Any]]) -> None:
    """Refuse a ``--kind`` that found no run and names no kind optarium knows (a typo, not an empty answer).

    A kind a user registered in their own program is known only to the store: it passes once it has a run.
    """
    if kind is None or found:
        return
    from optarium import kinds

    if kind not in kinds.BUILTIN and kind not in kinds.names():  # the registered kinds are read only for a stranger
        from optarium.errors import OptionError

        raise OptionError("--kind", kind, "one of " + ", ".join(kinds.names()) + " (or a kind this store has runs of)")


def print_table(table: Any) -> None:
    """Print a table on stdout; piped, at its natural width, so no cell is cut or folded."""
    from rich.measure import Measurement

    out = console()
    if not out.is_terminal:
        out.width = max(out.width, Measurement.get(out, out.options.update_width(1000), table).maximum)
    out.print(table)


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


# the fields of a run in the order a person reads them; the rest follow
FIRST = ("id", "created_at", "kind", "name", "source", "status", "objective", "bound", "gap", "verified",
         "max_violation", "solver", "solver_version", "solver_status", "seconds", "message", "fingerprint")
# longer lists and texts are summarised; --json prints them whole
MAX_ITEMS = 8
MAX_TEXT = 200


def readable(value: Any) -> str:
    """One value as a person reads it: ``-`` for none, yes/no, numbers without float noise, short lists whole."""
    import json

    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, str):
        if len(value) <= MAX_TEXT:
            return value
        return f"{value[:MAX_TEXT]}... ({len(value)} characters; all with --json)"
    if isinstance(value, list | tuple):
        if len(value) <= MAX_ITEMS and all(not isinstance(item, list | tuple | dict) for item in value):
            return "[" + ", ".join(readable(item) for item in value) + "]"
        first, last = (json.dumps(item, default=str)[:60] for item in (value[0], value[-1])) if value else ("", "")
        return f"{len(value)} items, first {first}, last {last} (all with --json)"
    if isinstance(value, dict):
        if not value:
            return "-"
        text = ", ".join(f"{key}={readable(item)}" for key, item in value.items())
        if len(text) <= MAX_TEXT and "(all with --json)" not in text:
            return text
        return f"{len(value)} entries: {', '.join(map(str, list(value)[:MAX_ITEMS]))} (all with --json)"
    return str(value)


def _show(row: dict[str, Any]) -> None:
    out = console()

    def line(text: str) -> None:
        out.print(text, markup=False, highlight=False)

    def section(title: str, values: dict[str, Any] | None, unit: str = "") -> None:
        if not values:
            return
        line(f"{title}:")
        for key, value in values.items():
            shown = f"{value:.3f}" if unit and isinstance(value, float) else readable(value)
            line(f"  {key}: {shown}{unit}")

    plan = row.pop("plan", None) or {}
    verification = row.pop("verification", None)
    row.pop("plan_reason", None)
    shown_values = row.pop("values", None)
    nested = {key: row.pop(key, None) for key in ("params", "timings", "features", "extra", "cross_check")}
    for key in [*[k for k in FIRST if k in row], *[k for k in row if k not in FIRST]]:
        value = row[key]
        if key == "seconds" and isinstance(value, float):
            line(f"seconds: {value:.3f}")
        elif key == "gap" and isinstance(value, float):
            line(f"gap: {100 * value:.4g}% (between objective and bound)")
        else:
            line(f"{key}: {readable(value)}")
    line("plan:")
    line(f"  solver: {plan.get('solver', row.get('solver'))}")
    line(f"  params: {readable(plan.get('params') or {})}")
    line(f"  reason: {plan.get('reason', '')}")
    line(f"  source: {plan.get('source', '')}")
    line("verification:" + (" none (no answer to check)" if verification is None else ""))
    if verification is not None:
        line(f"  verified: {readable(verification.get('verified'))}")
        line(f"  reader: {verification.get('reader') or '-'}")
        line(f"  objective: {readable(verification.get('objective'))}")
        line(f"  max_violation: {readable(verification.get('max_violation'))}")
        violations = verification.get("violations") or []
        for violation in violations[:MAX_ITEMS]:
            line(f"  violation: {readable(violation)}")
        if len(violations) > MAX_ITEMS:
            line(f"  ... {len(violations) - MAX_ITEMS} more violations (all with --json)")
    section("settings", nested["params"])
    section("timings", nested["timings"], unit=" s")
    section("cross-check", nested["cross_check"])
    section("features", nested["features"])
    section("extra", nested["extra"])
    if shown_values is not None:
        line(f"values: {readable(shown_values)}")


EXPORT_COLUMNS = (
    "id", "created_at", "kind", "name", "fingerprint", "solver", "solver_version", "plan_source", "plan_reason",
    "status", "objective", "bound", "gap", "verified", "max_violation", "seconds",
)


@app.command("export")
@command
def export_runs(
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    file_format: str | None = typer.Option(
        None, "--format", help="csv, json or parquet (default: from the file's suffix, else csv)."
    ),
    kind: str | None = typer.Option(None, "--kind", help="Only runs of this problem kind."),
    status: str | None = typer.Option(None, "--status", help="Only runs with this status."),
    limit: int = typer.Option(1000, "--limit", "-n", help="At most this many runs, newest first."),
    store: str | None = STORE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout: the rows (as --format json) or, with --output, "
                                 "what was written."),
) -> int:
    """Recorded runs as rows: solver, plan, status, objective, bound, gap, verification, seconds."""
    from optarium.store.base import open_store

    file_format = json_format(as_json, output, file_format)
    check_positive("--limit", limit)
    check_status(status)
    runs = open_store(store, read_only=True).list_runs(limit=limit, status=status, kind=kind)
    check_kind(kind, runs)
    rows = []
    for run in runs:
        plan = run.get("plan") or {}
        row = {column: run.get(column) for column in EXPORT_COLUMNS}
        row["plan_source"] = plan.get("source", "")
        row["plan_reason"] = run.get("plan_reason") or plan.get("reason", "")
        row["verified"] = bool(row["verified"])
        rows.append(row)
    written = write_rows(rows, output, file_format, columns=list(EXPORT_COLUMNS))
    if as_json and output is not None:
        print_json({"output": str(output), "format": written, "rows": len(rows)})
    return 0


def json_format(as_json: bool, output: Path | None, file_format: str | None) -> str | None:
    """The format an export writes under ``--json``: JSON rows when they go to standard output (another
    ``--format`` there is refused), the file's own format with ``--output`` (then a JSON line says what was written)."""
    if not as_json or output is not None:
        return file_format
    if file_format not in (None, "json"):
        from optarium.errors import OptionError

        raise OptionError("--json", True, f"left out with --format {file_format} (rows go to standard output)")
    return "json"


def write_rows(
    rows: list[dict[str, Any]], output: Path | None, file_format: str | None, columns: list[str] | None = None
) -> str:
    """Write rows as CSV, JSON or Parquet to ``output`` (standard output if None); times as ISO 8601 text.

    Returns the format written."""
    from optarium.errors import OptariumError

    if file_format is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        if output is not None and suffix and suffix not in FORMATS:
            raise OptariumError(f"{output.name}: no format is written as .{suffix}; name the file .csv, .json or .parquet, "
                                "or give --format")
        file_format = suffix if suffix in FORMATS else "csv"
    if file_format not in FORMATS:
        raise OptariumError(f"--format must be csv, json or parquet, got {file_format!r}")
    columns = columns or list(dict.fromkeys(key for row in rows for key in row))
    table = [{column: _plain(row.get(column)) for column in columns} for row in rows]
    if file_format == "parquet":
        if output is None:
            raise OptariumError("Parquet is binary: give a file with -o FILE")
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise OptariumError("Parquet export needs pyarrow: pip install pyarrow (or use --format csv)") from None
        data = pa.Table.from_pylist(table) if table else pa.table({column: pa.array([], pa.null()) for column in columns})
        _write(output, lambda path: pq.write_table(data, path))
        return file_format
    if file_format == "json":
        import json

        text = json.dumps(table, indent=2, allow_nan=False) + "\n"
    else:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
        text = buffer.getvalue()
    if output is None:
        sys.stdout.write(text)
    else:
        _write(output, lambda path: Path(path).write_text(text, encoding="utf-8"))
    return file_format


def _plain(value: Any) -> Any:
    """A value CSV, JSON and Parquet all keep: times as ISO text, NaN as empty."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict | list):
        import json

        return json.dumps(value)
    return value


def _write(output: Path, write: Any) -> None:
    """Write through a temporary file beside ``output``, so a failed write leaves nothing half-written."""
    import os
    import tempfile

    from optarium.errors import InputFileError

    try:
        handle, temporary = tempfile.mkstemp(dir=output.parent or Path("."), prefix=f".{output.name}.", suffix=".tmp")
        os.close(handle)
    except OSError as error:
        raise InputFileError(str(output), f"cannot write: {error.strerror}") from None
    try:
        write(temporary)
        os.replace(temporary, output)
    except OSError as error:
        raise InputFileError(str(output), f"cannot write: {error.strerror}") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
