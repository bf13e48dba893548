"""The robust problem and its builder: the model a user writes is the model solved; bad data is named."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.domains.robust import RobustBuilder, Uncertainty
from optarium.errors import InvalidModelError


def _builder() -> RobustBuilder:
    b = RobustBuilder("tiny", sense="max")
    x = b.first_stage(2, "x", vtype="binary")
    y = b.recourse(2, "y", vtype="binary")
    xi = b.uncertain(2, "xi", lower=0, upper=1, budget=1)
    b.objective(3 * x[0] + 2 * x[1] + y[0] - (xi[0] + 0.5) * y[0] + 4 + xi[1])
    b.constrain(x[0] + x[1], "<=", 1)
    b.constrain(y[0] + 2 * xi[1] * x[0], "<=", x[1] + 2)
    b.constrain(y[1], "==", x[0])
    return b


def test_builder_puts_every_term_where_the_documented_form_says() -> None:
    p = _builder().build()
    assert p.sense == "max" and p.first.integer.all() and p.second.upper.tolist() == [1, 1]
    assert p.cx.tolist() == [3, 2] and p.cy.tolist() == [0.5, 0] and p.c0 == 4
    assert p.Cy[0].tolist() == [-1, 0] and p.cxi.tolist() == [0, 1]
    # rows: x0+x1<=1 ; y0 + 2 xi1 x0 - x1 <= 2 ; y1 - x0 <= 0 ; -(y1 - x0) <= 0
    assert len(p.b) == 4 and p.b.tolist() == [1, 2, 0, 0]
    assert p.Ax[1].tolist() == [0, -1] and p.Ay[1].tolist() == [1, 0]
    Ax, _, _ = p.matrices_at(np.array([0.0, 0.5]))
    assert Ax[1].tolist() == [1.0, -1.0] and p.uncertain_rows == [1]
    x, y, xi = np.array([1.0, 0.0]), np.array([1.0, 1.0]), np.array([0.25, 0.75])
    assert p.objective(x, xi, y) == pytest.approx(3 + 1 - 0.75 + 4 + 0.75)
    assert p.uncertainty.gamma == 1 and p.uncertainty.contains(np.array([0.5, 0.5]))
    assert not p.uncertainty.contains(np.array([0.75, 0.5]))


def test_fingerprint_is_stable_and_follows_the_data() -> None:
    first, again = _builder().build(), _builder().build()
    assert first.fingerprint() == again.fingerprint()
    other = _builder()
    other.constrain(other.first_stage(1, "z")[0], "<=", 5)
    assert other.build().fingerprint() != first.fingerprint()
    features = first.features()
    assert features["first_stage"] == 2 and features["recourse"] == 2 and features["uncertain_rows"] == 1
    assert features["budget"] == 1 and features["objective_uncertain"] is True


@pytest.mark.parametrize(("make", "words"), [
    (lambda: Uncertainty.box([0, 2], [1, 1]), "empty: 'xi[1]' has lower=2.0 > upper=1.0"),
    (lambda: Uncertainty.box([0, 0], [1, np.inf]), "unbounded: 'xi[1]'"),
    (lambda: Uncertainty.budgeted([0, 0], [1, 1], -1), "gamma=-1"),
    (lambda: Uncertainty(("a", "b"), np.zeros(2), np.ones(2), np.array([[1.0, 1.0]]), np.array([-1.0])), "is empty"),
    (lambda: RobustBuilder(sense="maximise"), "'maximise'"),
    (lambda: RobustBuilder().first_stage(0), "count=0"),
    (lambda: RobustBuilder().recourse(2, vtype="bool"), "'bool'"),
])
def test_bad_arguments_are_refused_naming_the_value(make, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidModelError, match=words.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        make()


def test_products_of_two_variables_and_mismatched_dimensions_are_refused() -> None:
    b = RobustBuilder()
    x = b.first_stage(1)
    y = b.recourse(1)
    with pytest.raises(InvalidModelError, match="product of two variables"):
        b.objective(x[0] * y[0])
    p = _builder().build()
    from dataclasses import replace

    with pytest.raises(InvalidModelError, match=r"mismatched dimensions: `cy` must have shape \(2,\)"):
        replace(p, cy=np.zeros(3))


def test_a_budgeted_set_is_built_after_another_highs_solve_in_the_same_process() -> None:
    """HiGHS keeps one thread scheduler per process: a sub-solve may not ask for another thread count."""
    import subprocess
    import sys

    code = (
        "import optarium\n"
        "optarium.solve('examples/knapsack.lp', record=False)\n"
        "from optarium.domains.robust.problem import Uncertainty\n"
        "print(Uncertainty.budgeted([0, 0], [1, 1], 1).gamma)\n"
    )
    root = __import__("pathlib").Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1.0"
