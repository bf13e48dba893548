"""How far a point is from its bounds and which entry is worst: the measure every math-program verifier reports.

numpy only, so a verifier that uses it stays free of backends and of the readers' imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray


def excess(activity: NDArray[np.float64], lower: NDArray[np.float64], upper: NDArray[np.float64]) -> NDArray[np.float64]:
    """Violation of ``lower <= activity <= upper`` (all shape (k,)), relative to ``max(1, |bound|)``.

    A side at ``-inf``/``inf`` is no side; an activity that is not finite (a nonlinear
    function outside its domain) violates by ``inf``.
    """
    with np.errstate(invalid="ignore"):
        below = np.where(np.isfinite(lower), (lower - activity) / np.maximum(1.0, np.abs(lower)), 0.0)
        above = np.where(np.isfinite(upper), (activity - upper) / np.maximum(1.0, np.abs(upper)), 0.0)
    return np.where(np.isfinite(activity), np.maximum(0.0, np.maximum(below, above)), np.inf)


def worst_violations(labelled: Sequence[tuple[str, NDArray[np.float64], Sequence[str]]]) -> dict[str, Any]:
    """For each ``(label, violations, names)`` with a positive violation, the name and size of the largest."""
    worst: dict[str, Any] = {}
    for label, values, names in labelled:
        if values.size and values.max() > 0:
            at = int(values.argmax())
            worst[label] = {"name": names[at], "violation": float(values[at])}
    return worst
