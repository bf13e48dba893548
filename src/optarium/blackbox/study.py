"""Ask/tell studies on any store: create or load by name, ask, tell, best.

A study speaks only the :class:`~optarium.store.base.StudyStore` protocol, so it
runs the same in memory (``memory://NAME``), on an SQLite file or on PostgreSQL.
Each ask and each tell is one short transaction. An ask's sampler runs outside the
store's write lock; its trials are stored only if no other ask was stored meanwhile
(else it proposes again), so every stored suggestion saw the pending trials of the others. A worker killed between ask and tell leaves its
trial pending; anyone may tell it or mark it failed later.
"""

from __future__ import annotations

import math
import secrets
from typing import TYPE_CHECKING, Any, Literal

from optarium.blackbox.base import History, Trial
from optarium.blackbox.errors import StudyExistsError, StudyNotFoundError, TellError
from optarium.blackbox.space import Space
from optarium.errors import ConflictError, NotFoundError, OptionError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.store.base import Store, TrialResult

Direction = Literal["minimize", "maximize"]


def _store(store: Store | str | None) -> Store:
    from optarium.store.base import open_store

    return open_store(store)


class Study:
    """A named black-box study in the store; use :meth:`create` or :meth:`load`."""

    def __init__(self, store: Store, row: dict[str, Any]):
        """Wrap a study row of ``store``; callers use :meth:`create` or :meth:`load`."""
        self.store = store
        self._id = int(row["id"])
        self.name: str = row["name"]
        self.space = Space.from_dict(row["space"])
        self.sampler_name: str = row["sampler"]
        self.sampler_reason: str = row["sampler_reason"]
        self.direction: Direction = row["direction"]
        # every objective's direction; one entry for a single-objective study
        self.directions: tuple[Direction, ...] = tuple(row.get("directions") or [row["direction"]])
        self.feedback: Literal["value", "ranking"] = row["feedback"]
        self.seed: int = int(row["seed"])
        self.budget: int | None = row["budget"]
        self.created_at = row["created_at"]
        # the point of each trial this object asked, so telling one back needs no read to know it is ours
        self._asked: dict[int, tuple[float, ...]] = {}
        self.existed = True  # False only for a study that create() has just made

    # creation -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        name: str,
        space: Space | dict[str, Any],
        *,
        sampler: str = "auto",
        direction: str | None = None,
        seed: int | None = None,
        budget: int | None = None,
        feedback: str = "value",
        store: Store | str | None = None,
        load_if_exists: bool = False,
        directions: Sequence[str] | None = None,
    ) -> Study:
        """Create a study (error if the name is taken, unless ``load_if_exists``).

        ``direction`` (default ``"minimize"``) for one objective, or ``directions`` (a list of
        ``"minimize"``/``"maximize"``, one per objective) for a multi-objective study, whose
        trials are told a list of values and whose :attr:`best` is the Pareto front.
        With ``load_if_exists`` an existing study of that name is returned as it is (its
        sampler, seed and budget kept) if its space and directions match; else :class:`StudyExistsError`.
        """
        from optarium.blackbox.auto import explain
        from optarium.blackbox.settings import StudySettings, check_directions

        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise OptionError("name", name, "a non-empty string of at most 255 characters")
        if directions is not None:
            directions = check_directions(directions)
            if direction is not None and [direction] != directions:
                raise OptionError("direction", direction, "left out when `directions` is given")
        directions = directions or [direction or "minimize"]
        # every setting is checked before anything is written
        StudySettings(sampler=sampler, direction=directions[0], directions=directions, seed=seed, budget=budget,
                      feedback=feedback)
        _check_sampler(sampler, len(directions))
        space = space if isinstance(space, Space) else Space.from_dict(space)
        reason = (explain(space, budget, feedback, len(directions)) if sampler == "auto"
                  else f"{sampler} chosen by the user")
        handle = _store(store)
        row = {
            "name": name, "space": space.to_dict(), "sampler": sampler, "sampler_reason": reason,
            "direction": directions[0], "feedback": feedback, "directions": directions if len(directions) > 1 else None,
            "seed": seed if seed is not None else secrets.randbelow(2**31), "budget": budget,
        }
        try:
            created, new = handle.create_study(row, load_if_exists=load_if_exists)
        except ConflictError:
            raise StudyExistsError(f"a study named {name!r} already exists; load it or pick another name") from None
        study = cls(handle, created)
        study.existed = not new
        if not new:
            if Space.from_dict(created["space"]).to_dict() != row["space"]:
                raise StudyExistsError(f"a study named {name!r} already exists with a different space; load it or pick another name")
            existing = list(created.get("directions") or [created["direction"]])
            if existing != directions:
                if len(existing) == len(directions) == 1:
                    raise StudyExistsError(
                        f"a study named {name!r} already exists with direction={existing[0]!r}, not {directions[0]!r}")
                raise StudyExistsError(
                    f"a study named {name!r} already exists with directions={existing!r}, not {directions!r}"
                )
        return study

    @classmethod
    def load(cls, name: str, store: Store | str | None = None) -> Study:
        """The study called ``name``; :class:`StudyNotFoundError` if there is none."""
        handle = _store(store)
        row = handle.find_study(name)
        if row is None:
            from optarium.store.core import redact_text

            raise StudyNotFoundError(f"no study named {name!r} in store {redact_text(handle.url)}")
        return cls(handle, row)

    @staticmethod
    def list_all(store: Store | str | None = None) -> list[dict[str, Any]]:
        """Every study row of the store, oldest first."""
        return _store(store).list_studies()

    def rename(self, new_name: str) -> None:
        """Give the study a new name (one transaction); a taken name is a :class:`StudyExistsError`."""
        if not isinstance(new_name, str) or not new_name.strip() or len(new_name) > 255:
            raise OptionError("new_name", new_name, "a non-empty string of at most 255 characters")
        try:
            row = self.store.rename_study(self._id, new_name)
        except ConflictError:
            raise StudyExistsError(f"a study named {new_name!r} already exists; pick another name") from None
        self.name = row["name"]

    def delete(self) -> int:
        """Remove the study and its trials from the store (one transaction); return how many trials went."""
        return self.store.delete_study(self._id)

    def trial_rows(self) -> list[dict[str, Any]]:
        """One flat row per trial for export: number, state, value, feasibility, ``params_<name>``, sampler, times."""
        names = list(self.space.to_dict())
        rows = []
        for row in self.store.list_trials(self._id):
            params = row["params"] or {}
            values = row.get("values") or [None] * len(self.directions)
            told = {"value": row["value"]} if not self.multi_objective else {
                f"value_{i}": values[i] for i in range(len(self.directions))}
            rows.append({
                "number": int(row["number"]), "state": row["state"], **told,
                "feasibility": row["feasibility"],
                **{f"params_{name}": params.get(name) for name in names},
                "sampler": row["sampler"], "created_at": row["created_at"], "finished_at": row["finished_at"],
            })
        return rows

    # ask / tell ---------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Trial]:
        """Suggest ``n`` new trials (a batch), stored as pending; pending trials of others count."""
        from optarium.blackbox.samplers import get_sampler, sampler_reads
        from optarium.gc_pause import gc_paused

        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise OptionError("n", n, "a positive integer")
        sampler = get_sampler(self.sampler_name)
        reads = sampler_reads(self.sampler_name)
        new: list[Trial] = []

        def propose(ask_index: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            with gc_paused():  # a long study's trials would set off collections costing more than building them
                trials = ([_trial(row) for row in rows] if reads == "all" else
                          [Trial(int(row["number"]), {}, row["state"], point=tuple(row["point"])) for row in rows])
            history = History(
                space=self.space, direction=self.direction, seed=self.seed, ask_index=ask_index,
                trials=trials, budget=self.budget, feedback=self.feedback,
                directions=self.directions if self.multi_objective else (),
            )
            suggestions = sampler.suggest(history, n)
            if len(suggestions) != n:
                raise RuntimeError(f"sampler {self.sampler_name} returned {len(suggestions)} points for n={n}")
            first = max((t.number for t in trials), default=0) + 1
            new.clear()
            proposed: list[dict[str, Any]] = []
            for offset, suggestion in enumerate(suggestions):
                params = self.space.decode(suggestion.point)
                point = [float(u) for u in self.space.encode(params)]
                by = suggestion.sampler or sampler.name
                proposed.append({"number": first + offset, "params": params, "point": point, "sampler": by,
                                 "info": _jsonable(suggestion.info)})
                new.append(Trial(first + offset, params, "pending", point=tuple(point), sampler=by, info=suggestion.info))
            return proposed

        self.store.ask(self._id, propose, reads)
        self._asked.update((trial.number, trial.point) for trial in new)
        return list(new)

    @property
    def multi_objective(self) -> bool:
        return len(self.directions) > 1

    def tell(
        self,
        trial: Trial | int,
        value: float | Sequence[float] | None = None,
        *,
        feasibility: float | None = None,
        failed: bool = False,
    ) -> Trial:
        """Record a pending trial's result (one transaction); ``feasibility <= 0`` means feasible.

        A multi-objective study takes one value per objective (a list). A NaN or infinite
        value, the wrong number of values, an unknown trial, one already finished, or a
        :class:`Trial` that another study asked raises :class:`TellError` and writes nothing.
        """
        number = trial.number if isinstance(trial, Trial) else trial
        if isinstance(number, bool) or not isinstance(number, int):
            raise TellError(f"a trial id must be an integer, got {number!r}")
        if isinstance(trial, Trial) and trial.point:
            self._check_asked_here(trial)
        values: list[float] | None = None
        if failed:
            if value is not None:
                raise TellError(f"trial {number}: give a value or failed=True, not both (got value={value!r})")
        else:
            told = list(value) if isinstance(value, list | tuple) or _is_array(value) else [value]  # type: ignore[arg-type]
            if len(told) != len(self.directions):
                want = "one value" if len(self.directions) == 1 else (
                    f"{len(self.directions)} values ({', '.join(self.directions)})")
                raise TellError(f"trial {number}: study {self.name!r} takes {want}, got {len(told)}: {told!r}")
            checked = [_finite("value" if len(told) == 1 else f"value {i + 1}", v, number) for i, v in enumerate(told)]
            if self.multi_objective:
                values, value = checked, None
            else:
                value = checked[0]
        if feasibility is not None:
            feasibility = _finite("feasibility", feasibility, number)
        (row,) = self._finish([(number, "failed" if failed else "complete", value, feasibility, values)])
        return _trial(row)

    def _check_asked_here(self, trial: Trial) -> None:
        """A :class:`TellError` if ``trial`` (as ``ask`` gave it) is not this study's trial of its number: trial
        numbers start at 1 in every study, so another study's trial would otherwise be told here silently."""
        from optarium.store.study_reads import trials_numbered

        if self._asked.get(trial.number) == tuple(trial.point):
            return
        for row in trials_numbered(self.store, self._id, [trial.number]):
            if tuple(row["point"]) != tuple(trial.point):
                raise TellError(f"trial {trial.number} was not asked by study {self.name!r}: its parameters "
                                f"{trial.params!r} are not those of its trial {trial.number} ({dict(row['params'])!r}); "
                                "tell it to the study that asked it")

    def tell_ranking(self, trials: Sequence[Trial | int], order: Sequence[int]) -> list[Trial]:
        """Record a ranking of pending trials: ``order`` lists positions in ``trials``, best first.

        Each trial's value becomes its rank (0 = best; negated for a maximising study), so
        the ranking is kept in the store; all in one transaction.
        """
        numbers = [t.number if isinstance(t, Trial) else t for t in trials]
        if self.multi_objective:
            raise TellError(f"study {self.name!r} has several objectives; tell each trial its values instead of a ranking")
        if len(numbers) < 2:
            raise TellError(f"a ranking needs at least two trials, got {numbers!r}")
        if sorted(order) != list(range(len(numbers))):
            raise TellError(f"`order` must be a permutation of 0..{len(numbers) - 1}, got {list(order)!r}")
        if len(set(numbers)) != len(numbers):
            raise TellError(f"a trial appears twice in the ranking: {numbers!r}")
        sign = 1.0 if self.direction == "minimize" else -1.0
        rows = self._finish([(numbers[position], "complete", sign * rank, None) for rank, position in enumerate(order)])
        return [_trial(row) for row in rows]

    def _finish(self, results: list[TrialResult]) -> list[dict[str, Any]]:
        """Finish trials in one store transaction; an unknown or finished trial is a :class:`TellError`."""
        try:
            return self.store.finish_trials(self._id, results)
        except (ConflictError, NotFoundError) as error:
            raise self._tell_error([number for number, *_ in results], error) from None

    def _tell_error(self, numbers: list[int], error: Exception) -> TellError:
        """The first of ``numbers`` that cannot be told, named as the user knows it."""
        states = {int(row["number"]): row["state"] for row in self.store.list_trials(self._id)}
        for number in numbers:
            if number not in states:
                return TellError(f"study {self.name!r} has no trial {number}")
            if states[number] != "pending":
                return TellError(f"trial {number} of study {self.name!r} is already {states[number]}; a trial is told once")
        return TellError(f"study {self.name!r}: {error}")

    # queries ------------------------------------------------------------------------------
    @property
    def trials(self) -> list[Trial]:
        """Every trial of the study, pending ones too, by number."""
        return [_trial(row) for row in self.store.list_trials(self._id)]

    @property
    def best(self) -> Any:
        """The best complete, feasible trial (for ranking studies: the winner of the last ranking);
        for a multi-objective study the Pareto front (a list, see :attr:`pareto_front`).

        Read lean: on an SQL store only the best row (one ``ORDER BY ... LIMIT 1``)."""
        if self.multi_objective:
            return self.pareto_front
        if self.feedback == "ranking":
            return _ranked_best(self.trials, self.direction)
        from optarium.store.study_reads import best_trial

        row = best_trial(self.store, self._id, self.direction == "minimize")
        return None if row is None else _trial(row)

    def _told(self) -> list[Trial]:
        """The complete trials with only their number, value(s) and feasibility (no params, point or info)."""
        from optarium.gc_pause import gc_paused
        from optarium.store.study_reads import told_trials

        rows = told_trials(self.store, self._id)
        with gc_paused():  # a long study's trials would set off collections costing more than building them
            return [Trial(int(row["number"]), {}, "complete", value=row["value"], feasibility=row["feasibility"],
                          values=None if row["values"] is None else tuple(float(v) for v in row["values"]))
                    for row in rows]

    @property
    def pareto_front(self) -> list[Trial]:
        """The complete, feasible trials no other such trial dominates, by number.

        Read lean: the objective values of the complete trials, then the front's trials in full."""
        from optarium.blackbox.multiobjective import pareto_trials
        from optarium.store.study_reads import trials_numbered

        front = pareto_trials(self._told(), self.directions)
        return [_trial(row) for row in trials_numbered(self.store, self._id, [t.number for t in front])]

    def hypervolume(self, reference: Sequence[float] | None = None) -> float:
        """The hypervolume of the Pareto front up to ``reference`` (in the objectives' own units;
        default: inferred from the worst observed values with a margin, see :func:`reference_point`)."""
        return self._measured(self._told(), reference)[1]

    def front_and_hypervolume(self, reference: Sequence[float] | None = None) -> tuple[list[Trial], float, list[float] | None]:
        """:attr:`pareto_front`, :meth:`hypervolume` and :meth:`reference_point` (the inferred one, whether or not
        ``reference`` is given) from one read of the trials' values."""
        from optarium.blackbox.multiobjective import inferred_reference
        from optarium.store.study_reads import trials_numbered

        told = self._told()
        front, volume = self._measured(told, reference)
        rows = trials_numbered(self.store, self._id, [t.number for t in front])
        return [_trial(row) for row in rows], volume, inferred_reference(told, self.directions)

    def _measured(self, trials: list[Trial], reference: Sequence[float] | None) -> tuple[list[Trial], float]:
        """The Pareto front of ``trials`` (as given) and its hypervolume up to ``reference`` (default: inferred)."""
        import numpy as np

        from optarium.blackbox.multiobjective import (
            check_reference,
            inferred_reference,
            pareto_trials,
            signs,
        )
        from optarium.blackbox.pareto import hypervolume

        told = [t for t in trials if t.values is not None]
        if not told:
            return [], 0.0
        front = pareto_trials(told, self.directions)
        if reference is None:
            inferred = inferred_reference(told, self.directions)
            assert inferred is not None
            losses = np.array(inferred) * signs(self.directions)
        else:
            losses = check_reference(reference, self.directions, front)
        if not front:
            return [], 0.0
        return front, hypervolume(np.array([t.values for t in front]) * signs(self.directions), losses)

    def reference_point(self) -> list[float] | None:
        """The inferred reference point: each objective's worst complete value plus 10% of its range."""
        from optarium.blackbox.multiobjective import inferred_reference

        return inferred_reference(self._told(), self.directions)

    def hypervolume_history(self, reference: Sequence[float] | None = None) -> list[tuple[int, float]]:
        """(evaluations so far, hypervolume so far) after each complete trial of a multi-objective study."""
        from optarium.blackbox.multiobjective import hypervolume_history

        return hypervolume_history(self._told(), self.directions, reference)

    def learn_pareto_set(self, **options: Any) -> Any:
        """A :class:`~optarium.blackbox.psl.ParetoSetModel` fitted to this multi-objective study:
        ``model.suggest([w1, w2, ...])`` gives the parameters for a trade-off preference."""
        from optarium.blackbox.psl import ParetoSetModel

        return ParetoSetModel.fit(self, **options)

    def best_so_far(self) -> list[tuple[int, float]]:
        """(evaluations so far, best value so far) after each complete feasible trial, in trial order."""
        sign = 1.0 if self.direction == "minimize" else -1.0
        out: list[tuple[int, float]] = []
        best = math.inf
        count = 0
        for trial in self._told():
            if trial.value is None:
                continue
            count += 1
            if trial.feasible and sign * trial.value < best:
                best = sign * trial.value
            if math.isfinite(best):
                out.append((count, sign * best))
        return out

    def summary(self) -> dict[str, Any]:
        """Settings, trial counts by state, the best trial and ``last_activity`` (when a trial was last asked or told).

        Read lean, as :attr:`best`: the counts and times aggregated on an SQL store."""
        from optarium.store.study_reads import trial_counts

        counts, last = trial_counts(self.store, self._id)
        best = self.best
        return {
            "name": self.name, "space": self.space.to_dict(), "sampler": self.sampler_name,
            "sampler_reason": self.sampler_reason, "direction": self.direction, "feedback": self.feedback,
            "seed": self.seed, "budget": self.budget, "trials": counts,
            "best": None if best is None else [t.to_dict() for t in best] if self.multi_objective else best.to_dict(),
            **({"directions": list(self.directions)} if self.multi_objective else {}),
            "last_activity": last if last is not None else self.created_at,
        }


def _ranked_best(trials: list[Trial], direction: str) -> Trial | None:
    """A ranking study's best: the winner of its last ranking (the lowest rank of its last group); the best
    value if no trial was ranked in a group."""
    told = [t for t in trials if t.state == "complete" and t.value is not None and t.feasible]
    if not told:
        return None
    ranked = [t for t in told if "group" in t.info]
    if ranked:
        last = max(t.info["group"] for t in ranked)
        group = [t for t in ranked if t.info["group"] == last]
        return min(group, key=lambda t: abs(t.value or 0.0))
    sign = 1.0 if direction == "minimize" else -1.0
    return min(told, key=lambda t: (sign * (t.value or 0.0), t.number))


def _trial(row: dict[str, Any]) -> Trial:
    return Trial(
        number=int(row["number"]), params=dict(row["params"]), state=row["state"], value=row["value"],
        feasibility=row["feasibility"], point=tuple(row["point"]), sampler=row["sampler"], info=dict(row["info"] or {}),
        values=None if row.get("values") is None else tuple(float(v) for v in row["values"]),
    )


def _is_array(value: Any) -> bool:
    return hasattr(value, "__len__") and hasattr(value, "shape") and len(getattr(value, "shape", ())) == 1


def _check_sampler(sampler: str, n_objectives: int) -> None:
    """Multi-objective samplers only for several objectives, and only they (or a design) for several."""
    from optarium.blackbox.samplers import MULTI_OBJECTIVE, sampler_names

    if sampler not in sampler_names():
        return  # StudySettings names the choices
    if n_objectives > 1 and sampler not in MULTI_OBJECTIVE and sampler not in ("auto", "sobol", "random"):
        raise OptionError("sampler", sampler, "for several objectives one of auto, " + ", ".join(MULTI_OBJECTIVE) + ", sobol, random")
    if n_objectives == 1 and sampler in MULTI_OBJECTIVE:
        raise OptionError("sampler", sampler, "a single-objective sampler; it needs two or more `directions`")


def _finite(label: str, value: Any, number: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            import numpy as np

            if isinstance(value, np.generic) and np.issubdtype(type(value), np.number):
                value = float(value)
            else:
                raise TypeError
        except TypeError:
            raise TellError(f"trial {number}: {label} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise TellError(f"trial {number}: {label} must be finite, got {value!r}; use failed=True for a failed run")
    return float(value)


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    def convert(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return [convert(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return {str(k): convert(v) for k, v in info.items()}
