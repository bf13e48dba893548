"""optarium: turn optimization problems into verified best decisions.

Heavy libraries (solvers, numpy, torch) load only when they are used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from optarium.api import solve
    from optarium.errors import OptariumError
    from optarium.problem.program import MathProgram
    from optarium.solution import Solution, Verification
    from optarium.store.base import Store, open_store

_LAZY = {
    "solve": ("optarium.api", "solve"),
    "load": ("optarium.api", "load"),
    "MathProgram": ("optarium.problem.program", "MathProgram"),
    "read_problem": ("optarium.problem.io", "read_problem"),
    "write_problem": ("optarium.problem.io", "write_problem"),
    "Solution": ("optarium.solution", "Solution"),
    "Verification": ("optarium.solution", "Verification"),
    "Store": ("optarium.store.base", "Store"),
    "open_store": ("optarium.store.base", "open_store"),
    "OptariumError": ("optarium.errors", "OptariumError"),
    "Study": ("optarium.blackbox.study", "Study"),
    "Space": ("optarium.blackbox.space", "Space"),
    "optimize": ("optarium.blackbox.optimize", "optimize"),
    "formulate": ("optarium.formulate", "formulate"),
}

__all__ = ["MathProgram", "OptariumError", "Solution", "Store", "Verification", "__version__", "open_store", "solve"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'optarium' has no attribute {name!r}")
