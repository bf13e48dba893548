"""The math-program kind (LP, MILP, QP): readers, backends, verifier, planner, record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium import kinds

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np
    from numpy.typing import NDArray

    from optarium.kinds import Backend
    from optarium.problem.program import MathProgram
    from optarium.solution import Solution, Verification

KIND = "math_program"


@dataclass(frozen=True)
class Point:
    """A math program's answer: one value per variable, in the problem's order.

    ``x`` has shape (n,); :meth:`as_dict` builds the name → value mapping once.
    """

    names: Sequence[str]
    x: NDArray[np.float64]
    _dict: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def as_dict(self) -> dict[str, float]:
        if not self._dict and len(self.names):
            self._dict.update(zip(self.names, self.x.tolist(), strict=True))
        return self._dict


def _read(path: Path) -> MathProgram:
    from optarium.problem.io import read_problem

    return read_problem(path)


def _read_scip(path: Path) -> MathProgram:
    from optarium.problem.io import read_problem_scip

    return read_problem_scip(path)


def _backend(name: str) -> Backend:
    from optarium.solvers import registry

    return registry.get(name)


def _check(backend: Any, problem: MathProgram) -> None:
    from optarium.solvers import registry

    registry.check(backend, problem)


def _verify(problem: MathProgram, x: Any, objective: float | None) -> Verification:
    from optarium.problem.verify import verify_point

    return verify_point(problem, x, objective)


def _planner() -> Any:
    from optarium.plan.tuned import TunedPlanner

    return TunedPlanner()


def _record(problem: MathProgram, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    from optarium.store.codec import pack_values

    point = solution.payload
    assert isinstance(point, Point)
    return pack_values(point.names, point.x), {}


def _alternatives(problem: MathProgram, first: str) -> list[str]:
    from optarium.plan.rules import second_opinion

    other = second_opinion(problem, first)
    return [] if other is None else [other]


def _wrap(problem: MathProgram, x: Any) -> Point:
    import numpy as np

    return Point(problem.var_names, np.asarray(x, dtype=np.float64))


def _suffixes() -> tuple[str, ...]:
    from optarium.problem.io import MODEL_SUFFIXES

    return MODEL_SUFFIXES


def _type() -> type:
    from optarium.problem.program import MathProgram

    return MathProgram


SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=_type(),
    backend=_backend,
    verify=_verify,
    planner=_planner,
    # HiGHS's parser reads; SCIP's is the second opinion of a cross-check
    readers=(kinds.Reader("highs", _suffixes(), _read), kinds.Reader("scip", _suffixes(), _read_scip)),
    check=_check,
    record=_record,
    wrap=_wrap,
    sense=lambda problem: problem.sense,
    alternatives=_alternatives,
))
