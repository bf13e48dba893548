"""The nonlinear kind (NLP, MINLP): readers, backends, verifier, planner, record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from optarium import kinds
from optarium.domains.nonlinear.program import NonlinearProgram
from optarium.errors import SolverCapabilityError

if TYPE_CHECKING:
    from pathlib import Path

    from optarium.domains.nonlinear.planner import NonlinearPlanner
    from optarium.problem.kind import Point
    from optarium.solution import Solution, Verification

KIND = "nonlinear"
SUFFIXES = (".nl",)


def _read_osil(path: Path) -> NonlinearProgram:
    from optarium.domains.nonlinear.osil import read_osil

    return read_osil(path)


def _read(path: Path) -> NonlinearProgram:
    from optarium.domains.nonlinear.nl import read_nl

    return read_nl(path)


def _scip() -> kinds.Backend:
    from optarium.domains.nonlinear.scip import ScipNonlinear

    return ScipNonlinear()


def _ipopt() -> kinds.Backend:
    from optarium.domains.nonlinear.local import IpoptLocal

    _need("ipopt", "cyipopt")
    return IpoptLocal()


def _slsqp() -> kinds.Backend:
    from optarium.domains.nonlinear.local import ScipyLocal

    return ScipyLocal()


def _need(name: str, package: str) -> None:
    import importlib.util

    from optarium.errors import SolverUnavailableError

    if importlib.util.find_spec(package) is None:
        raise SolverUnavailableError(f"solver {name!r} needs the Python package {package!r}; install it with `pip install {package}`")


def _verify(problem: NonlinearProgram, x: Any, objective: float | None) -> Verification:
    from optarium.domains.nonlinear.verify import verify_point

    return verify_point(problem, x, objective)


def _planner() -> NonlinearPlanner:
    from optarium.domains.nonlinear.planner import NonlinearPlanner

    return NonlinearPlanner()


def check(backend: Any, problem: NonlinearProgram) -> None:
    """Refuse a function outside its domain within the bounds, and integers for a local backend."""
    from optarium.domains.nonlinear.analysis import check_domains

    if "domains_checked" not in problem._cache:
        check_domains(problem)
        problem._cache["domains_checked"] = True
    if not getattr(backend, "is_global", True) and any(problem.is_integer):
        raise SolverCapabilityError(backend.name, f"integer variables ({sum(problem.is_integer)} in this problem)", ["scip"])


def _record(problem: NonlinearProgram, solution: Solution[Any]) -> tuple[bytes | None, dict[str, Any]]:
    from optarium.store.codec import pack_values

    point = solution.payload
    assert point is not None
    return pack_values(point.names, point.x), {}


def _wrap(problem: NonlinearProgram, x: Any) -> Point:
    import numpy as np

    from optarium.problem.kind import Point

    return Point(problem.var_names, np.asarray(x, dtype=np.float64))


def _alternatives(problem: NonlinearProgram, first: str) -> list[str]:
    from optarium.domains.nonlinear.planner import installed

    if first != "scip":
        return ["scip"] if "scip" in installed() else []
    if any(problem.is_integer):
        return []
    local: list[str] = [name for name in ("ipopt", "slsqp") if name in installed()]
    return local[:1]


SPEC = kinds.register(kinds.KindSpec(
    name=KIND,
    type=NonlinearProgram,
    backend=kinds.lookup({"scip": _scip, "ipopt": _ipopt, "slsqp": _slsqp}, KIND),
    verify=_verify,
    planner=_planner,
    readers=(kinds.Reader("nl", SUFFIXES, _read), kinds.Reader("osil", (".osil",), _read_osil)),
    check=check,
    record=_record,
    wrap=_wrap,
    sense=lambda problem: problem.sense,
    alternatives=_alternatives,
))
