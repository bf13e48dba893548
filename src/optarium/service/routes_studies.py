"""Studies over HTTP: create, list, show, delete; trials paged; ask and tell through :class:`Study`."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from optarium.blackbox.errors import TellError
from optarium.blackbox.study import Study
from optarium.service.app import ApiError, store_of
from optarium.service.tables import csv_response
from optarium.store.base import Store

router = APIRouter(tags=["studies"])
StoreDep = Annotated[Store, Depends(store_of)]


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


class TellBody(BaseModel):
    """The result of one pending trial: ``value`` (a list for several objectives) or ``failed``."""

    number: int
    value: float | list[float] | None = None
    feasibility: float | None = None
    failed: bool = False


def _study(store: Store, name: str) -> tuple[Study, int]:
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
    summary = study.summary()
    best = summary["best"]
    best_value = best.get("value") if isinstance(best, dict) else None
    return {**summary, "best_value": best_value, "n_trials": sum(summary["trials"].values()),
            "directions": list(study.directions)}


@router.post("/studies", status_code=201)
def create_study(body: StudyCreate, store: StoreDep) -> dict[str, Any]:
    """Create a study (409 if the name is taken, unless ``load_if_exists`` and the space matches)."""
    study = Study.create(
        body.name, body.space, sampler=body.sampler, direction=body.direction, seed=body.seed, budget=body.budget,
        feedback=body.feedback, store=store, load_if_exists=body.load_if_exists,
        directions=body.directions if body.directions and len(body.directions) > 1 else None,
    )
    return {**study_json(study), "existed": study.existed}


@router.get("/studies")
def list_studies(store: StoreDep) -> dict[str, Any]:
    """Every study with its trial counts, best value and last activity, oldest first."""
    return {"studies": [study_json(Study(store, row)) for row in store.list_studies()]}


@router.get("/studies/{name}")
def show_study(name: str, store: StoreDep) -> dict[str, Any]:
    """One study: settings, trial counts by state, best trial, last activity."""
    return study_json(_study(store, name)[0])


@router.delete("/studies/{name}")
def delete_study(name: str, store: StoreDep) -> dict[str, Any]:
    """Remove the study and its trials in one transaction."""
    study, _ = _study(store, name)
    return {"name": name, "deleted_trials": study.delete()}


def _trials(store: Store, study_id: int, state: str | None, sort: str, order: str) -> list[dict[str, Any]]:
    rows = [trial_json(row) for row in store.list_trials(study_id)]
    if state:
        rows = [row for row in rows if row["state"] == state]
    if sort == "value":
        present = [row for row in rows if row["value"] is not None]
        missing = [row for row in rows if row["value"] is None]
        present.sort(key=lambda row: (row["value"], row["number"]), reverse=order == "desc")
        return present + missing
    rows.sort(key=lambda row: row["number"], reverse=order == "desc")
    return rows


@router.get("/studies/{name}/trials")
def list_trials(
    name: str, store: StoreDep,
    state: Annotated[Literal["pending", "complete", "failed"] | None, Query()] = None,
    sort: Annotated[Literal["number", "value"], Query()] = "number",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """One page of the study's trials, filtered by state and sorted by number or value."""
    _, study_id = _study(store, name)
    rows = _trials(store, study_id, state, sort, order)
    return {"trials": rows[offset: offset + limit], "total": len(rows), "limit": limit, "offset": offset}


@router.get("/studies/{name}/trials.csv", response_class=Response)
def trials_csv(name: str, store: StoreDep) -> Response:
    """Every trial as CSV: number, state, value(s), feasibility, one ``params_<name>`` column per parameter."""
    study, _ = _study(store, name)
    return csv_response(study.trial_rows(), f"{name}-trials.csv")


@router.get("/studies/{name}/analysis")
def analysis(name: str, store: StoreDep) -> dict[str, Any]:
    """What the study page plots: the history with the best so far, each parameter's importance and,
    for several objectives, the trial numbers on the Pareto front."""
    from optarium.service.analysis import history, importance

    study, study_id = _study(store, name)
    rows = store.list_trials(study_id)
    if study.multi_objective:  # importance and history of the first objective
        rows = [{**row, "value": (row.get("values") or [None])[0]} for row in rows]
    pareto = [t.number for t in study.pareto_front] if study.multi_objective else []
    return {"name": name, "parameters": list(study.space.to_dict()), "directions": list(study.directions),
            "history": history(rows, study.direction), "importance": importance(rows, study.space.to_dict()),
            "pareto": pareto}


@router.post("/studies/{name}/ask")
def ask(name: str, store: StoreDep, body: AskBody | None = None) -> dict[str, Any]:
    """Suggest ``n`` trials, stored pending; the next ask sees them (``Study.ask``)."""
    study, _ = _study(store, name)
    trials = study.ask(body.n if body is not None else 1)
    return {"trials": [{"number": t.number, "params": t.params, "sampler": t.sampler} for t in trials]}


@router.post("/studies/{name}/tell")
def tell(name: str, body: TellBody, store: StoreDep) -> dict[str, Any]:
    """Record one pending trial's result in one transaction (``Study.tell``); a trial is told once."""
    study, study_id = _study(store, name)
    told = body.value if isinstance(body.value, list) else [body.value] if body.value is not None else []
    for number in [*told, body.feasibility]:
        if number is not None and not math.isfinite(number):
            raise ApiError(422, f"trial {body.number}: values must be finite numbers, got {number!r}; "
                                "send failed=true for a failed evaluation")
    if not body.failed and body.value is None:
        raise ApiError(422, f"trial {body.number}: give `value` or `failed: true`")
    _check_pending(store, study_id, name, body.number)
    try:
        trial = study.tell(body.number, None if body.failed else body.value, feasibility=body.feasibility,
                           failed=body.failed)
    except TellError as error:
        _check_pending(store, study_id, name, body.number)  # told by another worker meanwhile: 409
        raise ApiError(422, str(error)) from None
    return trial.to_dict()


def _check_pending(store: Store, study_id: int, name: str, number: int) -> None:
    for row in store.list_trials(study_id):
        if int(row["number"]) == number:
            if row["state"] != "pending":
                raise ApiError(409, f"trial {number} of study {name!r} is already {row['state']}; a trial is told once")
            return
    raise ApiError(404, f"study {name!r} has no trial {number}")
