"""Checked settings of a bilevel solve (Python names; the CLI maps its flags onto them)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from optarium.errors import OptionError


@dataclass(frozen=True)
class BilevelSettings:
    """``time_limit``: seconds for the whole method (None: no limit); ``max_rounds``: most master
    solves of the value-function method; ``box``: the bound put on unbounded leader variables when
    a method must tell an unbounded problem from an infeasible one."""

    time_limit: float | None = 60.0
    max_rounds: int = 10_000
    box: float = 1e4

    def __post_init__(self) -> None:
        if self.time_limit is not None and not (math.isfinite(self.time_limit) and self.time_limit > 0):
            raise OptionError("time_limit", self.time_limit, "a positive number of seconds or None")
        if not isinstance(self.max_rounds, int) or self.max_rounds < 1:
            raise OptionError("max_rounds", self.max_rounds, "a positive integer")
        if not (math.isfinite(self.box) and self.box > 0):
            raise OptionError("box", self.box, "a positive finite number")

    def replace(self, **changes: Any) -> BilevelSettings:
        """A copy with the given values changed; None leaves a value as it is."""
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def recorded(self) -> dict[str, Any]:
        return asdict(self)
