"""Plain English -> formulation -> model code -> sandbox -> solve -> verify, with self-correction.

Stages and the work they follow:

1. Five-element formulation (LLMOPT, Jiang et al. 2024): sets, parameters,
   variables, objective, constraints, written before any code.
2. Expert-guided step-by-step modeling (ORThought, 2025): the prompt walks
   through understanding, the five elements, a self-check, then code.
3. Model output as Pyomo code or a CPLEX LP model (both accepted).
4. Sandboxed execution (:mod:`optarium.formulate.sandbox`).
5. Solve and verify through the one flow (:func:`optarium.flow.solve_problem`).
6. Self-correction (LLMOPT, ORThought, OptiMUS): on an exception, an infeasible
   or unbounded result or a failed verification, the error and the code go back
   to the LLM, up to ``rounds`` times. Departure: an infeasible or unbounded
   answer is accepted when the LLM answers the feedback with the same model
   (same fingerprint), since some problems really are infeasible.
7. Experience library (AlphaOPT, 2025): insights retrieved for the question are
   added to the first prompt (:mod:`optarium.formulate.experience`).

Every LLM call (prompt, response, tokens, latency) is kept on the result; a
recorded request writes its row, its LLM calls and the run of its solved model
in one transaction (:class:`~optarium.store.base.FormulateStore`).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.errors import OptariumError
from optarium.formulate.errors import LLMError, ProblemTextError, SandboxError
from optarium.formulate.extract import ModelText, extract_model
from optarium.formulate.llm import ChatModel, LLMCall
from optarium.formulate.redaction import redact, redact_all, url_password
from optarium.formulate.sandbox import SandboxLimits, SandboxUnavailableError, run_pyomo
from optarium.formulate.templates import render, template

if TYPE_CHECKING:
    from optarium.formulate.settings import FormulateSettings
    from optarium.problem.program import MathProgram
    from optarium.solution import Solution, Status
    from optarium.solvers.base import SolveOptions
    from optarium.store.base import FormulateStore, Run, Store

# What read the formulated model (its LP text), as the verification names it.
READER = "highs"
# Statuses after which the final model counts as executed: the solver gave a verdict, right or wrong.
EXECUTED: tuple[str, ...] = ("optimal", "locally_optimal", "feasible", "infeasible", "unbounded", "time_limit")


@dataclass
class Attempt:
    """One model the LLM gave and what became of it (``cause`` empty when it was accepted)."""

    round: int
    kind: str = ""
    cause: str = ""
    error: str = ""
    status: Status | None = None
    objective: float | None = None
    fingerprint: str = ""


@dataclass
class FormulateResult:
    """What the pipeline made of one question: the words, the model, and the one :class:`Solution`.

    ``status`` is the final solution's status (the shared vocabulary), or
    ``error`` with ``cause`` and ``error`` when no model could be solved.
    ``run_id`` is the recorded request, ``solve_run_id`` the run of its solved model.
    """

    question: str
    status: Status = "error"
    cause: str = ""
    error: str = ""
    rounds: int = 0
    formulation: str = ""
    code: str = ""
    code_kind: str = ""
    lp_text: str = ""
    answer: str = ""
    problem: MathProgram | None = None
    solution: Solution | None = None
    attempts: list[Attempt] = field(default_factory=list)
    calls: list[LLMCall] = field(default_factory=list)
    insight_ids: list[int] = field(default_factory=list)
    # the version of the insight library they were retrieved from (None: none saved yet)
    insights_version: int | None = None
    seconds: float = 0.0
    run_id: int | None = None
    solve_run_id: int | None = None

    @property
    def objective(self) -> float | None:
        return None if self.solution is None else self.solution.objective

    @property
    def executed(self) -> bool:
        """The final model ran and the solver gave a verdict (right or wrong)."""
        return self.status in EXECUTED

    @property
    def tokens(self) -> int:
        return sum(call.tokens for call in self.calls)

    @property
    def llm_seconds(self) -> float:
        return sum(call.seconds for call in self.calls)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` view: id-free per-problem fields plus what produced them."""
        return {
            "status": self.status, "objective": self.objective, "rounds": self.rounds,
            "error": self.error, "cause": self.cause,
            "verified": bool(self.solution is not None and self.solution.verified),
            "answer": self.answer, "formulation": self.formulation, "code_kind": self.code_kind,
            "code": self.code, "lp": self.lp_text, "values": {} if self.solution is None else self.solution.values,
            "tokens": self.tokens, "seconds": round(self.seconds, 6), "llm_seconds": round(self.llm_seconds, 6),
            "run_id": self.run_id, "solve_run_id": self.solve_run_id, "insight_ids": self.insight_ids,
            "insights_version": self.insights_version, "attempts": [vars(attempt) for attempt in self.attempts],
        }


def check_question(text: Any) -> str:
    """The question as clean text; raise :class:`ProblemTextError` for empty or non-text input."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ProblemTextError("the problem is not UTF-8 text") from None
    if not isinstance(text, str):
        raise ProblemTextError(f"the problem must be text, got {type(text).__name__}")
    if "\x00" in text:
        raise ProblemTextError("the problem is not text (it holds NUL bytes)")
    if not text.strip():
        raise ProblemTextError("the problem text is empty")
    return text.strip()


def problem_from_lp(lp_text: str, name: str) -> MathProgram:
    """A canonical problem from CPLEX LP text (Pyomo's objective constant folded into the offset)."""
    from dataclasses import replace

    from optarium.errors import InvalidModelError
    from optarium.problem.adapters import fold_constant
    from optarium.problem.io import read_problem

    with tempfile.TemporaryDirectory(prefix="optarium-lp-") as folder:
        path = Path(folder) / "model.lp"
        path.write_text(lp_text, encoding="utf-8")
        try:
            problem = read_problem(path)
        except InvalidModelError as error:
            # the temporary path means nothing to the user (or to the LLM reading the feedback)
            raise InvalidModelError(str(error).replace(str(path), "the LP model")) from None
    return fold_constant(replace(problem, name=name, _cache={}))


def describe(problem: MathProgram, solution: Solution, limit: int = 20) -> str:
    """The answer in words: the verdict, the objective and the non-zero decisions."""
    if solution.status == "infeasible":
        return "No plan satisfies all the constraints: the model is infeasible."
    if solution.status == "unbounded":
        return "The objective can be improved without limit: the model is unbounded (a limit is probably missing)."
    if solution.objective is None:
        return f"No answer: {solution.message or solution.status}."
    goal = "maximum" if problem.sense == "max" else "minimum"
    words = "The best plan found" if solution.status != "optimal" else "The optimal plan"
    chosen = [(name, value) for name, value in solution.values.items() if abs(value) > 1e-9 and name != "Constant"]
    decisions = ", ".join(f"{name} = {value:.6g}" for name, value in chosen[:limit])
    more = f" and {len(chosen) - limit} more" if len(chosen) > limit else ""
    text = f"{words} reaches the {goal} objective value {solution.objective:.10g}"
    return text + (f" with {decisions}{more}." if decisions else " with every decision at zero.")


@dataclass(frozen=True)
class _Context:
    settings: FormulateSettings
    rounds: int
    options: SolveOptions
    limits: SandboxLimits
    key: str | None
    secrets: tuple[str, ...] = ()


def formulate(
    text: Any,
    llm: ChatModel | None = None,
    *,
    settings: FormulateSettings | None = None,
    rounds: int | None = None,
    solver: str | None = None,
    time_limit: float | None = None,
    insights: bool | None = None,
    sandbox: SandboxLimits | None = None,
    store: FormulateStore | Store | str | None = None,
    record: bool = True,
    extra_insights: list[dict[str, Any]] | None = None,
    key: str | None = None,
    source: str = "python",
) -> FormulateResult:
    """Turn a problem in words into a solved, verified model; never raises for LLM or model failures.

    ``settings`` (default :class:`FormulateSettings`) hold the options; ``rounds``, ``solver``,
    ``time_limit``, ``insights`` and ``sandbox`` override them when given. ``llm`` defaults to
    the client the settings name. The result's ``status`` is the solution's status, or 'error'
    with ``cause`` and ``error`` saying what went wrong. ``insights`` retrieves lessons from the
    store's library; ``extra_insights`` adds given ones. ``key`` names the problem (a replay
    client answers from ``DIR/<key>.lp``). With ``record`` the request, its LLM calls and the
    run of its solved model are written together. Raises only for bad input
    (:class:`ProblemTextError`, a bad option, an unusable store) and for a machine that offers
    no sandbox for generated code (:class:`SandboxUnavailableError`, unless ``unsafe_sandbox``).
    Secrets of the environment and the store URL's password never reach the LLM or the store.
    """
    from optarium.formulate.settings import FormulateSettings
    from optarium.solvers.base import SolveOptions

    question = check_question(text)
    chosen_settings = (settings or FormulateSettings()).replace(
        rounds=rounds, solver=solver, time_limit=time_limit, insights=insights,
    )
    started = time.perf_counter()
    model = llm if llm is not None else chosen_settings.client()
    use_insights = chosen_settings.insights
    handle = formulate_store(store) if (record or use_insights) else None
    chosen: list[dict[str, Any]] = list(extra_insights or [])
    version = None
    if use_insights and handle is not None:
        from optarium.formulate.experience import library, retrieve

        rows, version = library(handle)
        chosen += retrieve(handle, question, rows=rows)
    result = FormulateResult(question=question, insight_ids=[int(i["id"]) for i in chosen if i.get("id") is not None],
                             insights_version=version)
    context = _Context(
        chosen_settings, chosen_settings.rounds if model.can_correct else 0,
        SolveOptions(time_limit=chosen_settings.time_limit), sandbox or chosen_settings.sandbox, key,
        tuple(url_password(store if isinstance(store, str) else getattr(handle, "url", None))),
    )
    _run(result, model, _first_messages(question, chosen), context)
    if result.problem is not None and result.solution is not None:
        result.answer = describe(result.problem, result.solution)
    result.seconds = time.perf_counter() - started
    if record and handle is not None:
        _record(handle, result, model, source, context.options, context.secrets)
    return result


def formulate_store(store: FormulateStore | Store | str | None) -> FormulateStore:
    """The store at ``store`` (see :func:`~optarium.store.base.open_store`), which must keep formulate requests."""
    from optarium.errors import StoreError
    from optarium.store.base import FormulateStore, open_store

    handle = open_store(store)  # type: ignore[arg-type]
    if not isinstance(handle, FormulateStore):
        raise StoreError(f"store {getattr(handle, 'url', handle)!r} cannot keep formulate requests and insights")
    return handle


def _first_messages(question: str, chosen: list[dict[str, Any]]) -> list[dict[str, str]]:
    from optarium.formulate.experience import format_insights

    lessons = render("insights", insights=format_insights(chosen)) if chosen else ""
    return [
        {"role": "system", "content": template("system").strip()},
        {"role": "user", "content": render("formulate", question=question, insights=lessons)},
    ]


def _run(result: FormulateResult, llm: ChatModel, messages: list[dict[str, str]], context: _Context) -> None:
    """The attempt loop: ask, build, solve; feed failures back while rounds remain."""
    previous: Attempt | None = None
    for round_number in range(context.rounds + 1):
        result.rounds = round_number
        try:
            call = llm.chat(list(messages), key=context.key)
        except LLMError as error:
            failed: LLMCall | None = getattr(error, "call", None)
            if failed is not None:
                failed.stage, failed.round = ("formulate" if round_number == 0 else "correct"), round_number
                result.calls.append(failed)
            result.status, result.cause, result.error = "error", error.cause, str(error)
            result.attempts.append(Attempt(round_number, cause=error.cause, error=str(error)))
            return
        call.stage, call.round = ("formulate" if round_number == 0 else "correct"), round_number
        result.calls.append(call)
        attempt, found = _attempt(result, call.response, round_number, context)
        result.attempts.append(attempt)
        # An infeasible/unbounded verdict stands when the LLM repeats the same model, or cannot be asked again.
        confirmed = attempt.status in ("infeasible", "unbounded") and (
            not llm.can_correct
            or (previous is not None and attempt.fingerprint == previous.fingerprint and attempt.status == previous.status)
        )
        if not attempt.cause or confirmed:
            attempt.cause = ""
            result.cause, result.error = "", ""
            return
        if attempt.status == "interrupted":  # the user stopped it: the model is not wrong, ask nothing more
            return
        previous = attempt
        if round_number == context.rounds:
            return
        messages.append({"role": "assistant", "content": call.response})
        fence = found.fence if found is not None else "python"
        hint = attempt.status if attempt.status in ("infeasible", "unbounded") else "as given"
        messages.append({"role": "user", "content": render(
            "correct", error=attempt.error, kind="Pyomo code" if fence == "python" else "LP model",
            fence=fence, code=found.code.strip() if found is not None else "(no model found in your answer)",
            status_hint=hint,
        )})


def _attempt(result: FormulateResult, response: str, round_number: int, context: _Context) -> tuple[Attempt, ModelText | None]:
    """Build and solve the model in one response; record the outcome on ``result``."""
    attempt = Attempt(round_number)
    try:
        found = extract_model(response)
    except OptariumError as error:
        attempt.cause, attempt.error = "extract", str(error)
        result.status, result.cause, result.error = "error", attempt.cause, attempt.error
        return attempt, None
    attempt.kind = found.kind
    result.formulation, result.code, result.code_kind = found.formulation, found.code, found.kind
    result.problem, result.solution, result.lp_text = None, None, ""
    name = context.key or "formulated"
    try:
        lp_text = found.code if found.kind == "lp" else run_pyomo(
            found.code, context.limits, unsafe=context.settings.unsafe_sandbox,
        ).lp_text
        result.lp_text = lp_text
        problem = problem_from_lp(lp_text, name)
    except SandboxUnavailableError:
        raise
    except SandboxError as error:
        # What the code printed goes back to the LLM and into the store: never a secret.
        attempt.cause, attempt.error = error.cause, redact(str(error), context.secrets)
    except OptariumError as error:
        attempt.cause, attempt.error = "invalid_model", f"the model cannot be read: {error}"
    else:
        result.problem = problem
        attempt.fingerprint = problem.fingerprint()
        _solve(result, attempt, problem, context)
    result.status = attempt.status or "error"
    result.cause, result.error = attempt.cause, attempt.error
    return attempt, found


def _solve(result: FormulateResult, attempt: Attempt, problem: MathProgram, context: _Context) -> None:
    from optarium.flow import solve_problem

    try:
        solution = solve_problem(
            problem, solver=context.settings.solver, options=context.options, record=False, reader=READER,
        )
    except OptariumError as error:
        attempt.cause, attempt.error = "solve", f"the model cannot be solved: {error}"
        return
    result.solution = solution
    attempt.status, attempt.objective = solution.status, solution.objective
    if solution.status == "error":
        attempt.cause = "verification" if solution.verification is not None else "solve"
        attempt.error = f"the solver's answer is not usable: {solution.message}"
    elif solution.status == "infeasible":
        attempt.cause, attempt.error = "infeasible", "the model is infeasible: no point satisfies all constraints. A constraint may have the wrong direction, a wrong number, or a variable may have a wrong bound."
    elif solution.status == "unbounded":
        attempt.cause, attempt.error = "unbounded", "the model is unbounded: the objective improves without limit. A constraint or a bound is probably missing, or the objective sense is wrong."
    elif solution.status == "time_limit" and solution.objective is None:
        attempt.cause, attempt.error = "solve", "the solver found no solution within the time limit"
    elif solution.status == "interrupted":
        kept = "" if solution.objective is None else f"; the best point found, objective {solution.objective:.10g}, is kept"
        attempt.cause, attempt.error = "interrupted", f"the solve was interrupted (Ctrl-C){kept}"


def _record(
    store: FormulateStore, result: FormulateResult, llm: ChatModel, source: str, options: SolveOptions,
    secrets: tuple[str, ...] = (),
) -> None:
    """Write the request, its LLM calls and the run of its solved model in one transaction (secrets redacted)."""
    problem, solution = result.problem, result.solution
    run = None if problem is None or solution is None else _solved_run(problem, solution, result, llm, source, options)
    request = redact_all(_request(result, llm, source), secrets)
    calls = [redact_all(call.to_dict(), secrets) for call in result.calls]
    result.run_id, result.solve_run_id = store.record_formulate(request, calls, run)
    if solution is not None:
        solution.run_id = result.solve_run_id


def _solved_run(
    problem: MathProgram, solution: Solution, result: FormulateResult, llm: ChatModel, source: str, options: SolveOptions
) -> Run:
    """The frozen record of the final model's solve, as the flow builds it, marked as formulated."""
    from dataclasses import replace

    from optarium import kinds
    from optarium.flow import to_run

    run = to_run(kinds.of(problem), problem, solution, f"formulate:{source}", options)
    return replace(run, extra={**(run.extra or {}), "formulate": {"llm": llm.name, "rounds": result.rounds}})


def _request(result: FormulateResult, llm: ChatModel, source: str) -> dict[str, Any]:
    """The request as the store keeps it; its ``status`` says whether the final model was solved."""
    solution = result.solution
    return {
        "question_hash": hashlib.sha256(result.question.encode("utf-8")).hexdigest(), "question": result.question,
        "source": source, "llm": llm.name[:255], "status": "solved" if result.executed else "failed",
        "cause": result.cause, "error": result.error, "rounds": result.rounds,
        "solution_status": result.status, "objective": result.objective,
        "verified": bool(solution is not None and solution.verified),
        "formulation": result.formulation, "code_kind": result.code_kind or None, "code": result.code,
        "lp_text": result.lp_text, "answer": result.answer, "tokens": result.tokens, "seconds": result.seconds,
        "llm_seconds": result.llm_seconds, "attempts": [vars(a) for a in result.attempts],
        "insight_ids": result.insight_ids, "insights_version": result.insights_version,
    }
