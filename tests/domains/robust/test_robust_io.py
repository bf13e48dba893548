"""Readers: the published knapsack and capital budgeting formats, JSON, suffixes and content, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optarium import kinds
from optarium.domains.robust import read_file
from optarium.errors import InvalidModelError

from .conftest import capital_budgeting_text


def test_knapsack_file_reads_as_the_published_model(knapsack20: Path) -> None:
    p = read_file(knapsack20)
    assert p.sense == "max" and p.first.size == 20 and p.second.size == 40 and p.uncertainty.gamma == 3
    # item 0: profit 645, degradation 334, repair weight 221, weight 546, outsourcing 827; capacity 4233
    x = np.zeros(20)
    x[0] = 1
    in_house = np.zeros(40)
    in_house[0] = 1
    xi = np.zeros(20)
    xi[0] = 0.5
    assert p.objective(x, xi, in_house) == pytest.approx(645 - 0.5 * 334)
    assert p.objective(x, xi, np.zeros(40)) == pytest.approx(645 - 827)
    repaired = in_house.copy()
    repaired[20] = 1
    assert p.objective(x, xi, repaired) == pytest.approx(645)
    _, Ay, rhs = p.matrices_at(xi)
    assert (Ay @ repaired)[0] == 546 + 221 and rhs[0] == 4233


def test_capital_budgeting_costs_and_revenues_follow_the_risk_factors(tmp_path: Path) -> None:
    path = tmp_path / "CB_n4_xi2_s1"
    path.write_text(capital_budgeting_text(4, 2, seed=1))
    p = read_file(path)
    rows = [list(map(float, line.split())) for line in path.read_text().splitlines()]
    cost, revenue, phi, psi = np.array(rows[1]), np.array(rows[2]), np.array(rows[3:7]), np.array(rows[7:11])
    xi = np.array([0.3, -0.8])
    x, y = np.array([1.0, 0, 0, 1]), np.array([0, 1.0, 0, 0])
    expected = (1 + psi @ xi / 2) * revenue @ (x + 0.8 * y)
    assert p.objective(x, xi, y) == pytest.approx(expected)
    Ax, Ay, rhs = p.matrices_at(xi)
    assert (Ax @ x + Ay @ y)[0] == pytest.approx(((1 + phi @ xi / 2) * cost) @ (x + y)) and rhs[0] == pytest.approx(cost.sum() / 2)
    assert p.uncertainty.lower.tolist() == [-1, -1] and p.uncertainty.gamma is None


def test_json_round_trip_and_suffix_readers_give_the_same_problem(knapsack20: Path, tmp_path: Path) -> None:
    p = read_file(knapsack20)
    written = tmp_path / "k.robust.json"
    written.write_text(json.dumps(p.to_dict()))
    renamed = tmp_path / "k.rkp"
    renamed.write_text(knapsack20.read_text())
    again, reader = kinds.read(written)
    assert reader.name == "robust_json" and again.fingerprint() == p.fingerprint()
    by_suffix, reader = kinds.read(renamed)
    assert reader.name == "robust_knapsack" and by_suffix.fingerprint() == p.fingerprint()


@pytest.mark.parametrize(("text", "words"), [
    ("3 100 1\n1 2 3 4 5\n", "mismatched dimensions: 3 items need 15 item numbers, got 5"),
    ("1 2 3 4\n", "cannot tell the format from the first line"),
    ("2 10 1\n1 2 x 4 5\n", "expected numbers"),
    ("", "the file is empty"),
    ("1 3 1 5.0 10\n1 2 3\n0.2 0.4 0.6\n1\n1\n1\n1\n1\n", "mismatched dimensions: 3 items need 9 lines, got 8"),
])
def test_bad_files_are_one_clear_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad"
    path.write_text(text)
    with pytest.raises(InvalidModelError, match=words):
        read_file(path)


def test_a_json_file_with_an_unbounded_uncertainty_set_is_refused(knapsack20: Path, tmp_path: Path) -> None:
    data = read_file(knapsack20).to_dict()
    data["uncertainty"]["upper"][4] = float("inf")
    path = tmp_path / "u.robust.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidModelError, match=r"unbounded: 'xi\[4\]'"):
        read_file(path)
