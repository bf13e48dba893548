"""Recognising a family from a problem's features: a short feature vector, centroids, distances.

The vector puts sizes on a log scale and shares (integer, binary, equality rows)
as they are, so each coordinate varies on a scale of about one between families
and little within one. Two problems of one family lie within a few hundredths of
each other; ``THRESHOLD`` is the distance beyond which a problem is not taken as
a member of a family.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

THRESHOLD = 0.1
COORDINATES = (
    "log_vars", "log_cons", "log_nonzeros", "log_rows_per_column", "log_nonzeros_per_row", "integer_share",
    "binary_share", "equality_share", "integral_coefficients", "log_matrix_range", "log_objective_range",
)


def feature_vector(features: Mapping[str, Any]) -> list[float]:
    """The recognition vector of a problem's ``features()``, one number per name in ``COORDINATES``."""
    n_vars = max(int(features.get("n_vars", 0)), 1)
    n_cons = max(int(features.get("n_cons", 0)), 1)
    nonzeros = int(features.get("n_nonzeros", 0))
    return [
        math.log10(n_vars) / 2,
        math.log10(n_cons) / 2,
        math.log10(nonzeros + 1) / 2,
        math.log10(n_cons / n_vars),
        math.log10((nonzeros + 1) / n_cons),
        int(features.get("n_integer", 0)) / n_vars,
        int(features.get("n_binary", 0)) / n_vars,
        int(features.get("n_equality", 0)) / n_cons,
        1.0 if features.get("integral_coefficients") else 0.0,
        _log_span(features.get("matrix_range")) / 2,
        _log_span(features.get("objective_range")) / 8,
    ]


def _log_span(span: Sequence[float] | None) -> float:
    if not span or span[0] <= 0:
        return 0.0
    return math.log10(span[1] / span[0])


def centroid(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The mean of equally long vectors; ``ValueError`` for none."""
    if not vectors:
        raise ValueError("`vectors` must hold at least one vector, got none")
    return [sum(column) / len(vectors) for column in zip(*vectors, strict=True)]


def distance(first: Sequence[float], second: Sequence[float]) -> float:
    """Root-mean-square difference of two vectors of the same length."""
    if len(first) != len(second):
        raise ValueError(f"vectors must have the same length, got {len(first)} and {len(second)}")
    return math.sqrt(sum((a - b) ** 2 for a, b in zip(first, second, strict=True)) / len(first))


def two_groups(vectors: Sequence[Sequence[float]], rounds: int = 10) -> tuple[list[int], list[int], float]:
    """Split ``vectors`` in two (2-means from the farthest pair); the groups and their centroids' distance.

    A folder is one family when this distance is at most ``THRESHOLD``: one family
    spreads evenly (its farthest pair may lie farther apart than ``THRESHOLD``,
    its halves' centroids do not), two families form two groups.
    """
    n = len(vectors)
    if n < 2:
        return list(range(n)), [], 0.0
    _, first, second = max((distance(vectors[i], vectors[j]), i, j) for i in range(n) for j in range(i + 1, n))
    centres = [list(vectors[first]), list(vectors[second])]
    groups: list[list[int]] = [[first], [second]]
    for _ in range(rounds):
        split = [[i for i in range(n) if distance(vectors[i], centres[0]) <= distance(vectors[i], centres[1])], []]
        split[1] = [i for i in range(n) if i not in set(split[0])]
        if not split[1]:
            return split[0], [], 0.0
        if split == groups:
            break
        groups = split
        centres = [centroid([vectors[i] for i in group]) for group in groups]
    return groups[0], groups[1], distance(centres[0], centres[1])
