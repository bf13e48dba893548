"""The one flow: plan → solve → verify → (cross-check) → record, written once for every kind.

A kind supplies backends, a verifier and what a run keeps of its answer (see
:mod:`optarium.kinds`); this module applies the one verification policy
(:func:`optarium.solution.settle`) and writes one frozen
:class:`~optarium.store.base.Run` in one transaction. No backend writes to
the store and no kind writes its own record.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from optarium.solution import WITH_POINT, Solution, settle

if TYPE_CHECKING:
    from optarium.kinds import Backend, KindSpec
    from optarium.plan import Plan, Planner
    from optarium.store.base import Run, Store

log = logging.getLogger(__name__)


def solve_problem(
    problem: Any,
    *,
    solver: str = "auto",
    options: Any = None,
    store: Store | str | None = None,
    record: bool = True,
    planner: Planner | None = None,
    source: str = "",
    reader: str = "",
    cross_check: bool = False,
    params: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> Solution[Any]:
    """Plan, solve, verify and (with ``record``) record one problem of any registered kind.

    ``solver="auto"`` asks ``planner`` (default: the kind's own) for a plan;
    a named solver runs with ``params`` as its plan's parameters. ``options``
    are the kind's checked settings, handed to the backend as they are and
    recorded with the run; ``timings`` of earlier stages (``read``) are kept
    with the run's own. ``reader`` names what read the problem; it is kept in
    the verification. With ``cross_check`` a second backend solves it too and a
    better verified answer of the second replaces the first.
    """
    from optarium import kinds
    from optarium.plan import user_plan
    from optarium.store.base import open_store

    started = time.perf_counter()
    spec = kinds.of(problem)
    if spec.check_input is not None:  # before the store is opened: bad input leaves nothing written
        spec.check_input(problem, options)
    checked = time.perf_counter()
    handle = open_store(store) if (record or store is not None) else None
    if solver == "auto":
        plan = (planner or spec.planner()).plan(problem, handle)
        if params:
            plan = replace(plan, params={**plan.params, **params})
    else:
        plan = user_plan(solver, params)
    log.info("plan for %s (%s): %s, from %s: %s", getattr(problem, "name", "") or "the problem", spec.name, plan.solver,
             plan.source, plan.reason)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("plan parameters %s; options %s", plan.params, _recorded(options))
    backend = spec.backend(plan.solver)
    if spec.check is not None:
        spec.check(backend, problem)
    planned = time.perf_counter()
    solution = attempt(spec, problem, backend, options, plan, reader=reader)
    solution.timings["plan"] = planned - checked
    if spec.check_input is not None:
        solution.timings["check"] = checked - started
    solution.timings.update(timings or {})
    if cross_check:
        _cross_check(spec, problem, solution, options, reader, source)
    if record:
        assert handle is not None
        recording = time.perf_counter()
        solution.run_id = handle.record_run(to_run(spec, problem, solution, source, options))
        solution.timings["record"] = time.perf_counter() - recording
        log.info("recorded run %s in %s (%.3f s)", solution.run_id, _shown_url(handle), solution.timings["record"])
    solution.timings["flow"] = time.perf_counter() - started
    return solution


def _shown_url(store: Any) -> str:
    """The store's URL for a log line, a password in it hidden."""
    import re

    return re.sub(r"(?<=:)[^:/@]+(?=@)", "***", str(getattr(store, "url", "the store")))


def attempt(spec: KindSpec, problem: Any, backend: Backend, options: Any, plan: Plan, *, reader: str = "") -> Solution[Any]:
    """Solve with one backend and verify its answer; nothing is recorded.

    A Ctrl-C while the answer is checked waits for the check and makes the status ``interrupted``
    (a second one raises ``KeyboardInterrupt`` at once, as does the first once the answer fails its check).
    """
    log.info("%s started", backend.name)
    raw = backend.solve(problem, options, plan)
    log.info("%s finished: %s, objective %s, %.3f s%s", backend.name, raw.status, raw.objective, raw.seconds,
             f" ({raw.message})" if raw.message else "")
    started = time.perf_counter()
    verification = None
    payload = None
    stopped = False
    if raw.payload is not None:
        from optarium.interrupts import noting_ctrl_c

        with noting_ctrl_c(again_raises=True) as ctrl_c:  # a point found is checked before a Ctrl-C ends the run
            verification = spec.verify(problem, raw.payload, raw.objective)
            if reader:
                verification = replace(verification, reader=reader)
            payload = spec.wrap(problem, raw.payload)
        stopped = ctrl_c.pressed
    status, why = settle(raw.status, raw.payload is not None, verification, backend.name)
    if stopped and status in WITH_POINT:
        log.info("interrupted while %s's answer was checked", backend.name)
        status = "interrupted"
    elif stopped:  # the answer failed its check: nothing worth keeping, and the user asked to stop
        raise KeyboardInterrupt
    if verification is None:
        log.info("nothing to verify: %s gave no point", backend.name)
    elif verification.verified:
        log.info("verified: objective %s recomputed, largest violation %.2e", verification.objective, verification.max_violation)
    else:
        log.warning("%s's answer failed verification: %s", backend.name, verification.message)
    objective = raw.objective
    if verification is not None and verification.verified and verification.objective is not None:
        objective = verification.objective if objective is None else objective
    solution: Solution[Any] = Solution(
        status=status, objective=objective, bound=raw.bound, payload=payload, kind=spec.name,
        seconds=raw.seconds, solver=backend.name, solver_version=backend.version(), solver_status=raw.solver_status,
        plan=plan, verification=verification, message="; ".join(m for m in (raw.message, why) if m),
        extra=dict(raw.extra),
    )
    if status in WITH_POINT:
        from optarium.solvers.base import relative_gap

        solution.gap = relative_gap(solution.objective, solution.bound)
    solution.timings["solve"] = raw.seconds
    solution.timings["verify"] = time.perf_counter() - started
    return solution


def to_run(spec: KindSpec, problem: Any, solution: Solution[Any], source: str, options: Any) -> Run:
    """The frozen record of ``solution``."""
    from optarium.store.base import Run

    blob, kept = (None, {}) if spec.record is None or solution.payload is None else spec.record(problem, solution)
    extra = {**solution.extra, **kept}
    verification = solution.verification
    return Run(
        kind=spec.name, fingerprint=problem.fingerprint(), name=getattr(problem, "name", spec.name),
        features=problem.features(), source=source, solver=solution.solver, solver_version=solution.solver_version,
        plan={} if solution.plan is None else solution.plan.to_dict(), params=_recorded(options),
        status=solution.status, solver_status=solution.solver_status, objective=solution.objective,
        bound=solution.bound, gap=solution.gap, verified=solution.verified, max_violation=solution.max_violation,
        verification=None if verification is None else verification.to_dict(), cross_check=solution.cross_check,
        seconds=solution.seconds, timings=dict(solution.timings), message=solution.message, values=blob,
        extra=extra or None,
    )


def _recorded(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    recorded = getattr(options, "recorded", None)
    if callable(recorded):
        return dict(recorded())
    from dataclasses import asdict, is_dataclass

    if is_dataclass(options) and not isinstance(options, type):
        return {key: value for key, value in asdict(options).items() if not callable(value)}
    return dict(options)


def _agree(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _second_reading(spec: KindSpec, problem: Any, reader: str, source: str) -> dict[str, Any]:
    """Read the file again with the kind's next reader for it and compare the two problems' fingerprints."""
    from pathlib import Path

    from optarium import kinds
    from optarium.errors import OptariumError

    path = Path(source) if source else None
    if path is None or reader not in [r.name for r in spec.readers] or not path.is_file():
        return {"first": reader or None, "second": None, "same_problem": None, "note": "not read from a file"}
    others = [r for s, r in kinds.readers_for(path) if s is spec and r.name != reader]
    if not others:
        return {"first": reader, "second": None, "same_problem": None, "note": "no second reader takes this file"}
    second = others[0]
    try:
        again = second.read(path)
    except OptariumError as error:
        return {"first": reader, "second": second.name, "same_problem": None, "note": f"{second.name} cannot read it: {error}"}
    first_features, second_features = problem.features(), again.features()
    return {
        "first": reader, "second": second.name, "same_problem": again.fingerprint() == problem.fingerprint(),
        "fingerprints": [problem.fingerprint(), again.fingerprint()],
        "differences": {key: [value, second_features.get(key)] for key, value in first_features.items()
                        if second_features.get(key) != value},
    }


def _cross_check(
    spec: KindSpec, problem: Any, solution: Solution[Any], options: Any, reader: str, source: str = ""
) -> None:
    """Read the file with a second reader and solve again with a second backend.

    Readers that disagree are reported in ``cross_check["reader"]`` and the message
    (the answer was checked against the first reading); a second backend's answer
    is adopted only when it is verified and refutes the first. An interrupted solve
    is not cross-checked, and a Ctrl-C during the cross-check keeps the first answer
    with the status ``interrupted``: either way the user asked to stop.
    """
    if solution.status == "interrupted":
        solution.message = (solution.message + "; " if solution.message else "") + "cross-check not run: the solve was interrupted"
        return
    try:
        reading = _second_reading(spec, problem, reader, source)
        _second_backend(spec, problem, solution, options, reader)
    except KeyboardInterrupt:  # reading the file again, or choosing the second backend (importing it)
        _stopped_in_cross_check(solution, None, "")
        return
    assert solution.cross_check is not None
    solution.cross_check["reader"] = reading
    if reading["same_problem"] is False:
        differs = ", ".join(reading["differences"]) or "coefficients"
        solution.message = (solution.message + "; " if solution.message else "") + (
            f"cross-check: the {reading['second']} reader reads this file as a different problem than "
            f"{reading['first']} (differs in {differs}); the answer was checked against {reading['first']}'s reading"
        )


def _second_backend(spec: KindSpec, problem: Any, solution: Solution[Any], options: Any, reader: str) -> None:
    """Solve again with a second backend; adopt its answer only when it is verified and refutes the first."""
    from optarium.plan import Plan

    others = spec.alternatives(problem, solution.solver)
    if not others:
        solution.cross_check = {"solver": None, "agree": None, "note": "no second installed backend can take this problem"}
        return
    other = others[0]
    plain = replace(options, params={}, progress=None) if hasattr(options, "params") and hasattr(options, "progress") else options
    try:
        second = attempt(spec, problem, spec.backend(other), plain,
                         Plan(other, {}, "cross-check: a second backend", "rules"), reader=reader)
    except KeyboardInterrupt:  # before the second backend had a point: the first answer is all there is
        _stopped_in_cross_check(solution, other, f"before {other} had an answer")
        return
    if solution.status in ("infeasible", "unbounded"):
        agree = second.status == solution.status
    elif solution.status == "optimal" and second.status == "optimal":
        agree = _agree(solution.objective, second.objective)
    else:
        agree = solution.status == second.status
    solution.cross_check = {
        "solver": other, "status": second.status, "objective": second.objective,
        "verified": second.verified, "agree": agree,
    }
    if second.status == "interrupted":  # a Ctrl-C stopped it: a better verified point it found still refutes the first
        if _refutes(spec, problem, solution, second):
            _adopt(solution, second, other)
        _stopped_in_cross_check(solution, other, f"before {other} finished")
        return
    if agree:
        return
    if _refutes(spec, problem, solution, second):
        _adopt(solution, second, other)
    else:
        solution.message = (solution.message + "; " if solution.message else "") + (
            f"cross-check: {other} says {second.status} ({second.objective}), which disagrees"
        )


def _refutes(spec: KindSpec, problem: Any, first: Solution[Any], second: Solution[Any]) -> bool:
    """Whether ``second`` is a verified answer better than ``first`` (which gave no point, or a worse one)."""
    if first.status == "unbounded" or not second.verified or second.objective is None:
        return False
    if first.status not in WITH_POINT or first.objective is None:
        return True
    return second.objective < first.objective if spec.sense(problem) == "min" else second.objective > first.objective


def _adopt(solution: Solution[Any], second: Solution[Any], other: str) -> None:
    """Report ``other``'s answer ``second`` instead of the first, saying so in the message."""
    first = f"{solution.solver} said {solution.status}" + (f" ({solution.objective})" if solution.objective is not None else "")
    solution.status = second.status
    solution.objective, solution.bound, solution.gap = second.objective, second.bound, second.gap
    solution.payload, solution.verification = second.payload, second.verification
    solution.message = f"cross-check: {first}, but {other} found a better verified answer; reporting {other}'s"
    solution.solver, solution.solver_version = other, second.solver_version


def _stopped_in_cross_check(solution: Solution[Any], other: str | None, when: str) -> None:
    """A Ctrl-C during the cross-check (``other``: the second backend, once chosen; ``when``: where it came):
    the first answer is kept, not checked by a second backend, as ``interrupted``."""
    if other is not None:
        solution.cross_check = {"solver": other, "status": "interrupted", "objective": None, "verified": False,
                                **(solution.cross_check or {}), "agree": None, "note": f"interrupted {when}"}
    if solution.status == "interrupted":  # the second backend's point was adopted; the message says so
        return
    first = solution.status
    solution.status = "interrupted"
    solution.message = (solution.message + "; " if solution.message else "") + (
        f"cross-check interrupted{' ' + when if when else ''}; {solution.solver}'s answer ({first}) is kept"
    )
