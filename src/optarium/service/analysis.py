"""What the study page plots, computed on the server: the history, parameter importance and, for several
objectives, the hypervolume history.

Importance is a fANOVA-lite measure: for each parameter, the share of the objective's
variance explained by the parameter alone (the correlation ratio of the value on the
parameter's bins: quantile bins for numbers, one bin per choice), normalised to sum to one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from optarium.blackbox.base import Trial

MAX_BINS = 10


def _complete(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if row["state"] == "complete" and row["value"] is not None
            and math.isfinite(row["value"])]


def history(rows: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """Each complete trial's number, value and the best feasible value so far, by number."""
    sign = 1.0 if direction == "minimize" else -1.0
    best = math.inf
    out = []
    for row in sorted(_complete(rows), key=lambda r: int(r["number"])):
        feasible = row["feasibility"] is None or row["feasibility"] <= 0
        if feasible and sign * row["value"] < best:
            best = sign * row["value"]
        out.append({"number": int(row["number"]), "value": row["value"],
                    "best": sign * best if math.isfinite(best) else None})
    return out


def told(rows: list[dict[str, Any]]) -> list[Trial]:
    """Complete trials' rows (``number``, ``value``, ``feasibility``, ``values``; ``params`` if there) as trials."""
    from optarium.blackbox.base import Trial
    from optarium.gc_pause import gc_paused

    with gc_paused():  # ten thousand small objects would set off collections costing more than building them
        return [Trial(int(row["number"]), dict(row.get("params") or {}), "complete", value=row["value"],
                      feasibility=row["feasibility"],
                      values=None if row["values"] is None else tuple(float(v) for v in row["values"]))
                for row in rows]


def hypervolume_steps(trials: list[Trial], directions: Sequence[str],
                      reference: Sequence[float] | None = None) -> list[dict[str, Any]]:
    """Each complete trial's number and the hypervolume of the feasible front up to it (None where it is larger
    than the largest float), against ``reference`` (in the objectives' own units; default: one inferred from all
    of them, :func:`optarium.blackbox.multiobjective.hypervolume_history`, as ``study plot`` draws it).

    A given reference is not checked against the front: one that no trial is better than measures 0 throughout."""
    import numpy as np

    from optarium.blackbox.multiobjective import hypervolume_history, losses_history, signs

    complete = [t for t in trials if t.state == "complete" and t.values is not None]
    if reference is None:
        volumes = hypervolume_history(complete, directions)
    else:
        volumes = losses_history(complete, directions, np.asarray(reference, dtype=float) * signs(directions))
    return [{"number": t.number, "hypervolume": volume if math.isfinite(volume) else None}
            for t, (_, volume) in zip(complete, volumes, strict=True)]


def shared_hypervolume(studies: Sequence[list[Trial]], directions: Sequence[str],
                       reference: Sequence[float] | None = None) -> tuple[list[float] | None, list[list[dict[str, Any]]]]:
    """One reference point for studies of the same ``directions`` and each study's :func:`hypervolume_steps`
    against it, so their lines can be compared. The reference is ``reference`` where given (an
    :class:`~optarium.errors.OptionError` if it is not one finite number per objective, or if no trial of the
    studies is better than it in every objective), else inferred as a study's own is
    (:func:`optarium.blackbox.multiobjective.inferred_reference`), from the trials of all of them: a study
    compared with itself keeps its own. None (and empty steps) where no study has a complete trial."""
    from optarium.blackbox.multiobjective import check_reference, inferred_reference, pareto_trials

    everyone = [trial for trials in studies for trial in trials]
    if reference is not None:
        check_reference(reference, directions, pareto_trials(everyone, directions))
        return [float(v) for v in reference], [hypervolume_steps(trials, directions, reference) for trials in studies]
    reference = inferred_reference(everyone, directions)
    if reference is None:
        return None, [[] for _ in studies]
    return reference, [hypervolume_steps(trials, directions, reference) for trials in studies]


def _bins(values: list[Any], categorical: bool) -> Any:
    """The bin of each value, shape (n,): the choice's index, or a quantile bin of a number."""
    import numpy as np

    if categorical:
        codes: dict[str, int] = {}
        return np.array([codes.setdefault(repr(v), len(codes)) for v in values], dtype=np.int64)
    numbers = np.asarray(values, dtype=float)
    count = min(MAX_BINS, len(np.unique(numbers)))
    if count <= 1:
        return np.zeros(len(numbers), dtype=np.int64)
    edges = np.quantile(numbers, np.arange(1, count) / count)
    return np.searchsorted(edges, numbers, side="right")


def importance(rows: list[dict[str, Any]], space: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Each parameter's share of explained variance (sums to 1; all zero with fewer than 3 trials or no variance)."""
    import numpy as np

    complete = [row for row in _complete(rows) if all(name in (row["params"] or {}) for name in space)]
    shares = dict.fromkeys(space, 0.0)
    if len(complete) < 3:
        return shares
    values = np.array([float(row["value"]) for row in complete])
    deviation = values - values.mean()
    total = float(deviation @ deviation)
    if total <= 0:
        return shares
    for name, spec in space.items():
        bins = _bins([row["params"][name] for row in complete], spec.get("type") == "categorical")
        counts = np.bincount(bins)
        sums = np.bincount(bins, weights=deviation)
        used = counts > 0
        shares[name] = float((sums[used] ** 2 / counts[used]).sum()) / total
    explained = sum(shares.values())
    if explained <= 0:
        return shares
    return {name: share / explained for name, share in shares.items()}


def thin(history_rows: list[dict[str, Any]], limit: int, key: str = "best") -> list[dict[str, Any]]:
    """At most about ``limit`` history points: evenly spaced ones plus every point where ``key`` (the best so
    far, or the hypervolume) changed."""
    if len(history_rows) <= limit:
        return history_rows
    step = len(history_rows) / limit
    keep = {int(k * step) for k in range(limit)} | {len(history_rows) - 1}
    previous = None
    for index, row in enumerate(history_rows):
        if row[key] != previous:
            keep.add(index)
            previous = row[key]
    return [history_rows[index] for index in sorted(keep)]


def sample(rows: list[dict[str, Any]], limit: int, direction: str, first: Iterable[int] = ()) -> list[dict[str, Any]]:
    """At most ``limit`` complete trials for the slice and parallel plots: a tenth of the budget for the
    trials numbered in ``first`` (the Pareto front) and then the best by value, the rest evenly spaced by number."""
    complete = sorted(_complete(rows), key=lambda r: int(r["number"]))
    if len(complete) <= limit:
        chosen = complete
    else:
        sign = 1.0 if direction == "minimize" else -1.0
        wanted = set(first)
        best = ([r for r in complete if int(r["number"]) in wanted]
                + sorted((r for r in complete if int(r["number"]) not in wanted), key=lambda r: sign * r["value"]))
        best = best[: limit // 10]
        step = len(complete) / (limit - len(best))
        spread = [complete[int(k * step)] for k in range(limit - len(best))]
        numbers = {int(r["number"]) for r in best + spread}
        chosen = [r for r in complete if int(r["number"]) in numbers]
    return [{"number": int(r["number"]), "params": r["params"], "value": r["value"], "values": r.get("values")}
            for r in chosen]
