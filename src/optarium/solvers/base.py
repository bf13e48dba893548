"""What every solver backend provides, and the checked options they take."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from optarium.errors import OptionError
from optarium.kinds import RawResult

if TYPE_CHECKING:

    from optarium.plan import Plan
    from optarium.problem.program import MathProgram


@dataclass(frozen=True)
class Capabilities:
    """What a backend accepts, as data; ``plan`` and ``check`` read nothing else."""

    continuous: bool
    integer: bool
    quadratic_objective: bool
    quadratic_with_integer: bool
    semi_continuous: bool = False

    def missing(self, problem: MathProgram) -> str | None:
        """Why this backend cannot take ``problem``, or None if it can."""
        features = problem.features()
        if features["n_continuous"] and not self.continuous:
            return f"continuous variables ({features['n_continuous']} in this {features['problem_class']})"
        if features["n_integer"] and not self.integer:
            return "integer variables"
        if problem.Q is not None and not self.quadratic_objective:
            return "a quadratic objective"
        if problem.Q is not None and features["n_integer"] and not self.quadratic_with_integer:
            return "a quadratic objective with integer variables"
        if problem.n_semi and not self.semi_continuous:
            return f"semi-continuous variables ({problem.n_semi} in this {features['problem_class']})"
        return None


@dataclass(frozen=True)
class Progress:
    """A progress report from a running solve."""

    elapsed: float
    incumbent: float | None
    bound: float | None
    gap: float | None


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class SolveOptions:
    """Options every backend understands; ``params`` are passed to the backend as they are.

    ``solver_log`` asks the backend to show its own log on standard error (never standard output).
    ``start`` is a hint (variable name -> value, all or some variables) for the backends that take one
    (HiGHS, SCIP); never trusted: the answer is verified as every answer is.
    """

    time_limit: float | None = None
    rel_gap: float | None = None
    threads: int | None = None
    seed: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    progress: ProgressCallback | None = None
    solver_log: bool = False
    start: dict[str, float] | None = None

    def __post_init__(self) -> None:
        if self.time_limit is not None and not (self.time_limit > 0 and math.isfinite(self.time_limit)):
            raise OptionError("time_limit", self.time_limit, "a positive number of seconds")
        if self.rel_gap is not None and not (0 <= self.rel_gap < 1):
            raise OptionError("rel_gap", self.rel_gap, "in [0, 1)")
        if self.threads is not None and not (isinstance(self.threads, int) and self.threads >= 1):
            raise OptionError("threads", self.threads, "a positive integer")
        if self.seed is not None and not (isinstance(self.seed, int) and 0 <= self.seed < 2**31):
            raise OptionError("seed", self.seed, "an integer in [0, 2**31)")

    def with_plan(self, plan: Plan | None) -> SolveOptions:
        """These options with the plan's parameters underneath the user's own."""
        if plan is None or not plan.params:
            return self
        from dataclasses import replace

        return replace(self, params={**plan.params, **self.params})

    def backend_settings(self, names: dict[str, str]) -> dict[str, Any]:
        """The options set, under the backend's parameter names, with ``params`` laid over them.

        ``names`` maps ``time_limit``, ``rel_gap``, ``threads`` and ``seed`` to the backend's own
        parameters; an option it leaves out is not passed on.
        """
        settings: dict[str, Any] = {}
        for option, convert in (("time_limit", float), ("rel_gap", float), ("threads", int), ("seed", int)):
            value = getattr(self, option)
            if value is not None and option in names:
                settings[names[option]] = convert(value)
        settings.update(self.params)
        return settings

    def recorded(self) -> dict[str, Any]:
        """The options as the store keeps them (a start as its size and a digest of its values)."""
        kept = {
            "time_limit": self.time_limit,
            "rel_gap": self.rel_gap,
            "threads": self.threads,
            "seed": self.seed,
            "params": {key: _plain(value) for key, value in self.params.items()},
        }
        if self.start is not None:
            import hashlib
            import json

            text = json.dumps(sorted(self.start.items())).encode()
            kept["start"] = {"variables": len(self.start), "sha256": hashlib.sha256(text).hexdigest()[:16]}
        return kept


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


class Backend(Protocol):
    """A solver backend: a name, capabilities as data, a version and ``solve``."""

    name: str
    capabilities: Capabilities

    def version(self) -> str: ...

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult: ...


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / max(1e-10, |objective|)``, the usual MIP gap."""
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return abs(objective - bound) / max(1e-10, abs(objective))
