"""Small robust problems that tests in several folders build (imported as ``..domains.robust.problems``)."""

from __future__ import annotations

from optarium.domains.robust import RobustBuilder


def short(upper: float, at_least: float | None = None) -> RobustBuilder:
    """Buy ``x <= 3`` now and ``y <= upper`` later (cost ``x + 3y``) to cover a demand between 0 and 6.

    The recourse fails for a demand above ``3 + upper``; ``at_least`` adds the first-stage row
    ``x >= at_least`` (above 3, no first-stage decision satisfies it).
    """
    b = RobustBuilder("short")
    x = b.first_stage(1, "x", upper=3, vtype="integer")
    y = b.recourse(1, "y", upper=upper, vtype="integer")
    xi = b.uncertain(1, "demand", lower=0, upper=6)
    b.objective(x[0] + 3 * y[0])
    b.constrain(x[0] + y[0], ">=", xi[0])
    if at_least is not None:
        b.constrain(x[0], ">=", at_least)
    return b
