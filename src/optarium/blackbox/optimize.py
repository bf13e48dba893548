"""``optimize``: minimise (or maximise) a function over a space, as a loop over ask/tell."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optarium.errors import OptionError
from optarium.live import LiveLine

if TYPE_CHECKING:
    from collections.abc import Sequence

    from optarium.blackbox.space import Space
    from optarium.blackbox.study import Study
    from optarium.store.base import Store


def optimize(
    fn: Callable[[dict[str, Any]], Any],
    space: Space | dict[str, Any],
    budget: int | None = None,
    sampler: str = "auto",
    seed: int | None = None,
    n_workers: int = 1,
    *,
    direction: str | None = None,
    directions: Sequence[str] | None = None,
    study_name: str | None = None,
    store: Store | str | None = None,
    catch: tuple[type[BaseException], ...] = (),
    show_progress: bool = False,
    executor: str = "thread",
    ray_address: str | None = None,
    n_trials: int | None = None,
) -> Study:
    """Evaluate ``fn(params)`` ``budget`` times and return the study (``study.best``).

    ``n_trials`` is another name for ``budget`` (as Optuna users write it); give one of them.

    With ``directions`` (one per objective) ``fn`` returns a sequence of that many values and
    ``study.best`` is the Pareto front.

    ``n_workers > 1`` asks batches of that size and evaluates them in threads
    (``executor="thread"``). A call that returns NaN/inf is told as failed. A call that raises is told as failed and its exception
    is raised by ``optimize`` (after the rest of its batch is told), unless its type is in
    ``catch``: then the loop goes on. Without ``store`` the study lives in a fresh in-memory
    store and is gone with the returned object (no file is written); give a URL
    (``sqlite:///lab.db``, ``postgresql://...``, ``memory://NAME``) or a store object to keep
    it or share it. A ``study_name`` that exists in the store is resumed (its space and
    direction must match; its sampler and seed are kept) and ``budget`` more trials are run.
    ``show_progress`` draws the trial count, best value and elapsed time on stderr when it
    is a terminal. Ctrl-C raises ``KeyboardInterrupt`` at once, after telling every trial
    already evaluated; a trial whose call was still running stays pending (anyone may tell it).

    ``executor="ray"`` runs each trial as a Ray task (``n_workers`` at a time) that asks,
    evaluates and tells through the store itself, so ``store`` must be one the workers can
    open: an SQLite file on one machine, PostgreSQL across machines. ``ray_address`` (or
    ``$RAY_ADDRESS``) joins a running cluster; without either a local cluster is started
    and shut down afterwards (see :mod:`optarium.distributed`).
    """
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from optarium.blackbox.space import Space
    from optarium.blackbox.study import Study

    if n_trials is not None:
        if budget is not None:
            raise OptionError("n_trials", n_trials, f"left out when budget is given (budget={budget}); they are one setting")
        budget = n_trials
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise OptionError("budget", budget, "a positive integer (the number of trials; n_trials= is the same)")
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise OptionError("n_workers", n_workers, "a positive integer")
    if isinstance(catch, type):
        catch = (catch,)
    if not isinstance(catch, tuple) or not all(isinstance(c, type) and issubclass(c, BaseException) for c in catch):
        raise OptionError("catch", catch, "a tuple of exception types")
    if executor not in EXECUTORS:
        raise OptionError("executor", executor, " or ".join(repr(name) for name in EXECUTORS))
    if ray_address is not None and executor != "ray":
        raise OptionError("ray_address", ray_address, 'left out unless executor="ray"')
    space = space if isinstance(space, Space) else Space.from_dict(space)

    def create(store: Store | str) -> Study:
        return Study.create(
            study_name or f"optimize-{uuid.uuid4().hex[:12]}", space, sampler=sampler, direction=direction,
            directions=directions, seed=seed, budget=budget, store=store, load_if_exists=study_name is not None,
        )

    if executor == "ray":
        from optarium.distributed import (
            check_store_reachable,
            ray_session,
            run_trials,
            shared_store_url,
        )

        url = shared_store_url(store, default=False)  # a store the workers cannot open: nothing is written
        with ray_session(ray_address, cpus=n_workers) as ray:
            check_store_reachable(ray, url)
            study = create(store if store is not None and not isinstance(store, str) else url)
            with _Progress(show_progress and not study.multi_objective, budget, study.direction) as progress:
                run_trials(study, fn, budget, n_workers, catch=catch, ray=ray, on_told=progress.update)
        return study

    study = create("memory://" if store is None else store)
    n_objectives = len(study.directions)
    many = study.multi_objective

    done = 0
    pool = ThreadPoolExecutor(max_workers=n_workers)
    try:
        with _Progress(show_progress and not many, budget, study.direction) as progress:
            while done < budget:
                trials = study.ask(min(n_workers, budget - done))
                raised: Exception | None = None
                futures = [pool.submit(evaluate, fn, trial.params, n_objectives) for trial in trials]
                try:
                    outcomes = [future.result() for future in futures]
                except KeyboardInterrupt:
                    # Ctrl-C: the trials of the batch already evaluated are told; the rest stay pending
                    for trial, future in zip(trials, futures, strict=True):
                        if future.done() and not future.cancelled():
                            _tell(study, trial, future.result()[0], progress)
                    raise
                for trial, (value, error) in zip(trials, outcomes, strict=True):
                    _tell(study, trial, value, progress)
                    if error is not None and not isinstance(error, catch) and raised is None:
                        raised = error
                if raised is not None:
                    raise raised
                done += len(trials)
    finally:
        # after a Ctrl-C, a call still running is not waited for here (a thread cannot be stopped)
        pool.shutdown(wait=False, cancel_futures=True)
    return study


def _tell(study: Study, trial: Any, value: Any, progress: _Progress) -> None:
    """Tell ``trial`` its ``value`` (``None``: failed) and count it on the progress line."""
    if value is None:
        study.tell(trial, failed=True)
    else:
        study.tell(trial, value)
    progress.update(value)


EXECUTORS = ("thread", "ray")


def evaluate(fn: Callable[[dict[str, Any]], Any], params: dict[str, Any], n_objectives: int) -> tuple[Any, Exception | None]:
    """``fn(params)`` as the value to tell (``None``: tell failed) and the exception it raised, if any.

    NaN or infinite values, or the wrong number of them for ``n_objectives``, are failures.
    """
    try:
        result = fn(params)
        if n_objectives > 1:
            values = [float(v) for v in result]
            if len(values) != n_objectives:
                raise ValueError(f"the function returned {len(values)} values for {n_objectives} objectives")
            return (values if all(math.isfinite(v) for v in values) else None), None
        value = float(result)
    except Exception as error:  # told as failed; raised by optimize unless caught
        return None, error
    return (value if math.isfinite(value) else None), None


class _Progress(LiveLine):
    """Trials done, best value and elapsed time, redrawn on stderr while ``optimize`` runs (terminals only)."""

    def __init__(self, enabled: bool, budget: int, direction: str):
        super().__init__(enabled)
        self.budget = budget
        self.sign = 1.0 if direction == "minimize" else -1.0
        self.done = 0
        self.failed = 0
        self.best: float | None = None

    def update(self, value: float | list[float] | None) -> None:
        """Count one trial told; ``value`` is its value (``None`` when it failed; a list: not shown)."""
        self.done += 1
        if value is None:
            self.failed += 1
        elif isinstance(value, list):
            return
        elif self.best is None or self.sign * value < self.sign * self.best:
            self.best = value
        self.refresh()

    def text(self) -> str:
        best = "-" if self.best is None else f"{self.best:.6g}"
        failed = f" ({self.failed} failed)" if self.failed else ""
        return f"optimize: trial {self.done}/{self.budget}{failed}  best {best}  elapsed {self.elapsed:.1f}s"
