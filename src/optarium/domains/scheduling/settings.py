"""The settings of a job-shop solve (``optarium schedule``), checked where they are built."""

from __future__ import annotations

from dataclasses import dataclass

from optarium.domains.scheduling.rules import RULES
from optarium.errors import OptionError
from optarium.settings import Settings, non_negative_int, positive

# what the user may ask for; "auto" lets the job-shop planner choose (today: cp)
METHODS = ("auto", "cp", "rule", "learned", "learned+cp")
# the backend each method runs ("rule" runs "rule:<rule>")
BACKENDS = {"cp": "cpsat", "rule": "rule", "learned": "learned", "learned+cp": "learned+cpsat"}


@dataclass(frozen=True)
class ScheduleSettings(Settings):
    """How to schedule a job shop.

    ``method``: auto, cp, rule, learned or learned+cp; ``time_limit``: seconds
    for CP-SAT (None: no limit); ``rule``: the dispatching rule of method
    ``rule``; ``threads``: CP-SAT workers (default: the cores, at most 8); ``seed``: CP-SAT's
    random seed; ``model``: a learned-rule file that wins over the store's
    ``jobshop.rule`` artifact and the shipped rule.
    """

    method: str = "auto"
    time_limit: float | None = 10.0
    rule: str = "mor"
    threads: int | None = None
    seed: int = 0
    model: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise OptionError("method", self.method, f"one of {', '.join(METHODS)}")
        positive("time_limit", self.time_limit, "a positive number of seconds")
        if not isinstance(self.rule, str) or self.rule.lower() not in RULES:
            raise OptionError("rule", self.rule, f"one of {', '.join(RULES)}")
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1):
            raise OptionError("threads", self.threads, "a positive integer")
        non_negative_int("seed", self.seed, 2**31)
