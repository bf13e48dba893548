"""The settings of a robust solve: time limit, seed, and a progress callback (not recorded)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from optarium.errors import OptionError

DEFAULT_TIME_LIMIT = 60.0


@dataclass(frozen=True)
class RobustSettings:
    """``time_limit`` seconds for the method (verification comes after it); ``seed`` for the learned method.

    ``progress(elapsed, incumbent, bound)`` is called as the bounds move, in the
    problem's own sense.
    """

    time_limit: float = DEFAULT_TIME_LIMIT
    seed: int = 0
    progress: Callable[[float, float | None, float | None], None] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.time_limit, bool) or not (isinstance(self.time_limit, int | float) and self.time_limit > 0
                                                     and math.isfinite(self.time_limit)):
            raise OptionError("time_limit", self.time_limit, "a positive number of seconds")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise OptionError("seed", self.seed, "a non-negative integer")

    def replace(self, **changes: Any) -> RobustSettings:
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def recorded(self) -> dict[str, Any]:
        return {"time_limit": self.time_limit, "seed": self.seed}
