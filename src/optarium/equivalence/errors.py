"""Errors of the equivalence check."""

from __future__ import annotations

from optarium.errors import OptariumError


class ModelTooLargeError(OptariumError, ValueError):
    """A model is above the documented size limit of the equivalence check."""

    def __init__(self, which: str, nonzeros: int, limit: int):
        super().__init__(
            f"model {which} has {nonzeros} nonzeros, above the equivalence check's limit of {limit} "
            "(raise it with max_nonzeros= if you accept the time and memory)"
        )
        self.which = which
        self.nonzeros = nonzeros
        self.limit = limit
