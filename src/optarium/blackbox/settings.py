"""The settings of a study, checked where they are built; ``from_file`` reads them from TOML.

A study file may hold the space too, as a ``[space]`` table::

    sampler = "auto"
    direction = "maximize"
    budget = 30
    [space.temperature]
    type = "float"
    low = 20
    high = 100
"""

from __future__ import annotations

import dataclasses
from typing import Any

from optarium.errors import OptionError
from optarium.settings import Settings

DIRECTIONS = ("minimize", "maximize")
FEEDBACKS = ("value", "ranking")


def check_directions(directions: Any) -> list[str]:
    """``directions`` as a list, each 'minimize' or 'maximize'; :class:`OptionError` otherwise."""
    if isinstance(directions, str) or not isinstance(directions, list | tuple) or not directions:
        raise OptionError("directions", directions, "a non-empty list of 'minimize' and 'maximize'")
    for direction in directions:
        if direction not in DIRECTIONS:
            raise OptionError("directions", list(directions), "a list of 'minimize' and 'maximize' only")
    return list(directions)


@dataclasses.dataclass(frozen=True)
class StudySettings(Settings):
    """How a study samples and what it optimizes; ``space`` is a space definition (see :class:`Space`)."""

    sampler: str = "auto"
    direction: str = "minimize"
    directions: list[str] | None = None  # two or more for a multi-objective study
    seed: int | None = None
    budget: int | None = None
    feedback: str = "value"
    space: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        from optarium.blackbox.samplers import sampler_names

        if self.sampler not in sampler_names():
            raise OptionError("sampler", self.sampler, "one of " + ", ".join(sampler_names()))
        if self.direction not in DIRECTIONS:
            raise OptionError("direction", self.direction, "'minimize' or 'maximize'")
        if self.directions is not None:
            check_directions(self.directions)
            if self.feedback == "ranking" and len(self.directions) > 1:
                raise OptionError("feedback", self.feedback, "'value' for a study with several objectives")
        if self.feedback not in FEEDBACKS:
            raise OptionError("feedback", self.feedback, "'value' or 'ranking'")
        if self.budget is not None and (isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 1):
            raise OptionError("budget", self.budget, "a positive integer")
        seed = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
            raise OptionError("seed", seed, "an integer in [0, 2^31)")
        if self.space is not None:
            from optarium.blackbox.errors import SpaceError
            from optarium.blackbox.space import Space

            try:
                Space.from_dict(self.space)
            except SpaceError as error:
                raise OptionError("space", self.space, f"a valid space definition ({error})") from None
