"""What the study page plots, computed on the server: the history and parameter importance.

Importance is a fANOVA-lite measure: for each parameter, the share of the objective's
variance explained by the parameter alone (the correlation ratio of the value on the
parameter's bins: quantile bins for numbers, one bin per choice), normalised to sum to one.
"""

from __future__ import annotations

import math
from typing import Any

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


def thin(history_rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most about ``limit`` history points: evenly spaced ones plus every point where the best improved."""
    if len(history_rows) <= limit:
        return history_rows
    step = len(history_rows) / limit
    keep = {int(k * step) for k in range(limit)} | {len(history_rows) - 1}
    previous = None
    for index, row in enumerate(history_rows):
        if row["best"] != previous:
            keep.add(index)
            previous = row["best"]
    return [history_rows[index] for index in sorted(keep)]


def sample(rows: list[dict[str, Any]], limit: int, direction: str) -> list[dict[str, Any]]:
    """At most ``limit`` complete trials for the slice and parallel plots: the best tenth of the
    budget by value and the rest evenly spaced by number."""
    complete = sorted(_complete(rows), key=lambda r: int(r["number"]))
    if len(complete) <= limit:
        chosen = complete
    else:
        sign = 1.0 if direction == "minimize" else -1.0
        best = sorted(complete, key=lambda r: sign * r["value"])[: limit // 10]
        step = len(complete) / (limit - len(best))
        spread = [complete[int(k * step)] for k in range(limit - len(best))]
        numbers = {int(r["number"]) for r in best + spread}
        chosen = [r for r in complete if int(r["number"]) in numbers]
    return [{"number": int(r["number"]), "params": r["params"], "value": r["value"], "values": r.get("values")}
            for r in chosen]
