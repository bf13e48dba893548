"""Multi-objective trials: the Pareto front, the reference point and the hypervolume history.

Objectives are compared as losses (a maximised objective negated, see
:meth:`History.losses`); only complete, feasible trials enter the front. A reference point
is given in the objectives' own units; one that no front point dominates measures nothing
and is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optarium.errors import OptionError

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

    from optarium.blackbox.base import Trial


def signs(directions: Sequence[str]) -> np.ndarray:
    """+1 for a minimised objective, -1 for a maximised one: value * sign is a loss."""
    import numpy as np

    return np.array([1.0 if d == "minimize" else -1.0 for d in directions])


def _told(trials: Sequence[Trial], feasible_only: bool = True) -> list[Trial]:
    return [t for t in trials if t.state == "complete" and t.values is not None and (t.feasible or not feasible_only)]


def pareto_trials(trials: Sequence[Trial], directions: Sequence[str]) -> list[Trial]:
    """The complete, feasible trials that no other complete, feasible trial dominates (by number)."""
    import numpy as np

    from optarium.blackbox.pareto import non_dominated

    told = _told(trials)
    if not told:
        return []
    losses = np.array([t.values for t in told]) * signs(directions)
    mask = non_dominated(losses)
    return [t for t, keep in zip(told, mask, strict=True) if keep]


def inferred_reference(trials: Sequence[Trial], directions: Sequence[str]) -> list[float] | None:
    """Each objective's worst complete value (feasible ones, if any) plus 10% of its observed range."""
    import numpy as np

    from optarium.blackbox.pareto import infer_reference

    told = _told(trials) or _told(trials, feasible_only=False)
    if not told:
        return None
    sign = signs(directions)
    return [float(v) for v in infer_reference(np.array([t.values for t in told]) * sign) * sign]


def check_reference(reference: Sequence[float], directions: Sequence[str], front: Sequence[Trial]) -> np.ndarray:
    """``reference`` as losses (k,); :class:`OptionError` if its length is wrong, it is not finite,
    or no point of ``front`` is better than it in every objective."""
    import numpy as np

    try:
        point = np.asarray([float(v) for v in reference], dtype=float)
    except (TypeError, ValueError):
        raise OptionError("reference", reference, f"{len(directions)} numbers, one per objective") from None
    if point.shape != (len(directions),) or not np.isfinite(point).all():
        raise OptionError("reference", list(reference), f"{len(directions)} finite numbers, one per objective")
    losses = point * signs(directions)
    if front:
        values = np.array([t.values for t in front]) * signs(directions)
        if not np.all(values < losses, axis=1).any():
            raise OptionError("reference", list(reference), "a point every objective of some Pareto-front trial is better "
                              "than (worse than the front; it dominates nothing here)")
    return losses


def hypervolume_history(trials: Sequence[Trial], directions: Sequence[str],
                        reference: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """(complete trials so far, hypervolume of the feasible front so far) after each complete trial.

    With no ``reference`` it is inferred once from all trials (:func:`inferred_reference`), so
    every entry of the history is measured against the same point.
    """
    import numpy as np

    complete = [t for t in trials if t.state == "complete" and t.values is not None]
    if not complete:
        return []
    if reference is None:
        inferred = inferred_reference(trials, directions)
        assert inferred is not None
        ref = np.array(inferred) * signs(directions)
    else:
        ref = check_reference(reference, directions, pareto_trials(trials, directions))
    return losses_history(complete, directions, ref)


def losses_history(complete: Sequence[Trial], directions: Sequence[str], reference: np.ndarray) -> list[tuple[int, float]]:
    """:func:`hypervolume_history` of the ``complete`` trials against ``reference`` (k,), given as losses and
    not checked (one that dominates nothing measures 0 throughout).

    In two objectives the front is kept as a :class:`~optarium.blackbox.pareto.Staircase`, so a trial that joins
    it costs the rectangles after it, not a whole hypervolume; the volumes are those of
    :func:`~optarium.blackbox.pareto.hypervolume` after each change, to the last bit (values beyond
    ``1e100`` in size, which it measures scaled, take that path).
    """
    import numpy as np

    from optarium.blackbox.pareto import Staircase, hypervolume, unscaled

    sign = signs(directions)
    losses = np.array([t.values for t in complete], dtype=float).reshape(len(complete), len(sign)) * sign
    feasible = np.array([t.feasible for t in complete], dtype=bool)
    changed: list[int] = []  # the trials after which the volume was measured again
    measured: list[float] = []
    if len(sign) == 2 and unscaled(losses[feasible], reference):
        front = Staircase(reference)
        for index in np.flatnonzero(feasible & np.all(losses < reference, axis=1)):
            if front.add(float(losses[index, 0]), float(losses[index, 1])):
                changed.append(int(index))
                measured.append(front.volume)
    else:
        kept = np.empty((0, len(sign)))  # the feasible front so far (one array: a list of rows is slow)
        for index in np.flatnonzero(feasible):
            loss = losses[index]
            if not (kept <= loss).all(axis=1).any():
                kept = np.vstack([kept[~(loss <= kept).all(axis=1)], loss])
                changed.append(int(index))
                measured.append(hypervolume(kept, reference))
    latest = np.zeros(len(complete), dtype=np.int64)  # for each trial, 1 + the last change up to it (0: none yet)
    latest[changed] = np.arange(1, len(changed) + 1)
    volumes = np.concatenate([[0.0], measured])[np.maximum.accumulate(latest)]
    return [(count, float(volume)) for count, volume in enumerate(volumes, start=1)]
