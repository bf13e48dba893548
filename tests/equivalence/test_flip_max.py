"""``flip_max`` (``optarium equiv --flip-max``): max c·x + k and min -c·x - k are one problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp
from typer.testing import CliRunner

from optarium.cli.main import app
from optarium.equivalence import check_equivalence
from optarium.problem.io import read_problem
from optarium.problem.program import MathProgram

MAXIMISE = """Maximize
 obj: 3 x + 2 y + [ - x^2 ] / 2 + 5
Subject To
 c1: x + y <= 4
 c2: x + 3 y <= 6
Bounds
 x <= 3
End
"""
MINIMISE = """Minimize
 cost: - 2 b - 3 a + [ a^2 ] / 2 - 5
Subject To
 second: a + 3 b <= 6
 first: a + b <= 4
Bounds
 a <= 3
End
"""


def test_a_maximisation_and_the_minimisation_of_its_negation_are_equivalent_with_flip_max(tmp_path: Path) -> None:
    (tmp_path / "max.lp").write_text(MAXIMISE)
    (tmp_path / "min.lp").write_text(MINIMISE)
    a, b = read_problem(tmp_path / "max.lp"), read_problem(tmp_path / "min.lp")
    assert check_equivalence(a, b).verdict == "not_equivalent"
    result = check_equivalence(a, b, flip_max=True)
    assert (result.verdict, result.normalisations) == ("equivalent", ("flip_max",)), result.reason
    cli = CliRunner().invoke(app, ["equiv", str(tmp_path / "max.lp"), str(tmp_path / "min.lp"), "--flip-max"])
    assert cli.exit_code == 0 and cli.stdout.startswith("equivalent:") and "flip_max" in cli.stdout, cli.output


def test_flip_max_still_tells_apart_a_max_and_a_min_of_the_same_objective() -> None:
    def program(sense: str) -> MathProgram:
        return MathProgram.build(np.array([1.0, 2.0]), sp.csr_matrix(np.ones((1, 2))), np.array([-np.inf]),
                                 np.array([4.0]), np.zeros(2), np.full(2, 3.0), np.zeros(2, dtype=bool), sense=sense)

    result = check_equivalence(program("max"), program("min"), flip_max=True)
    assert result.verdict == "not_equivalent" and "objective" in result.reason, result.reason
