"""Label audit: solve every gold model of a benchmark set with two backends and list disagreements.

Published natural-language modeling benchmarks carry wrong labels. For each record of a
JSONL dataset with a ``gold_model`` (a path relative to the dataset's folder), the model is
solved by each backend (HiGHS and SCIP by default, ``mip_rel_gap`` 1e-6, runs not recorded)
and the record is flagged when the label (``status``, ``answer``) disagrees with a backend's
definite answer, when the backends disagree with each other, or when a backend gives no
definite answer. Objectives agree when |a - b| <= max(1e-4 * max(|a|, |b|), 1e-6);
``infeasible`` and ``unbounded`` agree only with themselves.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from optarium.errors import InputFileError, InvalidModelError, OptariumError, OptionError

DEFINITE = ("optimal", "infeasible", "unbounded")
AuditProgress = Callable[[int, int, str], None]


def objectives_agree(a: float, b: float) -> bool:
    """|a - b| <= max(1e-4 * max(|a|, |b|), 1e-6): the tolerance the data set's provenance uses."""
    return abs(a - b) <= max(1e-4 * max(abs(a), abs(b)), 1e-6)


def outcomes_agree(status_a: str, value_a: float | None, status_b: str, value_b: float | None) -> bool:
    """Same definite status, and for ``optimal`` objectives that agree."""
    if status_a != status_b or status_a not in DEFINITE:
        return False
    if status_a != "optimal":
        return True
    return value_a is not None and value_b is not None and objectives_agree(value_a, value_b)


@dataclass
class BackendOutcome:
    """What one backend said about one gold model."""

    solver: str
    status: str
    objective: float | None
    seconds: float
    message: str = ""


@dataclass
class AuditRecord:
    """One dataset record, its label, each backend's outcome and the problems found (empty: fine)."""

    id: str
    label_status: str | None
    label_answer: float | None
    gold_model: str
    outcomes: list[BackendOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.problems)


@dataclass
class AuditReport:
    """The audit of one dataset: counts, every checked record, and the flagged ones."""

    dataset: str
    solvers: tuple[str, ...]
    records: int
    without_gold: list[str]
    checked: list[AuditRecord]
    seconds: float

    @property
    def flagged(self) -> list[AuditRecord]:
        return [record for record in self.checked if record.flagged]

    def to_dict(self, with_all: bool = False) -> dict[str, Any]:
        chosen = self.checked if with_all else self.flagged
        return {
            "dataset": self.dataset,
            "solvers": list(self.solvers),
            "records": self.records,
            "without_gold_model": self.without_gold,
            "checked": len(self.checked),
            "flagged_count": len(self.flagged),
            "seconds": self.seconds,
            "flagged" if not with_all else "records_checked": [asdict(record) for record in chosen],
        }


def read_dataset(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL file; a line that is not a JSON object is an error naming the line."""
    file = Path(path)
    if not file.is_file():
        raise InputFileError(str(file), "is a directory" if file.is_dir() else "no such file")
    records = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidModelError(f"not valid JSON ({error.msg})", source=str(file), line=number) from None
        if not isinstance(record, dict):
            raise InvalidModelError("each line must be a JSON object", source=str(file), line=number)
        records.append(record)
    return records


def _solve(problem: Any, solver: str, time_limit: float) -> BackendOutcome:
    from optarium.api import solve

    started = time.perf_counter()
    try:
        solution = solve(problem, solver=solver, time_limit=time_limit, record=False, rel_gap=1e-6)
    except OptariumError as error:
        return BackendOutcome(solver, "error", None, time.perf_counter() - started, str(error))
    return BackendOutcome(solver, solution.status, solution.objective, solution.seconds, solution.message or "")


def _label(record: dict[str, Any]) -> tuple[str | None, float | None]:
    answer = record.get("answer")
    status = record.get("status") or ("optimal" if answer is not None else None)
    return status, (float(answer) if answer is not None else None)


def audit_record(record: dict[str, Any], folder: Path, solvers: Sequence[str], time_limit: float) -> AuditRecord:
    """Solve one record's gold model with each backend and list what disagrees."""
    from optarium.problem.io import read_problem

    status, answer = _label(record)
    entry = AuditRecord(str(record.get("id")), status, answer, str(record["gold_model"]))
    try:
        problem = read_problem(folder / entry.gold_model)
    except OptariumError as error:
        entry.problems.append(f"gold model unreadable: {error}")
        return entry
    entry.outcomes = [_solve(problem, solver, time_limit) for solver in solvers]
    definite = [outcome for outcome in entry.outcomes if outcome.status in DEFINITE]
    for outcome in entry.outcomes:
        if outcome.status not in DEFINITE:
            detail = f": {outcome.message}" if outcome.message else ""
            entry.problems.append(f"{outcome.solver} gave no definite answer ({outcome.status}){detail}")
    if status == "optimal" and answer is None:
        entry.problems.append("label says optimal but carries no value")
    elif status is not None:
        wrong = [o for o in definite if not outcomes_agree(status, answer, o.status, o.objective)]
        if wrong:
            said = ", ".join(f"{o.solver} {o.status}" + (f" {o.objective:.10g}" if o.objective is not None else "") for o in wrong)
            label = status + (f" {answer:.10g}" if answer is not None else "")
            entry.problems.append(f"label ({label}) disagrees with {said}")
    for index, first in enumerate(definite):
        for second in definite[index + 1 :]:
            if not outcomes_agree(first.status, first.objective, second.status, second.objective):
                entry.problems.append(
                    f"backends disagree: {first.solver} {first.status} {first.objective}, "
                    f"{second.solver} {second.status} {second.objective}"
                )
    return entry


def audit_dataset(
    path: str | Path,
    solvers: Sequence[str] = ("highs", "scip"),
    *,
    time_limit: float = 60.0,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
    progress: AuditProgress | None = None,
    ray_workers: int | None = None,
    ray_address: str | None = None,
) -> AuditReport:
    """Audit every record with a gold model (or only ``ids``, or the first ``limit`` of them).

    ``ray_workers`` audits that many records at a time as Ray tasks (on the cluster at
    ``ray_address`` or ``$RAY_ADDRESS``, else a local one); the gold models must be at the
    same path on every node.
    """
    from optarium.solvers import registry

    if len(solvers) < 1:
        raise OptionError("solvers", list(solvers), "at least one backend name")
    for solver in solvers:
        registry.get(solver)
    if not time_limit > 0:
        raise OptionError("time_limit", time_limit, "a positive number of seconds")
    started = time.perf_counter()
    file = Path(path)
    records = read_dataset(file)
    with_gold = [record for record in records if record.get("gold_model")]
    if ids is not None:
        wanted = set(ids)
        with_gold = [record for record in with_gold if str(record.get("id")) in wanted]
    if limit is not None:
        with_gold = with_gold[:limit]
    checked: list[AuditRecord] = []
    if ray_workers is None:
        for index, record in enumerate(with_gold):
            if progress is not None:
                progress(index, len(with_gold), str(record.get("id")))
            checked.append(audit_record(record, file.parent, solvers, time_limit))
    else:
        from optarium.distributed import ray_map

        calls = [(record, file.parent.resolve(), tuple(solvers), time_limit) for record in with_gold]
        by_position: dict[int, AuditRecord] = {}
        for position, entry in ray_map(audit_record, calls, jobs=ray_workers, address=ray_address):
            by_position[position] = entry
            if progress is not None:
                progress(len(by_position), len(with_gold), entry.id)
        checked = [by_position[position] for position in sorted(by_position)]
    return AuditReport(
        dataset=str(file),
        solvers=tuple(solvers),
        records=len(records),
        without_gold=[str(record.get("id")) for record in records if not record.get("gold_model")],
        checked=checked,
        seconds=time.perf_counter() - started,
    )
