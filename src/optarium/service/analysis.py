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


def _bins(values: list[Any], categorical: bool) -> list[Any]:
    """The bin of each value: the value itself for a choice, a quantile bin for a number."""
    if categorical:
        return [repr(v) for v in values]
    ordered = sorted(float(v) for v in values)
    count = min(MAX_BINS, len(set(ordered)))
    if count <= 1:
        return [0] * len(values)
    edges = [ordered[int(len(ordered) * k / count)] for k in range(1, count)]
    return [sum(float(v) >= edge for edge in edges) for v in values]


def importance(rows: list[dict[str, Any]], space: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Each parameter's share of explained variance (sums to 1; all zero with fewer than 3 trials or no variance)."""
    complete = [row for row in _complete(rows) if all(name in (row["params"] or {}) for name in space)]
    shares = dict.fromkeys(space, 0.0)
    if len(complete) < 3:
        return shares
    values = [float(row["value"]) for row in complete]
    mean = sum(values) / len(values)
    total = sum((v - mean) ** 2 for v in values)
    if total <= 0:
        return shares
    for name, spec in space.items():
        bins = _bins([row["params"][name] for row in complete], spec.get("type") == "categorical")
        groups: dict[Any, list[float]] = {}
        for key, value in zip(bins, values, strict=True):
            groups.setdefault(key, []).append(value)
        between = sum(len(g) * (sum(g) / len(g) - mean) ** 2 for g in groups.values())
        shares[name] = between / total
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
