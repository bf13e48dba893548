"""Checked settings of a bilevel solve (Python names; the CLI maps its flags onto them).

``BilevelSettings.from_file("bilevel.toml")`` reads ``method``, ``time_limit``,
``max_rounds`` and ``box`` from a TOML file; an unknown key, a wrong type or a
value out of range names the file and the key.
"""

from __future__ import annotations

import dataclasses
import math

from optarium.errors import OptionError
from optarium.settings import Settings, positive

METHODS = ("auto", "kkt", "valuefunction")


@dataclasses.dataclass(frozen=True)
class BilevelSettings(Settings):
    """``method``: ``auto`` (KKT for a continuous follower, value-function cuts for an integer
    one), ``kkt`` or ``valuefunction``; ``time_limit``: seconds for the whole method (None: no
    limit); ``max_rounds``: most master solves of the value-function method; ``box``: the bound
    put on unbounded leader variables when a method must tell an unbounded problem from an
    infeasible one."""

    method: str = "auto"
    time_limit: float | None = 60.0
    max_rounds: int = 10_000
    box: float = 1e4

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise OptionError("method", self.method, f"one of {', '.join(METHODS)}")
        positive("time_limit", self.time_limit, "a positive number of seconds")
        if isinstance(self.max_rounds, bool) or not isinstance(self.max_rounds, int) or self.max_rounds < 1:
            raise OptionError("max_rounds", self.max_rounds, "a positive integer")
        if isinstance(self.box, bool) or not (math.isfinite(self.box) and self.box > 0):
            raise OptionError("box", self.box, "a positive finite number")
