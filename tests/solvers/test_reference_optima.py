"""Solving the shipped MIP/LP instances reproduces their verified optima."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import optarium

QUICK = ["afiro.mps", "e226.mps", "p0548.mps", "flugpl.mps", "egout.mps", "gt2.mps", "stair.mps", "2171.mps"]


def reference(data_dir: Path) -> dict[str, float]:
    with open(data_dir / "mip" / "reference.csv") as handle:
        return {row["file"]: float(row["optimal_objective"]) for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", QUICK)
def test_auto_solve_matches_the_reference_optimum(data_dir: Path, name: str) -> None:
    expected = reference(data_dir)[name]
    solution = optarium.solve(data_dir / "mip" / name, record=False, rel_gap=0.0)
    assert solution.status == "optimal"
    assert solution.verified
    assert solution.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
