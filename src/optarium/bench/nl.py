"""Run the formulate pipeline over a dataset of problems in words and score it.

Accuracy is reported at the relative-error tolerances used by published work
(1e-6, 1e-4, 5%); an 'infeasible' or 'unbounded' label counts as correct when
the solver says the same. With ``replay`` the LLM's answers come from
``DIR/<id>.lp`` or ``DIR/<id>.py``, so everything but the LLM runs offline.
When a record has a ``gold_model``, the formulated model is also compared with
it by :func:`optarium.equivalence.check_equivalence` (column 'n/a' when that
module is not installed).
"""

from __future__ import annotations

import copy
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.formulate.dataset import TOLERANCES, load_records, score

if TYPE_CHECKING:
    from optarium.formulate.llm import ChatModel
    from optarium.formulate.pipeline import FormulateResult
    from optarium.formulate.settings import FormulateSettings
    from optarium.store.base import FormulateStore, Store


@dataclass
class NLCase:
    """The outcome of one problem."""

    id: str
    label: str
    answer: float | None
    status: str
    objective: float | None
    correct_at: dict[float, bool]
    rel_error: float | None
    executed: bool
    rounds: int
    tokens: int
    seconds: float
    llm_seconds: float
    cause: str
    error: str
    equivalent: str = ""
    equivalence_reason: str = ""

    @property
    def correct(self) -> bool:
        """Correct at relative error 1e-4 (the headline tolerance)."""
        return self.correct_at[1e-4]

    @property
    def overhead(self) -> float:
        """Seconds spent in the pipeline outside the LLM."""
        return max(0.0, self.seconds - self.llm_seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "correct": self.correct, "objective": self.objective, "status": self.status,
            "rounds": self.rounds, "error": self.error, "cause": self.cause, "label": self.label,
            "answer": self.answer, "rel_error": self.rel_error,
            "correct_at": {f"{tol:g}": value for tol, value in self.correct_at.items()},
            "executed": self.executed, "tokens": self.tokens, "seconds": round(self.seconds, 6),
            "overhead_seconds": round(self.overhead, 6), "equivalent_to_gold": self.equivalent or None,
            "equivalence_reason": self.equivalence_reason or None,
        }


@dataclass
class NLReport:
    """All cases of one dataset run and their summary."""

    dataset: str
    llm: str
    cases: list[NLCase] = field(default_factory=list)
    wall_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        count = len(self.cases)
        judged = [case for case in self.cases if case.equivalent in ("equivalent", "not_equivalent", "undetermined")]
        equivalence: str | float = "n/a"
        if judged:
            equivalence = sum(case.equivalent == "equivalent" for case in judged) / len(judged)
        return {
            "dataset": self.dataset, "llm": self.llm, "problems": count,
            "accuracy": {f"{tol:g}": sum(case.correct_at[tol] for case in self.cases) / count for tol in TOLERANCES},
            "execution_rate": sum(case.executed for case in self.cases) / count,
            "mean_rounds": statistics.fmean(case.rounds for case in self.cases),
            "tokens_per_problem": statistics.fmean(case.tokens for case in self.cases),
            "seconds_per_problem": statistics.fmean(case.seconds for case in self.cases),
            "median_overhead_seconds": statistics.median(case.overhead for case in self.cases),
            "structurally_equivalent_to_gold": equivalence, "equivalence_checked": len(judged),
            "wall_seconds": self.wall_seconds,
        }

    def failures(self) -> list[NLCase]:
        """Cases not correct at the strictest tolerance."""
        return [case for case in self.cases if not case.correct_at[TOLERANCES[0]]]

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "problems": [case.to_dict() for case in self.cases]}


def run_nl(
    dataset: str | Path,
    llm: ChatModel,
    *,
    workers: int = 1,
    limit: int | None = None,
    rounds: int | None = None,
    store: FormulateStore | Store | str | None = None,
    record: bool = True,
    insights: bool = False,
    equivalence: bool = True,
    settings: FormulateSettings | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    ray_workers: int | None = None,
    ray_address: str | None = None,
) -> NLReport:
    """Run every record of ``dataset`` through the pipeline with ``llm``; problems run ``workers`` at a time.

    ``settings`` are the pipeline's (default :class:`FormulateSettings`); ``rounds`` overrides
    theirs, and ``insights`` (off by default here) decides whether lessons are retrieved.
    ``progress(done, total, record_id)`` is called after each record.
    ``ray_workers`` runs that many records at a time as Ray tasks instead (on the cluster at
    ``ray_address`` or ``$RAY_ADDRESS``, else a local one): ``llm`` is sent to the workers (an
    HTTP endpoint's client or a replay folder at the same path on every node), and they record
    to the store by its URL, which every node must reach (not an in-memory store).
    """
    from optarium.errors import OptionError
    from optarium.formulate.pipeline import formulate_store
    from optarium.formulate.settings import FormulateSettings

    if workers < 1:
        raise OptionError("workers", workers, "an integer >= 1")
    if limit is not None and limit < 1:
        raise OptionError("limit", limit, "an integer >= 1")
    chosen = (settings or FormulateSettings()).replace(rounds=rounds, insights=insights)
    records = load_records(Path(dataset).resolve() if ray_workers is not None else dataset, limit)
    handle = formulate_store(store) if (record or insights) else None
    from optarium.formulate.llm import ReplayClient

    if isinstance(llm, ReplayClient):
        # gold models may be named after a cleaned id (bench4opt: "Blending Problem_[x]" -> blending_problem_x.lp)
        llm.aliases.update({r["id"]: Path(r["gold_model"]).stem for r in records if r.get("gold_model")})
    checker = _checker() if equivalence else None
    started = time.perf_counter()

    done = 0
    counting = threading.Lock()

    def one(record_: dict[str, Any]) -> NLCase:
        nonlocal done
        case = _case(record_, llm, chosen, handle, record, checker, str(dataset))
        if progress is not None:
            with counting:
                done += 1
                progress(done, len(records), str(record_["id"]))
        return case

    if ray_workers is not None:
        store_url = None if handle is None else str(getattr(handle, "url", ""))
        if store_url is not None and not store_url.startswith(("sqlite", "postgresql")):
            raise OptionError("store", store_url, "an SQLite file or PostgreSQL URL every Ray node can open")
        cases = _on_ray(records, (llm, chosen, store_url, record, equivalence, str(Path(dataset).resolve())),
                        ray_workers, ray_address, progress)
    elif workers == 1:
        cases = [one(item) for item in records]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            cases = list(pool.map(one, records))
    return NLReport(str(dataset), llm.name, cases, time.perf_counter() - started)


def _on_ray(records: list[dict[str, Any]], shared: tuple[Any, ...], jobs: int, address: str | None,
            progress: Callable[[int, int, str], None] | None) -> list[NLCase]:
    """Each record as a Ray task (:func:`ray_case`), ``jobs`` at a time; the cases in the records' order."""
    import pickle

    from optarium.distributed import ray_map
    from optarium.errors import OptionError

    llm = shared[0]
    from optarium.formulate.llm import ReplayClient

    if isinstance(llm, ReplayClient):  # the workers may start in another folder
        llm = copy.copy(llm)
        llm.folder = llm.folder.resolve()
        shared = (llm, *shared[1:])
    try:
        pickle.dumps(llm)
    except Exception:
        raise OptionError("llm", getattr(llm, "name", llm),
                          "an LLM client Ray can send to its workers (an HTTP endpoint or a replay folder)") from None
    store_url = shared[2]
    by_position: dict[int, NLCase] = {}
    for position, case in ray_map(ray_case, [(item, *shared) for item in records], jobs=jobs, address=address,
                                  store_url=store_url):
        by_position[position] = case
        if progress is not None:
            progress(len(by_position), len(records), case.id)
    return [by_position[position] for position in sorted(by_position)]


def ray_case(record: dict[str, Any], llm: ChatModel, settings: FormulateSettings, store_url: str | None,
             record_runs: bool, equivalence: bool, dataset: str) -> NLCase:
    """One record on a Ray worker, recording to the store at ``store_url`` (opened there)."""
    from optarium.formulate.pipeline import formulate_store

    store = None if store_url is None else formulate_store(store_url)
    return _case(record, llm, settings, store, record_runs, _checker() if equivalence else None, dataset)


def _checker() -> Any:
    try:
        from optarium.equivalence import check_equivalence
    except ImportError:
        return None
    return check_equivalence


def _case(record: dict[str, Any], llm: ChatModel, settings: FormulateSettings, store: FormulateStore | None,
          record_runs: bool, checker: Any, dataset: str) -> NLCase:
    from optarium.formulate.pipeline import formulate

    result = formulate(
        record["question"], llm, settings=settings, store=store, record=record_runs,
        key=record["id"], source=f"{Path(dataset).name}:{record['id']}",
    )
    scored = score(result.status, result.objective, record)
    cause, error = result.cause, result.error
    if result.executed and not scored["correct"][TOLERANCES[0]]:
        cause = "wrong_status" if result.status != record["status"] else "wrong_objective"
        error = scored["mismatch"]
    elif result.executed:
        cause, error = "", ""
    case = NLCase(
        id=record["id"], label=record["status"], answer=record.get("answer"), status=result.status,
        objective=result.objective, correct_at=scored["correct"], rel_error=scored["rel_error"],
        executed=result.executed, rounds=result.rounds, tokens=result.tokens, seconds=result.seconds,
        llm_seconds=result.llm_seconds, cause=cause, error=error,
    )
    if record.get("gold_model"):
        case.equivalent, case.equivalence_reason = _equivalence(result, record, checker)
    return case


def _equivalence(result: FormulateResult, record: dict[str, Any], checker: Any) -> tuple[str, str]:
    if checker is None:
        return "n/a", "optarium.equivalence is not installed"
    if result.problem is None:
        return "not_equivalent", "no model was formulated"
    from optarium.errors import OptariumError
    from optarium.problem.io import read_problem

    try:
        gold = read_problem(Path(record["_folder"]) / record["gold_model"])
        verdict = checker(gold, result.problem)
    except OptariumError as error:
        return "undetermined", str(error)
    return str(verdict.verdict), str(getattr(verdict, "reason", ""))
