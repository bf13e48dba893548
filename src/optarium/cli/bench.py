"""``optarium bench``: benchmark runners (each command appended below by its feature)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from optarium.cli.common import (
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    CountProgress,
    command,
    console,
    print_json,
)
from optarium.cli.formulate import MODEL_FILE_OPTION

app = typer.Typer(help="Run benchmark suites and audits.", no_args_is_help=True)

# the flag of each audit setting, for errors in values given on the command line
AUDIT_FLAGS = {"solvers": "--solvers", "time_limit": "--time-limit", "limit": "--limit", "jobs": "--jobs",
               "ray": "--ray", "ray_address": "--ray-address"}


@app.command("audit")
@command
def audit(
    dataset: Path = typer.Argument(..., help="JSONL benchmark set whose records carry `gold_model` paths."),
    solvers: str | None = typer.Option(None, "--solvers", help="Comma-separated backends to solve each gold model with "
                                       "(default highs,scip)."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds per solve (default 60)."),
    limit: int | None = typer.Option(None, "--limit", help="Audit only the first N records with a gold model."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="With --ray: how many records to audit at a time (default 1)."),
    ray: bool | None = typer.Option(None, "--ray/--no-ray", help="Audit the records as Ray tasks ($RAY_ADDRESS, else a "
                                    "local cluster); --no-ray audits them here even with --ray-address or a "
                                    "ray_address in --config.", show_default=False),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Join the Ray cluster at HOST:PORT (or auto); implies --ray "
                                       "unless --no-ray is given."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (solvers, time_limit, limit, jobs, ray, "
                                       "ray_address); flags override it."),
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve every gold model with two backends; list records whose label or backends disagree."""
    from optarium.bench.audit import audit_dataset
    from optarium.bench.settings import AuditSettings
    from optarium.cli.common import settings_from

    settings = settings_from(AuditSettings, config, AUDIT_FLAGS, solvers=solvers, time_limit=time_limit, limit=limit,
                             jobs=jobs, ray=ray, ray_address=ray_address)
    if settings.jobs > 1 and not settings.on_ray:
        from optarium.errors import OptionError

        raise OptionError("--jobs", settings.jobs, "1 without --ray (records are audited one after another here)")
    with CountProgress(None, enabled=not (as_json or quiet), label="auditing") as progress:
        report = audit_dataset(dataset, settings.names, time_limit=settings.time_limit, limit=settings.limit,
                               progress=progress.at, ray_workers=settings.jobs if settings.on_ray else None,
                               ray_address=settings.ray_address if settings.on_ray else None)
    if report.records == 0:  # as bench nl says of an empty dataset: nothing was audited
        from optarium.errors import InputFileError

        raise InputFileError(str(dataset), "no records")
    if as_json:
        print_json(report.to_dict())
        return 0
    if quiet:
        return 0
    out = console()
    out.print(
        f"{report.dataset}: {report.records} records, {len(report.checked)} gold models solved with "
        f"{' and '.join(report.solvers)}, {len(report.flagged)} flagged ({report.seconds:.1f} s)", markup=False,
    )
    for record in report.flagged:
        for problem in record.problems:
            out.print(f"  {record.id}: {problem}", markup=False)
    if report.without_gold:
        shown = ", ".join(report.without_gold[:10]) + (" ..." if len(report.without_gold) > 10 else "")
        out.print(f"not checked, no gold model ({len(report.without_gold)}): {shown}", markup=False)
    return 0


@app.command("nl")
@command
def nl(
    dataset: Path = typer.Argument(..., help="JSONL records with `id`, `question`, `answer`, `status` (see ../shared/data/nl)."),
    replay: Path | None = typer.Option(None, "--replay", help="Take the LLM's answers from DIR/<id>.lp or DIR/<id>.py."),
    llm_url: str | None = typer.Option(None, "--llm-url", help="OpenAI-compatible endpoint (default $OPTARIUM_LLM_URL)."),
    llm_model: str | None = typer.Option(None, "--llm-model", help="Model name (default $OPTARIUM_LLM_MODEL)."),
    llm_timeout: float | None = typer.Option(None, "--llm-timeout", help="Seconds one LLM answer may take, start to end [default: 120]."),
    llm_max_tokens: int | None = typer.Option(None, "--llm-max-tokens", help="Most tokens in one LLM answer [default: 4096]."),
    llm_model_file: Path | None = MODEL_FILE_OPTION,
    rounds: int | None = typer.Option(None, "--rounds", help="Self-correction rounds (none with --replay) [default: 3]."),
    workers: int = typer.Option(1, "--workers", help="Problems run in parallel."),
    ray: bool | None = typer.Option(None, "--ray/--no-ray", help="Run --workers problems at a time as Ray tasks ($RAY_ADDRESS, "
                                    "else a local cluster); --no-ray runs them here even with --ray-address.", show_default=False),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Join the Ray cluster at HOST:PORT (or auto); implies --ray "
                                           "unless --no-ray is given."),
    limit: int | None = typer.Option(None, "--limit", help="Run only the first K records."),
    insights: bool = typer.Option(False, "--insights", help="Add lessons from the insight library to prompts."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the runs in the store."),
    config: Path | None = typer.Option(None, "--config", help="TOML file of formulate settings (see `optarium formulate --help`); flags override it."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Run the formulate pipeline over a dataset; report accuracy at 1e-6, 1e-4 and 5%."""
    from optarium.bench.nl import run_nl
    from optarium.cli.common import check_positive
    from optarium.cli.formulate import client_from, formulate_settings
    from optarium.formulate.llm import ReplayClient

    check_positive("--workers", workers)
    check_positive("--limit", limit)

    settings = formulate_settings(config, llm_url=llm_url, llm_model=llm_model, llm_timeout=llm_timeout,
                                  llm_max_tokens=llm_max_tokens, llm_model_file=llm_model_file, rounds=rounds)
    llm = ReplayClient(replay) if replay is not None else client_from(settings)
    on_ray = ray if ray is not None else ray_address is not None
    with CountProgress(None, enabled=not as_json, label="bench nl") as progress:
        report = run_nl(dataset, llm, workers=workers, limit=limit, settings=settings, store=store,
                        record=not no_record, insights=insights, progress=progress.at,
                        ray_workers=workers if on_ray else None, ray_address=ray_address if on_ray else None)
    if as_json:
        print_json(report.to_dict())
        return 0
    _print_nl(report)
    return 0


def _print_nl(report: object) -> None:
    from rich.table import Table
    from rich.text import Text

    from optarium.bench.nl import NLReport

    assert isinstance(report, NLReport)
    summary = report.summary()
    out = console()
    accuracy = summary["accuracy"]
    equivalence = summary["structurally_equivalent_to_gold"]
    table = Table("metric", "value", title=Text(f"{summary['dataset']} ({summary['llm']})"))
    for name, value in (
        ("problems", str(summary["problems"])),
        ("accuracy, rel. error ≤ 1e-6", f"{accuracy['1e-06']:.1%}"),
        ("accuracy, rel. error ≤ 1e-4", f"{accuracy['0.0001']:.1%}"),
        ("accuracy, rel. error ≤ 5%", f"{accuracy['0.05']:.1%}"),
        ("execution rate", f"{summary['execution_rate']:.1%}"),
        ("mean correction rounds", f"{summary['mean_rounds']:.2f}"),
        ("tokens per problem", f"{summary['tokens_per_problem']:.0f}"),
        ("seconds per problem", f"{summary['seconds_per_problem']:.3f}"),
        ("median overhead per problem (s, no LLM)", f"{summary['median_overhead_seconds']:.3f}"),
        ("structurally equivalent to gold",
         equivalence if isinstance(equivalence, str) else f"{equivalence:.1%} of {summary['equivalence_checked']}"),
    ):
        table.add_row(name, value)
    out.print(table)
    failures = report.failures()
    if failures:
        rows = Table("id", "label", "status", "objective", "cause", "detail", title=f"{len(failures)} failures (at 1e-6)")
        for case in failures:
            objective = "-" if case.objective is None else f"{case.objective:.10g}"
            rows.add_row(*(Text(str(cell)) for cell in (case.id, case.label, case.status, objective, case.cause, case.error[:120])))
        out.print(rows)
    sys.stdout.flush()
