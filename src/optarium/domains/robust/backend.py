"""The backends of the robust kind: ``ccg`` (exact) and ``neur2ro`` (learned); both return a first-stage decision.

The payload is ``{"x": [...], "claimed": value or None}``; the flow verifies it
with :mod:`optarium.domains.robust.verify`, and the reported objective is the
verifier's recomputed worst case (the backend reports none of its own).
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from optarium.kinds import RawResult

if TYPE_CHECKING:
    from optarium.domains.robust.ccg import CCGResult
    from optarium.domains.robust.problem import RobustProblem
    from optarium.domains.robust.settings import RobustSettings
    from optarium.plan import Plan


@functools.cache
def _highs_version() -> str:
    from optarium.solvers.highs import new_highs

    return str(new_highs().version())


def to_raw(result: CCGResult, seconds: float, extra: dict[str, Any]) -> RawResult:
    """The flow's view of a CCG result: the decision, the method's bound, what is kept with the run."""
    payload = None
    if result.x is not None:
        certified = result.worst is not None and result.worst.certified
        payload = {"x": result.x.tolist(), "claimed": result.objective if certified else None}
    extra = {**extra, "iterations": result.iterations, "scenarios": len(result.scenarios), "trace": result.trace[-200:],
             "method_objective": result.objective}
    return RawResult(status=result.status, objective=None, bound=result.bound, payload=payload,
                     solver_status=result.status, seconds=seconds, extra=extra)


class CCG:
    """Column-and-constraint generation on HiGHS (:mod:`optarium.domains.robust.ccg`).

    A problem with the robust knapsack's structure goes to its branch-and-price
    (:mod:`optarium.domains.robust.knapsack`) instead: same kind of answer, proved bound.
    """

    name = "ccg"

    def version(self) -> str:
        return f"highs {_highs_version()}"

    def solve(self, problem: RobustProblem, options: RobustSettings | None, plan: Plan) -> RawResult:
        from optarium.domains.robust.ccg import solve_ccg
        from optarium.domains.robust.settings import RobustSettings

        settings = options if options is not None else RobustSettings()
        from optarium.domains.robust.knapsack import recognise, solve_exact

        knapsack = recognise(problem)
        if knapsack is not None:
            return solve_exact(problem, knapsack, time_limit=settings.time_limit, progress=settings.progress)
        started = time.perf_counter()
        result = solve_ccg(problem, time_limit=settings.time_limit, progress=settings.progress)
        return to_raw(result, time.perf_counter() - started, {"method": "exact"})
