"""Ray for work beyond one machine: trials of ``optimize`` and batches of solves as Ray tasks.

Every task opens the shared store itself (an SQLite file on one machine, PostgreSQL across
machines) and writes there, so what the workers do is in the store as if one process had
done it. Ray is imported only here and only when used (``pip install 'optarium[ray]'``).

Where the cluster comes from (:func:`ray_session`): a Ray connection this process already
holds is used as it is; else ``address`` (or ``$RAY_ADDRESS``) joins a running cluster
(``"auto"``: the one ``ray start`` made on this machine); else a local cluster is started
with at least as many CPUs as tasks asked for, and shut down when the work is done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from optarium.errors import OptariumError, OptionError

if TYPE_CHECKING:
    from optarium.blackbox.study import Study
    from optarium.store.base import Store

INSTALL_HINT = "install it with: pip install 'optarium[ray]'"


class RayUnavailableError(OptariumError, ImportError):
    """Ray was asked for and is not installed."""


class ClusterError(OptariumError, ConnectionError):
    """The Ray cluster cannot be reached, or cannot reach the store."""


def import_ray() -> Any:
    """The ``ray`` module; :class:`RayUnavailableError` naming the extra to install if it is missing."""
    try:
        import ray
    except ImportError:
        raise RayUnavailableError(f"Ray is not installed; {INSTALL_HINT}") from None
    return ray


def shared_store_url(store: Store | str | None, *, default: bool = True) -> str:
    """The URL Ray workers open ``store`` by: an SQLite file (as an absolute path) or PostgreSQL.

    ``None`` means ``$OPTARIUM_STORE`` or the default store file (resolved here: a worker on
    another machine has neither), or with ``default=False`` an :class:`OptionError`, as is
    an in-memory store, which lives only in this process.
    """
    from optarium.store.core import default_url, normalise_url, sqlite_path

    expected = ("an SQLite file or a PostgreSQL URL that Ray workers can open "
                "(an in-memory store lives only in this process)")
    if store is None and not default:
        raise OptionError("store", None, expected)
    url = getattr(store, "url", None) if store is not None and not isinstance(store, str) else (store or default_url())
    if not isinstance(url, str) or url.startswith("memory://"):
        raise OptionError("store", url if isinstance(url, str) else store, expected)
    url = normalise_url(url)
    path = sqlite_path(url)
    if url.startswith("sqlite") and path is None:
        raise OptionError("store", url, expected)
    return url if path is None else f"sqlite:///{path.resolve()}"


@contextmanager
def ray_session(address: str | None = None, *, cpus: int = 1, log_to_driver: bool = True) -> Iterator[Any]:
    """Ray ready for tasks (yields the ``ray`` module); see the module docstring for which cluster.

    ``cpus`` is the number of tasks that should run at once: a local cluster gets at least
    that many CPUs (the machine's core count otherwise). What this call opened it closes:
    a joined cluster is left running, a started one is shut down.
    """
    import logging

    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    options: dict[str, Any] = {"log_to_driver": log_to_driver, "logging_level": logging.WARNING}
    if address is None:
        options.update(address="local", num_cpus=max(os.cpu_count() or 1, cpus), include_dashboard=False)
    else:
        check_address(address)
        options["address"] = address
    import signal
    import threading

    # ray.init installs its own SIGTERM handler and leaves it after shutdown: ours comes back
    handlers = ({number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
                if threading.current_thread() is threading.main_thread() else {})
    try:
        ray.init(**options)
    except (ConnectionError, TimeoutError, ValueError) as error:
        _restore(handlers)
        where = "a new local Ray cluster" if address is None else f"the Ray cluster at {address!r}"
        raise ClusterError(f"cannot start or reach {where}: {str(error).splitlines()[0] if str(error) else type(error).__name__}; "
                           "check the address (host:port of the head node, or 'auto' for `ray start` on this machine)") from None
    try:
        yield ray
    finally:
        ray.shutdown()
        _restore(handlers)


def _restore(handlers: dict[Any, Any]) -> None:
    import signal

    for number, handler in handlers.items():
        signal.signal(number, handler)


def check_address(address: str, timeout: float = 5.0) -> None:
    """A ``HOST:PORT`` (or ``ray://HOST:PORT``) that nothing answers on is a :class:`ClusterError`
    at once; Ray itself would wait for it without end."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        if address in ("auto", "local"):
            return
        raise ClusterError(f"Ray cluster address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        raise ClusterError(f"no Ray cluster answers at {address!r} ({error.strerror or error}); start one with "
                           "`ray start --head` or check the address") from None


def check_store_reachable(ray: Any, url: str) -> None:
    """An SQLite store with Ray nodes on other machines is a :class:`ClusterError`: they cannot open the file."""
    from optarium.store.core import sqlite_path

    if sqlite_path(url) is None:
        return
    here = ray.util.get_node_ip_address()
    elsewhere = sorted({node["NodeManagerAddress"] for node in ray.nodes() if node.get("Alive")} - {here})
    if elsewhere:
        raise ClusterError(f"the store is the SQLite file {sqlite_path(url)}, which Ray nodes on {', '.join(elsewhere)} "
                           "cannot open; use a PostgreSQL store (postgresql://user:password@host/database)")


def ray_map(
    function: Callable[..., Any], calls: Sequence[tuple[Any, ...]], *, jobs: int, address: str | None = None,
    store_url: str | None = None, log_to_driver: bool = True,
) -> Iterator[tuple[int, Any]]:
    """``function(*call)`` for each call as Ray tasks, ``jobs`` at a time; yields ``(position, result)``
    as each finishes.

    ``function`` must be importable on the workers (a module-level function of an installed
    package). ``store_url`` is the store the tasks write to, checked to be reachable from
    every node first. A task is started only when another has finished, so stopping the
    iteration (or Ctrl-C) leaves no queued work behind; the running tasks are cancelled.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise OptionError("jobs", jobs, "a positive integer")
    with ray_session(address, cpus=min(jobs, max(len(calls), 1)), log_to_driver=log_to_driver) as ray:
        if store_url is not None:
            check_store_reachable(ray, store_url)
        task = ray.remote(num_cpus=1, max_retries=0)(function)
        running: dict[Any, int] = {}
        queue = iter(enumerate(calls))

        def start_next() -> None:
            for position, call in queue:
                running[task.remote(*call)] = position
                return

        try:
            for _ in range(jobs):
                start_next()
            while running:
                (ready,), _ = ray.wait(list(running), num_returns=1)
                position = running.pop(ready)
                result = ray.get(ready)
                start_next()
                yield position, result
        finally:
            for ref in running:
                ray.cancel(ref)


def run_trials(
    study: Study, fn: Callable[[dict[str, Any]], Any], budget: int, n_workers: int, *,
    catch: tuple[type[BaseException], ...], ray: Any, on_told: Callable[[Any], None],
) -> None:
    """Run ``budget`` trials of ``study``, ``n_workers`` at a time, each a Ray task that asks,
    evaluates ``fn`` and tells through the shared store.

    ``on_told(value)`` is called here as each trial is told (``None`` for a failed one). An
    exception of ``fn`` not in ``catch`` stops new trials; it is raised once the running ones
    are told. Ctrl-C cancels the running tasks: their trials stay pending in the store.
    """
    task = _trial_task(ray)
    function = ray.put(fn)
    url = shared_store_url(study.store)
    running: set[Any] = set()
    started = 0
    raised: BaseException | None = None

    def start() -> None:
        nonlocal started
        running.add(task.remote(url, study.name, function))
        started += 1

    try:
        while started < budget and len(running) < n_workers:
            start()
        while running:
            (ready,), _ = ray.wait(list(running), num_returns=1)
            running.discard(ready)
            value, error = ray.get(ready)
            on_told(value)
            if error is not None and not isinstance(error, catch) and raised is None:
                raised = error
            if raised is None and started < budget:
                start()
    finally:
        for ref in running:
            ray.cancel(ref)
    if raised is not None:
        raise raised


_TASKS: dict[str, Any] = {}


def _trial_task(ray: Any) -> Any:
    if "trial" not in _TASKS:
        _TASKS["trial"] = ray.remote(num_cpus=1, max_retries=0)(one_trial)
    return _TASKS["trial"]


def one_trial(url: str, name: str, fn: Callable[[dict[str, Any]], Any]) -> tuple[Any, BaseException | None]:
    """In a Ray worker: ask one trial of study ``name`` in the store at ``url``, evaluate ``fn``, tell it.

    Returns the value told (``None`` when failed) and ``fn``'s exception, if it raised one.
    """
    from optarium.blackbox.optimize import evaluate
    from optarium.blackbox.study import Study

    study = Study.load(name, url)  # found by name each time: a study deleted and made again is the new one
    (trial,) = study.ask(1)
    value, error = evaluate(fn, trial.params, len(study.directions))
    if value is None:
        study.tell(trial, failed=True)
    else:
        study.tell(trial, value)
    return value, (None if error is None else _portable(error))


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling back to the driver, else a RuntimeError with its text."""
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error

