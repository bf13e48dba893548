"""The compact binary form of a run's values."""

from __future__ import annotations

import numpy as np
import pytest

from optarium.problem.program import Names
from optarium.store.codec import pack_values, unpack_arrays, unpack_values


def test_values_survive_packing_with_names_as_a_tuple_or_as_names() -> None:
    values = np.array([1.5, -0.0, 1e300, 3.0])
    plain = pack_values(("x", "ü", "", "y z"), values)
    assert pack_values(Names(["x", "ü", "", "y z"]), values) == plain
    names, unpacked = unpack_arrays(plain)
    assert names == ["x", "ü", "", "y z"] and np.array_equal(unpacked, values)
    assert unpack_values(plain) == {"x": 1.5, "ü": -0.0, "": 1e300, "y z": 3.0}


def test_no_values_pack_to_an_empty_blob() -> None:
    assert unpack_values(pack_values((), np.zeros(0))) == {}


def test_names_and_values_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        pack_values(("x",), np.zeros(2))
