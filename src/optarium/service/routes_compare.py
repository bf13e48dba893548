"""Studies side by side: the hypervolume histories of multi-objective studies against one shared reference point."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from optarium.service.app import ApiError, store_of
from optarium.service.routes_studies import HISTORY_POINTS, study_or_404
from optarium.store.base import Store

router = APIRouter(tags=["studies"])
StoreDep = Annotated[Store, Depends(store_of)]
MAX_COMPARED = 10


def incomparable(directions: Mapping[str, Sequence[str]]) -> str | None:
    """Why the hypervolumes of studies with these directions (by name) cannot be drawn on one scale, or None."""
    if len({tuple(d) for d in directions.values()}) > 1:
        named = "; ".join(f"{name}: {', '.join(d)}" for name, d in directions.items())
        return (f"These studies do not have the same objectives and directions ({named}): their hypervolumes "
                "measure different things, so no hypervolume is drawn for them on one scale.")
    if len(next(iter(directions.values()))) < 2:
        return "These studies have one objective each: there is no hypervolume to compare (compare their best values)."
    return None


@router.get("/compare")
def compare(
    store: StoreDep,
    study: Annotated[list[str], Query(min_length=2, max_length=MAX_COMPARED, description=(
        "The studies to compare, by name (the parameter given once per study)."))],
    reference: Annotated[list[str] | None, Query(description=(
        "The hypervolume's reference point in the objectives' own units, comma-separated, one number per "
        "objective (for example `4.5,-0.5`); default: inferred from the trials of all the studies."))] = None,
) -> dict[str, Any]:
    """The hypervolume so far after each complete trial of each study (thinned to about 2,000 points each), all
    against one ``reference`` point (in the objectives' own units): the one given, else one inferred from the
    trials of all the studies the way one study's is: what the compare page draws. Studies whose objectives or
    directions differ, or that have one objective, are not comparable this way: ``comparable`` is false,
    ``reason`` says why and ``reference`` and ``hypervolume`` are null. A given reference that is not numbers,
    has the wrong length, or that no trial of the studies is better than in every objective is a 422."""
    from optarium.errors import OptionError
    from optarium.service.analysis import shared_hypervolume, thin, told
    from optarium.store.study_reads import told_trials

    if reference is not None and len(reference) > 1:  # a list only to refuse a repeat, which would keep the last
        raise ApiError(422, "`reference` must be given once (one point, comma-separated), got "
                            + " and ".join(repr(each) for each in reference))
    given = None if reference is None else reference[0]
    point = None if given is None else _numbers(given)
    found = [study_or_404(store, name) for name in study]  # a 404 for the first unknown name, before any reading
    directions = {name: list(each.directions) for name, (each, _) in zip(study, found, strict=True)}
    out: dict[str, Any] = {"studies": [{"name": name, "directions": directions[name]} for name in study]}
    reason = incomparable(directions)
    if reason is not None:
        return {**out, "comparable": False, "reason": reason, "reference": None, "hypervolume": None}
    objectives = found[0][0].directions
    if point is not None and len(point) != len(objectives):
        raise ApiError(422, _expected(str(given), objectives))
    try:
        used, steps = shared_hypervolume([told(told_trials(store, study_id)) for _, study_id in found], objectives,
                                         reference=point)
    except OptionError:  # the length and the numbers were checked above: the point dominates nothing
        raise ApiError(422, f"`reference` must be a point some trial of these studies is better than in every "
                       f"objective ({', '.join(objectives)}), got {given!r}: no trial of these studies is "
                       "better than it in every objective, so it measures nothing") from None
    return {**out, "comparable": True, "reason": None,
            "reference": None if used is None else [v if math.isfinite(v) else None for v in used],
            "hypervolume": [thin(each, HISTORY_POINTS, key="hypervolume") for each in steps]}


def _numbers(text: str) -> list[float]:
    """The comma-separated finite numbers of a ``reference`` query parameter; a 422 naming it otherwise."""
    try:
        point = [float(part) for part in text.split(",")]
    except ValueError:
        point = []
    if not point or not all(math.isfinite(v) for v in point):
        raise ApiError(422, f"`reference` must be finite numbers, comma-separated, one per objective, got {text!r}")
    return point


def _expected(text: str, objectives: Sequence[str]) -> str:
    return (f"`reference` must be {len(objectives)} finite numbers, comma-separated, one per objective "
            f"({', '.join(objectives)}), got {text!r}")
