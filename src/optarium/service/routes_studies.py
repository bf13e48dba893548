"""Studies over HTTP: create, list, show, delete; trials paged; ask and tell through :class:`Study`."""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from optarium.blackbox.errors import TellError
from optarium.blackbox.study import Study
from optarium.errors import NotFoundError, OptariumError
from optarium.service.app import ApiError, json_response, stopping, store_of
from optarium.service.tables import csv_response
from optarium.store.base import Store

router = APIRouter(tags=["studies"])
HISTORY_POINTS = 2000
IMPORTANCE_TRIALS = 10_000
PLOTTED_TRIALS = 1000
StoreDep = Annotated[Store, Depends(store_of)]
T = TypeVar("T")


class StudyCreate(BaseModel):
    """A new study: its name and search space, and optionally its sampler, direction(s), seed and budget."""

    name: str = Field(min_length=1, max_length=255)
    space: dict[str, Any]
    sampler: str = "auto"
    direction: Literal["minimize", "maximize"] | None = None
    directions: list[Literal["minimize", "maximize"]] | None = None
    seed: int | None = None
    budget: int | None = None
    feedback: Literal["value", "ranking"] = "value"
    load_if_exists: bool = False


class AskBody(BaseModel):
    n: int = Field(1, ge=1, le=1000, description="How many trials to suggest at once.")


class RankBody(BaseModel):
    """Pending trials of a ranking study, best first."""

    ranking: list[int] = Field(min_length=2)


class TellBody(BaseModel):
    """The result of one pending trial: ``value`` (a list for several objectives) or ``failed``."""

    model_config = ConfigDict(extra="allow")  # kept to be refused by name: a misspelt field would tell no value

    number: int
    value: float | list[float] | None = None
    feasibility: float | None = None
    failed: bool = False
    ask: int = Field(0, ge=0, le=1000, description=(
        "After the tell, ask this many new trials in the same request (a second transaction, as "
        "``POST .../ask`` would): a worker's loop is then one request per trial."))


def study_or_404(store: Store, name: str) -> tuple[Study, int]:
    """The study called ``name`` and its id; a 404 if there is none."""
    row = store.find_study(name)
    if row is None:
        raise ApiError(404, f"no study named {name!r}")
    return Study(store, row), int(row["id"])


def trial_json(row: dict[str, Any]) -> dict[str, Any]:
    out = {key: row.get(key) for key in ("number", "state", "params", "value", "values", "feasibility", "sampler",
                                          "created_at", "finished_at")}
    out["number"] = int(row["number"])
    return out


def study_json(study: Study) -> dict[str, Any]:
    """A study's summary for HTTP: ``directions`` always, ``direction`` only for one objective (it would name
    only the first of several); a multi-objective study's best is its Pareto front, with ``front_size``,
    ``hypervolume`` (against the inferred ``reference``; null where it overflows a float) and no ``best_value``."""
    summary = study.summary()
    best = summary["best"]
    out = {**summary, "best_value": best.get("value") if isinstance(best, dict) else None,
           "n_trials": sum(summary["trials"].values()), "directions": list(study.directions)}
    if study.multi_objective:
        del out["direction"]
        front, volume, reference = study.front_and_hypervolume()
        out.update(best=[t.to_dict() for t in front], front_size=len(front),
                   hypervolume=volume if math.isfinite(volume) else None,
                   reference=None if reference is None else [v if math.isfinite(v) else None for v in reference])
    return out


@router.post("/studies", status_code=201)
def create_study(body: StudyCreate, store: StoreDep) -> dict[str, Any]:
    """Create a study (409 if the name is taken, unless ``load_if_exists`` and the space matches)."""
    direction, directions = body.direction, body.directions
    if directions is not None and len(directions) == 1:  # one objective however it is written
        if direction is not None and direction != directions[0]:
            raise ApiError(422, f"`direction` {direction!r} and `directions` {directions!r} disagree; give one of them")
        direction, directions = directions[0], None
    study = Study.create(
        body.name, body.space, sampler=body.sampler, direction=direction, seed=body.seed, budget=body.budget,
        feedback=body.feedback, store=store, load_if_exists=body.load_if_exists, directions=directions,
    )
    return {**study_json(study), "existed": study.existed}


@router.get("/studies")
def list_studies(store: StoreDep) -> dict[str, Any]:
    """Every study with its trial counts, best value and last activity, oldest first."""
    overview = _overview(store)
    return {"studies": [_listed(store, row, overview) for row in store.list_studies()]}


def _overview(store: Store) -> dict[int, dict[str, Any]] | None:
    from optarium.store.core import SqlStore

    return store.study_overview() if isinstance(store, SqlStore) else None


def _listed(store: Store, row: dict[str, Any], overview: dict[int, dict[str, Any]] | None) -> dict[str, Any]:
    """A study's settings and counts; from the SQL aggregate where the best value is the lowest or highest one."""
    study = Study(store, row)
    if overview is None or study.multi_objective or study.feedback == "ranking":
        return study_json(study)
    found = overview.get(int(row["id"]), {"trials": {"pending": 0, "complete": 0, "failed": 0}, "lowest": None,
                                           "highest": None, "last_activity": None})
    return {
        "name": study.name, "space": study.space.to_dict(), "sampler": study.sampler_name,
        "sampler_reason": study.sampler_reason, "direction": study.direction, "directions": list(study.directions),
        "feedback": study.feedback, "seed": study.seed, "budget": study.budget, "trials": found["trials"],
        "n_trials": sum(found["trials"].values()),
        "best_value": found["lowest"] if study.direction == "minimize" else found["highest"],
        "last_activity": found["last_activity"] or study.created_at,
    }


@router.get("/studies/{name}")
def show_study(name: str, store: StoreDep) -> dict[str, Any]:
    """One study: settings, trial counts by state, best trial (the Pareto front for several objectives), last activity."""
    study, study_id = study_or_404(store, name)
    overview = _overview(store)
    if overview is None or study.multi_objective or study.feedback == "ranking":
        return study_json(study)
    row = store.find_study(name)
    assert row is not None
    listed = _listed(store, row, {study_id: overview[study_id]} if study_id in overview else {})
    best = None
    if listed["best_value"] is not None:
        from optarium.store.core import SqlStore

        assert isinstance(store, SqlStore)  # an overview comes from SQL only
        rows, _ = store.trials_page(study_id, state="complete", sort="value", feasible=True,
                              descending=study.direction == "maximize", limit=1)
        best = trial_json(rows[0]) if rows else None
    return {**listed, "best": best}


@router.delete("/studies/{name}")
def delete_study(name: str, store: StoreDep) -> dict[str, Any]:
    """Remove the study and its trials in one transaction."""
    study, _ = study_or_404(store, name)
    return {"name": name, "deleted_trials": study.delete()}


def _trials(store: Store, study_id: int, state: str | None, sort: str, order: str, limit: int,
            offset: int) -> tuple[list[dict[str, Any]], int]:
    from optarium.store.core import SqlStore

    if isinstance(store, SqlStore):
        rows, total = store.trials_page(study_id, state=state, sort=sort, descending=order == "desc", limit=limit,
                                  offset=offset)
        return [trial_json(row) for row in rows], total
    every = [trial_json(row) for row in store.list_trials(study_id) if not state or row["state"] == state]
    every.sort(key=lambda row: row["number"], reverse=order == "desc")
    if sort == "value":
        every.sort(key=lambda row: (row["value"] is None, 0.0 if row["value"] is None else
                                    (-row["value"] if order == "desc" else row["value"])))
    return every[offset: offset + limit], len(every)


@router.get("/studies/{name}/trials")
def list_trials(
    name: str, store: StoreDep,
    state: Annotated[Literal["pending", "complete", "failed"] | None, Query()] = None,
    sort: Annotated[Literal["number", "value"], Query()] = "number",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """One page of the study's trials, filtered by state and sorted by number or value (trials without a value last)."""
    _, study_id = study_or_404(store, name)
    rows, total = _trials(store, study_id, state, sort, order, limit, offset)
    return {"trials": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/studies/{name}/trials.csv", response_class=Response)
def trials_csv(name: str, store: StoreDep) -> Response:
    """Every trial as CSV: number, state, value(s), feasibility, one ``params_<name>`` column per parameter."""
    study, _ = study_or_404(store, name)
    return csv_response(study.trial_rows(), f"{name}-trials.csv")


@router.get("/studies/{name}/analysis")
def analysis(
    name: str, store: StoreDep,
    hypervolume: Annotated[bool, Query(description=(
        "For several objectives, also the hypervolume of the front after each complete trial (thinned to about "
        "2,000 points) against the inferred reference: what the compare page draws; it costs a hypervolume each "
        "time the front changes."))] = False,
) -> dict[str, Any]:
    """What the study page plots: the history with the best so far (thinned to about 2,000 points), each
    parameter's importance (from up to about 10,000 complete trials, evenly spaced), a sample of up to 1,000
    complete trials for the slice and parallel plots and, for several objectives, the trial numbers on the Pareto
    front (the history, importance and sample then follow the first objective) and the inferred ``reference``."""
    from optarium.service.analysis import history, importance, sample, thin
    from optarium.store.core import SqlStore

    study, study_id = study_or_404(store, name)
    space = study.space.to_dict()
    out: dict[str, Any] = {"name": name, "parameters": list(space), "directions": list(study.directions)}
    if study.multi_objective:
        return {**out, **_objectives(store, study, study_id, space, hypervolume)}
    if isinstance(store, SqlStore):
        steps, count = store.history_points(study_id, study.direction == "minimize", HISTORY_POINTS)
        subset = store.complete_trials(study_id, every=max(1, math.ceil(count / IMPORTANCE_TRIALS)))
        best, _ = store.trials_page(study_id, state="complete", sort="value", feasible=True,
                                   descending=study.direction == "maximize", limit=PLOTTED_TRIALS // 10)
        known = {int(row["number"]) for row in subset}
        plotted = subset + [row for row in best if int(row["number"]) not in known]
    else:
        subset = plotted = [row for row in store.list_trials(study_id) if row["state"] == "complete"]
        count, steps = len(subset), thin(history(subset, study.direction), HISTORY_POINTS)
    return {**out, "n_complete": count, "history": steps, "importance": importance(subset, space),
            "sample": sample(plotted, PLOTTED_TRIALS, study.direction), "pareto": []}


def _objectives(store: Store, study: Study, study_id: int, space: dict[str, Any],
                with_hypervolume: bool) -> dict[str, Any]:
    """The analysis of a multi-objective study, read lean: the values of every complete trial once (the front,
    the hypervolume history, the first objective's history), the parameters only of the trials it plots."""
    from optarium.blackbox.multiobjective import inferred_reference, pareto_trials
    from optarium.service.analysis import history, hypervolume_steps, importance, sample, thin, told
    from optarium.store.core import SqlStore
    from optarium.store.study_reads import told_trials, trial_counts, trials_numbered

    if isinstance(store, SqlStore):
        counts, _ = trial_counts(store, study_id)
        every = max(1, math.ceil(counts["complete"] / IMPORTANCE_TRIALS))
        subset = store.complete_trials(study_id, every=every, with_values=True)
        rows = subset if every == 1 else told_trials(store, study_id)
    else:
        subset = rows = [row for row in store.list_trials(study_id) if row["state"] == "complete"]
    trials = told(rows)
    front = [t.number for t in pareto_trials(trials, study.directions)]
    known = {int(row["number"]) for row in subset}
    plotted = subset + trials_numbered(store, study_id, [number for number in front if number not in known])
    reference = inferred_reference(trials, study.directions)

    def first(chosen: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "state": "complete", "value": (row.get("values") or [None])[0]} for row in chosen]

    out = {"n_complete": len(rows), "history": thin(history(first(rows), study.direction), HISTORY_POINTS),
           "importance": importance(first(subset), space),
           "sample": sample(first(plotted), PLOTTED_TRIALS, study.direction, front), "pareto": front,
           "reference": None if reference is None else [v if math.isfinite(v) else None for v in reference]}
    if with_hypervolume:
        out["hypervolume"] = thin(hypervolume_steps(trials, study.directions), HISTORY_POINTS, key="hypervolume")
    return out


class _Watch:
    """What a study's event stream knows: each trial's state; :meth:`look` reads what changed since."""

    def __init__(self, store: Store, study_id: int):
        self.store, self.study_id = store, study_id
        self.states: dict[int, str] = {}

    def look(self) -> dict[str, Any]:
        """The study's trial counts by state, after reading the trials numbered above the last one seen and
        those seen pending (every trial, where the store is not an SQL one)."""
        from optarium.store.study_cache import MAX_PENDING_READ, CachedStudyStore

        if isinstance(self.store, CachedStudyStore):
            pending = [number for number, state in self.states.items() if state == "pending"]
            if len(pending) > MAX_PENDING_READ:
                self.states.clear()
                pending = []
            self.states.update(self.store.trial_states(self.study_id, max(self.states, default=0), pending))
        else:
            self.states = {int(row["number"]): row["state"] for row in self.store.list_trials(self.study_id)}
        counts = {state: 0 for state in ("pending", "complete", "failed")}
        for state in self.states.values():
            counts[state] = counts.get(state, 0) + 1
        return {"n_trials": len(self.states), "trials": counts}


@router.get("/studies/{name}/events", response_class=StreamingResponse)
async def study_events(
    name: str, request: Request, store: StoreDep,
    timeout: Annotated[float, Query(gt=0, le=3600, description="Seconds after which the stream ends; reconnect to go on.")] = 600,
) -> StreamingResponse:
    """Server-sent events of one study: ``event: study`` with its trial counts by state when the stream opens and
    each time a trial is asked or told (read from the store every half second, only the new and pending
    trials); ``event: gone`` if the study is deleted, ``event: timeout`` after ``timeout`` seconds."""
    import asyncio

    from optarium.service.routes_runs import EVENT_SECONDS

    _, study_id = await run_in_threadpool(study_or_404, store, name)  # an unknown study is a 404, not an empty stream
    watch = _Watch(store, study_id)
    first = await run_in_threadpool(watch.look)

    async def stream() -> AsyncIterator[bytes]:
        import orjson

        deadline = time.monotonic() + timeout
        seen, sent = first, b""
        while True:
            text = orjson.dumps({"name": name, **seen})
            if text != sent:
                sent = text
                yield b"event: study\ndata: " + text + b"\n\n"
            if time.monotonic() > deadline or stopping(request) or await request.is_disconnected():
                yield b"event: timeout\ndata: {}\n\n"
                return
            await asyncio.sleep(EVENT_SECONDS)
            try:
                seen = await run_in_threadpool(watch.look)
            except NotFoundError:
                yield b"event: gone\ndata: {}\n\n"
                return

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@router.post("/studies/{name}/ask")
async def ask(name: str, store: StoreDep, body: AskBody | None = None) -> Response:
    """Suggest ``n`` trials, stored pending; the next ask sees them (``Study.ask``)."""
    n = body.n if body is not None else 1
    return json_response({"trials": await _paced(store, name, lambda: _live(store, name, lambda study: _asked(study, n)))})


def _asked(study: Study, n: int) -> list[dict[str, Any]]:
    return [{"number": t.number, "params": t.params, "sampler": t.sampler} for t in study.ask(n)]


# an ask or tell of a study whose last ones took less than this runs on the event loop: handing it
# to a worker thread and back would cost more than it takes (a slower one would hold up other requests)
INLINE_SECONDS = 0.003
_pace: dict[str, float] = {}  # per study name: a moving average of its asks' and tells' seconds


async def _paced(store: Store, name: str, work: Callable[[], T]) -> T:
    """``work()`` on the event loop if the study's recent asks and tells were quick and its rows are kept (else
    the ask reads the whole study), otherwise on a worker thread."""
    from optarium.store.study_cache import CachedStudyStore

    def timed() -> T:
        started = time.perf_counter()
        try:
            return work()
        finally:
            seconds = time.perf_counter() - started
            _pace[name] = 0.7 * _pace.get(name, seconds) + 0.3 * seconds

    if _pace.get(name, math.inf) < INLINE_SECONDS and isinstance(store, CachedStudyStore) and store.keeps(name):
        return timed()
    return await run_in_threadpool(timed)


_studies: dict[str, tuple[dict[str, Any], Study]] = {}  # per name: the kept study row and its Study


def _live(store: Store, name: str, operation: Callable[[Study], T]) -> T:
    """``operation`` on the study called ``name``; with a :class:`CachedStudyStore`, on the study row it keeps,
    read again once if that study has gone meanwhile (deleted, renamed or replaced by another process)."""
    from optarium.store.study_cache import CachedStudyStore

    if not isinstance(store, CachedStudyStore):
        return operation(study_or_404(store, name)[0])
    for again in (False, True):
        row = store.study_row(name)
        if row is None:
            raise ApiError(404, f"no study named {name!r}")
        kept = _studies.get(name)
        if kept is None or kept[0] is not row or kept[1].store is not store:
            kept = _studies[name] = (row, Study(store, row))
        try:
            return operation(kept[1])
        except NotFoundError:
            store.forget(name)  # nothing was written: an ask or tell that finds no study changes nothing
            if again:
                raise
    raise AssertionError("unreachable")


@router.post("/studies/{name}/tell")
async def tell(name: str, body: TellBody, store: StoreDep) -> Response:
    """Record one pending trial's result in one transaction (``Study.tell``); a trial is told once.
    With ``ask`` > 0 the answer's ``next`` holds that many new trials, asked after the tell committed
    (``next`` empty and ``ask_error`` saying why if that ask failed: the tell stands)."""
    for key in body.model_extra or {}:
        hint = " (the objectives' values go in `value`, a list for several)" if key == "values" else ""
        raise ApiError(422, f"trial {body.number}: unknown field {key!r} in a tell{hint}; the fields are "
                            f"{', '.join(TellBody.model_fields)}")
    told = body.value if isinstance(body.value, list) else [body.value] if body.value is not None else []
    for number in [*told, body.feasibility]:
        if number is not None and not math.isfinite(number):
            raise ApiError(422, f"trial {body.number}: values must be finite numbers, got {number!r}; "
                                "send failed=true for a failed evaluation")
    if not body.failed and body.value is None:
        raise ApiError(422, f"trial {body.number}: give `value` or `failed: true`")

    def told_trial(study: Study) -> tuple[Study, dict[str, Any]]:
        try:
            trial = study.tell(body.number, None if body.failed else body.value, feasibility=body.feasibility,
                               failed=body.failed)
        except TellError as error:
            raise _tell_error(error, [body.number]) from None
        return study, trial.to_dict()

    def work() -> dict[str, Any]:
        study, out = _live(store, name, told_trial)
        if body.ask:
            try:
                out["next"] = _asked(study, body.ask)
            except OptariumError as error:  # the tell is committed: say so, and why nothing was asked
                out["next"], out["ask_error"] = [], " ".join(str(error).split())
        return out

    return json_response(await _paced(store, name, work))


@router.post("/studies/{name}/rank")
def rank(name: str, body: RankBody, store: StoreDep) -> dict[str, Any]:
    """Tell a ranking of pending trials, best first, in one transaction (``Study.tell_ranking``)."""
    study, _ = study_or_404(store, name)
    try:
        trials = study.tell_ranking(body.ranking, list(range(len(body.ranking))))
    except TellError as error:
        raise _tell_error(error, body.ranking) from None
    return {"trials": [t.to_dict() for t in trials]}


def _tell_error(error: TellError, numbers: list[int]) -> ApiError:
    """404 for an unknown trial, 409 for one already told, 422 for a value or ranking the study cannot take."""
    text = str(error)
    if any(f"has no trial {number}" in text for number in numbers):
        return ApiError(404, text)
    return ApiError(409 if "a trial is told once" in text else 422, text)
