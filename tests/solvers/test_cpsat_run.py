"""The one CP-SAT runner: one status map for the MILP backend and the job shop."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import optarium
from optarium.domains.scheduling.solve import solve_jobshop
from optarium.errors import OptionError
from optarium.problem import MathProgram
from optarium.solvers.cpsat_run import STATUS, status_of

STOP_EARLY = {"stop_after_first_solution": True, "num_workers": 1, "cp_model_presolve": False}


def test_every_cp_sat_status_maps_once() -> None:
    assert STATUS == {"OPTIMAL": "optimal", "FEASIBLE": "time_limit", "INFEASIBLE": "infeasible",
                      "UNKNOWN": "time_limit", "MODEL_INVALID": "error"}
    assert status_of("SOMETHING_NEW") == "error"


def _knapsack(items: int = 40) -> MathProgram:
    rng = np.random.default_rng(3)
    weights = rng.integers(1000, 6000, items)
    values = weights + rng.integers(0, 1000, items)
    return MathProgram.from_arrays(c=-values, A_ub=[weights], b_ub=[int(weights.sum() // 2)], bounds=(0, 1),
                                   integrality=[1] * items, name="knapsack")


def test_feasible_maps_to_time_limit_with_a_point_for_the_milp_backend_and_the_job_shop() -> None:
    milp = optarium.solve(_knapsack(), solver="cpsat", record=False, **STOP_EARLY)
    shop = solve_jobshop("ta01", "cp", params=STOP_EARLY, record=False)
    for solution in (milp, shop):
        assert solution.solver_status == "FEASIBLE", solution.message
        assert solution.status == "time_limit" and solution.verified
        assert solution.bound is not None and solution.objective is not None
    assert shop.extra["incumbents"] and shop.extra["incumbents"][0][1] == shop.objective
    assert "ortools" not in sys.modules


def test_optimal_and_infeasible_map_the_same_for_both() -> None:
    infeasible = MathProgram.from_arrays(c=[1, 1], A_ub=[[1, 1]], b_ub=[-1], bounds=(0, 5), integrality=[1, 1])
    assert optarium.solve(infeasible, solver="cpsat", record=False).status == "infeasible"
    assert solve_jobshop("ft06", "cp", threads=2, record=False).status == "optimal"


def test_an_unknown_cp_sat_parameter_is_named_for_both() -> None:
    with pytest.raises(OptionError, match="cpsat:no_such_parameter"):
        optarium.solve(_knapsack(5), solver="cpsat", record=False, no_such_parameter=1)
    with pytest.raises(OptionError, match="cpsat:no_such_parameter"):
        solve_jobshop("ft06", "cp", params={"no_such_parameter": 1}, record=False)
