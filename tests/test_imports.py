"""Importing optarium and starting the CLI load no solver or numerical library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ["numpy", "scipy", "highspy", "pyscipopt", "ortools", "torch", "botorch", "pyvrp", "pyomo", "sqlalchemy"]


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{name.split('.')[0] for name in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_import_optarium_is_light() -> None:
    assert not loaded_after("import optarium") & set(HEAVY)


def test_cli_module_is_light() -> None:
    assert not loaded_after("import optarium.cli.main") & set(HEAVY)


def test_ortools_never_loads_in_the_calling_process() -> None:
    """OR-Tools carries its own HiGHS; CP-SAT runs in a worker so highspy keeps working here."""
    code = (
        "import optarium\n"
        "from optarium.problem import MathProgram\n"
        "p = MathProgram.from_arrays(c=[-1, -1], A_ub=[[2, 1]], b_ub=[3], bounds=(0, 5), integrality=[1, 1])\n"
        "assert optarium.solve(p, solver='cpsat', record=False).objective == -3\n"
        "assert optarium.solve(p, solver='highs', record=False).objective == -3\n"
    )
    loaded = loaded_after(code)
    assert "highspy" in loaded and "ortools" not in loaded
