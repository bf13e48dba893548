"""Bilevel programs: a leader's decision answered by a follower who optimises for itself.

``BilevelProblem`` (build one in Python, or ``read_bilevel`` the JSON/YAML or
MibS form), ``solve_bilevel`` on the one flow (KKT reformulation for a
continuous follower, value-function cuts for an integer one), checked by
:func:`optarium.domains.bilevel.verify.verify_bilevel`. Continuous bilevel
problems of the machine-learning kind: :mod:`optarium.domains.bilevel.penalty`.
"""

from __future__ import annotations

from optarium.domains.bilevel.io import read_bilevel
from optarium.domains.bilevel.problem import BilevelProblem
from optarium.domains.bilevel.settings import BilevelSettings
from optarium.domains.bilevel.solve import bilevel_summary, solve_bilevel

__all__ = ["BilevelProblem", "BilevelSettings", "bilevel_summary", "read_bilevel", "solve_bilevel"]
