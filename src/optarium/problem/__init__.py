"""Canonical problems: the math program, its readers and writers, adapters and checks."""

from optarium.problem.io import read_problem, write_problem
from optarium.problem.program import MathProgram

__all__ = ["MathProgram", "read_problem", "write_problem"]
