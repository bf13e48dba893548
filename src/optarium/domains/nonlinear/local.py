"""Local NLP backends: Ipopt (through cyipopt) and SciPy's SLSQP, with exact first derivatives.

A local solver's answer is at best ``locally_optimal``, never ``optimal``: it proves
no global bound. Neither takes integer variables. Gradients and the Jacobian come from
the expression graph (:class:`~optarium.domains.nonlinear.calculus.Compiled`); Ipopt
approximates the Hessian with limited-memory BFGS. Ctrl-C (on the main thread) stops either
at its next iteration with the status ``interrupted`` and the best iterate so far that meets
every bound and constraint; with none, it is passed on as ``KeyboardInterrupt``.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from optarium.domains.nonlinear.calculus import Compiled
from optarium.domains.nonlinear.expr import variables
from optarium.domains.nonlinear.scip import options_or_default
from optarium.domains.nonlinear.verify import FEASIBILITY_TOL
from optarium.errors import OptionError
from optarium.interrupts import noting_ctrl_c
from optarium.kinds import RawResult

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.domains.nonlinear.program import NonlinearProgram
    from optarium.plan import Plan

log = logging.getLogger(__name__)

# Ipopt's return codes that end at a point worth checking, and what they mean here
_IPOPT_STATUS = {0: "locally_optimal", 1: "locally_optimal", -4: "time_limit", -1: "feasible", 4: "feasible"}


def start(problem: NonlinearProgram) -> NDArray[np.float64]:
    """A starting point: the middle of each finite pair of bounds, else 0 moved into the bounds."""
    lower, upper = problem.bounds()
    x0 = np.clip(np.zeros(problem.n_vars), lower, upper)
    both = np.isfinite(lower) & np.isfinite(upper)
    x0[both] = 0.5 * (lower[both] + upper[both])
    return x0


class _Functions:
    """Objective (minimised), its gradient, constraint values and their sparse Jacobian."""

    def __init__(self, problem: NonlinearProgram) -> None:
        self.sign = -1.0 if problem.sense == "max" else 1.0
        self.objective = Compiled([problem.objective], problem.n_vars)
        self.constraints = Compiled([c.body for c in problem.constraints], problem.n_vars)
        rows, cols = [], []
        for i, constraint in enumerate(problem.constraints):
            for j in sorted(variables(constraint.body)):
                rows.append(i)
                cols.append(j)
        self.rows, self.cols = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)

    def value(self, x: NDArray[np.float64]) -> float:
        return self.sign * float(self.objective.values(x)[0])

    def gradient(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.sign * self.objective.jacobian(x)[0]

    def constraint_values(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.constraints.values(x)

    def jacobian_values(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.constraints.jacobian(x)[self.rows, self.cols]

    def jacobian_structure(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        return self.rows, self.cols


@functools.cache
def _ipopt_version() -> str:
    import cyipopt

    return str(getattr(cyipopt, "IPOPT_VERSION", None) or cyipopt.__version__)


class IpoptLocal:
    """Ipopt's interior-point method, a local optimum from one start."""

    name = "ipopt"
    is_global = False

    def version(self) -> str:
        return _ipopt_version()

    def solve(self, problem: NonlinearProgram, options: Any, plan: Plan | None = None) -> RawResult:
        import cyipopt

        settings = options_or_default(options).with_plan(plan)
        functions = _Functions(problem)
        lower, upper = problem.bounds()
        con_lower = np.array([c.lower for c in problem.constraints], dtype=np.float64)
        con_upper = np.array([c.upper for c in problem.constraints], dtype=np.float64)

        best = _BestFeasible(problem, functions)

        class Callbacks:
            gradient = staticmethod(functions.gradient)
            jacobian = staticmethod(functions.jacobian_values)
            jacobianstructure = staticmethod(functions.jacobian_structure)

            # every point Ipopt evaluates is offered as the best feasible one (this Ipopt cannot give its iterate)
            @staticmethod
            def objective(x: NDArray[np.float64]) -> float:
                value = functions.value(x)
                if not problem.constraints:
                    best.offer(x, value=value)
                return value

            @staticmethod
            def constraints(x: NDArray[np.float64]) -> NDArray[np.float64]:
                rows = functions.constraint_values(x)
                best.offer(x, rows=rows)
                return rows

            @staticmethod
            def intermediate(*progress: Any) -> bool:
                return not ctrl_c.pressed  # False: Ipopt stops ("user requested stop")

        nlp = cyipopt.Problem(n=problem.n_vars, m=problem.n_cons, problem_obj=Callbacks(),
                              lb=_finite(lower), ub=_finite(upper), cl=_finite(con_lower), cu=_finite(con_upper))
        chosen: dict[str, Any] = {"print_level": 5 if settings.solver_log else 0, "sb": "yes",
                                  "hessian_approximation": "limited-memory", "tol": 1e-8,
                                  "constr_viol_tol": 1e-8, "max_iter": 1000, "bound_relax_factor": 0.0,
                                  **settings.backend_settings({"time_limit": "max_cpu_time"})}
        for key, value in chosen.items():
            try:
                nlp.add_option(key, value)
            except (TypeError, ValueError):
                raise OptionError(f"ipopt:{key}", value, "a valid Ipopt option") from None
        from optarium.solvers.scip import stdout_to_stderr

        x0 = start(problem)
        best.offer(x0)  # a feasible start is kept from the first moment
        started = time.perf_counter()
        with stdout_to_stderr(), noting_ctrl_c() as ctrl_c:  # Ipopt's log (``solver_log``)
            log.debug("ipopt iterating (a Ctrl-C keeps the best feasible point: %s)", best.describe())
            x, info = nlp.solve(x0)
        seconds = time.perf_counter() - started
        if ctrl_c.pressed:
            return best.interrupted(seconds)
        code = int(info["status"])
        status = _IPOPT_STATUS.get(code, "error")
        message = "" if code in (0, 1) else f"Ipopt: {info['status_msg'].decode(errors='replace') if isinstance(info['status_msg'], bytes) else info['status_msg']}"
        point = np.asarray(x, dtype=np.float64)
        # from the point: Ipopt 3.11 stopped by its time limit reports an objective of 0
        objective = float(functions.sign * functions.value(point)) if np.isfinite(point).all() else None
        if status == "error" or not np.isfinite(point).all():
            return RawResult("error", None, None, None, str(code), seconds, message or "Ipopt failed")
        return RawResult(status, objective, None, point, str(code), seconds, message, extra={"global": False})


class ScipyLocal:
    """SciPy's SLSQP (sequential quadratic programming), a local optimum from one start.

    The time limit is checked after each iteration; at it, the best feasible iterate is the answer (``time_limit``).
    """

    name = "slsqp"
    is_global = False

    def version(self) -> str:
        import scipy

        return str(scipy.__version__)

    def solve(self, problem: NonlinearProgram, options: Any, plan: Plan | None = None) -> RawResult:
        from scipy.optimize import Bounds, minimize

        settings = options_or_default(options).with_plan(plan)
        functions = _Functions(problem)
        lower, upper = problem.bounds()
        constraints = _stacked(problem, functions.constraints)
        chosen: dict[str, Any] = {"maxiter": 1000, "ftol": 1e-10}
        chosen.update(settings.params)
        best = _BestFeasible(problem, functions)

        timed_out = False

        def iteration(x: NDArray[np.float64]) -> None:
            nonlocal timed_out
            best.offer(np.clip(np.asarray(x, dtype=np.float64), lower, upper))
            timed_out = settings.time_limit is not None and time.perf_counter() - started >= settings.time_limit
            if ctrl_c.pressed or timed_out:
                raise StopIteration  # SciPy ends the search here

        x0 = start(problem)
        best.offer(x0)  # a feasible start is kept from the first moment
        started = time.perf_counter()
        try:
            with noting_ctrl_c() as ctrl_c:
                log.debug("slsqp iterating (a Ctrl-C keeps the best feasible point: %s)", best.describe())
                result = minimize(functions.value, x0, jac=functions.gradient, method="SLSQP",
                                  bounds=Bounds(lower, upper), constraints=constraints, options=chosen, callback=iteration)
        except TypeError as error:
            raise OptionError("slsqp:params", settings.params, f"valid SLSQP options ({error})") from None
        seconds = time.perf_counter() - started
        if ctrl_c.pressed:
            return best.interrupted(seconds)
        point = np.clip(np.asarray(result.x, dtype=np.float64), lower, upper)
        if timed_out and best.point is not None:  # the best feasible iterate, not the last one
            point = best.point
        if not np.isfinite(point).all():
            return RawResult("error", None, None, None, str(result.status), seconds, f"SLSQP: {result.message}")
        status = "time_limit" if timed_out else "locally_optimal" if result.success else "feasible"
        message = ("SLSQP: stopped at the time limit" if timed_out else "" if result.success
                   else f"SLSQP: {result.message}")
        objective = functions.sign * functions.value(point)
        return RawResult(status, objective, None, point, str(result.status), seconds, message, extra={"global": False})

class _BestFeasible:
    """The best point offered that meets every bound and constraint (within the verifier's tolerance), for a Ctrl-C."""

    def __init__(self, problem: NonlinearProgram, functions: _Functions) -> None:
        self.functions = functions
        self.lower, self.upper = problem.bounds()
        self.con_lower = np.array([c.lower for c in problem.constraints], dtype=np.float64)
        self.con_upper = np.array([c.upper for c in problem.constraints], dtype=np.float64)
        self.point: NDArray[np.float64] | None = None
        self.value = np.inf  # minimised

    def offer(self, x: NDArray[np.float64], *, rows: NDArray[np.float64] | None = None, value: float | None = None) -> None:
        """Keep ``x`` if it is feasible and better than the point kept; ``rows`` and ``value``: already computed at ``x``."""
        if not np.isfinite(x).all() or (x < self.lower - FEASIBILITY_TOL).any() or (x > self.upper + FEASIBILITY_TOL).any():
            return
        if rows is None:
            rows = self.functions.constraint_values(x) if self.con_lower.size else self.con_lower
        if (rows < self.con_lower - FEASIBILITY_TOL).any() or (rows > self.con_upper + FEASIBILITY_TOL).any():
            return
        value = self.functions.value(x) if value is None else value
        if value < self.value:
            self.point, self.value = np.array(x, dtype=np.float64), value

    def describe(self) -> str:
        """The point kept, in words."""
        return "none yet" if self.point is None else f"objective {self.functions.sign * self.value:.10g}"

    def interrupted(self, seconds: float) -> RawResult:
        """The answer after a Ctrl-C: the point kept, or ``KeyboardInterrupt`` when there is none."""
        if self.point is None:
            raise KeyboardInterrupt  # nothing to keep
        return RawResult("interrupted", self.functions.sign * self.value, None, self.point, "interrupted", seconds,
                         extra={"global": False})


def _finite(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ipopt's convention: +-1e19 for no bound."""
    return np.clip(values, -1e19, 1e19)


def _stacked(problem: NonlinearProgram, compiled: Compiled) -> list[dict[str, Any]]:
    """SciPy's constraint dicts: equalities ``g(x) - c = 0`` and sides ``g(x) - l >= 0``, ``u - g(x) >= 0``."""
    lower = np.array([c.lower for c in problem.constraints], dtype=np.float64)
    upper = np.array([c.upper for c in problem.constraints], dtype=np.float64)
    equal = np.flatnonzero(lower == upper)
    below = np.flatnonzero(np.isfinite(lower) & (lower != upper))
    above = np.flatnonzero(np.isfinite(upper) & (lower != upper))
    out: list[dict[str, Any]] = []
    if equal.size:
        out.append({"type": "eq", "fun": lambda x: compiled.values(x)[equal] - lower[equal],
                    "jac": lambda x: compiled.jacobian(x)[equal]})
    if below.size or above.size:
        out.append({
            "type": "ineq",
            "fun": lambda x: np.concatenate([compiled.values(x)[below] - lower[below], upper[above] - compiled.values(x)[above]]),
            "jac": lambda x: np.vstack([compiled.jacobian(x)[below], -compiled.jacobian(x)[above]]),
        })
    return out
