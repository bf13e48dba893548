"""The settings of a routing solve: budget, seed, warm start and its experiment knobs.

``RouteSettings.from_file("route.toml")`` reads a TOML file whose top level
holds the solve settings and whose ``[warm]`` table holds
:class:`WarmStartOptions`; an unknown key, a wrong type or a value out of
range names the file and the key (``warm.neighbours`` for the table's keys).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from optarium.errors import OptionError, SettingsFileError
from optarium.settings import Settings, non_negative_int, positive, positive_int

DEFAULT_TIME_LIMIT = 10.0
# the defaults the warm start was measured with (docs/routing.md)
NEIGHBOURS = 40
LEARNED_NEIGHBOURS = 30
STARTS = 4
FLEET_SHARE = 1 / 6


@dataclasses.dataclass(frozen=True)
class WarmStartOptions(Settings):
    """How the learned warm start is used (the defaults are those of ``warm_start=True``).

    ``neighbourhood``: search the learned granular neighbourhood; ``nearest``:
    the ``neighbours`` nearest clients instead (a control); ``neighbours``: its
    size; ``starts``: learned starts tried; ``candidates``: nearest clients per
    client the edge policy scores; ``fleet_share``: the share of the budget
    searched with the learned route count (0 turns it off).
    """

    neighbourhood: bool = True
    nearest: bool = False
    neighbours: int = LEARNED_NEIGHBOURS
    starts: int = STARTS
    candidates: int = NEIGHBOURS
    fleet_share: float = FLEET_SHARE

    def __post_init__(self) -> None:
        positive_int("neighbours", self.neighbours)
        positive_int("starts", self.starts)
        positive_int("candidates", self.candidates)
        if isinstance(self.fleet_share, bool) or not (0 <= self.fleet_share < 1 and math.isfinite(self.fleet_share)):
            raise OptionError("fleet_share", self.fleet_share, "a share in [0, 1)")


@dataclasses.dataclass(frozen=True)
class RouteSettings(Settings):
    """One routing solve: the budget is ``time_limit`` seconds and/or ``iterations``
    search iterations, whichever ends first (neither given: 10 seconds).

    The same ``seed`` and iteration budget give the same routes; ``warm_start``
    starts from the edge policy learned from stored runs, used as ``warm`` says.
    """

    time_limit: float | None = None
    iterations: int | None = None
    seed: int = 0
    warm_start: bool = False
    warm: WarmStartOptions = dataclasses.field(default_factory=WarmStartOptions)
    # called with a Progress (elapsed seconds, cost) each time the search finds a better solution
    progress: Callable[[Any], None] | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        positive("time_limit", self.time_limit, "a positive number of seconds")
        positive_int("iterations", self.iterations)
        non_negative_int("seed", self.seed)
        non_negative_int("seed", self.seed, 2**31)  # PyVRP takes a 32-bit seed; the range of every other seed
        if not isinstance(self.warm, WarmStartOptions):
            raise OptionError("warm", self.warm, "a WarmStartOptions")

    @property
    def budget_seconds(self) -> float | None:
        """The time limit the search runs under (the default when no budget is given)."""
        if self.time_limit is None and self.iterations is None:
            return DEFAULT_TIME_LIMIT
        return self.time_limit

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "settings",
                  overrides: dict[str, Any] | None = None) -> RouteSettings:
        """Build from a mapping whose ``warm`` entry, if any, is a table of :class:`WarmStartOptions`;
        ``overrides`` as in :meth:`Settings.from_dict`."""
        data = dict(data)
        warm = data.pop("warm", None)
        settings = super().from_dict(data, source=source, overrides=overrides)
        if warm is None:
            return settings
        if not isinstance(warm, dict):
            raise SettingsFileError(source, "warm", f"must be a table, got {warm!r}")
        try:
            options = WarmStartOptions.from_dict(warm, source=source)
        except SettingsFileError as error:
            raise SettingsFileError(source, f"warm.{error.key}", error.problem) from None
        return dataclasses.replace(settings, warm=options)

    def to_dict(self) -> dict[str, Any]:
        kept = {key: value for key, value in super().to_dict().items() if key != "progress"}
        return {**kept, "warm": self.warm.to_dict()}

    def recorded(self) -> dict[str, Any]:
        """What a run keeps of these settings (the warm options only with a warm start)."""
        kept = {"time_limit": self.time_limit, "iterations": self.iterations, "seed": self.seed,
                "warm_start": self.warm_start}
        return {**kept, "warm": self.warm.to_dict()} if self.warm_start else kept
