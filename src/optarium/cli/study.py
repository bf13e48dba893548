"""``optarium study``: drive a persistent ask/tell black-box study from the shell."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    JSON_OPTION,
    STORE_OPTION,
    argument_error,
    blame,
    command,
    console,
    missing,
    print_json,
)

if TYPE_CHECKING:
    from optarium.blackbox.space import Space
    from optarium.store.base import Store

app = typer.Typer(
    help="Black-box studies: create, ask, tell, best, show, plot, prefer, propose, list, rename, delete, export.", no_args_is_help=True
)

NAME = typer.Argument(..., help="Study name.")


@app.command("create")
@command
def create(
    name: str = NAME,
    space: Path | None = typer.Option(None, "--space", help="Space file (YAML: name -> {type, low, high, log, choices}); or a [space] table in --config."),
    sampler: str | None = typer.Option(None, "--sampler", help="auto (default), gp, cmaes, cbo, zo_rank, sobol, random."),
    direction: str | None = typer.Option(None, "--direction", help="minimize (default) or maximize."),
    directions: str | None = typer.Option(
        None, "--directions", help="Several objectives, comma-separated: minimize,maximize,... (a multi-objective study)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed for reproducible suggestions."),
    budget: int | None = typer.Option(None, "--budget", help="Planned number of evaluations (helps `auto`; `gp` refines around the best point in the last 20%)."),
    feedback: str | None = typer.Option(None, "--feedback", help="value (default), or ranking (ZO-RankSGD)."),
    load_if_exists: bool = typer.Option(
        False, "--load-if-exists", help="If the study exists with the same space and direction, use it."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="TOML file of study settings (sampler, direction, seed, budget, feedback, [space]); flags override it."
    ),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Create a study; `auto` records why it picked its sampler."""
    from rich.markup import escape

    from optarium.blackbox.settings import StudySettings
    from optarium.blackbox.study import Study
    from optarium.errors import OptionError

    base = StudySettings() if config is None else StudySettings.from_file(config)
    listed = None if directions is None else [d.strip() for d in directions.split(",")]
    if listed is not None and direction is not None:
        raise OptionError("--direction", direction, "left out when --directions is given")
    if direction is not None and base.directions:  # the flag overrides the file's objectives, as every flag does
        import dataclasses

        base = dataclasses.replace(base, directions=None)
    try:
        settings = base.replace(sampler=sampler, direction=direction, directions=listed, seed=seed, budget=budget,
                                feedback=feedback)
    except OptionError as error:  # a value given here: name its flag, not the Python setting
        raise OptionError(f"--{error.name}", error.value, error.expected) from None
    if space is None and settings.space is None:
        raise missing("option `--space`", "a space file, or a [space] table in the --config file")
    try:
        study = Study.create(
            name, _space(space) if space is not None else settings.space or {}, sampler=settings.sampler,
            direction=None if settings.directions else settings.direction, directions=settings.directions,
            seed=settings.seed, budget=settings.budget, feedback=settings.feedback,
            store=_persistent(store), load_if_exists=load_if_exists,
        )
    except OptionError as error:
        if error.name == "name":
            raise argument_error("NAME", error.value, error.expected) from None
        # a rule across settings (a multi-objective sampler for one objective): said where the value was given
        given = {"sampler": sampler, "direction": direction, "directions": listed, "seed": seed, "budget": budget,
                 "feedback": feedback}
        raise blame(error, {key: f"--{key}" for key in given}, given, config) from None
    if study.existed:
        _note_kept(study, {"sampler": sampler, "seed": seed, "budget": budget})
    if as_json:
        print_json(_objectives_json(study.summary()))
    else:
        verb = f"loaded study [bold]{escape(study.name)}[/] ({len(study.trials)} trials, " if study.existed else (
            f"created study [bold]{escape(study.name)}[/] ("
        )
        console().print(
            f"{verb}{study.space.dim} parameters, {', '.join(study.directions)})\nsampler: {escape(study.sampler_reason)}"
        )
    return 0


@app.command("ask")
@command
def ask(
    name: str = NAME,
    n: int = typer.Option(1, "--n", "-n", help="How many trials (a batch, at most 1,000)."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Suggest the next trial(s): a list of {trial_id, params}."""
    from optarium.blackbox.study import Study
    from optarium.errors import OptionError

    if n < 1:
        raise OptionError("--n", n, "a positive integer")
    if n > MAX_BATCH:  # a GP's batch grows steeply with n (200 took 40 s): a typo's 100000 never came back
        raise OptionError("--n", n, f"at most {MAX_BATCH:,} (one batch, as over HTTP; ask again for more)")
    study = Study.load(name, _persistent(store))
    trials = study.ask(n)
    _note_repeats(study, trials)
    if as_json:
        print_json([{"trial_id": t.number, "params": t.params} for t in trials])
    else:
        for trial in trials:
            console().print(f"trial {trial.number}: {_params(trial.params)}", markup=False)
    return 0


@app.command("tell", context_settings={"ignore_unknown_options": True})  # negative values: `tell S 3 -1.5`
@command
def tell(
    name: str = NAME,
    trial_id: int = typer.Argument(..., help="Trial id from `optarium study ask`."),
    value: list[str] | None = typer.Argument(None, help="The measured value; one per objective in a multi-objective study (omit with --failed)."),
    failed: bool = typer.Option(False, "--failed", help="The experiment failed; no value."),
    feasibility: str | None = typer.Option(None, "--feasibility", help="Constraint value: <= 0 feasible."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Record the result of a pending trial."""
    from optarium.blackbox.errors import TellError
    from optarium.blackbox.study import Study

    numbers: list[float] = []
    for text in value or []:
        try:
            number = float(text)
        except ValueError:
            several = len(text.replace(",", " ").replace(";", " ").split()) > 1
            hint = "; give one value per objective, each its own argument: tell NAME ID V1 V2 ..." if several else ""
            raise TellError(f"trial {trial_id}: value must be a number, got {text!r}{hint}") from None
        if not math.isfinite(number):
            raise TellError(f"trial {trial_id}: value must be finite, got {text!r}; tell a failed run with --failed")
        numbers.append(number)
    if not numbers and not failed:
        raise TellError(f"trial {trial_id}: give a VALUE or --failed")
    constraint = None if feasibility is None else _feasibility(feasibility)
    if numbers and failed:
        raise TellError(f"trial {trial_id}: give a VALUE or --failed, not both (got {' '.join(value or [])})")
    study = Study.load(name, _persistent(store))
    told: float | list[float] | None = None if not numbers else numbers if study.multi_objective or len(numbers) > 1 else numbers[0]
    trial = study.tell(trial_id, told, feasibility=constraint, failed=failed)
    if as_json:
        print_json(trial.to_dict())
    else:
        shown = "" if trial.value is None else f", value {trial.value:.10g}"
        if trial.values is not None:
            shown = ", values " + " ".join(f"{v:.10g}" for v in trial.values)
        if trial.feasibility is not None and trial.feasibility > 0:
            shown += f", infeasible (feasibility {trial.feasibility:.10g} > 0)"
        console().print(f"trial {trial.number}: {trial.state}{shown}")
    return 0


@app.command("best")
@command
def best(
    name: str = NAME,
    reference: str | None = typer.Option(
        None, "--reference", help="Multi-objective: the hypervolume's reference point, comma-separated (default: inferred)."
    ),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """The best complete, feasible trial so far; the Pareto front and its hypervolume for several objectives."""
    from optarium.blackbox.study import Study

    study = Study.load(name, _reading(store))
    if study.multi_objective:
        return _print_front(study, _reference(reference), as_json)
    if reference is not None:
        from optarium.errors import OptionError

        raise OptionError("--reference", reference, "given only for a study with several objectives")
    trial = study.best
    if as_json:
        print_json(None if trial is None else trial.to_dict())
    elif trial is None:
        complete = study.summary()["trials"]["complete"]
        console().print(f"no complete feasible trial yet ({complete} complete, all infeasible)" if complete
                        else "no complete trial yet")
    else:
        console().print(f"trial {trial.number}: value {trial.value:.10g}\n{_params(trial.params)}", markup=False)
    return 0


def _objectives_json(summary: dict[str, Any]) -> dict[str, Any]:
    """A study summary for ``--json``: a study with several objectives gives its ``directions``
    and no ``direction`` (which would name only the first); one with one objective keeps ``direction``."""
    if "directions" in summary:
        return {key: value for key, value in summary.items() if key != "direction"}
    return summary


@app.command("show")
@command
def show(name: str = NAME, store: str | None = STORE_OPTION, as_json: bool = JSON_OPTION) -> int:
    """The study's settings, why its sampler was chosen, and every trial."""
    from optarium.blackbox.study import Study

    study = Study.load(name, _reading(store))
    trials = study.trials
    summary = study.summary()
    if as_json:
        summary["trial_list"] = [t.to_dict() for t in trials]
        print_json(_objectives_json(summary))
        return 0
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{escape(study.name)}[/]  {', '.join(study.directions)}  sampler {study.sampler_name} (seed {study.seed})")
    out.print(f"why: {study.sampler_reason}", markup=False)
    table = Table("trial", "state", "values" if study.multi_objective else "value", "by", "params")
    for trial in trials:
        shown = "-" if trial.value is None else f"{trial.value:.6g}"
        if trial.values is not None:
            shown = " ".join(f"{v:.6g}" for v in trial.values)
        table.add_row(str(trial.number), trial.state, shown, escape(trial.sampler), escape(_params(trial.params)))
    out.print(table)
    return 0


@app.command("plot")
@command
def plot(
    name: str = NAME,
    kind: str | None = typer.Option(
        None, "--kind", help="history (default; best so far), importance, slice, contour, parallel, timeline; "
        "with several objectives front (default) or hypervolume.",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write: .png, .svg, .pdf or .html (default: best.png, or KIND.png)."
    ),
    params: str | None = typer.Option(None, "--params", help="Parameters to show, comma-separated (default: all; contour: the first four)."),
    objective: int | None = typer.Option(
        None, "--objective", help="Several objectives: which one (1, 2, ...) importance, slice, contour and parallel show."
    ),
    reference: str | None = typer.Option(
        None, "--reference", help="Multi-objective: the hypervolume's reference point, comma-separated (default: inferred)."
    ),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Draw the study: best so far, parameter importance, slices, contours of parameter pairs,
    parallel coordinates, the timeline of trials; for several objectives the Pareto front and
    the hypervolume history. A ranking study's history shows its candidate after each ranking."""
    from optarium.blackbox.plots import KINDS, check_path, default_kind, plot_study
    from optarium.blackbox.study import Study
    from optarium.errors import InputFileError, OptionError

    flags = {"kind": "--kind", "path": "--output", "params": "--params", "objective": "--objective"}
    if kind is not None and kind not in KINDS:
        raise OptionError("--kind", kind, "one of " + ", ".join(KINDS))
    if output is not None:
        try:
            check_path(output)
        except OptionError as error:
            raise OptionError("--output", error.value, error.expected) from None
    point = _reference(reference)
    study = Study.load(name, _reading(store))
    chosen = kind or default_kind(study)
    path = output if output is not None else Path("best.png" if chosen == "history" else f"{chosen}.png")
    try:
        shown = plot_study(study, path, chosen, params=None if params is None else params.split(","),
                           objective=objective, reference=point)
    except OptionError as error:
        if error.name == "objective" and error.value is None:
            raise missing("option `--objective`", error.expected) from None
        raise OptionError(flags.get(error.name, "--reference"), error.value, error.expected) from None
    except OSError as error:
        raise InputFileError(str(path), f"cannot write: {error.strerror}") from None
    if as_json:
        print_json(shown)
    else:
        console().print(f"wrote {path} ({shown['kind']}, {shown['trials']} trials)", markup=False)
    return 0


@app.command("list")
@command
def list_studies(store: str | None = STORE_OPTION, as_json: bool = JSON_OPTION) -> int:
    """Every study: sampler, directions, trials by state, best value, last activity. With
    --json each study gives its directions, and its direction too where it has one objective."""
    from optarium.blackbox.study import Study

    handle = _reading(store)
    summaries = [Study(handle, row).summary() for row in handle.list_studies()]
    rows = [
        {
            "name": s["name"], "sampler": s["sampler"], "directions": s.get("directions", [s["direction"]]),
            **({} if "directions" in s else {"direction": s["direction"]}), **s["trials"],
            "best_value": None if s["best"] is None or isinstance(s["best"], list) else s["best"]["value"],
            **({"front_size": len(s["best"] or [])} if "directions" in s else {}),
            "last_activity": s["last_activity"],
        }
        for s in summaries
    ]
    if as_json:
        print_json(rows)
        return 0
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("name", overflow="fold")
    for header in ("sampler", "dir", "done", "pending", "failed", "best"):
        table.add_column(header)
    table.add_column("last activity", no_wrap=True, min_width=16)
    for row in rows:
        table.add_row(
            escape(row["name"]), row["sampler"], ",".join(d[:3] for d in row["directions"]), str(row["complete"]),
            str(row["pending"]),
            str(row["failed"]), f"front of {row['front_size']}" if "front_size" in row else
            "-" if row["best_value"] is None else f"{row['best_value']:.6g}",
            _when(row["last_activity"]),
        )
    if not rows:
        console().print("no studies")
        return 0
    from optarium.cli.runs import print_table

    print_table(table)
    return 0


@app.command("rename")
@command
def rename(
    name: str = NAME,
    new_name: str = typer.Argument(..., help="The new name."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Give a study a new name; its trials stay with it."""
    from optarium.blackbox.study import Study
    from optarium.errors import OptionError

    study = Study.load(name, _persistent(store))
    try:
        study.rename(new_name)
    except OptionError as error:
        if error.name != "new_name":
            raise
        raise argument_error("NEW_NAME", error.value, error.expected) from None
    if as_json:
        print_json({"old_name": name, "name": study.name})
    else:
        console().print(f"renamed study {name} to {study.name}", markup=False)
    return 0


@app.command("delete")
@command
def delete(
    name: str = NAME,
    yes: bool = typer.Option(False, "--yes", "-y", help="Delete without asking."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """Delete a study and all its trials (asks first on a terminal)."""
    import sys

    from optarium.blackbox.study import Study

    study = Study.load(name, _persistent(store))
    if not yes:
        if not sys.stdin.isatty():
            from optarium.errors import OptariumError

            raise OptariumError(f"refusing to delete study {name!r} without --yes: no terminal to confirm on")
        if not typer.confirm(f"delete study {name!r} and its {len(study.trials)} trials?", err=True):
            sys.stderr.write("nothing deleted\n")
            return 1
    removed = study.delete()
    if as_json:
        print_json({"deleted": name, "trials": removed})
    else:
        console().print(f"deleted study {name} and its {removed} trials", markup=False)
    return 0


@app.command("export")
@command
def export(
    name: str = NAME,
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: standard output)."),
    file_format: str | None = typer.Option(
        None, "--format", help="csv, json or parquet (default: from the file's suffix, else csv)."
    ),
    store: str | None = STORE_OPTION,
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout: the rows (as --format json) or, with --output, "
                                 "what was written."),
) -> int:
    """One row per trial: number, state, value, feasibility, params_<name>, sampler, times."""
    from optarium.blackbox.study import Study
    from optarium.cli.runs import json_format, write_rows

    file_format = json_format(as_json, output, file_format)
    rows = Study.load(name, _reading(store)).trial_rows()
    written = write_rows(rows, output, file_format)
    if as_json and output is not None:
        print_json({"output": str(output), "format": written, "rows": len(rows)})
    return 0


# the most trials one ask gives, as ``POST /api/studies/NAME/ask`` allows
MAX_BATCH = 1000


def _note_kept(study: Any, given: dict[str, Any]) -> None:
    """A note on stderr naming the settings given on the command line that a loaded study keeps its own of."""
    kept = {"sampler": study.sampler_name, "seed": study.seed, "budget": study.budget}
    differ = [f"{key} {'none' if kept[key] is None else kept[key]} (not {value})" for key, value in given.items()
              if value is not None and value != kept[key]]
    if differ:
        import sys

        sys.stderr.write(f"note: study {study.name!r} exists and keeps its {' and '.join(differ)}\n")


def _note_repeats(study: Any, asked: list[Any]) -> None:
    """A note on stderr when ``asked`` trials repeat earlier points because a small discrete space has no
    untried point left (each repeat is an experiment run again, which a costly one should know)."""
    size = study.space.cardinality()
    if not asked or size > asked[-1].number:
        return
    import sys

    seen: set[str] = set()
    repeats = []
    for trial in study.trials:
        key = repr(sorted(trial.params.items()))
        if key in seen and trial.number >= asked[0].number:
            repeats.append(trial.number)
        seen.add(key)
    if repeats:
        sys.stderr.write(f"note: the space has {int(size)} points; trials {', '.join(map(str, repeats))} repeat points "
                         "asked before\n")


def _feasibility(text: str) -> float:
    """The ``--feasibility`` value: a finite number (the library's message names ``failed=True``, not the flag)."""
    from optarium.errors import OptionError

    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise OptionError("--feasibility", text, "a finite number (<= 0: feasible; a failed run is told with --failed)")
    return number


def _reference(text: str | None) -> list[float] | None:
    """A comma-separated reference point; one line naming the flag if it is not numbers."""
    if text is None:
        return None
    try:
        point = [float(part) for part in text.split(",")]
    except ValueError:
        from optarium.errors import OptionError

        raise OptionError("--reference", text, "comma-separated numbers, one per objective") from None
    return point


def _print_front(study: Any, reference: list[float] | None, as_json: bool) -> int:
    """The Pareto front, its hypervolume and the reference point it was measured against."""
    from optarium.errors import OptionError

    try:
        front, volume, inferred = study.front_and_hypervolume(reference)
    except OptionError as error:
        raise OptionError("--reference", error.value, error.expected) from None
    used = reference if reference is not None else inferred
    if as_json:  # JSON has no inf: a hypervolume that overflows (values near 1e308) is null
        print_json({"directions": list(study.directions), "pareto_front": [t.to_dict() for t in front],
                    "hypervolume": volume if math.isfinite(volume) else None,
                    "reference": None if used is None else [v if math.isfinite(v) else None for v in used]})
        return 0
    if not front:
        console().print("no complete feasible trial yet")
        return 0
    from rich.markup import escape
    from rich.table import Table

    table = Table("trial", *[f"{d} {i + 1}" for i, d in enumerate(study.directions)], "params")
    for trial in sorted(front, key=lambda t: t.values or ()):
        table.add_row(str(trial.number), *[f"{v:.6g}" for v in trial.values or ()], escape(_params(trial.params)))
    out = console()
    shown = f"{volume:.6g}" if math.isfinite(volume) else "beyond the largest float"
    out.print(f"Pareto front: {len(front)} trials; hypervolume {shown} (reference "
              + ", ".join(f"{v:.6g}" for v in used or []) + ")")
    out.print(table)
    return 0


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else str(value)


def _persistent(store: str | None) -> str | None:
    """Each command is its own process, so a study must live in a store that outlives it."""
    from optarium.store import default_url

    url = store or default_url()
    if url.startswith("memory://"):
        from optarium.errors import OptionError

        raise OptionError("--store", url, "a store that outlives the command (sqlite:///file.db, postgresql://...), not memory://")
    return store


def _reading(store: str | None) -> Store:
    """The store for a command that only reads: opened read-only, never created."""
    from optarium.store.base import open_store

    return open_store(_persistent(store), read_only=True)


def _space(path: Path) -> Space:
    """The space file as a :class:`Space`; a file that is not text is one line, not a traceback."""
    from optarium.blackbox.space import Space
    from optarium.errors import InputFileError

    if path.is_file():
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise InputFileError(str(path), "not a UTF-8 text file; a space file is YAML text") from None
        except OSError as error:
            raise InputFileError(str(path), f"cannot read: {error.strerror}") from None
    return Space.from_yaml(path)


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


from optarium.cli import study_offline  # noqa: E402, F401  (registers propose and prefer on app)
