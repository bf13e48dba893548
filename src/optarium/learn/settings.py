"""Checked settings of the learning commands: instance generation, tuning and stream solving.

Each class has ``from_file`` (TOML, see :class:`optarium.settings.Settings`): an unknown key, a
wrong type or a value out of range names the file and the key. The instances themselves (a
family, a folder, files) are no settings; they are arguments of the call.
"""

from __future__ import annotations

import dataclasses

from optarium.errors import OptionError
from optarium.settings import Settings, non_negative_int, positive, positive_int


def _one_of(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise OptionError(name, value, f"one of {', '.join(choices)}")


@dataclasses.dataclass(frozen=True)
class GenerateSettings(Settings):
    """How instances of a family are made (``write_instances``): ``n`` files, base ``seed``, ``difficulty``."""

    n: int = 10
    seed: int = 0
    difficulty: str = "easy"

    def __post_init__(self) -> None:
        from optarium.learn.generators import DIFFICULTIES

        positive_int("n", self.n)
        non_negative_int("seed", self.seed)
        _one_of("difficulty", self.difficulty, DIFFICULTIES)


@dataclasses.dataclass(frozen=True)
class TuneSettings(Settings):
    """How a backend is tuned (``optarium.learn.tune.tune``); ``budget`` has no default and must be given."""

    solver: str = "highs"
    budget: int | None = None
    time_cap: float = 10.0
    seed: int = 0
    sampler: str = "auto"
    threads: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.solver, str) or not self.solver:
            raise OptionError("solver", self.solver, "the name of a backend")
        positive_int("budget", self.budget, "a positive number of capped training runs")
        positive("time_cap", self.time_cap, "a positive number of seconds")
        non_negative_int("seed", self.seed)
        if not isinstance(self.sampler, str) or not self.sampler:
            raise OptionError("sampler", self.sampler, "the name of a sampler")
        positive_int("threads", self.threads, "a positive number of threads")


@dataclasses.dataclass(frozen=True)
class StreamSettings(Settings):
    """How a stream of instances is solved (``optarium.learn.stream.solve_stream``)."""

    policy: str = "thompson"
    time_cap: float = 60.0
    seed: int = 0
    learning_rate: float = 8.0
    exploration: float = 4.0
    compare: bool = False
    threads: int | None = None
    history: str | None = None

    def __post_init__(self) -> None:
        from optarium.learn.stream import POLICIES

        _one_of("policy", self.policy, POLICIES)
        positive("time_cap", self.time_cap, "a positive number of seconds")
        non_negative_int("seed", self.seed)
        positive("learning_rate", self.learning_rate)
        positive("exploration", self.exploration)
        positive_int("threads", self.threads, "a positive number of threads")
        if self.history is not None and (not self.history.strip() or any(char.isspace() for char in self.history)):
            raise OptionError("history", self.history, "a name without spaces")
        if self.history is not None and self.policy != "thompson":
            raise OptionError("history", self.history, f"left out with the {self.policy} policy (only thompson goes "
                                                       "on from an earlier stream)")
