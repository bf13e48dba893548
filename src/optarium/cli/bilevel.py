"""``optarium bilevel``: solve a linear bilevel program, verify the follower's response, record the run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    JSON_OPTION,
    QUIET_OPTION,
    STORE_OPTION,
    LiveProgress,
    blame,
    console,
    print_json,
    settings_from,
    status_exit_code,
)

if TYPE_CHECKING:
    from optarium.domains.bilevel.problem import BilevelProblem
    from optarium.solution import Solution

# the flag of each setting, for errors in values given on the command line
FLAGS = {"method": "--method", "time_limit": "--time-limit", "max_rounds": "--max-rounds"}


def bilevel(
    problem_file: Path = typer.Argument(..., metavar="FILE", help="Bilevel problem: .json/.yaml form, or the MibS form (.aux, or .mps with its .aux beside it)."),
    method: str | None = typer.Option(None, "--method", "-m", help="auto (default), kkt (continuous follower) or valuefunction (integer follower)."),
    time_limit: float | None = typer.Option(None, "--time-limit", "-t", help="Seconds for the method (default 60)."),
    max_rounds: int | None = typer.Option(None, "--max-rounds", help="Most master solves of the value-function method."),
    aux: Path | None = typer.Option(None, "--aux", help="MibS auxiliary file for an .mps FILE (default: FILE with suffix .aux)."),
    config: Path | None = typer.Option(None, "--config", help="TOML settings file (method, time_limit, max_rounds, box); flags override it."),
    cross_check: bool = typer.Option(False, "--cross-check", help="Solve again with a second method where one applies and compare."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not record the run in the store."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
    quiet: bool = QUIET_OPTION,
) -> int:
    """Solve a bilevel program (a leader and a follower who optimises for itself) and check the answer.

    Exit 0 for an answer (optimal, feasible, infeasible, unbounded, or a verified solution the time
    limit left), 1 when the method failed, its answer failed verification or the time limit came
    before any solution, 2 for bad input, 130 for Ctrl-C (the best bilevel-feasible point so far shown).
    """
    from optarium.domains.bilevel.io import read_bilevel
    from optarium.domains.bilevel.settings import BilevelSettings
    from optarium.domains.bilevel.solve import bilevel_summary, solve_bilevel
    from optarium.errors import (
        InputFileError,
        InvalidModelError,
        OptionError,
        SolverCapabilityError,
    )

    settings = settings_from(BilevelSettings, config, FLAGS, method=method, time_limit=time_limit, max_rounds=max_rounds)
    if aux is not None and not problem_file.name.lower().endswith((".mps", ".mps.gz", ".mps.bz2", ".mps.xz")):
        raise OptionError("--aux", str(aux), "given only with an .mps FILE")
    if aux is None and problem_file.name.lower().endswith(".mps") and problem_file.is_file():
        beside = problem_file.with_name(problem_file.name.split(".")[0] + ".aux")
        if not beside.is_file():
            raise InputFileError(str(beside), f"no auxiliary file; the MibS form needs one beside {problem_file.name} or --aux")
    started = time.perf_counter()
    problem = read_bilevel(problem_file, aux=aux)
    read = time.perf_counter() - started
    try:  # the kind's input checks run first, before the store is opened
        with LiveProgress(enabled=not (as_json or quiet), label="bilevel", budget=settings.time_limit):
            solution = solve_bilevel(problem, settings, store=store, record=not no_record, cross_check=cross_check,
                                     timings={"read": read})
    except SolverCapabilityError as error:
        if settings.method == "auto":  # no flag to blame: the method auto picks cannot take this problem
            raise InvalidModelError(f"the {error.solver} method cannot take {error.missing}",
                                    source=problem.source or problem.name) from None
        hint = f" ({' or '.join(error.alternatives)})" if error.alternatives else ""
        wrong = OptionError("method", error.solver, f"a method that can take {error.missing}{hint}")
        raise blame(wrong, FLAGS, {"method": method}, config) from None  # the flag, or the file's key
    if as_json:
        print_json(bilevel_summary(problem, solution))
    elif not quiet:
        _show(problem, solution)
    return status_exit_code(solution.status, verified=solution.verified)


def _show(problem: BilevelProblem, solution: Solution[Any]) -> None:
    from rich.markup import escape

    out = console()
    if solution.objective is not None and solution.payload is not None:
        check = "[green]verified[/]" if solution.verified else "[red]NOT verified: " + escape(
            solution.verification.message if solution.verification is not None else "") + "[/]"
        bound = f"  bound {solution.bound:.10g}" if solution.bound is not None else ""
        out.print(f"[bold]{solution.status}[/]  leader objective {solution.objective:.10g}{bound}  {check}")
        details = {} if solution.verification is None else solution.verification.details
        if details.get("follower_objective") is not None:
            out.print(f"follower objective {details['follower_objective']:.10g} "
                      f"(its optimum at this leader decision: {details.get('follower_optimum')!s})")
        for label, names, values in (("x", problem.x_names, solution.payload["x"]), ("y", problem.y_names, solution.payload["y"])):
            shown = ", ".join(f"{escape(name)}={value:.10g}" for name, value in list(zip(names, values, strict=True))[:20])
            more = f", ... ({len(values)} in all)" if len(values) > 20 else ""
            out.print(f"{label}: {shown}{more}")
    else:
        out.print(f"[bold]{solution.status}[/]: no solution")
    out.print(f"{escape(solution.solver)} ({escape(solution.solver_version)}), {solution.seconds:.2f}s; {escape(solution.plan_reason)}")
    if solution.message:
        out.print(escape(solution.message))
    if solution.run_id is not None:
        out.print(f"run {solution.run_id} recorded")
