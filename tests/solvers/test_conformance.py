"""Every installed backend solves the same small problems with the same answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import optarium
from optarium import kinds
from optarium.errors import OptionError, SolverCapabilityError, SolverUnavailableError
from optarium.flow import attempt
from optarium.plan import Plan
from optarium.plan import rules as plan
from optarium.problem import MathProgram, read_problem
from optarium.solvers import registry
from optarium.solvers.base import Capabilities, RawResult, SolveOptions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass(frozen=True)
class Case:
    name: str
    problem: MathProgram
    status: str
    objective: float | None


def cases() -> list[Case]:
    lp = MathProgram.from_arrays(c=[-1, -1], A_ub=[[1, 2], [3, 1]], b_ub=[4, 6], name="lp")
    milp = MathProgram.from_arrays(c=[-5, -4, -3], A_ub=[[2, 3, 1], [4, 1, 2], [3, 4, 2]], b_ub=[5, 11, 8],
                                   bounds=(0, 10), integrality=[1, 1, 1], name="milp")
    mixed = MathProgram.from_arrays(c=[-1, -1], A_ub=[[2, 1], [1, 2]], b_ub=[5, 5], integrality=[1, 0], name="mixed")
    infeasible = MathProgram.from_arrays(c=[1, 1], A_ub=[[1, 1]], b_ub=[-1], bounds=(0, 5), integrality=[1, 1], name="infeasible")
    unbounded = MathProgram.from_arrays(c=[-1, 0], A_ub=[[1, -1]], b_ub=[2], bounds=(0, None), integrality=[1, 1], name="unbounded")
    unbounded_lp = MathProgram.from_arrays(c=[-1, 0], A_ub=[[1, -1]], b_ub=[2], bounds=(0, None), name="unbounded_lp")
    qp = MathProgram.from_arrays(c=[-1, -1], A_ub=[[1, 1]], b_ub=[1], bounds=(0, None), Q=sp.csr_matrix(np.eye(2)), name="qp")
    maxed = MathProgram.from_arrays(c=[3, 2], A_ub=[[1, 1], [1, 3]], b_ub=[4, 6], bounds=[(0, None), (0, 3)],
                                    integrality=[1, 1], sense="max", name="max")
    return [
        Case("lp", lp, "optimal", -2.8),
        Case("milp", milp, "optimal", -13.0),
        Case("mixed", mixed, "optimal", -3.0),
        Case("max", maxed, "optimal", 12.0),
        Case("infeasible", infeasible, "infeasible", None),
        Case("unbounded", unbounded, "unbounded", None),
        Case("unbounded_lp", unbounded_lp, "unbounded", None),
        Case("qp", qp, "optimal", -0.75),
        Case("knapsack_file", read_problem(EXAMPLES / "knapsack.lp"), "optimal", 32.0),
        Case("infeasible_file", read_problem(EXAMPLES / "infeasible.lp"), "infeasible", None),
    ]


CASES = {case.name: case for case in cases()}


@pytest.mark.parametrize("backend_name", registry.installed())
@pytest.mark.parametrize("case_name", list(CASES))
def test_backend_gives_the_common_answer_or_refuses_clearly(backend_name: str, case_name: str) -> None:
    case = CASES[case_name]
    backend = registry.get(backend_name)
    if backend.capabilities.missing(case.problem) is not None:
        with pytest.raises(SolverCapabilityError) as refused:
            registry.check(backend, case.problem)
        assert refused.value.alternatives, "a refusal must name a backend that can take the problem"
        return
    solution = optarium.solve(case.problem, solver=backend_name, record=False)
    assert solution.status == case.status, solution.message
    if case.objective is not None:
        assert solution.verified
        assert solution.objective == pytest.approx(case.objective, rel=1e-5, abs=1e-6)
        assert solution.verification is not None
        assert solution.verification.objective == pytest.approx(case.objective, rel=1e-5, abs=1e-6)


def test_all_three_backends_are_installed_here() -> None:
    assert set(registry.installed()) == {"highs", "scip", "cpsat"}


def test_capabilities_are_data() -> None:
    for name in registry.installed():
        assert isinstance(registry.get(name).capabilities, Capabilities)
    assert not registry.get("cpsat").capabilities.continuous


def test_duplicate_backend_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register("highs", "optarium.solvers.highs", "HighsBackend", "highspy")


def test_unknown_solver_is_named() -> None:
    with pytest.raises(SolverUnavailableError, match="unknown solver 'gurobi'"):
        optarium.solve(CASES["lp"].problem, solver="gurobi", record=False)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [({"time_limit": 0}, "time_limit"), ({"rel_gap": 2.0}, "rel_gap"), ({"threads": 0}, "threads"), ({"seed": -1}, "seed")],
)
def test_options_out_of_range_are_refused(kwargs: dict, option: str) -> None:
    with pytest.raises(OptionError, match=option):
        optarium.solve(CASES["lp"].problem, record=False, **kwargs)


def test_unknown_passthrough_parameter_is_refused() -> None:
    with pytest.raises(OptionError, match="highs:no_such_option"):
        optarium.solve(CASES["lp"].problem, solver="highs", record=False, no_such_option=1)


def test_passthrough_parameters_reach_the_backend() -> None:
    solution = optarium.solve(CASES["milp"].problem, solver="highs", record=False, presolve="off")
    assert solution.status == "optimal"
    scip = optarium.solve(CASES["milp"].problem, solver="scip", record=False, **{"presolving/maxrounds": 0})
    assert scip.objective == pytest.approx(-13.0)


@pytest.mark.parametrize(
    ("case_name", "solver", "why"),
    [("lp", "highs", "LP"), ("milp", "highs", "MILP"), ("qp", "highs", "QP")],
)
def test_auto_plan_picks_by_class_and_says_why(case_name: str, solver: str, why: str) -> None:
    chosen = plan.choose(CASES[case_name].problem)
    assert chosen.solver == solver
    assert chosen.reason.startswith(why)


def test_auto_plan_sends_miqp_to_scip() -> None:
    miqp = MathProgram.from_arrays(c=[-1, -1], A_ub=[[1, 1]], b_ub=[3], bounds=(0, 3), integrality=[1, 1],
                                   Q=sp.csr_matrix(np.eye(2)))
    chosen = plan.choose(miqp)
    assert chosen.solver == "scip"
    solution = optarium.solve(miqp, record=False)
    assert solution.status == "optimal" and solution.objective == pytest.approx(-1.0)


class LyingBackend:
    """A backend that claims optimality for a point that breaks a constraint."""

    name = "liar"
    capabilities = Capabilities(True, True, False, False)

    def version(self) -> str:
        return "0"

    def solve(self, problem: MathProgram, options: SolveOptions, plan: Plan | None = None) -> RawResult:
        x = np.full(problem.n_vars, 100.0)
        return RawResult("optimal", problem.objective_value(x), None, x, "claimed")


def test_an_answer_that_fails_verification_is_never_optimal() -> None:
    problem = CASES["lp"].problem
    solution = attempt(kinds.of(problem), problem, LyingBackend(), SolveOptions(), Plan("liar", source="user"))
    assert solution.status == "error"
    assert not solution.verified
    assert "failed verification" in solution.message


def test_cross_check_confirms_an_infeasibility_claim() -> None:
    solution = optarium.solve(CASES["infeasible"].problem, cross_check=True, record=False)
    assert solution.status == "infeasible"
    assert solution.cross_check is not None and solution.cross_check["agree"] is True
    assert solution.cross_check["solver"] == "scip"


def test_time_limit_returns_the_best_point_found() -> None:
    solution = optarium.solve(DATA / "mip" / "dcmulti.mps.gz", solver="scip", time_limit=0.05, record=False)
    assert solution.status in ("time_limit", "optimal")
    if solution.objective is not None:
        assert solution.verified


def test_cross_check_replaces_a_wrong_optimum_with_a_better_verified_one() -> None:
    """HiGHS alone stops at 2.82e12 on this Bench4Opt LP; SCIP finds the labelled optimum 5.889e11."""
    model = DATA / "nl" / "models" / "bench4opt_lp" / "production_planning_problem_water_treatment_var3.lp"
    alone = optarium.solve(model, solver="highs", record=False)
    checked = optarium.solve(model, solver="highs", cross_check=True, record=False)
    assert alone.objective == pytest.approx(2.8223e12, rel=1e-3)
    assert checked.cross_check is not None and checked.cross_check["agree"] is False
    assert checked.solver == "scip" and checked.verified
    assert checked.objective == pytest.approx(5.88895539877e11, rel=1e-6)
    assert "better verified answer" in checked.message
