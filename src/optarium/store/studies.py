"""Tables and queries of black-box studies: one row per study, one row per trial.

Every function takes an open connection of :meth:`SqlStore.transaction`, so the SQL
store decides what forms one transaction; studies, the CLI and samplers never build SQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
    update,
)

from optarium.errors import ConflictError, NotFoundError
from optarium.store.schema import aware, metadata, new_id

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

studies = Table(
    "studies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("space", JSON, nullable=False),
    Column("sampler", String(32), nullable=False),
    Column("sampler_reason", Text, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("feedback", String(16), nullable=False),
    Column("seed", Integer, nullable=False),
    Column("budget", Integer),
    Column("ask_count", Integer, nullable=False),
    Column("directions", JSON),  # a multi-objective study's directions; null for one objective
)

study_trials = Table(
    "study_trials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("params", JSON, nullable=False),
    Column("point", JSON, nullable=False),
    Column("sampler", String(32), nullable=False),
    Column("info", JSON, nullable=False),
    Column("value", Float),
    Column("feasibility", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("values", JSON),  # a multi-objective trial's objective values
    UniqueConstraint("study_id", "number", name="uq_study_trial_number"),
)


# the statements of an ask and a tell, built once: building a statement and its cache key costs
# more than SQLite takes to run it
_CLAIM = (update(studies).where(studies.c.id == bindparam("study_id"), studies.c.ask_count == bindparam("seen"))
          .values(ask_count=studies.c.ask_count + 1))
_INSERT = study_trials.insert()
_STATE = select(studies.c.ask_count, studies.c.name, studies.c.created_at).where(studies.c.id == bindparam("study_id"))
_NEWER = (select(study_trials)
          .where(study_trials.c.study_id == bindparam("study_id"), study_trials.c.number > bindparam("after"))
          .order_by(study_trials.c.number))
_AGAIN = select(study_trials).where(study_trials.c.study_id == bindparam("study_id"),
                                    study_trials.c.number.in_(bindparam("numbers", expanding=True)))
_STATES_NEWER = select(study_trials.c.number, study_trials.c.state).where(
    study_trials.c.study_id == bindparam("study_id"), study_trials.c.number > bindparam("after"))
_STATES_AGAIN = select(study_trials.c.number, study_trials.c.state).where(
    study_trials.c.study_id == bindparam("study_id"), study_trials.c.number.in_(bindparam("numbers", expanding=True)))
# an ask reads every trial: only what a trial holds (no ids, no times), its JSON columns as text, decoded
# in one json.loads for the whole study; one decode per value and SQLite's datetimes cost three times as much
_FOR_ASK_JSON = ("params", "point", "info", "values")
_FOR_ASK = (select(study_trials.c.number, study_trials.c.state, study_trials.c.value, study_trials.c.feasibility,
                   study_trials.c.sampler, *(cast(study_trials.c[name], Text) for name in _FOR_ASK_JSON))
            .where(study_trials.c.study_id == bindparam("study_id"))
            .order_by(study_trials.c.number))
# a study's summary and best trials, read lean: counts and times aggregated in SQL, the best single-objective
# trial by one ORDER BY ... LIMIT 1, the objective values of complete trials without their params or info
_COUNTS = select(
    *[func.sum(case((study_trials.c.state == state, 1), else_=0)).label(state) for state in ("pending", "complete", "failed")],
    func.max(study_trials.c.created_at).label("last_asked"), func.max(study_trials.c.finished_at).label("last_told"),
).where(study_trials.c.study_id == bindparam("study_id"))
_BEST = {
    minimize: (select(study_trials)
               .where(study_trials.c.study_id == bindparam("study_id"), study_trials.c.state == "complete",
                      study_trials.c.value.is_not(None),
                      or_(study_trials.c.feasibility.is_(None), study_trials.c.feasibility <= 0))
               .order_by(study_trials.c.value if minimize else study_trials.c.value.desc(), study_trials.c.number)
               .limit(1))
    for minimize in (True, False)
}
_NUMBERS_AT_ONCE = 900
_TOLD = (select(study_trials.c.number, study_trials.c.value, study_trials.c.feasibility,
                cast(study_trials.c["values"], Text))
         .where(study_trials.c.study_id == bindparam("study_id"), study_trials.c.state == "complete")
         .order_by(study_trials.c.number))
# a proposal that needs only where each trial is (samplers that skip points already tried): no params or info
_POINTS_FOR_ASK = (select(study_trials.c.number, study_trials.c.state, cast(study_trials.c.point, Text))
                   .where(study_trials.c.study_id == bindparam("study_id"))
                   .order_by(study_trials.c.number))
_FINISH = (
    update(study_trials)
    .where(study_trials.c.study_id == bindparam("in_study"), study_trials.c.number == bindparam("trial_number"),
           study_trials.c.state == "pending")
    .values(state=bindparam("new_state", type_=study_trials.c.state.type),
            value=bindparam("new_value", type_=study_trials.c.value.type),
            feasibility=bindparam("new_feasibility", type_=study_trials.c.feasibility.type),
            values=bindparam("new_values", type_=study_trials.c["values"].type),
            finished_at=bindparam("now", type_=study_trials.c.finished_at.type))
    .returning(*study_trials.c)
)


def insert_study(connection: Connection, row: dict[str, Any]) -> int:
    """Insert a study row (without id, created_at, ask_count); return its id."""
    return new_id(connection.execute(studies.insert().values(created_at=datetime.now(UTC), ask_count=0, **row)))


def find_study(connection: Connection, name: str) -> dict[str, Any] | None:
    row = connection.execute(select(studies).where(studies.c.name == name)).first()
    return None if row is None else dict(row._mapping)


def list_studies(connection: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in connection.execute(select(studies).order_by(studies.c.id))]


def ask_count(connection: Connection, study_id: int) -> int:
    """How many asks the study has had; :class:`NotFoundError` if there is no such study."""
    count = connection.execute(select(studies.c.ask_count).where(studies.c.id == study_id)).scalar()
    if count is None:
        raise NotFoundError(f"no study with id {study_id}")
    return int(count)


def claim_ask(connection: Connection, study_id: int, seen: int) -> bool:
    """Count one more ask if the counter is still ``seen``; False if another ask came in since.

    A single conditional UPDATE, so on PostgreSQL two claims of one counter value cannot
    both succeed (the second re-checks the row after the first commits).
    """
    claimed = connection.execute(_CLAIM, {"study_id": study_id, "seen": seen})
    return claimed.rowcount == 1


def lock_study(connection: Connection, study_id: int) -> int:
    """Take the study's write lock for this transaction and return the new ask counter.

    The UPDATE comes first so that SQLite takes its write lock before any read and
    PostgreSQL serialises concurrent asks on the study row: a second worker's ask
    waits, then sees the first worker's pending trials.
    """
    locked = connection.execute(update(studies).where(studies.c.id == study_id).values(ask_count=studies.c.ask_count + 1))
    if locked.rowcount != 1:
        raise NotFoundError(f"no study with id {study_id}")
    return int(connection.execute(select(studies.c.ask_count).where(studies.c.id == study_id)).scalar_one())


def list_trials(connection: Connection, study_id: int) -> list[dict[str, Any]]:
    """The study's trials by number; :class:`NotFoundError` if there is no such study."""
    query = select(study_trials).where(study_trials.c.study_id == study_id).order_by(study_trials.c.number)
    rows = [dict(r._mapping) for r in connection.execute(query)]
    if not rows and connection.execute(select(studies.c.id).where(studies.c.id == study_id)).first() is None:
        raise NotFoundError(f"no study with id {study_id}")
    return rows


def trials_for_ask(connection: Connection, study_id: int, reads: str = "all") -> list[dict[str, Any]]:
    """The study's trials by number as an ask's proposal sees them: ``number``, ``state``, ``value``,
    ``feasibility``, ``sampler``, ``params``, ``point``, ``info`` and ``values`` (the columns of
    :func:`list_trials` less ids and times), or with ``reads="points"`` only ``number``, ``state`` and
    ``point``; :class:`NotFoundError` if there is no such study."""
    from optarium.gc_pause import gc_paused

    with gc_paused():  # the rows of a long study would set off collections costing more than reading them
        rows = connection.execute(_POINTS_FOR_ASK if reads == "points" else _FOR_ASK, {"study_id": study_id}).all()
        if not rows and connection.execute(select(studies.c.id).where(studies.c.id == study_id)).first() is None:
            raise NotFoundError(f"no study with id {study_id}")
        if reads == "points":
            points = json.loads("[" + ",".join(row[2] or "null" for row in rows) + "]")
            return [{"number": row[0], "state": row[1], "point": point} for row, point in zip(rows, points, strict=True)]
        # each text is one whole JSON value (SQL NULL read as JSON null), so the joined text is one JSON array
        decoded = json.loads("[" + ",".join(f"[{row[5] or 'null'},{row[6] or 'null'},{row[7] or 'null'},{row[8] or 'null'}]"
                                            for row in rows) + "]")
        return [{"number": row[0], "state": row[1], "value": row[2], "feasibility": row[3], "sampler": row[4],
                 "params": params, "point": point, "info": info, "values": values}
                for row, (params, point, info, values) in zip(rows, decoded, strict=True)]


def trial_counts(connection: Connection, study_id: int) -> tuple[dict[str, int], datetime | None]:
    """The study's trials by state and when a trial was last asked or told (None before the first ask), in one
    aggregate; :class:`NotFoundError` if there is no such study."""
    row = connection.execute(_COUNTS, {"study_id": study_id}).one()._mapping
    counts = {state: int(row[state] or 0) for state in ("pending", "complete", "failed")}
    if not any(counts.values()) and connection.execute(select(studies.c.id).where(studies.c.id == study_id)).first() is None:
        raise NotFoundError(f"no study with id {study_id}")
    times = [when for when in (row["last_asked"], row["last_told"]) if when is not None]
    return counts, max(times, default=None)


def best_trial(connection: Connection, study_id: int, minimize: bool) -> dict[str, Any] | None:
    """The complete, feasible trial with the lowest (``minimize``) or highest value, the lowest number among equals,
    as :func:`list_trials` gives it; None if there is none."""
    rows = _dicts(connection.execute(_BEST[minimize], {"study_id": study_id}))
    return rows[0] if rows else None


def told_trials(connection: Connection, study_id: int) -> list[dict[str, Any]]:
    """The study's complete trials by number with only what a best value, a Pareto front or a hypervolume needs:
    ``number``, ``value``, ``feasibility`` and ``values`` (the JSON decoded in one ``json.loads``)."""
    from optarium.gc_pause import gc_paused

    with gc_paused():  # the rows of a long study would set off collections costing more than reading them
        rows = connection.execute(_TOLD, {"study_id": study_id}).all()
        decoded = json.loads("[" + ",".join(row[3] or "null" for row in rows) + "]")
        return [{"number": row[0], "value": row[1], "feasibility": row[2], "values": values}
                for row, values in zip(rows, decoded, strict=True)]


def trials_numbered(connection: Connection, study_id: int, numbers: list[int]) -> list[dict[str, Any]]:
    """The study's trials numbered in ``numbers``, by number, as :func:`list_trials` gives them."""
    rows = []
    for first in range(0, len(numbers), _NUMBERS_AT_ONCE):  # a statement takes a bounded number of parameters
        rows += _dicts(connection.execute(_AGAIN, {"study_id": study_id, "numbers": numbers[first: first + _NUMBERS_AT_ONCE]}))
    return sorted(rows, key=lambda row: row["number"])


def insert_trials(connection: Connection, study_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert pending trials (each row: number, params, point, sampler, info)."""
    now = datetime.now(UTC)
    if rows:
        connection.execute(_INSERT, [{**row, "study_id": study_id, "state": "pending", "created_at": now} for row in rows])


def find_trial(connection: Connection, study_id: int, number: int) -> dict[str, Any] | None:
    query = select(study_trials).where(study_trials.c.study_id == study_id, study_trials.c.number == number)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    return None if row is None else dict(row._mapping)


def finish_trial(connection: Connection, row: dict[str, Any], state: str, value: float | None, feasibility: float | None,
                 values: list[float] | None = None) -> datetime:
    """Mark one trial (a row of :func:`find_trial`) complete or failed and return when;
    only a pending trial changes (the WHERE guards races)."""
    now = datetime.now(UTC)
    result = connection.execute(
        update(study_trials)
        .where(study_trials.c.id == row["id"], study_trials.c.state == "pending")
        .values(state=state, value=value, feasibility=feasibility, values=values, finished_at=now)
    )
    if result.rowcount != 1:
        raise ConflictError(f"trial {row['number']} was finished by another worker meanwhile")
    return now


def study_state(connection: Connection, study_id: int) -> dict[str, Any] | None:
    """The study's ask counter, name and creation time in one read; None if there is no such study."""
    rows = _dicts(connection.execute(_STATE, {"study_id": study_id}))
    return rows[0] if rows else None


def trials_after(connection: Connection, study_id: int, after: int, numbers: list[int]) -> list[dict[str, Any]]:
    """The study's trials numbered above ``after`` and those numbered in ``numbers``, by number:
    what a reader that knew every trial up to ``after`` must read again (each a range or point read of the
    study's unique number index, however many trials the study has)."""
    rows = _dicts(connection.execute(_NEWER, {"study_id": study_id, "after": after}))
    if numbers:
        rows = _dicts(connection.execute(_AGAIN, {"study_id": study_id, "numbers": numbers})) + rows
    return rows


def trial_states(connection: Connection, study_id: int, after: int, numbers: list[int]) -> list[tuple[int, str]]:
    """(number, state) of the study's trials numbered above ``after`` or in ``numbers``: what changed for a
    watcher that knew every trial up to ``after`` and which of them were pending."""
    rows = list(connection.execute(_STATES_NEWER, {"study_id": study_id, "after": after}))
    if numbers:
        rows += list(connection.execute(_STATES_AGAIN, {"study_id": study_id, "numbers": numbers}))
    return [(int(number), str(state)) for number, state in rows]


def finish_pending(connection: Connection, study_id: int, number: int, state: str, value: float | None,
                   feasibility: float | None, values: list[float] | None = None) -> dict[str, Any] | None:
    """Mark trial ``number`` complete or failed if it is pending, in one statement, and return its row;
    None if the study has no such pending trial (nothing changed)."""
    rows = _dicts(connection.execute(_FINISH, {
        "in_study": study_id, "trial_number": number, "new_state": state, "new_value": value,
        "new_feasibility": feasibility, "new_values": values, "now": datetime.now(UTC)}))
    return rows[0] if rows else None


def delete_study(connection: Connection, study_id: int) -> int:
    """Delete a study and its trials; return how many trials were removed."""
    if connection.execute(select(studies.c.id).where(studies.c.id == study_id)).first() is None:
        raise NotFoundError(f"no study with id {study_id}")
    removed = connection.execute(study_trials.delete().where(study_trials.c.study_id == study_id)).rowcount
    connection.execute(studies.delete().where(studies.c.id == study_id))
    return int(removed)


def rename_study(connection: Connection, study_id: int, new_name: str) -> dict[str, Any]:
    """Give a study a new name and return its row; a name another study has is a :class:`ConflictError`."""
    taken = connection.execute(select(studies.c.id).where(studies.c.name == new_name)).scalar()
    if taken is not None and int(taken) != study_id:
        raise ConflictError(f"a study named {new_name!r} already exists; pick another name")
    if connection.execute(update(studies).where(studies.c.id == study_id).values(name=new_name)).rowcount != 1:
        raise NotFoundError(f"no study with id {study_id}")
    row = connection.execute(select(studies).where(studies.c.id == study_id)).first()
    assert row is not None
    return dict(row._mapping)


# pages and aggregates for listing studies (the service): in SQL, so a study of 100,000 trials
# answers without reading every trial
TRIAL_COLUMNS = ("number", "state", "params", "value", "values", "feasibility", "sampler", "created_at", "finished_at")


def _dicts(result: Any) -> list[dict[str, Any]]:
    """The rows of a result as dicts (cheaper than ``row._mapping`` per row on large reads)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def study_overview(connection: Connection) -> dict[int, dict[str, Any]]:
    """Per study id: trials by state, the lowest and highest feasible complete value, the last activity."""
    trials = study_trials
    feasible = and_(trials.c.state == "complete", trials.c.value.is_not(None),
                    or_(trials.c.feasibility.is_(None), trials.c.feasibility <= 0))
    query = select(
        trials.c.study_id,
        *[func.sum(case((trials.c.state == state, 1), else_=0)).label(state) for state in ("pending", "complete", "failed")],
        func.min(case((feasible, trials.c.value))).label("lowest"),
        func.max(case((feasible, trials.c.value))).label("highest"),
        func.max(trials.c.created_at).label("last_asked"), func.max(trials.c.finished_at).label("last_told"),
    ).group_by(trials.c.study_id)
    out = {}
    for row in [dict(row._mapping) for row in connection.execute(query)]:
        times = [t for t in (aware(row["last_asked"]), aware(row["last_told"])) if t is not None]
        out[int(row["study_id"])] = {
            "trials": {state: int(row[state] or 0) for state in ("pending", "complete", "failed")},
            "lowest": row["lowest"], "highest": row["highest"], "last_activity": max(times) if times else None,
        }
    return out


def trials_page(connection: Connection, study_id: int, *, state: str | None = None, sort: str = "number",
                descending: bool = False, limit: int = 100, offset: int = 0,
                feasible: bool = False) -> tuple[list[dict[str, Any]], int]:
    """One page of a study's trials sorted by ``number`` or ``value`` (trials without a value last), and how many match;
    ``feasible`` keeps only trials whose feasibility is unknown or at most 0."""
    trials = study_trials
    conditions = [trials.c.study_id == study_id]
    if state:
        conditions.append(trials.c.state == state)
    if feasible:
        conditions.append(or_(trials.c.feasibility.is_(None), trials.c.feasibility <= 0))
    order = []
    if sort == "value":
        order = [trials.c.value.is_(None), trials.c.value.desc() if descending else trials.c.value]
    order.append(trials.c.number.desc() if descending else trials.c.number)
    query = (select(*[trials.c[name] for name in TRIAL_COLUMNS]).where(*conditions).order_by(*order)
             .limit(limit).offset(offset))
    rows = _dicts(connection.execute(query))
    total = int(connection.execute(select(func.count()).select_from(trials).where(*conditions)).scalar_one())
    for row in rows:
        row["created_at"], row["finished_at"] = aware(row["created_at"]), aware(row["finished_at"])
    return rows, total


def complete_trials(connection: Connection, study_id: int, *, every: int = 1,
                    with_values: bool = False) -> list[dict[str, Any]]:
    """The complete trials of a study by number (with ``every`` > 1 only those whose number it divides):
    number, state, params, value and feasibility, and a multi-objective trial's ``values`` if asked."""
    trials = study_trials
    names = ["number", "state", "params", "value", "feasibility"] + (["values"] if with_values else [])
    conditions = [trials.c.study_id == study_id, trials.c.state == "complete"]
    if every > 1:
        conditions.append(trials.c.number % every == 0)
    query = select(*[trials.c[name] for name in names]).where(*conditions).order_by(trials.c.number)
    return _dicts(connection.execute(query))


def history_points(connection: Connection, study_id: int, minimize: bool, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The optimization history, thinned in SQL: each kept complete trial's number, value and the best
    feasible value so far (None before the first feasible one), by number, and how many complete trials there are.

    Kept: about ``limit`` evenly spaced trials, every trial that improved the best, and the last one.
    """
    trials = study_trials
    told = and_(trials.c.study_id == study_id, trials.c.state == "complete", trials.c.value.is_not(None))
    feasible_value = case((or_(trials.c.feasibility.is_(None), trials.c.feasibility <= 0), trials.c.value))
    running = (func.min if minimize else func.max)(feasible_value).over(order_by=trials.c.number, rows=(None, 0))
    ordered = select(trials.c.number, trials.c.value, running.label("best"),
                     func.row_number().over(order_by=trials.c.number).label("position")).where(told).subquery()
    paired = select(ordered, func.lag(ordered.c.best).over(order_by=ordered.c.number).label("previous")).subquery()
    total = int(connection.execute(select(func.count()).select_from(trials).where(told)).scalar_one())
    step = max(1, total // max(limit, 1))
    query = (select(paired.c.number, paired.c.value, paired.c.best)
             .where(or_(paired.c.position % step == 0, paired.c.best.is_distinct_from(paired.c.previous),
                        paired.c.position == total))
             .order_by(paired.c.number))
    return _dicts(connection.execute(query)), total
