"""Solving MIP/LP instances reproduces their verified optima.

The suite keeps 8 of the 24 instances in ``tests/data/mip`` (see its PROVENANCE.md): the
ones solved in well under a second that still cover what matters here, LPs (afiro,
stair) and one with an objective constant (e226: +7.113), pure binary (p0548, gt2) and
mixed-integer models (flugpl, egout, 2171). All 24 are checked by
``benchmarks/core_overhead.py`` on the benchmark collection, outside the repository.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import optarium

MIP = Path(__file__).resolve().parents[1] / "data" / "mip"
QUICK = ["afiro.mps", "e226.mps.gz", "p0548.mps.gz", "flugpl.mps.gz", "egout.mps.gz", "gt2.mps.gz", "stair.mps.gz",
         "2171.mps.gz"]


def reference() -> dict[str, float]:
    """Optimal objective by original file name (``reference.csv`` names the files before gzip)."""
    with open(MIP / "reference.csv") as handle:
        return {row["file"]: float(row["optimal_objective"]) for row in csv.DictReader(handle)}


@pytest.mark.parametrize("name", QUICK)
def test_auto_solve_matches_the_reference_optimum(name: str) -> None:
    expected = reference()[name.removesuffix(".gz")]
    solution = optarium.solve(MIP / name, record=False, rel_gap=0.0)
    assert solution.status == "optimal"
    assert solution.verified
    assert solution.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
