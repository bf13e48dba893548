"""The HiGHS backend: the reader's model solved once in place, and thread counts within HiGHS's one pool per process."""

from __future__ import annotations

from pathlib import Path

import pytest

from optarium.flow import solve_problem
from optarium.problem.io import read_problem
from optarium.problem.program import READ_MODEL
from optarium.solvers.base import SolveOptions

MIP = Path(__file__).resolve().parents[1] / "data" / "mip"


@pytest.mark.parametrize("name", ["afiro.mps", "flugpl.mps.gz", "2122.lp.gz"])
def test_the_readers_model_is_solved_once_and_a_second_solve_gives_the_same_verified_answer(name: str) -> None:
    problem = read_problem(MIP / name, keep_model=True)
    assert READ_MODEL in problem._cache
    first = solve_problem(problem, solver="highs", options=SolveOptions(), record=False)
    assert READ_MODEL not in problem._cache  # never handed out twice: a solved HiGHS would start warm
    second = solve_problem(problem, solver="highs", options=SolveOptions(), record=False)
    assert first.status == second.status == "optimal" and first.verified and second.verified
    assert first.objective == pytest.approx(second.objective, rel=1e-9)


def test_a_plain_read_keeps_no_solver_model() -> None:
    assert READ_MODEL not in read_problem(MIP / "afiro.mps")._cache


def test_a_problem_sent_to_another_process_leaves_the_solver_model_behind() -> None:
    import pickle

    problem = read_problem(MIP / "afiro.mps", keep_model=True)
    copy = pickle.loads(pickle.dumps(problem))
    assert READ_MODEL not in copy._cache and READ_MODEL in problem._cache
    assert copy.fingerprint() == problem.fingerprint()


def test_a_thread_count_after_another_solve_in_the_same_process_still_solves() -> None:
    """HiGHS sizes one thread pool per process at its first solve; a later threads=N must still work."""
    import subprocess
    import sys

    code = (
        "import optarium\n"
        "first = optarium.solve('examples/knapsack.lp', record=False)\n"
        "one = optarium.solve('examples/knapsack.lp', record=False, threads=1)\n"
        "two = optarium.solve('examples/knapsack.lp', record=False, threads=2)\n"
        "print(first.status, one.status, two.status, one.objective == first.objective)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["optimal", "optimal", "optimal", "True"]
