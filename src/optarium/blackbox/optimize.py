"""``optimize``: minimise (or maximise) a function over a space, as a loop over ask/tell."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError

if TYPE_CHECKING:
    from optarium.blackbox.space import Space
    from optarium.blackbox.study import Study
    from optarium.store.base import Store


def optimize(
    fn: Callable[[dict[str, Any]], float],
    space: Space | dict[str, Any],
    budget: int,
    sampler: str = "auto",
    seed: int | None = None,
    n_workers: int = 1,
    *,
    direction: str = "minimize",
    study_name: str | None = None,
    store: Store | str | None = None,
) -> Study:
    """Evaluate ``fn(params)`` ``budget`` times and return the study (``study.best``).

    ``n_workers > 1`` asks batches of that size and evaluates them in threads. A call
    that raises or returns NaN/inf is told as failed, so one bad point does not stop
    the loop. Without ``store`` the study lives in a fresh in-memory store and is gone
    with the returned object (no file is written); give a URL (``sqlite:///lab.db``,
    ``postgresql://...``, ``memory://NAME``) or a store object to keep it or share it.
    """
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from optarium.blackbox.space import Space
    from optarium.blackbox.study import Study

    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise OptionError("budget", budget, "a positive integer")
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise OptionError("n_workers", n_workers, "a positive integer")
    space = space if isinstance(space, Space) else Space.from_dict(space)
    study = Study.create(
        study_name or f"optimize-{uuid.uuid4().hex[:12]}", space, sampler=sampler, direction=direction,
        seed=seed, budget=budget, store="memory://" if store is None else store,
    )

    def evaluate(params: dict[str, Any]) -> float | None:
        try:
            value = float(fn(params))
        except Exception:
            return None
        return value if math.isfinite(value) else None

    done = 0
    with ThreadPoolExecutor(max_workers=n_workers) as pool:
        while done < budget:
            trials = study.ask(min(n_workers, budget - done))
            for trial, value in zip(trials, pool.map(evaluate, [t.params for t in trials]), strict=True):
                if value is None:
                    study.tell(trial, failed=True)
                else:
                    study.tell(trial, value)
            done += len(trials)
    return study

