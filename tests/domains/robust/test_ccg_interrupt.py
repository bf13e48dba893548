"""Ctrl-C during column-and-constraint generation: the loop ends with the best decision so far, status interrupted."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from optarium.domains.robust.ccg import solve_ccg
from optarium.domains.robust.io import parse_capital_budgeting

from .conftest import capital_budgeting_text


@pytest.fixture
def at_a_terminal() -> Iterator[None]:
    """Python's own SIGINT handler, as at a terminal (a background job's test run inherits an ignored SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_once_a_decision_is_known_ends_the_loop_with_it(at_a_terminal: None) -> None:
    problem = parse_capital_budgeting(capital_budgeting_text(4, 2, seed=1))  # optimal at iteration 7, a decision at 5
    seen: list[float | None] = []

    def ctrl_c_at_the_first_decision(elapsed: float, incumbent: float | None, bound: float | None) -> None:
        seen.append(incumbent)
        if incumbent is not None and seen.count(None) == len(seen) - 1:
            signal.raise_signal(signal.SIGINT)

    result = solve_ccg(problem, time_limit=30, progress=ctrl_c_at_the_first_decision)
    assert result.status == "interrupted" and result.iterations == len(seen), seen
    assert result.x is not None and result.objective == seen[-1] and result.worst is not None


def test_ctrl_c_before_any_decision_is_passed_on(at_a_terminal: None) -> None:
    problem = parse_capital_budgeting(capital_budgeting_text(4, 2, seed=1))

    def ctrl_c_at_once(elapsed: float, incumbent: float | None, bound: float | None) -> None:
        assert incumbent is None
        signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        solve_ccg(problem, time_limit=30, progress=ctrl_c_at_once)
