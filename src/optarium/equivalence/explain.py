"""Say in one line why two model graphs cannot be isomorphic."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optarium.equivalence.graph import (
    CONSTRAINT,
    LINEAR_EDGE,
    QUADRATIC_EDGE,
    SENSE_NAMES,
    VARIABLE,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from optarium.equivalence.graph import ModelGraph

_TYPE_NAMES = {0.0: "continuous", 1.0: "integer", 2.0: "binary"}


def _first_extra(x: NDArray[np.float64], y: NDArray[np.float64]) -> str:
    """A value that occurs more often in ``x`` than in ``y`` (as a short string)."""
    values, counts = np.unique(x, return_counts=True)
    other = dict(zip(*np.unique(y, return_counts=True), strict=True))
    for value, count in zip(values.tolist(), counts.tolist(), strict=True):
        if count > other.get(value, 0):
            return f"{value:.9g}"
    return "?"


def _compare(label: str, x: NDArray[np.float64], y: NDArray[np.float64], names: dict[float, str] | None = None) -> str | None:
    if np.array_equal(np.sort(x), np.sort(y)):
        return None
    in_a, in_b = _first_extra(x, y), _first_extra(y, x)
    if names is not None:
        in_a = names.get(float(in_a), in_a) if in_a != "?" else in_a
        in_b = names.get(float(in_b), in_b) if in_b != "?" else in_b
    return f"{label} differ: A has {in_a} where B has {in_b}"


def difference(a: ModelGraph, b: ModelGraph, split_round: int | None) -> str:
    """The first plain difference found (features, coefficients), else the refinement round."""
    var_a = a.features[a.features[:, 0] == VARIABLE]
    var_b = b.features[b.features[:, 0] == VARIABLE]
    con_a = a.features[a.features[:, 0] == CONSTRAINT]
    con_b = b.features[b.features[:, 0] == CONSTRAINT]
    checks = [
        ("objective coefficients", var_a[:, 1], var_b[:, 1], None),
        ("variable types", var_a[:, 2], var_b[:, 2], _TYPE_NAMES),
        ("variable lower bounds", var_a[:, 3], var_b[:, 3], None),
        ("variable upper bounds", var_a[:, 4], var_b[:, 4], None),
        ("quadratic objective diagonals", var_a[:, 5], var_b[:, 5], None),
        ("constraint senses", con_a[:, 1], con_b[:, 1], SENSE_NAMES),
        ("constraint lower sides", con_a[:, 2], con_b[:, 2], None),
        ("constraint upper sides", con_a[:, 3], con_b[:, 3], None),
    ]
    for kind, label in ((LINEAR_EDGE, "constraint coefficients"), (QUADRATIC_EDGE, "quadratic objective terms")):
        checks.append((label, a.edges[a.edges[:, 2] == kind, 3], b.edges[b.edges[:, 2] == kind, 3], None))
    for label, x, y, names in checks:
        found = _compare(label, x, y, names)
        if found:
            return found
    if split_round == 0:
        return "the variables' or constraints' feature combinations differ"
    return (
        "the same numbers sit in a different structure: colour refinement tells the graphs "
        f"apart after {split_round} round{'s' if split_round != 1 else ''}"
    )
