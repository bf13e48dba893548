"""Ipopt and SLSQP stopped by their time limit: a point reported with its own objective and verified."""

from __future__ import annotations

from pathlib import Path

import optarium


def test_ipopt_at_its_time_limit_reports_the_objective_of_its_point(chain_nl: Path) -> None:
    solution = optarium.solve(chain_nl, solver="ipopt", time_limit=0.5, record=False)
    assert solution.status == "time_limit" and solution.verified, solution.message
    assert solution.verification is not None and solution.objective == solution.verification.objective


def test_slsqp_stops_at_its_time_limit_with_its_best_feasible_iterate(chain_nl: Path) -> None:
    solution = optarium.solve(chain_nl, solver="slsqp", time_limit=0.5, record=False)  # over 10 s without a limit
    assert solution.status == "time_limit" and solution.verified, solution.message
