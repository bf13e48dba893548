"""Bilevel programs: a leader's decision answered by a follower who optimises for itself.

``BilevelProblem`` (build one in Python or read the JSON/YAML or MibS form),
``solve_bilevel`` on the one flow (KKT reformulation for a continuous follower,
value-function cuts for an integer one) and ``verify_bilevel``.
"""

from __future__ import annotations

from optarium.domains.bilevel.problem import BilevelProblem

__all__ = ["BilevelProblem"]
