"""The settings of a robust solve: method, time limit, seed, and a progress callback (not recorded).

``RobustSettings.from_file("robust.toml")`` reads ``method``, ``time_limit``,
``seed`` and ``samples`` from a TOML file; an unknown key, a wrong type or a value out of range
names the file and the key.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from optarium.errors import OptionError
from optarium.settings import Settings, non_negative_int

DEFAULT_TIME_LIMIT = 60.0
METHODS = ("exact", "learned")


@dataclasses.dataclass(frozen=True)
class RobustSettings(Settings):
    """``method``: ``exact`` (column-and-constraint generation, branch-and-price for the robust
    knapsack) or ``learned`` (Neur2RO); ``time_limit`` seconds for the method (verification comes
    after it); ``seed`` for the learned method.

    ``progress(elapsed, incumbent, bound)`` is called as the bounds move, in the
    problem's own sense.
    """

    method: str = "exact"
    time_limit: float = DEFAULT_TIME_LIMIT
    seed: int = 0
    samples: int | None = None
    progress: Callable[[float, float | None, float | None], None] | None = dataclasses.field(
        default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise OptionError("method", self.method, f"one of {', '.join(METHODS)}")
        if isinstance(self.time_limit, bool) or not (isinstance(self.time_limit, int | float) and self.time_limit > 0
                                                     and math.isfinite(self.time_limit)):
            raise OptionError("time_limit", self.time_limit, "a positive number of seconds")
        non_negative_int("seed", self.seed)
        if self.samples is not None and (isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 10):
            raise OptionError("samples", self.samples, "an integer of at least 10")

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in super().to_dict().items() if key != "progress"}

    def recorded(self) -> dict[str, Any]:
        """What a run keeps of these settings (``samples`` only when set: the learned method's training pairs)."""
        kept: dict[str, Any] = {"time_limit": self.time_limit, "seed": self.seed}
        return kept if self.samples is None else {**kept, "samples": self.samples}
