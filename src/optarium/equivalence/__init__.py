"""Are two models the same problem? A certified Weisfeiler-Lehman test (after ORGEval, 2025).

``check_equivalence(a, b)`` answers ``equivalent`` (the two graphs are isomorphic:
the models are the same up to renaming and reordering variables and constraints),
``not_equivalent`` (provably not isomorphic), or ``undetermined`` (1-WL cannot tell,
or the time limit passed). ``a`` is the reference: certification looks at its graph.
See ``graph.py`` and ``wl.py`` for the method and where it departs from the paper.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from optarium.equivalence.errors import ModelTooLargeError

if TYPE_CHECKING:
    from optarium.problem.program import MathProgram

__all__ = ["MAX_NONZEROS", "EquivalenceResult", "ModelTooLargeError", "check_equivalence"]

Verdict = Literal["equivalent", "not_equivalent", "undetermined"]
# Above this many nonzeros (constraint matrix plus quadratic objective) per model the
# check is refused: colour refinement stays near-linear, but hashing, the certificate
# and memory grow with it, and such models are rarely compared this way.
MAX_NONZEROS = 1_000_000
DEFAULT_TIME_LIMIT = 60.0


@dataclass
class EquivalenceResult:
    """The answer: ``verdict``, a one-line ``reason``, and what was done to get it.

    ``normalisations`` names the rewrites applied to both models (``scale_rows``,
    ``flip_ge``); ``certificate`` is ``wl_determinable`` or ``symmetric_decomposable``
    for an ``equivalent`` verdict; ``sizes`` holds variables, constraints and
    nonzeros of ``a`` and ``b``; ``rounds`` counts refinement rounds.
    """

    verdict: Verdict
    reason: str
    normalisations: tuple[str, ...] = ()
    seconds: float = 0.0
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    certificate: str | None = None
    rounds: int = 0

    @property
    def equivalent(self) -> bool:
        return self.verdict == "equivalent"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["normalisations"] = list(self.normalisations)
        return data


def _sizes(program: MathProgram) -> dict[str, int]:
    quadratic = program.Q.nnz if program.Q is not None else 0
    return {
        "variables": program.n_vars,
        "constraints": program.n_cons,
        "nonzeros": int(program.A.nnz),
        "quadratic_nonzeros": int(quadratic),
    }


def _count_mismatch(sizes: dict[str, dict[str, int]]) -> str | None:
    for key, label in (("variables", "variables"), ("constraints", "constraints"),
                       ("nonzeros", "constraint coefficients"), ("quadratic_nonzeros", "quadratic terms")):
        if sizes["a"][key] != sizes["b"][key]:
            return f"different numbers of {label}: {sizes['a'][key]} in A, {sizes['b'][key]} in B"
    return None


def check_equivalence(
    a: MathProgram,
    b: MathProgram,
    *,
    scale_rows: bool = False,
    flip_ge: bool = False,
    flip_max: bool = False,
    max_nonzeros: int = MAX_NONZEROS,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> EquivalenceResult:
    """Decide whether ``b`` is the same problem as the reference ``a`` (up to names and order).

    ``scale_rows`` divides every row by its largest absolute coefficient and ``flip_ge``
    rewrites ``>=`` rows as ``<=`` in both models before comparing; ``flip_max`` compares a
    maximisation as the minimisation of its negated objective. Different sizes give
    ``not_equivalent``, not an error. Raises :class:`ModelTooLargeError` when a model has
    more than ``max_nonzeros`` nonzeros; passing ``time_limit`` seconds gives
    ``undetermined``.
    """
    from optarium.equivalence import explain
    from optarium.equivalence.graph import build_graph
    from optarium.equivalence.wl import certify, histograms_equal, refine, symmetry_summary

    started = time.perf_counter()
    used = tuple(name for name, on in (("scale_rows", scale_rows), ("flip_ge", flip_ge), ("flip_max", flip_max)) if on)
    sizes = {"a": _sizes(a), "b": _sizes(b)}

    def result(verdict: Verdict, reason: str, **extra: Any) -> EquivalenceResult:
        return EquivalenceResult(verdict, reason, used, time.perf_counter() - started, sizes, **extra)

    mismatch = _count_mismatch(sizes)
    if mismatch:
        return result("not_equivalent", mismatch)
    if a.sense != b.sense and not flip_max:
        return result("not_equivalent", f"objective sense differs: {a.sense} in A, {b.sense} in B")
    for label, size in sizes.items():
        total = size["nonzeros"] + size["quadratic_nonzeros"]
        if total > max_nonzeros:
            raise ModelTooLargeError(label.upper(), total, max_nonzeros)
    deadline = None if time_limit is None else started + time_limit
    graph_a = build_graph(a, scale_rows=scale_rows, flip_ge=flip_ge, flip_max=flip_max)
    graph_b = build_graph(b, scale_rows=scale_rows, flip_ge=flip_ge, flip_max=flip_max)
    if graph_a.offset != graph_b.offset:
        as_min = " (as minimisations)" if flip_max else ""
        return result("not_equivalent",
                      f"objective constant differs{as_min}: {graph_a.offset:g} in A, {graph_b.offset:g} in B")
    refinement = refine(graph_a, graph_b, deadline)
    if refinement.first_split_round == 0 or not histograms_equal(refinement):
        reason = explain.difference(graph_a, graph_b, refinement.first_split_round)
        return result("not_equivalent", reason, rounds=refinement.rounds)
    if not refinement.stable:
        return result(
            "undetermined",
            f"time limit of {time_limit:g} s reached after {refinement.rounds} refinement rounds "
            "with equal colour histograms",
            rounds=refinement.rounds,
        )
    certificate = certify(graph_a, refinement.a)
    if certificate == "wl_determinable":
        reason = "isomorphic graphs: every node of A has its own colour and B has the same colours"
    elif certificate == "symmetric_decomposable":
        classes, nodes = symmetry_summary(refinement.a)
        reason = (
            "isomorphic graphs: equal colour histograms and A is symmetric decomposable "
            f"({nodes} nodes in {classes} repeated colour classes split into interchangeable parts)"
        )
    else:
        classes, nodes = symmetry_summary(refinement.a)
        return result(
            "undetermined",
            f"equal colour histograms, but A is neither WL-determinable nor symmetric decomposable "
            f"({nodes} nodes share {classes} colour classes), so 1-WL cannot certify isomorphism",
            rounds=refinement.rounds,
        )
    return result("equivalent", reason, certificate=certificate, rounds=refinement.rounds)
