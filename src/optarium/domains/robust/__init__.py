"""Two-stage robust optimization: the problem, its builder and readers, the exact method, exact verification."""

from __future__ import annotations

from optarium.domains.robust.builder import RobustBuilder, total
from optarium.domains.robust.io import read_file
from optarium.domains.robust.problem import RobustProblem, Uncertainty
from optarium.domains.robust.solve import solve_robust

__all__ = ["RobustBuilder", "RobustProblem", "Uncertainty", "read_file", "solve_robust", "total"]
