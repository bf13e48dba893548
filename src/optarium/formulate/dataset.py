"""Datasets of problems in words with known answers (``../shared/data/nl`` format) and scoring.

A record has ``id``, ``question``, ``answer`` (the optimal objective or null),
``status`` ('optimal', 'infeasible' or 'unbounded') and optionally
``gold_model`` (a path relative to the dataset's folder).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from optarium.errors import InputFileError
from optarium.formulate.errors import DatasetError

TOLERANCES = (1e-6, 1e-4, 5e-2)
LABELS = ("optimal", "infeasible", "unbounded")


def load_records(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read a JSON-lines dataset; raise :class:`DatasetError` naming the first bad line."""
    file = Path(path)
    if not file.is_file():
        raise InputFileError(str(file), "is a directory, not a dataset" if file.is_dir() else "no such file")
    records: list[dict[str, Any]] = []
    with file.open(encoding="utf-8", errors="strict") as handle:
        try:
            lines = list(handle)
        except UnicodeDecodeError:
            raise DatasetError(f"{file}: not a UTF-8 text file") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{file}:{number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("question"), str) or "id" not in record:
            raise DatasetError(f"{file}:{number}: a record needs an `id` and a text `question`")
        status = record.get("status", "optimal")
        if status not in LABELS:
            raise DatasetError(f"{file}:{number}: `status` must be one of {', '.join(LABELS)}, got {status!r}")
        record["id"] = str(record["id"])
        record["status"] = status
        record["_folder"] = str(file.parent)
        records.append(record)
        if limit is not None and len(records) >= limit:
            break
    if not records:
        raise DatasetError(f"{file}: no records")
    return records


def relative_error(objective: float | None, answer: float | None) -> float | None:
    """|objective - answer| / |answer| (absolute error when the answer is 0); None if either is missing."""
    if objective is None or answer is None or not math.isfinite(objective):
        return None
    scale = abs(answer)
    return abs(objective - answer) / scale if scale > 0 else abs(objective)


def score(status: str, objective: float | None, record: dict[str, Any]) -> dict[str, Any]:
    """Whether a result matches a record at each tolerance, and why not.

    An 'infeasible' or 'unbounded' label is matched by the same solver status at every
    tolerance; an 'optimal' label by an optimal (or feasible) objective within the tolerance.
    """
    label = record.get("status", "optimal")
    answer = record.get("answer")
    if label in ("infeasible", "unbounded"):
        correct = status == label
        return {
            "rel_error": None, "correct": {tol: correct for tol in TOLERANCES},
            "mismatch": "" if correct else f"label {label}, got {status}",
        }
    error = relative_error(objective, answer) if status in ("optimal", "feasible", "time_limit") else None
    correct_at = {tol: error is not None and error <= tol for tol in TOLERANCES}
    if answer is None:
        mismatch = "the record has no reference answer"
    elif error is None:
        mismatch = f"label optimal {answer:.10g}, got {status}"
    elif not correct_at[TOLERANCES[0]]:
        mismatch = f"label {answer:.10g}, got {objective:.10g} (relative error {error:.2g})"
    else:
        mismatch = ""
    return {"rel_error": error, "correct": correct_at, "mismatch": mismatch}
