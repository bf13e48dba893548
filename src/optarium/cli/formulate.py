"""``optarium formulate``: a problem in words -> a verified, solved model; the insight library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from optarium.cli.common import (
    EXIT_INTERRUPTED,
    JSON_OPTION,
    STORE_OPTION,
    command,
    console,
    print_json,
    settings_from,
    status_exit_code,
)

if TYPE_CHECKING:
    from optarium.formulate.settings import FormulateSettings


class _FileOrSubcommand(TyperGroup):
    """``optarium formulate FILE`` runs the pipeline; ``learn`` and ``insights`` are subcommands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_FileOrSubcommand, no_args_is_help=True,
    help="Turn a problem written in plain English into a verified, solved model with an LLM.\n\n"
    "optarium formulate FILE [--config FILE] [--llm-url URL] [--llm-model NAME | --llm-model-file PATH] [--rounds N] [--json] "
    "runs the pipeline "
    "(the same as `optarium formulate run FILE`).",
)
insights_app = typer.Typer(help="List, export, import, add and edit the insight library. These commands only read or change "
                           "the library in the store: there are no settings to keep in a --config file.", no_args_is_help=True)
app.add_typer(insights_app, name="insights")

URL_OPTION = typer.Option(None, "--llm-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (default $OPTARIUM_LLM_URL).")
MODEL_OPTION = typer.Option(None, "--llm-model", help="Model name at the endpoint (default $OPTARIUM_LLM_MODEL); key from $OPTARIUM_LLM_API_KEY.")
MODEL_FILE_OPTION = typer.Option(
    None, "--llm-model-file", help="Run this local model instead of asking an endpoint, offline: a GGUF file "
    "(llama-cpp-python when installed, else transformers) or a transformers model folder.",
)
TIMEOUT_OPTION = typer.Option(
    None, "--llm-timeout", help="Seconds one LLM answer may take, start to end; then the request is closed, which stops "
    "the server's generation [default: 120].",
)
MAX_TOKENS_OPTION = typer.Option(None, "--llm-max-tokens", help="Most tokens in one LLM answer, sent to the endpoint [default: 4096].")
ROUNDS_OPTION = typer.Option(None, "--rounds", help="Self-correction rounds after the first answer [default: 3].")
CONFIG_OPTION = typer.Option(
    None, "--config", help="TOML file of formulate settings (solver, time_limit, rounds, insights, llm_url, llm_model, "
    "llm_model_file, llm_timeout, llm_max_tokens, sandbox_seconds, sandbox_memory_mb, sandbox_file_mb, unsafe_sandbox); flags override it.",
)
# settings fields and the flags that set them, for messages
FLAGS = {
    "solver": "--solver", "time_limit": "--time-limit", "rounds": "--rounds", "insights": "--insights",
    "llm_url": "--llm-url", "llm_model": "--llm-model", "llm_model_file": "--llm-model-file", "llm_timeout": "--llm-timeout", "llm_max_tokens": "--llm-max-tokens",
    "max_tokens": "--llm-max-tokens", "unsafe_sandbox": "--unsafe-sandbox",
}


def formulate_settings(config: Path | None, **given: Any) -> FormulateSettings:
    """The formulate settings of ``config`` (or the defaults) with the flags that were given on top
    (``None``: not given); a bad value names its flag, or the file and the key."""
    from optarium.formulate.settings import FormulateSettings

    return settings_from(FormulateSettings, config, FLAGS, **given)


def client_from(settings: Any) -> Any:
    """The LLM client of ``settings`` (the local model file when one is set); a missing URL or model names its flag."""
    from optarium.formulate.errors import LLMConfigError

    try:
        return settings.client()
    except LLMConfigError as error:
        name = error.parameter or ""
        raise error.renamed(FLAGS.get(name, "--" + name.replace("_", "-"))) from None


def _read_text(path: Path) -> bytes:
    from optarium.errors import InputFileError

    if path.is_dir():
        raise InputFileError(str(path), "is a directory, not a problem text")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(str(path)) from None
    except OSError as error:
        raise InputFileError(str(path), error.strerror or "cannot be read") from None


@app.command("run")
@command
def run(
    file: Path = typer.Argument(..., help="Text file with the problem in words ('-' reads stdin)."),
    llm_url: str | None = URL_OPTION,
    llm_model: str | None = MODEL_OPTION,
    llm_model_file: Path | None = MODEL_FILE_OPTION,
    llm_timeout: float | None = TIMEOUT_OPTION,
    llm_max_tokens: int | None = MAX_TOKENS_OPTION,
    rounds: int | None = ROUNDS_OPTION,
    solver: str | None = typer.Option(None, "--solver", "-s", help="Backend for the formulated model [default: auto]."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds for the solve [default: 60]."),
    insights: bool | None = typer.Option(None, "--insights/--no-insights", help="Add lessons from the insight library [default: on]."),
    unsafe_sandbox: bool = typer.Option(
        False, "--unsafe-sandbox", help="Where this machine offers no operating-system sandbox, run generated code "
        "anyway with only resource limits and a Python audit hook; it can then read your files (the store included) "
        "and reach the network.",
    ),
    config: Path | None = CONFIG_OPTION,
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Formulate, solve and verify the problem in FILE; exit 1 when no model could be solved or its solve
    reached the time limit before any solution."""
    import sys

    from optarium.formulate.errors import ProblemTextError
    from optarium.formulate.pipeline import check_question, formulate
    from optarium.formulate.sandbox import SandboxUnavailableError

    settings = formulate_settings(
        config, llm_url=llm_url, llm_model=llm_model, llm_model_file=llm_model_file, llm_timeout=llm_timeout, llm_max_tokens=llm_max_tokens, rounds=rounds,
        solver=solver,
        time_limit=time_limit, insights=insights, unsafe_sandbox=unsafe_sandbox or None,
    )
    raw = sys.stdin.buffer.read() if str(file) == "-" else _read_text(file)
    try:
        question = check_question(raw)
    except ProblemTextError as error:
        raise ProblemTextError(f"{file}: {error}") from None
    try:
        result = formulate(question, client_from(settings), settings=settings, store=store, source=str(file))
    except SandboxUnavailableError as error:
        raise SandboxUnavailableError(str(error).replace("set `unsafe_sandbox=True`", "pass --unsafe-sandbox")) from None
    endpoint_failed = result.cause in LLM_HINTS and not result.code
    if as_json:
        print_json({"id": file.stem, "correct": None, **result.to_dict()})
    elif not endpoint_failed:  # with no answer from the LLM there is nothing to show but the error
        _show(result)
    if result.status == "interrupted":
        recorded = f"formulate run {result.run_id} recorded" if result.run_id is not None else "nothing recorded"
        sys.stderr.write(f"{result.error} ({recorded})\n")
        return status_exit_code(result.status, verified=result.solution is not None and result.solution.verified)
    if not result.executed:
        hints = LOCAL_HINTS if settings.llm_model_file is not None else LLM_HINTS
        hint = f"; {hints[result.cause]}" if endpoint_failed and result.cause in hints else ""
        recorded = f"formulate run {result.run_id} recorded" if result.run_id is not None else "nothing recorded"
        sys.stderr.write(f"error: {result.error}{hint} ({recorded}; cause: {result.cause})\n")
        return 1
    return status_exit_code(result.status, verified=result.solution is not None and result.solution.verified)


# what to change when the endpoint gave no answer, by the failure's cause
LLM_HINTS = {
    "llm_unavailable": "start the server there, or point --llm-url (or $OPTARIUM_LLM_URL) at one that runs",
    "llm_timeout": "give it longer with --llm-timeout, or ask for less with --llm-max-tokens",
    "llm_response": "check --llm-url and --llm-model (or $OPTARIUM_LLM_URL and $OPTARIUM_LLM_MODEL)",
}

# the same for a local model file
LOCAL_HINTS = {
    "llm_timeout": "give it longer with --llm-timeout, or ask for less with --llm-max-tokens",
    "llm_response": "check that --llm-model-file is a chat (instruction) model",
}


def _show(result: Any) -> None:
    from rich.markup import escape
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    out = console()
    if result.formulation:
        # the console soft-wraps (no wrap) for lines a program reads; a panel's lines are wrapped, not cut at its edge
        out.print(Panel(Text(result.formulation), title="formulation"), soft_wrap=False)  # x[i] is text, not a style
    if result.code:
        lexer = "python" if result.code_kind == "pyomo" else "text"
        out.print(Panel(Syntax(result.code, lexer, word_wrap=True), title=f"model ({result.code_kind})"), soft_wrap=False)
    objective = "-" if result.objective is None else f"{result.objective:.10g}"
    verified = bool(result.solution is not None and result.solution.verified)
    out.print(f"[bold]status[/]: {escape(result.status)}   [bold]objective[/]: {objective}   [bold]verified[/]: {'yes' if verified else 'no'}")
    out.print(f"[bold]correction rounds[/]: {result.rounds}   [bold]tokens[/]: {result.tokens}   [bold]seconds[/]: {result.seconds:.2f} (LLM {result.llm_seconds:.2f})")
    if result.answer:
        out.print(f"[bold]answer[/]: {escape(result.answer)}")
    recorded = [f"formulate run {result.run_id}"] if result.run_id is not None else []
    if result.solve_run_id is not None:
        recorded.append(f"solve run {result.solve_run_id} (its LP model kept in the store)")
    if recorded:
        out.print(f"[dim]recorded: {', '.join(recorded)}[/]")


@app.command("learn")
@command
def learn(
    dataset: Path = typer.Argument(..., help="JSONL records with `id`, `question`, `answer`, `status`."),
    llm_url: str | None = URL_OPTION,
    llm_model: str | None = MODEL_OPTION,
    llm_model_file: Path | None = MODEL_FILE_OPTION,
    llm_timeout: float | None = TIMEOUT_OPTION,
    llm_max_tokens: int | None = MAX_TOKENS_OPTION,
    rounds: int | None = ROUNDS_OPTION,
    limit: int | None = typer.Option(None, "--limit", help="Use only the first K records."),
    config: Path | None = CONFIG_OPTION,
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Learn insights from the records the pipeline gets wrong; keep those that fix the failure."""
    from optarium.cli.common import check_positive
    from optarium.formulate.dataset import load_records
    from optarium.formulate.experience import learn as learn_insights
    from optarium.formulate.pipeline import formulate_store

    check_positive("--limit", limit)
    settings = formulate_settings(config, llm_url=llm_url, llm_model=llm_model, llm_model_file=llm_model_file, llm_timeout=llm_timeout,
                             llm_max_tokens=llm_max_tokens, rounds=rounds)
    records = load_records(dataset, limit)
    for record in records:
        record["_source"] = dataset.name
    report = learn_insights(records, client_from(settings), formulate_store(store), settings=settings)
    if as_json:
        print_json(report.to_dict())
        return 0
    counts: dict[str, int] = {}
    for outcome in report.outcomes.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    console().print(", ".join(f"{name}: {count}" for name, count in sorted(counts.items())), markup=False)
    console().print(f"insights kept: {report.kept or 'none'}; conditions refined: {report.refined or 'none'}", markup=False)
    return 0


@insights_app.command("list")
@command
def insights_list(store: str | None = STORE_OPTION, as_json: bool = JSON_OPTION) -> int:
    """Every insight with how often it was retrieved, helped and misled."""
    from rich.table import Table

    from optarium.formulate.pipeline import formulate_store
    from optarium.store.base import open_store

    rows = formulate_store(open_store(store, read_only=True)).list_insights()
    if as_json:
        print_json(rows)
        return 0
    if not rows:
        console().print("no insights yet (formulate learn finds them; formulate insights add writes one)", markup=False)
        return 0
    from rich.text import Text

    table = Table("id", "taxonomy", "condition", "explanation", "active", "retrieved", "helped", "misled")
    for row in rows:
        table.add_row(str(row["id"]), Text(row["taxonomy"]), Text(row["condition"]), Text(row["explanation"]),
                      "yes" if row["active"] else "no", str(row["retrieved"]), str(row["helped"]), str(row["misled"]))
    console().print(table)
    return 0


@insights_app.command("export")
@command
def insights_export(
    output: Path | None = typer.Argument(None, help="JSONL file to write (default: stdout); or -o."),
    output_option: Path | None = typer.Option(None, "--output", "-o", help="JSONL file to write, as the other exports take "
                                              "it (the same as OUTPUT)."),
    store: str | None = STORE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout: the insights as one JSON list (instead of "
                                 "JSON lines) or, with OUTPUT, what was written."),
) -> int:
    """Write the library as JSON lines {taxonomy, condition, explanation, example, ...}."""
    import json
    import sys

    from optarium.errors import InputFileError, OptionError
    from optarium.formulate.pipeline import formulate_store
    from optarium.store.base import open_store

    if output is not None and output_option is not None and output != output_option:
        raise OptionError("--output", str(output_option), f"left out when OUTPUT is given ({output})")
    output = output or output_option

    rows = formulate_store(open_store(store, read_only=True)).list_insights()
    if as_json and output is None:
        print_json(rows)
        return 0
    text = "".join(json.dumps(row, default=str) + "\n" for row in rows)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputFileError(str(output), f"cannot write: {error.strerror or error}") from None
    if as_json:
        print_json({"output": str(output), "format": "jsonl", "rows": len(rows)})
    return 0


@insights_app.command("import")
@command
def insights_import(
    file: Path = typer.Argument(..., help="JSON lines written by `optarium formulate insights export`."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Add the insights of FILE that the library does not hold yet (use counts start at zero here)."""
    from optarium.formulate.experience import import_insights, read_insights
    from optarium.formulate.pipeline import formulate_store
    from optarium.interrupts import noting_ctrl_c

    insights = read_insights(file)  # every line is checked before the store is opened (nothing is created)
    with noting_ctrl_c() as ctrl_c:  # each insight is its own write: a Ctrl-C waits until all are in
        added, already = import_insights(formulate_store(store), insights)
    if as_json:
        print_json({"file": str(file), "added": len(added), "already_there": already})
    else:
        console().print(f"imported {len(added)} insight{'s' if len(added) != 1 else ''} from {file}"
                        + (f" ({already} already there)" if already else ""), markup=False)
    return EXIT_INTERRUPTED if ctrl_c.pressed else 0


@insights_app.command("add")
@command
def insights_add(
    taxonomy: str = typer.Option(..., "--taxonomy", help="Class of mistake, e.g. integrality."),
    condition: str = typer.Option(..., "--condition", help="When the lesson applies (words found in such problems)."),
    explanation: str = typer.Option(..., "--explanation", help="The lesson."),
    example: str = typer.Option("", "--example", help="A short modeling example."),
    store: str | None = STORE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the insight added (with its id) as JSON on stdout."),
) -> int:
    """Add one insight by hand."""
    from optarium.errors import OptionError
    from optarium.formulate.pipeline import formulate_store

    for name, value in (("--taxonomy", taxonomy), ("--condition", condition), ("--explanation", explanation)):
        if not value.strip():
            raise OptionError(name, value, "non-empty text")
    library = formulate_store(store)
    added = library.add_insight(taxonomy.strip(), condition.strip(), explanation.strip(), example.strip(), "manual")
    if as_json:
        print_json(library.get_insight(added))
    else:
        console().print(f"insight {added} added")
    return 0


@insights_app.command("edit")
@command
def insights_edit(
    insight_id: int = typer.Argument(..., help="Insight id from `optarium formulate insights list`."),
    taxonomy: str | None = typer.Option(None, "--taxonomy"),
    condition: str | None = typer.Option(None, "--condition"),
    explanation: str | None = typer.Option(None, "--explanation"),
    example: str | None = typer.Option(None, "--example"),
    active: bool | None = typer.Option(None, "--active/--inactive", help="Use or stop using the insight."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Change fields of one insight."""
    from optarium.errors import OptionError
    from optarium.formulate.pipeline import formulate_store

    changes: dict[str, Any] = {
        key: value for key, value in
        (("taxonomy", taxonomy), ("condition", condition), ("explanation", explanation), ("example", example), ("active", active))
        if value is not None
    }
    for key in ("taxonomy", "condition", "explanation"):
        if key in changes and not str(changes[key]).strip():
            raise OptionError(f"--{key}", changes[key], "non-empty text")
    row = formulate_store(store).update_insight(insight_id, **changes)
    if as_json:
        print_json(row)
    else:
        console().print(f"insight {insight_id}: {row['taxonomy']} | {row['condition']} | {row['explanation']} | active={row['active']}",
                        markup=False)
    return 0
