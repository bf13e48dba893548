"""A stream holding an instance some configurations' backends cannot take: the policy picks among those that can."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from optarium.errors import OptionError
from optarium.learn.stream import POLICIES, Config, solve_stream
from optarium.problem.program import MathProgram
from optarium.store.base import open_store

ARMS = [Config("highs defaults", "highs"), Config("highs presolve off", "highs", {"presolve": "off"}),
        Config("scip defaults", "scip")]


def program(name: str, *, integer: bool, quadratic: bool) -> MathProgram:
    """min x + y (+ x² + y²) with x + y >= 1, x integer or not."""
    return MathProgram.build(np.ones(2), sp.csr_matrix(np.ones((1, 2))), np.array([1.0]), np.array([np.inf]),
                             np.zeros(2), np.full(2, 5.0), np.array([integer, False]),
                             Q=sp.identity(2, format="csr") * 2.0 if quadratic else None, name=name)


@pytest.mark.parametrize("policy", POLICIES)
def test_an_instance_highs_cannot_take_goes_to_a_configuration_that_can(policy: str, tmp_path: Path) -> None:
    stream = [program("lp", integer=True, quadratic=False), program("miqp", integer=True, quadratic=True),
              program("qp", integer=False, quadratic=True)]
    result = solve_stream(stream, policy, store=f"sqlite:///{tmp_path / 's.db'}", configs=ARMS, time_cap=10)
    assert [row["status"] for row in result.rows] == ["optimal"] * 3, result.rows
    miqp = result.rows[1]
    assert miqp["config"] == "scip defaults" and "1 of 3 configurations can take this instance" in miqp["reason"]


def test_an_instance_no_configuration_can_take_stops_the_stream_before_any_solve(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    stream = [program("lp", integer=True, quadratic=False), program("miqp", integer=True, quadratic=True)]
    with pytest.raises(OptionError, match="miqp"):
        solve_stream(stream, store=url, configs=ARMS[:2], time_cap=10)
    assert open_store(url).list_runs(limit=5) == []
